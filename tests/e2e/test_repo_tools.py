"""The PR-preview workflow and the demo scripts, checked without the Pulumi CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "preview.yml"
ACTIONLINT = ROOT / ".venv" / "bin" / "actionlint"


@pytest.mark.skipif(not ACTIONLINT.exists(), reason="actionlint not installed in .venv (dev extra)")
@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="actionlint needs a git checkout")
def test_actionlint_accepts_the_preview_workflow() -> None:
    result = subprocess.run(
        [str(ACTIONLINT), "-no-color", str(WORKFLOW.relative_to(ROOT))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_previews_every_stack_with_a_pr_comment() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    # PyYAML reads the bare key `on` as True.
    assert "pull_request" in workflow[True]
    job = workflow["jobs"]["preview"]
    stacks = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("*.yaml"))
    assert sorted(job["strategy"]["matrix"]["stack"]) == stacks
    previews = [s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@v6")]
    assert len(previews) == 2  # dev (emulator, file backend) and the cloud stacks
    for step in previews:
        assert step["with"]["command"] == "preview"
        assert step["with"]["diff"] is True and step["with"]["comment-on-pr"] is True
    dev = next(s for s in previews if s["if"] == "matrix.stack == 'dev'")
    assert dev["with"]["cloud-url"].startswith("file://")
    emulator_step = next(s for s in job["steps"] if s.get("name") == "Start the emulator")
    assert "--port 18080" in emulator_step["run"]
    cloud = next(s for s in previews if s is not dev)
    assert cloud["env"]["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] == "${{ secrets.ALIBABA_CLOUD_ACCESS_KEY_SECRET }}"


def _bare_path(tmp_path: Path, tools: list[str]) -> str:
    """A PATH holding only the named tools, so that no `pulumi` can be found."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        found = shutil.which(tool)
        assert found, f"{tool} is needed by this test"
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


def test_demo_down_without_pulumi_still_stops_the_demo_emulator(tmp_path: Path) -> None:
    # A copy of the script in a scratch checkout, so that a real demo emulator of this repo is never touched.
    checkout = tmp_path / "checkout"
    (checkout / "scripts" / "lib").mkdir(parents=True)
    (checkout / ".state").mkdir()
    for script in ("scripts/demo-down", "scripts/lib/pulumi-cli.sh"):
        shutil.copy(ROOT / script, checkout / script)
    # The stand-in for the emulator is not our child (like the real one), so nothing here delays its reaping.
    spawn = subprocess.run(
        ["bash", "-c", "nohup sleep 60 >/dev/null 2>&1 & echo $!"], capture_output=True, text=True, timeout=10
    )
    pid = int(spawn.stdout)
    try:
        (checkout / ".state" / "emulator.pid").write_text(f"{pid}\n")
        env = {"PATH": _bare_path(tmp_path, ["bash", "dirname", "cat", "seq", "sleep", "rm"]), "HOME": str(tmp_path)}
        result = subprocess.run(
            ["bash", str(checkout / "scripts" / "demo-down")], env=env, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 2, result.stderr
        assert "was not destroyed" in result.stderr
        assert "stopping the emulator" in result.stdout
        # The stand-in is not our child, so its exit is seen by polling (its parent, init, reaps it).
        wait_for(lambda: _gone(pid), "demo-down to stop the process in .state/emulator.pid")
        assert not (checkout / ".state" / "emulator.pid").exists()
    finally:
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)


def _gone(pid: int) -> bool:
    """The process no longer exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("script", ["demo", "demo-down", "acceptance", "test"])
def test_scripts_are_executable_bash_with_strict_mode(script: str) -> None:
    path = ROOT / "scripts" / script
    assert os.access(path, os.X_OK)
    text = path.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
