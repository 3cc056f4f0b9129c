"""The program names the stack file where Pulumi.yaml's stackConfigDir puts it (one rule, provider.stack.files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pulumi

from tests.support.paths import ROOT
from tests.support.program_under_mocks import MAIN, PROJECT, RunProgram

KEY = f"{PROJECT}:rayClusters"
BAD = {"emr:workspaceId": "w-1", KEY: {"etl": {"headSpec": {"cpu": "lots"}}}}


def _project(directory: Path, stack_dir: str | None) -> Path:
    """A copy of the program under a Pulumi.yaml that puts the stack files in ``stack_dir``."""
    directory.mkdir()
    program = directory / "__main__.py"
    shutil.copy(MAIN, program)
    settings = f"name: {PROJECT}\nruntime: python\n" + (f"stackConfigDir: {stack_dir}\n" if stack_dir else "")
    (directory / "Pulumi.yaml").write_text(settings)
    return program


def _failure(run_program: RunProgram, program: Path, stack: str) -> str:
    run = run_program(BAD, stack=stack, program=program)
    assert isinstance(run.error, pulumi.RunError), run.error
    return str(run.error)


def test_this_projects_stack_files_are_under_stacks(run_program: RunProgram) -> None:
    assert "invalid stack config in stacks/Pulumi.qa.yaml" in _failure(run_program, MAIN, "qa")
    assert (ROOT / "stacks").is_dir()


def test_another_stack_config_dir_is_named_in_the_message(run_program: RunProgram, tmp_path: Path) -> None:
    text = _failure(run_program, _project(tmp_path / "envs-project", "environments"), "qa")
    assert "invalid stack config in environments/Pulumi.qa.yaml" in text


def test_without_a_stack_config_dir_the_files_are_beside_pulumi_yaml(run_program: RunProgram, tmp_path: Path) -> None:
    text = _failure(run_program, _project(tmp_path / "flat-project", None), "qa")
    assert "invalid stack config in Pulumi.qa.yaml" in text
