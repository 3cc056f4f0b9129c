"""Render stored records as GetRayCluster / ListRayCluster bodies.

Plain dicts, built by hand for speed (GetRayCluster is the hot path); which keys a ListRayCluster item keeps is
read once from the summary models of emulator/schema.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from emulator.lifecycle import ERROR, RUNNING, STARTING, STOPPED, STOPPING, current
from emulator.schema import ClusterSummary, HeadSummary, WorkerGroupSummary

REGION = "cn-hangzhou"
JOB_URL = f"https://emr-spark-ray-gateway-{REGION}.aliyuncs.com"
JOB_URL_INNER = f"http://emr-spark-ray-gateway-{REGION}-internal.emr.aliyuncs.com"
GRPC_ENDPOINT = f"ray://emr-spark-ray-gateway-{REGION}-internal.emr.aliyuncs.com:80"
SUMMARY = frozenset(ClusterSummary.model_fields)
SUMMARY_HEAD = frozenset(HeadSummary.model_fields)
SUMMARY_WORKER = frozenset(WorkerGroupSummary.model_fields)
_POD_BY_STATE = {
    STARTING: {"phase": "Pending", "containerState": "Waiting", "containerStateReason": "ContainerCreating"},
    RUNNING: {"phase": "Running", "containerState": "Running", "containerStateReason": "ok"},
    STOPPING: {"phase": "Running", "containerState": "Running", "containerStateReason": "Terminating"},
}


def _pod_suffix(cluster_id: str, generation: int, role: str, index: int) -> str:
    """Stable per start generation, like a pod-name hash (no storage needed)."""
    digest = hashlib.sha256(f"{cluster_id}:{generation}:{role}:{index}".encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % 36] for b in digest[:5])


def instances(record: dict[str, Any], state: str, message: str | None) -> list[dict[str, Any]]:
    """Head + one node per worker replica; none when Stopped; only the failed head in Error."""
    if state == STOPPED:
        return []
    cid, gen = record["clusterId"], record.get("generation", 0)
    started = record.get("startTime") or record["createTime"]
    # Every node carries the keys the GetRayCluster page documents for it; a healthy container exited with 0.
    base = {
        "createTime": started,
        "startTime": started,
        "message": "ok",
        "reason": "ok",
        "containerStateMessage": "ok",
        "containerExitCode": 0,
    }
    if state == ERROR:
        return [
            {
                **base,
                "type": "Head",
                "instanceId": f"{cid}-head-{_pod_suffix(cid, gen, 'head', 0)}",
                "phase": "Failed",
                "containerState": "Terminated",
                "containerStateReason": "Error",
                "containerStateMessage": message or "ContainerExit",
                "containerExitCode": 1,
                "message": message or "failed",
                "reason": "Error",
            }
        ]
    pod = _POD_BY_STATE[state]
    nodes = [{**base, **pod, "type": "Head", "instanceId": f"{cid}-head-{_pod_suffix(cid, gen, 'head', 0)}"}]
    for group in record["spec"].get("workerSpec", []):
        name = group["groupName"].lower().replace("_", "-")
        count = group.get("replica") or group.get("minReplica") or 1
        for i in range(count):
            suffix = _pod_suffix(cid, gen, name, i)
            nodes.append({**base, **pod, "type": "Worker", "instanceId": f"{cid}-{name}-worker-{suffix}"})
    return nodes


def detail(record: dict[str, Any], now: float) -> dict[str, Any]:
    """The GetRayCluster body (without requestId)."""
    state, message = current(record, now)
    cid, ws = record["clusterId"], record["workspaceId"]
    body: dict[str, Any] = {
        "clusterId": cid,
        **record["spec"],
        "state": state,
        "creator": record["creator"],
        "creatorName": record["creatorName"],
        "modifier": record["modifier"],
        "modifierName": record["modifierName"],
        "userId": record["userId"],
        "dashboardUrl": f"https://emr-ray-gateway-{REGION}.aliyuncs.com/workspace/{ws}/raycluster/{cid}"
        f"/dashboard?token={record['dashboardToken']}",
        "jobUrl": JOB_URL,
        "jobUrlInner": JOB_URL_INNER,
        "grpcEndpoint": GRPC_ENDPOINT,
        "submitToken": record["submitToken"],
        "modified": record.get("modified", False),
        "instances": instances(record, state, message),
        "instanceId": record["instanceId"],
        "createTime": record["createTime"],
        "modifiedTime": record["modifiedTime"],
        "startTime": record.get("startTime"),
    }
    if message is not None:
        body["message"] = message
    return body


def summary(record: dict[str, Any], now: float) -> dict[str, Any]:
    """A ListRayCluster item: the detail with only the keys the summary models declare (§4 of the API reference)."""
    body = {k: v for k, v in detail(record, now).items() if k in SUMMARY}
    body["headSpec"] = {k: v for k, v in body["headSpec"].items() if k in SUMMARY_HEAD}
    body["workerSpec"] = [{k: v for k, v in w.items() if k in SUMMARY_WORKER} for w in body["workerSpec"]]
    return body


def without(body: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """`body` minus the dotted `keys` (settings.omit_keys), for answers only: the stored record is never touched.

    A list on the way (workerSpec, instances) applies the rest of the path to every item; a key that is not
    there, or a path through a non-object, is a no-op. Copies along each path, so nested dicts shared with
    the record (detail spreads the stored spec) stay intact.
    """
    for key in keys:
        body = _without(body, key.split("."))
    return body


def _without(value: Any, path: list[str]) -> Any:
    if isinstance(value, list):
        return [_without(item, path) for item in value]
    if not isinstance(value, dict) or path[0] not in value:
        return value
    head, rest = path[0], path[1:]
    if not rest:
        return {k: v for k, v in value.items() if k != head}
    return {**value, head: _without(value[head], rest)}
