"""The built wheel, installed into a scratch venv outside the repo, as another infra repo would install it.

The wheel is built from a copy of the checkout (a build in the checkout itself reuses build/lib/, where files of
earlier builds linger and would be packed too), with .venv's setuptools and no network. The scratch venv gets
the wheel alone (``--no-deps``); its dependencies are made importable from this project's .venv by a .pth file,
since the tests run offline. Only the wheel provides ``provider`` there: the checkout is not on its sys.path.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from tests.support.paths import ROOT

#: What a build copy leaves out: local state, caches and earlier build output (never sources).
COPY_IGNORE = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "__pycache__", "node_modules")


@dataclass(frozen=True)
class InstalledWheel:
    wheel: Path
    #: The scratch venv's interpreter, with the wheel installed.
    python: Path
    site_packages: Path


def _run(*command: str | Path, cwd: Path) -> None:
    done = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout}\n{done.stderr}"


def build_wheel(workdir: Path) -> Path:
    """``pip wheel`` of a clean copy of the checkout; the path of the one wheel it writes."""
    source, dist = workdir / "source", workdir / "dist"
    shutil.copytree(ROOT, source, ignore=COPY_IGNORE)
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check")
    _run(*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", dist, source, cwd=workdir)
    [wheel] = dist.glob("*.whl")
    return wheel


def scratch_venv(workdir: Path, wheel: Path) -> InstalledWheel:
    """A new venv (outside the repo) holding the wheel, with .venv's site-packages appended for the dependencies."""
    venv = workdir / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=workdir)
    python = venv / "bin" / "python"
    pip = (sys.executable, "-m", "pip", "--disable-pip-version-check", "--python", python)
    _run(*pip, "install", "--no-deps", "--no-index", wheel, cwd=workdir)
    [site_packages] = (venv / "lib").glob("python3*/site-packages")
    (site_packages / "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return InstalledWheel(wheel, python, site_packages)


def run_python(installed: InstalledWheel, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The scratch interpreter in isolated mode (-I: no PYTHONPATH, no current directory on sys.path)."""
    command = [str(installed.python), "-I", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
