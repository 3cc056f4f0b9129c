"""`./scripts/stack-spec` checks a stack with the program's own rules: every problem at once, one line each, exit 2;
a YAML error is one line with the file, line and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provider.stack import show
from tests.support.paths import ROOT


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_shipped_stacks_are_valid(project: Path) -> None:
    for stack in ("dev", "staging", "prod"):
        assert show.main([stack], root=project) == 0


def test_every_problem_is_one_line_and_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = project / "stacks" / "Pulumi.dev.yaml"
    text = dev.read_text().replace(
        "  ray-clusters:rayClusters:", '  ray-clusters:capacityBudgetCU: "3"\n  ray-clusters:rayClusters:', 1
    )
    text = text.replace("        memory: 8Gi\n", "        memory: 8GB\n        memroy: 8Gi\n", 1)
    dev.write_text(text)
    capsys.readouterr()

    assert show.main(["dev"], root=project) == 2

    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert out.out == "" and len(lines) == 3, lines
    assert all(line.startswith("error: stacks/Pulumi.dev.yaml: ray-clusters:") for line in lines)
    assert "did you mean ray-clusters:capacityBudgetCu?" in lines[0]
    assert "headSpec.memory: memory '8GB' is not understood" in lines[1]
    assert "headSpec.memroy: unknown property 'memroy': did you mean 'memory'?" in lines[2]


def test_a_yaml_error_is_one_line_with_file_line_and_column(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "stacks" / "Pulumi.broken.yaml").write_text("config:\n  ray-clusters:rayClusters: [1, 2\n")
    assert show.main(["broken"], root=project) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: stacks/Pulumi.broken.yaml:3:1: not valid YAML: ")
