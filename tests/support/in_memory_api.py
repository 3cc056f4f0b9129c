"""``InMemoryClusterApi``: the seven Ray-cluster operations over a dict, in-process, with failures and state
sequences scripted by the test; ``VirtualClock``: time that moves only when the code under test sleeps.

For ClusterLifecycle's paths in milliseconds (tests/unit/test_lifecycle_steps.py). What they cannot show (wire
formats, signatures, the engine) is covered through the emulator and the real gRPC server.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from provider.schema.errors import AmbiguousCreateError, NotFoundError
from provider.schema.models import RayClusterDetail, RayClusterSummary
from provider.schema.spec import RayClusterInputs, check_inputs

WORKSPACE = "w-1"


class VirtualClock:
    """Monotonic and wall time that move only when the lifecycle sleeps."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.wall = 1_764_000_000.0  # 2025-11-24, as seconds since the epoch

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds
        self.wall += seconds


class InMemoryClusterApi:
    """The seven operations over a dict of clusters. ``fail[action]`` raises its errors first, one per call;
    a cluster's ``script`` is the list of states its next GetRayCalls return (then it stays at the last)."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.clusters: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.fail: dict[str, list[Exception]] = {}
        self.applied_even_if_failed = False  # an ambiguous create that did create the cluster
        # Summaries ListRayCluster adds once a create was sent: namesakes made meanwhile, or a list that is
        # only eventually consistent.
        self.listed_after_create: list[dict[str, Any]] = []

    def _call(self, action: str) -> None:
        self.calls.append(action)
        if self.fail.get(action):
            raise self.fail[action].pop(0)

    def add(self, name: str, state: str = "Running", **fields: Any) -> str:
        cluster_id = f"ray-{len(self.clusters):016d}"
        self.clusters[cluster_id] = {
            "clusterId": cluster_id,
            "name": name,
            "state": state,
            "createTime": int(self.clock.wall * 1000),
            "script": [],
            **fields,
        }
        return cluster_id

    def create(self, workspace_id: str, body: dict[str, Any]) -> str:
        try:
            self._call("CreateRayCluster")
        except AmbiguousCreateError:
            if self.applied_even_if_failed:
                self.add(body["name"], "Starting", script=["Running"])
            raise
        return self.add(body["name"], "Starting", script=["Starting", "Running"])

    def get(self, workspace_id: str, cluster_id: str) -> RayClusterDetail:
        self._call("GetRayCluster")
        cluster = self.clusters.get(cluster_id)
        if cluster is None:
            raise NotFoundError("GetRayCluster", cluster_id=cluster_id, status=404, code="RayClusterNotFound")
        if cluster["script"]:
            cluster["state"] = cluster["script"].pop(0)
        return RayClusterDetail.model_validate({k: v for k, v in cluster.items() if k != "script"})

    def list(self, workspace_id: str, page_size: int = 100) -> Iterator[RayClusterSummary]:
        self._call("ListRayCluster")
        extra = self.listed_after_create if "CreateRayCluster" in self.calls else []
        for cluster in [*self.clusters.values(), *extra]:
            yield RayClusterSummary.model_validate({k: v for k, v in cluster.items() if k != "script"})

    def update(self, workspace_id: str, cluster_id: str, body: dict[str, Any]) -> None:
        self._call("UpdateRayCluster")
        self.clusters[cluster_id].update(body)

    def delete(self, workspace_id: str, cluster_id: str) -> None:
        self._call("DeleteRayCluster")
        self.clusters.pop(cluster_id, None)

    def start(self, workspace_id: str, cluster_id: str, client_token: str | None = None) -> None:
        self._call("StartRayCluster")
        self.clusters[cluster_id].update(state="Starting", script=["Running"], modified=False)

    def stop(self, workspace_id: str, cluster_id: str, instance_id: str | None = None) -> None:
        self._call("StopRayCluster")
        self.clusters[cluster_id].update(state="Stopping", script=["Stopped"])


def inputs(**fields: Any) -> RayClusterInputs:
    """The checked inputs of a cluster named analytics in the fake's workspace, with these fields."""
    model, failures = check_inputs({"workspaceId": WORKSPACE, "name": "analytics", **fields})
    assert model is not None, failures
    return model
