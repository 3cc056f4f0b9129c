"""Where the provider's scenarios run, and how a test sees the calls the provider made there.

A scenario (tests/provider/test_journey.py) is written once against a ``Backend``: the session emulator, or the
real EMR Serverless Spark service (acceptance). Both are driven the same way: the real dynamic-provider gRPC server,
configured for that endpoint, and the official SDK for what a person does by hand (drift) and to read live state.

The calls the provider made are what the scenarios assert ("one Get, no write", "a body with only workerSpec").
Two ``Observer`` implementations give the same view:

- ``JournalObserver``: the emulator's journal (what the server received);
- ``RequestLogObserver``: the provider's own request log (``RAY_CLUSTERS_REQUEST_LOG``, what the client sent),
  the only record there is against the real service, which has no journal.

Both run against the emulator in the normal test run, so the second is checked before anyone relies on it.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from alibabacloud_emr_serverless_spark20230808 import models as sdk_models
from alibabacloud_tea_openapi import models as open_api_models

from harness.emulator import Emulator
from harness.engine import ProviderServer
from provider.client.api import REQUEST_LOG_ENV
from tests.support.answer_keeping_sdk import AnswerKeepingClient
from tests.support.emulator_journal import WRITES
from tests.support.paths import ROOT
from tests.support.recorded_answers import Recorder

EMULATOR_TIMEOUTS = {"create": 30.0, "update": 30.0, "delete": 30.0}
#: The real service: the provider's defaults for create and update, with a bound that still ends a stuck run.
SERVICE_TIMEOUTS = {"create": 1800.0, "update": 1800.0, "delete": 1200.0}
#: Every cluster the acceptance tests create is named so; the cleanup finds leftovers by it.
ACCEPTANCE_PREFIX = "ray-clusters-acc-"
#: A leftover of an earlier run (crashed before its own cleanup) is removed once it is this old.
STALE_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Call:
    """One request the provider made: what, on which cluster, with which body, answered with which status."""

    action: str
    cluster_id: str | None
    body: Any
    status: int | None


class Observer(Protocol):
    """The provider's calls since the last ``mark()``."""

    def mark(self) -> None: ...

    def calls(self) -> list[Call]: ...


def writes(observer: Observer) -> list[Call]:
    """The calls since ``mark()`` that change something."""
    return [call for call in observer.calls() if call.action in WRITES]


class JournalObserver:
    """The emulator's journal: every request it received, in order (``seq``)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._after = 0

    def mark(self) -> None:
        self._after = max((entry["seq"] for entry in self.emulator.journal()), default=0)

    def calls(self) -> list[Call]:
        return [
            Call(entry["action"], _cluster_in(entry["path"]), entry["body"], entry["status"] or None)
            for entry in self.emulator.journal()
            if entry["seq"] > self._after
        ]


def _cluster_in(path: str) -> str | None:
    """The cluster id in ``/api/v1/workspaces/{ws}/rayCluster/{id}[/start]``."""
    parts = path.split("/")
    return parts[6] if len(parts) > 6 else None


class RequestLogObserver:
    """The provider's request log: one JSON line per request its client sent (provider/client/api.py)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0

    def mark(self) -> None:
        self._offset = self.path.stat().st_size if self.path.exists() else 0

    def calls(self) -> list[Call]:
        if not self.path.exists():
            return []
        with self.path.open("rb") as log:
            log.seek(self._offset)
            lines = log.read().decode("utf-8").splitlines()
        entries = [json.loads(line) for line in lines if line.strip()]
        return [Call(e["action"], e["clusterId"], e["body"], e["status"]) for e in entries]


@dataclass
class Backend:
    """One place the scenarios run: its provider server, observer, workspace and hands-on SDK client."""

    name: str
    server: ProviderServer
    observer: Observer
    sdk: AnswerKeepingClient
    workspace_id: str
    timeouts: dict[str, float]
    new_name: Callable[[], str]
    recorder: Recorder | None = None
    queue: str = "root_queue"
    release: str = "ray-1.0.0 (Ray 2.47.1, Python 3.12)"

    def smallest_cluster(self, name: str) -> dict[str, Any]:
        return smallest_cluster(self.workspace_id, name, self.timeouts, self.queue, self.release)

    def live(self, cluster_id: str) -> dict[str, Any]:
        """GetRayCluster through the official SDK, as answered."""
        return self.sdk.raw_get(self.workspace_id, cluster_id)

    def change_by_hand(self, cluster_id: str, **fields: Any) -> None:
        """An UpdateRayCluster made outside Pulumi (the console, a colleague's script): drift."""
        self.sdk.update_ray_cluster(self.workspace_id, cluster_id, sdk_models.UpdateRayClusterRequest(**fields))

    def snapshot(self, cluster_id: str, step: str) -> None:
        """Read the cluster and the workspace's list as they are now; with ``--record``, keep both answers (the
        list cut down to this cluster: the workspace may hold other people's clusters)."""
        answers = {
            "GetRayCluster": self.live(cluster_id),
            "ListRayCluster": own_items(self.sdk, self.workspace_id, cluster_id),
        }
        if self.recorder is not None:
            for action, answer in answers.items():
                self.recorder.record(action, step, answer)


def smallest_cluster(
    workspace_id: str,
    name: str,
    timeouts: dict[str, float],
    queue: str = "root_queue",
    release: str = "ray-1.0.0 (Ray 2.47.1, Python 3.12)",
) -> dict[str, Any]:
    """The smallest cluster the scenarios need: a 2-core head and one group of one 2-core worker (4 CU)."""
    return {
        "workspaceId": workspace_id,
        "name": name,
        "description": "ray-clusters acceptance test (deleted at the end)",
        "displayReleaseVersion": release,
        "headSpec": {"queueName": queue, "cpu": "2", "memory": "8Gi"},
        "workerSpec": [
            {"groupName": "cpu", "workerType": "CPU", "queueName": queue, "cpu": "2", "memory": "8Gi", "replica": 1}
        ],
        "timeouts": dict(timeouts),
    }


def own_items(client: AnswerKeepingClient, workspace_id: str, cluster_id: str) -> dict[str, Any]:
    """The first ListRayCluster page as answered, with only the item of ``cluster_id`` kept."""
    answer = client.raw_list(workspace_id)
    items = [item for item in answer.get("rayClusters") or [] if item.get("clusterId") == cluster_id]
    return {**answer, "rayClusters": items}


def emulator_sdk(emulator: Emulator) -> AnswerKeepingClient:
    return AnswerKeepingClient(
        open_api_models.Config(
            access_key_id=emulator.access_key_id,
            access_key_secret=emulator.access_key_secret,
            endpoint=emulator.endpoint,
            protocol="HTTP",
        )
    )


# -- the real service --------------------------------------------------------------------------------------------

ENV_SWITCH = "RAY_CLUSTERS_ACCEPTANCE"
ENV_WORKSPACE = "RAY_CLUSTERS_ACCEPTANCE_WORKSPACE"
ENV_QUEUE = "RAY_CLUSTERS_ACCEPTANCE_QUEUE"
ENV_RELEASE = "RAY_CLUSTERS_ACCEPTANCE_RELEASE"
ENV_ENDPOINT = "RAY_CLUSTERS_ACCEPTANCE_ENDPOINT"
ENV_REGION = "ALIBABA_CLOUD_REGION_ID"
ENV_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
ENV_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"


@dataclass(frozen=True)
class ServiceSettings:
    """What the acceptance tests need to reach a real workspace (all from the environment; keys never stored)."""

    region: str
    workspace_id: str
    queue: str
    release: str
    #: Another endpoint than the region's public one (the VPC endpoint, a local emulator for a dry run).
    endpoint: str | None = None

    @staticmethod
    def missing(environ: dict[str, str] | os._Environ[str] = os.environ) -> list[str]:
        """The environment variables still to set (empty: the acceptance tests can run)."""
        needed = [ENV_KEY_ID, ENV_KEY_SECRET, ENV_REGION, ENV_WORKSPACE]
        found = [] if environ.get(ENV_SWITCH) == "1" else [f"{ENV_SWITCH}=1"]
        return found + [name for name in needed if not environ.get(name)]

    @classmethod
    def from_env(cls) -> ServiceSettings:
        return cls(
            region=os.environ[ENV_REGION],
            workspace_id=os.environ[ENV_WORKSPACE],
            queue=os.environ.get(ENV_QUEUE) or "root_queue",
            release=os.environ.get(ENV_RELEASE) or "ray-1.0.0 (Ray 2.47.1, Python 3.12)",
            endpoint=os.environ.get(ENV_ENDPOINT) or None,
        )

    def provider_config(self) -> dict[str, str]:
        """The Configure the engine would send for a stack with this region (and endpoint); no keys in it."""
        config = {"alicloud:region": self.region}
        if self.endpoint:
            config["emr:endpoint"] = self.endpoint
        return config

    def sdk(self) -> AnswerKeepingClient:
        scheme, _, host = (self.endpoint or "").rpartition("://")
        return AnswerKeepingClient(
            open_api_models.Config(
                access_key_id=os.environ[ENV_KEY_ID],
                access_key_secret=os.environ[ENV_KEY_SECRET],
                security_token=os.environ.get(ENV_TOKEN) or None,
                region_id=self.region,
                endpoint=host.rstrip("/") or f"emr-serverless-spark.{self.region}.aliyuncs.com",
                protocol="HTTP" if scheme == "http" else "HTTPS",
            )
        )


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


def session_prefix() -> str:
    """``ray-clusters-acc-<8 hex>-``: this session's clusters, told apart from a colleague's concurrent run."""
    return f"{ACCEPTANCE_PREFIX}{secrets.token_hex(4)}-"


def sweep(client: AnswerKeepingClient, workspace_id: str, prefix: str, timeout: float = 1800.0) -> list[str]:
    """Delete this session's clusters (name starts with ``prefix``) and stale ones of earlier runs, then wait until
    they are gone. Returns the ids it could not delete (to report, never to hide)."""
    now_ms = time.time() * 1000
    doomed: list[str] = []
    for page in range(1, 1000):
        items = _list_page(client, workspace_id, page)
        for item in items:
            name, created = str(item.get("name") or ""), item.get("createTime") or now_ms
            stale = name.startswith(ACCEPTANCE_PREFIX) and now_ms - float(created) > STALE_SECONDS * 1000
            if name.startswith(prefix) or stale:
                doomed.append(str(item["clusterId"]))
        if len(items) < 100:
            break
    failed: list[str] = []
    for cluster_id in doomed:
        try:
            client.delete_ray_cluster(workspace_id, cluster_id)
        except Exception as exc:  # already gone, or refused: checked by the wait below
            if "NotFound" not in str(getattr(exc, "code", "")):
                failed.append(f"{cluster_id} (delete: {getattr(exc, 'code', type(exc).__name__)})")
    deadline = time.monotonic() + timeout
    waiting = [c for c in doomed if not any(f.startswith(c) for f in failed)]
    while waiting and time.monotonic() < deadline:
        waiting = [c for c in waiting if _exists(client, workspace_id, c)]
        if waiting:
            time.sleep(10)  # the service deletes in the background; polled, bounded by the deadline
    return failed + [f"{c} (still there after {timeout:.0f} s)" for c in waiting]


def _list_page(client: AnswerKeepingClient, workspace_id: str, page: int) -> list[dict[str, Any]]:
    client.list_ray_cluster(workspace_id, sdk_models.ListRayClusterRequest(page_num=page, page_size=100))
    return list(client.answers[-1].body.get("rayClusters") or [])


def _exists(client: AnswerKeepingClient, workspace_id: str, cluster_id: str) -> bool:
    try:
        client.get_ray_cluster(workspace_id, cluster_id)
    except Exception as exc:
        if "NotFound" in str(getattr(exc, "code", "")) or getattr(exc, "status_code", None) == 404:
            return False
        raise
    return True
