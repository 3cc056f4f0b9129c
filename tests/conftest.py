"""Shared fixtures: the emulator process (see harness/emulator.py for the handle)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator, start_emulator

TEST_STARTUP_SECONDS = 0.2
DEFAULT_CONFIG = {
    "startupSeconds": TEST_STARTUP_SECONDS,
    "stopSeconds": TEST_STARTUP_SECONDS,
    "updateMode": "immediate",
    "startupFailureMessage": None,
    "omitKeys": [],
    "rateLimits": {},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record",
        metavar="DIR",
        default=None,
        help="acceptance tests: store each GetRayCluster and ListRayCluster answer of the real service in DIR "
        "(secrets and account ids redacted); tests/provider/test_journey.py compares them with the emulator's",
    )


@pytest.fixture(scope="session")
def emulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One emulator process for the whole session (startup and stop 0.2 s)."""
    emu = start_emulator(tmp_path_factory.mktemp("emulator"), startup_seconds=TEST_STARTUP_SECONDS)
    yield emu
    emu.stop()


@pytest.fixture
def emulator(emulator_session: Emulator) -> Emulator:
    """The session emulator, empty: clusters wiped, journal and faults cleared, config back to defaults."""
    if not emulator_session.alive:
        emulator_session.restart()
    emulator_session.reset(clusters=True)
    emulator_session.configure(**DEFAULT_CONFIG)
    emulator_session.drop_idle_sdk_connections()  # none left idle by an earlier test (keep-alive race)
    return emulator_session


@pytest.fixture
def make_emulator(tmp_path: Path) -> Iterator[Callable[..., Emulator]]:
    """Factory for private emulator processes with custom flags; all stopped at teardown."""
    started: list[Emulator] = []

    def make(**flags: Any) -> Emulator:
        flags.setdefault("startup_seconds", TEST_STARTUP_SECONDS)
        emu = start_emulator(tmp_path / f"emu{len(started)}", **flags)
        started.append(emu)
        return emu

    yield make
    for emu in started:
        emu.stop()
