"""Driving the real dynamic-provider gRPC server (`python -u -m pulumi.dynamic`, see harness/engine.py) as the
Pulumi engine does, for one resource: the test cluster's inputs, the server's config for an emulator, the
engine's steps (``Engine``), a private server (``private_engine``) and the server's stderr since a point."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.emulator import Emulator
from harness.engine import ProviderServer
from provider.resource import RayClusterProvider
from provider.schema.spec import OUTPUTS
from tests.support.paths import ROOT

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


def sts_config(emulator: Emulator) -> dict[str, str]:
    """Provider config with the emulator's keys and STS token (secret values marked as the engine does)."""
    config = provider_config(emulator)
    if emulator.security_token:
        config["alicloud:securityToken"] = emulator.security_token
    return config


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


@contextmanager
def private_engine(
    emulator: Emulator | None, config: dict[str, str] | None = None, env: dict[str, str] | None = None
) -> Iterator[Engine]:
    """A fresh provider server configured for `emulator` (for a private emulator, or custom config/env)."""
    with ProviderServer(ROOT, env=env) as server:
        if config is None:
            assert emulator is not None, "give an emulator or a config"
            config = provider_config(emulator)
        settings = config
        secrets = [k for k in ("alicloud:secretKey", "alicloud:securityToken") if k in settings]
        server.configure({k: v for k, v in settings.items()}, secret_keys=secrets)
        yield Engine(server, RayClusterProvider())


class StderrMark:
    """The provider server's stderr written after this point (the server is shared by many tests).

    `text()` is exact for calls that have returned (see `ProviderServer.stderr_text`); `wait_for(line)` waits
    for a line that a call still running writes (progress during a wait).
    """

    def __init__(self, server: ProviderServer) -> None:
        self.server = server
        self.start = len(server.stderr_text())

    def text(self) -> str:
        return self.server.stderr_text()[self.start :]

    def wait_for(self, needle: str, timeout: float = 60.0) -> str:
        return self.server.wait_for_stderr(needle, timeout=timeout, start=self.start)
