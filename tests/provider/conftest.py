"""The real dynamic-provider gRPC server (`python -u -m pulumi.dynamic`), configured for the session emulator; and
the backends the shared scenarios run against: the emulator, and the real service (acceptance, see backends.py)."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderServer
from provider.client.api import REQUEST_LOG_ENV
from provider.resource import RayClusterProvider
from provider.schema.spec import OUTPUTS
from tests.contract.recording import Recorder
from tests.provider.backends import (
    Backend,
    JournalObserver,
    RequestLogObserver,
    ServiceSettings,
    emulator_sdk,
    session_prefix,
    sweep,
)

ROOT = Path(__file__).resolve().parents[2]
TYPE = "pulumi-python:dynamic/emr:RayCluster"
WORKSPACE = "w-d2d82aa09155"

SMALL_CLUSTER: dict[str, Any] = {
    "workspaceId": WORKSPACE,
    "name": "analytics",
    "description": "Ray cluster for tests",
    "displayReleaseVersion": "ray-1.0.0 (Ray 2.47.1, Python 3.12)",
    "headSpec": {"queueName": "root_queue", "cpu": 2, "memory": "8Gi"},
    "workerSpec": [
        {"groupName": "cpu", "workerType": "CPU", "replica": 1, "cpu": 2, "memory": "8Gi"},
        {"groupName": "big", "workerType": "CPU", "replica": 2, "cpu": 4, "memory": "16Gi"},
    ],
    "volumeIds": ["vol-a", "vol-b"],
    "timeouts": {"create": 30, "update": 30, "delete": 30},
}


def small_cluster(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the test cluster's inputs with top-level overrides."""
    props = copy.deepcopy(SMALL_CLUSTER)
    props.update(overrides)
    return props


def provider_config(emulator: Emulator) -> dict[str, str]:
    return {
        "alicloud:accessKey": emulator.access_key_id,
        "alicloud:secretKey": emulator.access_key_secret,
        "emr:endpoint": emulator.url,
    }


def _request_log_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Derived, not a fixture of its own: other test packages import provider_server by name (tests/reliability).
    return tmp_path_factory.getbasetemp() / "provider-requests.jsonl"


@pytest.fixture(scope="session")
def provider_server(emulator_session: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderServer]:
    env = {REQUEST_LOG_ENV: str(_request_log_path(tmp_path_factory))}
    with ProviderServer(ROOT, env=env) as server:
        server.configure(provider_config(emulator_session), secret_keys=["alicloud:secretKey"])
        yield server


@pytest.fixture(scope="session")
def provider_request_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session server's request log (RAY_CLUSTERS_REQUEST_LOG): what its client sent, one JSON line each."""
    return _request_log_path(tmp_path_factory)


@pytest.fixture
def provider() -> RayClusterProvider:
    return RayClusterProvider()


class Engine:
    """The steps `pulumi up` / `preview` / `refresh` / `destroy` take for one resource, through the server."""

    def __init__(self, server: ProviderServer, provider: RayClusterProvider, name: str = "analytics") -> None:
        self.server, self.provider, self.urn = server, provider, server.urn(name, TYPE)

    def check(self, news: dict[str, Any], olds: dict[str, Any] | None = None) -> Any:
        return self.server.check(self.provider, self.urn, olds or {}, news)

    def up_create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        checked = self.check(inputs)
        assert checked.failures == []
        return self.server.create(self.provider, self.urn, checked.inputs)

    def preview(self, cluster_id: str, outputs: dict[str, Any], news: dict[str, Any]) -> Any:
        # The engine's Check of an existing resource gets its old inputs (the outputs minus read-only fields).
        checked = self.check(news, olds={k: v for k, v in outputs.items() if k not in OUTPUTS})
        assert checked.failures == []
        return self.server.diff(self.provider, cluster_id, self.urn, outputs, checked.inputs)

    def update(self, cluster_id: str, outputs: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        return self.server.update(self.provider, cluster_id, self.urn, outputs, news)

    def refresh(self, cluster_id: str, outputs: dict[str, Any]) -> tuple[str, dict[str, Any], Any]:
        return self.server.read(self.provider, cluster_id, self.urn, outputs)

    def destroy(self, cluster_id: str, outputs: dict[str, Any]) -> None:
        self.server.delete(self.provider, cluster_id, self.urn, outputs)


@pytest.fixture
def engine(provider_server: ProviderServer, provider: RayClusterProvider, emulator: Emulator) -> Engine:
    """The engine's view of one resource; depends on `emulator` so that every test starts empty."""
    return Engine(provider_server, provider)


# -- backends of the shared scenarios ------------------------------------------------------------------------------

EMULATOR_TIMEOUTS = {"create": 30.0, "update": 30.0, "delete": 30.0}
#: The real service: the provider's defaults for create and update, with a bound that still ends a stuck run.
SERVICE_TIMEOUTS = {"create": 1800.0, "update": 1800.0, "delete": 1200.0}


class Service:
    """The real service for this session: its provider server (with a request log), SDK and name prefix."""

    def __init__(self, settings: ServiceSettings, directory: Path) -> None:
        self.settings = settings
        self.prefix = session_prefix()
        self.request_log = directory / "requests.jsonl"
        self.sdk = settings.sdk()
        # A create waits until Running: minutes, not the harness's default 120 s per call.
        self.server = ProviderServer(ROOT, env={REQUEST_LOG_ENV: str(self.request_log)}, call_timeout=3600.0)
        # Keys come from the environment the server inherits (never sent in Configure, never in a file).
        self.server.configure(settings.provider_config())
        self._names = itertools.count(1)

    def new_name(self) -> str:
        return f"{self.prefix}{next(self._names)}"

    def sweep(self) -> list[str]:
        return sweep(self.sdk, self.settings.workspace_id, self.prefix)

    def close(self) -> None:
        self.server.close()


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
