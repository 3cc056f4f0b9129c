"""Which Pulumi CLI the demo scripts run (scripts/lib/pulumi-cli.sh), and the installer's guarantees
(scripts/lib/install_pulumi_cli.py) checked with stand-in installers: a working one, a stalled one, a failing one."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_installer() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "install_pulumi_cli", ROOT / "scripts" / "lib" / "install_pulumi_cli.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


installer = _load_installer()


def _fake_cli(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    cli = directory / "pulumi"
    cli.write_text("#!/bin/sh\necho v0.0.0\n")
    cli.chmod(0o755)
    return cli


def _chosen(cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """(status of find_pulumi, PULUMI, PATH) as the scripts see them."""
    probe = 'source "$LIB"; status=0; find_pulumi || status=$?; printf "%s\\n%s\\n%s\\n" "$status" "$PULUMI" "$PATH"'
    env = {"LIB": str(ROOT / "scripts" / "lib" / "pulumi-cli.sh"), "HOME": str(cwd), **env}
    out = subprocess.run(["bash", "-c", probe], cwd=cwd, env=env, capture_output=True, text=True, timeout=30)
    status, pulumi, path = out.stdout.splitlines()
    return int(status), pulumi, path


def test_pulumi_cli_wins_then_path_then_the_project_copy(tmp_path: Path) -> None:
    project = tmp_path / "project"
    local = _fake_cli(project / ".pulumi-cli" / "bin")
    on_path = _fake_cli(tmp_path / "on-path")
    given = _fake_cli(tmp_path / "given")
    base = f"{on_path.parent}:/usr/bin:/bin"

    assert _chosen(project, {"PATH": base, "PULUMI_CLI": str(given)})[:2] == (0, str(given))
    assert _chosen(project, {"PATH": base})[:2] == (0, str(on_path))
    status, chosen, path = _chosen(project, {"PATH": "/usr/bin:/bin"})
    assert (status, chosen) == (0, str(local))
    # A CLI off PATH goes first on PATH: the engine finds the language plugins shipped beside it.
    assert path.split(":")[0] == str(local.parent)

    local.unlink()
    assert _chosen(project, {"PATH": "/usr/bin:/bin"})[:2] == (1, "")


def test_install_lands_whole_and_leaves_no_temporary_directory(tmp_path: Path) -> None:
    # A stand-in for the SDK's installer: writes the CLI under its working directory, as --install-root does.
    script = "import os, pathlib; b = pathlib.Path('bin'); b.mkdir(); p = b / 'pulumi'; p.write_text('#!/bin/sh\\n');"
    script += " p.chmod(0o755); open(os.path.join(os.environ['TMPDIR'], 'download'), 'w').write('x')"
    dest = tmp_path / ".pulumi-cli"

    cli = installer.install(dest, "3.272.0", argv=[sys.executable, "-c", script])

    assert cli == dest / "bin" / "pulumi" and os.access(cli, os.X_OK)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pulumi-cli"]
    assert sorted(p.name for p in dest.iterdir()) == ["bin"]  # the installer's TMPDIR is gone


def test_a_stalled_installer_is_killed_with_its_children_and_nothing_is_kept(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    # Like install.sh whose curl waits for a host that never answers: a child process that writes nothing.
    script = f"sleep 60 & echo $! > {pid_file}; wait"
    dest = tmp_path / ".pulumi-cli"
    started = time.monotonic()

    with pytest.raises(installer.InstallError, match="no progress for 1 s"):
        installer.install(dest, "3.272.0", argv=["bash", "-c", script], stall_seconds=1.0)

    assert time.monotonic() - started < 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grandchild.pid"]
    grandchild = int(pid_file.read_text())
    assert not _alive(grandchild), "the installer's own child outlived it"


def test_a_failing_installer_is_reported_by_its_last_line(tmp_path: Path) -> None:
    script = "import sys; print('step 1 ok', file=sys.stderr)"
    script += "; print('\\x1b[31mno route to host\\x1b[0m', file=sys.stderr); sys.exit(1)"

    with pytest.raises(installer.InstallError, match=r"^no route to host$"):
        installer.install(tmp_path / ".pulumi-cli", "3.272.0", argv=[sys.executable, "-c", script])

    assert list(tmp_path.iterdir()) == []


def test_an_installer_that_leaves_no_cli_is_a_failure(tmp_path: Path) -> None:
    with pytest.raises(installer.InstallError, match="left no bin/pulumi"):
        installer.install(tmp_path / ".pulumi-cli", "3.272.0", argv=[sys.executable, "-c", "pass"])

    assert list(tmp_path.iterdir()) == []


def _alive(pid: int, wait: float = 5.0) -> bool:
    """True if `pid` still runs (and is not a zombie) after up to `wait` seconds."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split()[2]
        except (FileNotFoundError, ProcessLookupError):
            return False
        if state == "Z":
            return False
        time.sleep(0.05)
    return True
