"""The backends the shared scenarios (test_journey.py) run against: the session emulator, observed two ways, and
the real service (acceptance). The session provider server and `engine` are in tests/conftest.py; the backends'
machinery is in tests/support/backends.py."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderServer
from tests.support.backends import (
    EMULATOR_TIMEOUTS,
    SERVICE_TIMEOUTS,
    Backend,
    JournalObserver,
    RequestLogObserver,
    Service,
    ServiceSettings,
    emulator_sdk,
)
from tests.support.provider_server import WORKSPACE
from tests.support.recorded_answers import Recorder


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The real service, or a skip saying which environment variables are missing. At the end of the session every
    cluster of this session's prefix (and any acceptance leftover older than 6 h) is deleted."""
    missing = ServiceSettings.missing()
    if missing:
        pytest.skip(f"acceptance test against the real service: set {', '.join(missing)} (README: Acceptance tests)")
    target = Service(ServiceSettings.from_env(), tmp_path_factory.mktemp("service"))
    try:
        yield target
    finally:
        leftovers = target.sweep()
        target.close()
        if leftovers:
            raise RuntimeError(f"acceptance clusters not deleted, delete them by hand: {', '.join(leftovers)}")


@pytest.fixture(
    params=[
        "emulator-journal",
        "emulator-request-log",
        pytest.param("service", marks=[pytest.mark.acceptance, pytest.mark.timeout(7200)]),
    ]
)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Where a shared scenario runs. The emulator twice, once per observer (journal, the provider's request log),
    so that the observer used against the real service is checked in every run; then the real service."""
    if request.param == "service":
        target: Service = request.getfixturevalue("service")
        record = request.config.getoption("--record")
        yield Backend(
            name="service",
            server=target.server,
            observer=RequestLogObserver(target.request_log),
            sdk=target.sdk,
            workspace_id=target.settings.workspace_id,
            timeouts=SERVICE_TIMEOUTS,
            new_name=target.new_name,
            recorder=Recorder(Path(record)) if record else None,
            queue=target.settings.queue,
            release=target.settings.release,
        )
        failed = target.sweep()  # this test's clusters, also after a failure
        assert not failed, f"could not delete: {failed}"
        return
    emulator: Emulator = request.getfixturevalue("emulator")
    server: ProviderServer = request.getfixturevalue("provider_server")
    log: Path = request.getfixturevalue("provider_request_log")
    names = itertools.count(1)
    yield Backend(
        name=request.param,
        server=server,
        observer=JournalObserver(emulator) if request.param == "emulator-journal" else RequestLogObserver(log),
        sdk=emulator_sdk(emulator),
        workspace_id=WORKSPACE,
        timeouts=EMULATOR_TIMEOUTS,
        new_name=lambda: f"analytics-{next(names)}",
    )
