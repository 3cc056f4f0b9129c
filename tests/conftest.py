"""Fixtures shared by every folder: the emulator process (see harness/emulator.py for the handle) and the real
dynamic-provider gRPC server configured for it (tests/support/provider_server.py drives it as the engine does)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator, start_emulator
from harness.engine import ProviderServer
from provider.client.api import REQUEST_LOG_ENV
from provider.resource import RayClusterProvider
from tests.support.emulator_defaults import DEFAULT_CONFIG, TEST_STARTUP_SECONDS
from tests.support.paths import ROOT
from tests.support.provider_server import Engine, provider_config


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


# -- the real provider server, for tests/provider and tests/reliability ---------------------------------------------


@pytest.fixture(scope="session")
def provider_request_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session server's request log (RAY_CLUSTERS_REQUEST_LOG): what its client sent, one JSON line each."""
    return tmp_path_factory.getbasetemp() / "provider-requests.jsonl"


@pytest.fixture(scope="session")
def provider_server(emulator_session: Emulator, provider_request_log: Path) -> Iterator[ProviderServer]:
    """One provider server for the whole session, configured for the session emulator, logging its requests."""
    with ProviderServer(ROOT, env={REQUEST_LOG_ENV: str(provider_request_log)}) as server:
        server.configure(provider_config(emulator_session), secret_keys=["alicloud:secretKey"])
        yield server


@pytest.fixture
def provider() -> RayClusterProvider:
    return RayClusterProvider()


@pytest.fixture
def engine(provider_server: ProviderServer, provider: RayClusterProvider, emulator: Emulator) -> Engine:
    """The engine's view of one resource; depends on `emulator` so that every test starts empty."""
    return Engine(provider_server, provider)
