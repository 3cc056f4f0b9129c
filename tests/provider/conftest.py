"""The real dynamic-provider gRPC server (`python -u -m pulumi.dynamic`), configured for the session emulator."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderServer
from provider.resource import RayClusterProvider

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


@pytest.fixture(scope="session")
def provider_server(emulator_session: Emulator) -> Iterator[ProviderServer]:
    with ProviderServer(ROOT) as server:
        server.configure(provider_config(emulator_session), secret_keys=["alicloud:secretKey"])
        yield server


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
        checked = self.check(news)
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
