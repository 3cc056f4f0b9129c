"""Install the Pulumi CLI matching the installed Pulumi SDK into a directory of the project (scripts/demo).

Usage: .venv/bin/python scripts/lib/install_pulumi_cli.py DEST      (DEST: e.g. .pulumi-cli; exit 0 or 2)

What it promises, and how:

- **The version of the SDK.** The CLI version is the installed ``pulumi`` package's (pinned in constraints.txt),
  read from its metadata, so the pin is written once.
- **Whole or not at all.** The CLI goes into a temporary sibling of DEST, renamed to DEST only once it works; on
  any failure (or Ctrl-C) that directory is removed. Nothing is written outside the project: no ~/.pulumi, no shell
  profile (``--no-edit-path``), and the installer's temporary files go under the temporary directory (TMPDIR, cwd).
- **Fails within seconds where the download cannot work** (offline, blocked): every network wait of the SDK's
  installer is bounded by a socket timeout, and the official install.sh it runs (whose curl has no timeout) is
  killed with its process group when nothing arrives for ``STALL_SECONDS``. A slow download that still moves is
  left alone up to ``TOTAL_SECONDS``. The failure is one line on stderr: what was tried and how to install by hand.

The installer is ``pulumi.automation.PulumiCommand.install`` (it fetches https://get.pulumi.com/install.sh and runs
it with ``--install-root``), run in a child process so that it can be bounded and killed as a whole.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

#: Bound on each network wait of the SDK's installer (connect, each read): no answer this long = unreachable.
SOCKET_TIMEOUT = 10.0
#: The installer wrote nothing for this long (its curl has no timeout of its own): give up.
STALL_SECONDS = 20.0
#: Backstop for a slow download that still makes progress.
TOTAL_SECONDS = 900.0
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class InstallError(Exception):
    """The install did not produce a working CLI; the message is the reason, on one line."""


def sdk_version() -> str:
    """The installed Pulumi SDK's version: the CLI to install is the one it was released with."""
    return metadata.version("pulumi")


def tried(version: str) -> str:
    return f"pulumi.automation.PulumiCommand.install(version={version}), which runs https://get.pulumi.com/install.sh"


def by_hand(version: str) -> str:
    return (
        f"install it by hand: curl -fsSL https://get.pulumi.com | sh -s -- --version {version} "
        "(then open a new shell), or set PULUMI_CLI=/path/to/pulumi; then run ./scripts/demo again"
    )


def _one_line(text: str) -> str:
    """The last meaningful line of an installer's output, without colour codes."""
    lines = [line.strip() for line in _ANSI.sub("", text).splitlines()]
    lines = [line for line in lines if line and not line.startswith(("We're sorry", "If you need help"))]
    return lines[-1] if lines else "no output"


def _bytes_under(directory: Path) -> int:
    """Total size of the files under ``directory``: the installer's progress."""
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue  # removed while we looked
    return total


def run_bounded(
    argv: Sequence[str],
    workdir: Path,
    stall_seconds: float = STALL_SECONDS,
    total_seconds: float = TOTAL_SECONDS,
    poll: float = 0.2,
) -> None:
    """Run ``argv`` in ``workdir`` (also its TMPDIR) in its own process group; kill the group when nothing is
    written under ``workdir`` for ``stall_seconds`` or after ``total_seconds``. Raises InstallError on failure."""
    scratch = workdir / "tmp"
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(scratch)}
    child = subprocess.Popen(  # noqa: S603 - our own argv
        list(argv),
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    started = last_change = time.monotonic()
    seen = -1
    try:
        while True:
            try:
                child.wait(timeout=poll)
                break
            except subprocess.TimeoutExpired:
                pass
            now, size = time.monotonic(), _bytes_under(workdir)
            if size != seen:
                seen, last_change = size, now
            if now - last_change > stall_seconds:
                raise InstallError(f"no progress for {stall_seconds:.0f} s (network blocked?)")
            if now - started > total_seconds:
                raise InstallError(f"not done after {total_seconds:.0f} s")
    finally:
        if child.poll() is None:
            _kill_group(child)
        stderr = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
        if child.stderr:
            child.stderr.close()
    if child.returncode != 0:
        raise InstallError(_one_line(stderr))


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """Kill the child and everything it started (install.sh, curl): they share its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def install(dest: Path, version: str, argv: Sequence[str] | None = None, **bounds: float) -> Path:
    """Install into ``dest`` (which must not exist) through a temporary sibling; returns the CLI's path."""
    partial = Path(tempfile.mkdtemp(prefix=f"{dest.name}.partial-", dir=dest.parent))
    try:
        command = argv or [sys.executable, os.path.abspath(__file__), "--child", str(partial), version]
        run_bounded(command, partial, **bounds)
        shutil.rmtree(partial / "tmp", ignore_errors=True)
        cli = partial / "bin" / "pulumi"
        if not os.access(cli, os.X_OK):
            raise InstallError(f"the installer finished but left no {cli.relative_to(partial)}")
        partial.chmod(0o755)  # mkdtemp made it private; the CLI directory is an ordinary one
        try:
            partial.rename(dest)
        except OSError:
            if not os.access(dest / "bin" / "pulumi", os.X_OK):  # not a concurrent run that got there first
                raise
        return dest / "bin" / "pulumi"
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def child_main(root: str, version: str) -> int:
    """In the child: the SDK's installer, every socket wait bounded; one line on stderr on failure."""
    socket.setdefaulttimeout(SOCKET_TIMEOUT)
    from pulumi.automation import PulumiCommand
    from semver import VersionInfo

    try:
        PulumiCommand.install(root=root, version=VersionInfo.parse(version))
    except subprocess.CalledProcessError as exc:
        output = exc.output.decode("utf-8", "replace") if isinstance(exc.output, bytes) else str(exc.output or "")
        print(f"install.sh exited with {exc.returncode}: {_one_line(output)}", file=sys.stderr)
        return 1
    except Exception as exc:  # any failure becomes the one line the user reads
        print(f"{type(exc).__name__}: {_one_line(str(exc))}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str]) -> int:
    if len(argv) == 4 and argv[1] == "--child":
        return child_main(argv[2], argv[3])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    dest = Path(argv[1]).absolute()
    shown = os.path.relpath(dest)
    version = sdk_version()
    print(f"== installing the Pulumi CLI v{version} (the SDK's version) into {shown}/", flush=True)
    # SIGTERM (a CI job stopped) runs the same cleanup as Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        cli = install(dest, version)
    except KeyboardInterrupt:
        print(f"error: the install of the Pulumi CLI v{version} was interrupted; nothing was kept", file=sys.stderr)
        return 130
    except (InstallError, OSError) as exc:
        print(
            f"error: could not install the Pulumi CLI v{version} into {shown}/: tried {tried(version)}: {exc}; "
            f"{by_hand(version)}",
            file=sys.stderr,
        )
        return 2
    print(f"== installed {os.path.relpath(cli)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
