"""A corpus of invalid resource inputs, each with the one property path that must be reported.

Used by the spec unit tests and by provider-level tests (Check through the real gRPC server). Every entry
is a complete input dict (workspaceId + name + one bad thing) so that exactly one failure is expected, at
``path``, and the reason must contain ``word`` (case-insensitive) so that it says something specific.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

BASE: dict[str, Any] = {"workspaceId": "w-d2d82aa09155", "name": "analytics"}


class InvalidSpec(NamedTuple):
    id: str
    props: dict[str, Any]
    path: str
    word: str


def valid_props(**fields: Any) -> dict[str, Any]:
    """BASE plus the given top-level fields (a fresh copy every time)."""
    return {**copy.deepcopy(BASE), **copy.deepcopy(fields)}


def _without(key: str) -> dict[str, Any]:
    props = valid_props()
    del props[key]
    return props


def _head(**fields: Any) -> dict[str, Any]:
    return valid_props(headSpec={"cpu": "2", "memory": "8Gi", **fields})


def _group(**fields: Any) -> dict[str, Any]:
    return valid_props(workerSpec=[{"groupName": "cpu", "replica": 2, **fields}])


def _bounded(**fields: Any) -> dict[str, Any]:
    return _group(minReplica=1, maxReplica=4, **fields)


_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # -- top level ------------------------------------------------------------------------------------
    ("workspace-missing", _without("workspaceId"), "workspaceId", "required"),
    ("workspace-empty", valid_props(workspaceId=""), "workspaceId", "empty"),
    ("workspace-number", valid_props(workspaceId=5), "workspaceId", "text"),
    ("name-missing", _without("name"), "name", "required"),
    ("name-empty", valid_props(name=""), "name", "empty"),
    ("name-too-long", valid_props(name="n" * 65), "name", "64"),
    ("name-number", valid_props(name=12.0), "name", "text"),
    ("top-typo", valid_props(descripton="x"), "descripton", "description"),
    ("top-snake-case", valid_props(head_spec={"cpu": "2"}), "head_spec", "headSpec"),
    ("top-read-only-state", valid_props(state="Running"), "state", "read-only"),
    ("top-read-only-cluster-id", valid_props(clusterId="ray-abc"), "clusterId", "read-only"),
    ("description-too-long", valid_props(description="d" * 5000), "description", "4096"),
    ("description-number", valid_props(description=12), "description", "text"),
    ("network-list", valid_props(networkServiceName=["vpc"]), "networkServiceName", "text"),
    # -- headSpec ----------------------------------------------------------------------------------------
    ("head-not-object", valid_props(headSpec="big"), "headSpec", "object"),
    ("head-cpu-word", _head(cpu="abc"), "headSpec.cpu", "cores"),
    ("head-cpu-zero", _head(cpu=0), "headSpec.cpu", "more than 0"),
    ("head-cpu-negative", _head(cpu="-1"), "headSpec.cpu", "more than 0"),
    ("head-cpu-bool", _head(cpu=True), "headSpec.cpu", "cores"),
    ("head-cpu-nan", _head(cpu="NaN"), "headSpec.cpu", "cores"),
    ("head-memory-G", _head(memory="8G"), "headSpec.memory", "GiB"),
    ("head-memory-fraction", _head(memory="1.5Gi"), "headSpec.memory", "whole"),
    ("head-memory-mi-not-whole", _head(memory="1000Mi"), "headSpec.memory", "whole"),
    ("head-memory-zero", _head(memory=0), "headSpec.memory", "whole"),
    ("head-memory-bool", _head(memory=True), "headSpec.memory", "GiB"),
    ("head-replica-read-only", _head(replica=1), "headSpec.replica", "read-only"),
    ("head-autoscaling-word", _head(enableAutoScaling="yes"), "headSpec.enableAutoScaling", "true or false"),
    ("head-autoscaling-number", _head(enableAutoScaling=1), "headSpec.enableAutoScaling", "true or false"),
    ("head-idle-negative", _head(idleTimeoutSeconds=-1), "headSpec.idleTimeoutSeconds", "at least 0"),
    ("head-idle-fraction", _head(idleTimeoutSeconds=1.5), "headSpec.idleTimeoutSeconds", "whole"),
    ("head-typo", _head(cpus="2"), "headSpec.cpus", "cpu"),
    ("head-env-number", _head(env=5), "headSpec.env", "text"),
    ("gft-url-number", _head(gftConfig={"redisUrl": 5}), "headSpec.gftConfig.redisUrl", "text"),
    ("gft-typo", _head(gftConfig={"redisPasword": "p"}), "headSpec.gftConfig.redisPasword", "redisPassword"),
    ("gft-not-object", _head(gftConfig="redis://x"), "headSpec.gftConfig", "object"),
    # -- workerSpec --------------------------------------------------------------------------------------
    ("workers-not-list", valid_props(workerSpec="cpu"), "workerSpec", "list"),
    (
        "workers-too-many",
        valid_props(workerSpec=[{"groupName": f"g{i}"} for i in range(51)]),
        "workerSpec",
        "50",
    ),
    ("group-not-object", valid_props(workerSpec=[{"groupName": "a"}, 5]), "workerSpec[1]", "object"),
    ("group-name-missing", valid_props(workerSpec=[{"replica": 1}]), "workerSpec[0].groupName", "required"),
    ("group-name-empty", _group(groupName=""), "workerSpec[0].groupName", "empty"),
    (
        "group-name-duplicate",
        valid_props(workerSpec=[{"groupName": "a"}, {"groupName": "a"}]),
        "workerSpec[1].groupName",
        "already",
    ),
    ("group-replica-zero", _group(replica=0), "workerSpec[0].replica", "at least 1"),
    ("group-replica-fraction", _group(replica=1.5), "workerSpec[0].replica", "whole"),
    ("group-replica-word", _group(replica="two"), "workerSpec[0].replica", "whole"),
    ("group-replica-bool", _group(replica=True), "workerSpec[0].replica", "whole"),
    ("group-min-zero", _group(minReplica=0), "workerSpec[0].minReplica", "at least 1"),
    ("group-max-huge", _group(maxReplica=2**31), "workerSpec[0].maxReplica", "at most"),
    ("group-min-over-max", _group(minReplica=5, maxReplica=2), "workerSpec[0].minReplica", "maxReplica"),
    ("group-replica-outside", _bounded(replica=9), "workerSpec[0].replica", "outside"),
    ("group-typo", _group(replicas=3), "workerSpec[0].replicas", "replica"),
    ("group-cpu-word", _group(cpu="2 cores"), "workerSpec[0].cpu", "cores"),
    ("group-memory-GB", _group(memory="16GB"), "workerSpec[0].memory", "GiB"),
    ("group-env-number", _group(env=5), "workerSpec[0].env", "text"),
    # -- volumeIds, extraParam -----------------------------------------------------------------------
    ("volumes-not-list", valid_props(volumeIds="v-1"), "volumeIds", "list"),
    ("volumes-duplicate", valid_props(volumeIds=["v-1", "v-1"]), "volumeIds[1]", "already"),
    ("volumes-empty-id", valid_props(volumeIds=[""]), "volumeIds[0]", "empty"),
    ("volumes-number", valid_props(volumeIds=[7]), "volumeIds[0]", "text"),
    ("extra-bad-json", valid_props(extraParam="{bad"), "extraParam", "JSON"),
    ("extra-empty-text", valid_props(extraParam=""), "extraParam", "JSON"),
    ("extra-number", valid_props(extraParam=5), "extraParam", "JSON"),
    # -- provider options ----------------------------------------------------------------------------
    ("timeout-zero", valid_props(timeouts={"create": 0}), "timeouts.create", "positive"),
    ("timeout-word", valid_props(timeouts={"delete": "soon"}), "timeouts.delete", "seconds"),
    ("timeout-typo", valid_props(timeouts={"updte": 60}), "timeouts.updte", "update"),
    ("timeouts-number", valid_props(timeouts=5), "timeouts", "object"),
    ("desired-state-case", valid_props(desiredState="running"), "desiredState", "Running"),
    ("restart-word", valid_props(restartOnPendingChanges="maybe"), "restartOnPendingChanges", "true or false"),
    ("keep-number", valid_props(keepFailedCluster=0), "keepFailedCluster", "true or false"),
    ("adopt-empty", valid_props(adoptClusterId=""), "adoptClusterId", "empty"),
]

INVALID_SPECS: tuple[InvalidSpec, ...] = tuple(InvalidSpec(*case) for case in _CASES)

assert len({spec.id for spec in INVALID_SPECS}) == len(INVALID_SPECS), "ids must be unique"
