"""The wheel built once per session and installed into a scratch venv (tests/support/installed_wheel.py)."""

from __future__ import annotations

import pytest

from tests.support.installed_wheel import InstalledWheel, build_wheel, scratch_venv


@pytest.fixture(scope="session")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> InstalledWheel:
    workdir = tmp_path_factory.mktemp("package")
    return scratch_venv(workdir, build_wheel(workdir))
