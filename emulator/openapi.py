"""The emulator's OpenAPI document: the seven operations as the SDK calls them, with their request bodies.

The handlers read bodies by hand (to answer bad input with the service's InvalidParameter instead of FastAPI's
422), so FastAPI cannot see the bodies; they are declared here from ray-cluster-api.md section 2. Served at
``/openapi.json`` for fuzzers (schemathesis) and people; the control API under ``/_emulator/`` is left out.
"""

from __future__ import annotations

import copy
from typing import Any

_TEXT = {"type": "string"}
_HEAD_TEXT = ("cpu", "memory", "displayReleaseVersion", "env", "gpuSpec", "queueName", "rayStartParams")
_GROUP_TEXT = (
    "cpu",
    "memory",
    "displayReleaseVersion",
    "env",
    "gpuSpec",
    "groupName",
    "queueName",
    "rayStartParams",
    "workerType",
)
HEAD_SPEC = {
    "type": "object",
    "properties": {
        **dict.fromkeys(_HEAD_TEXT, _TEXT),
        "enableAutoScaling": {"type": "boolean"},
        "gftEnabled": {"type": "boolean"},
        "idleTimeoutSeconds": {"type": "integer"},
        "gftConfig": {
            "type": "object",
            "properties": dict.fromkeys(["redisPassword", "redisUrl", "redisUsername"], _TEXT),
        },
    },
}
WORKER_GROUP = {
    "type": "object",
    "properties": {
        **dict.fromkeys(_GROUP_TEXT, _TEXT),
        **{key: {"type": "integer", "minimum": 1} for key in ("replica", "minReplica", "maxReplica")},
    },
}
CLUSTER_SPEC = {
    "type": "object",
    "properties": {
        **dict.fromkeys(["description", "displayReleaseVersion", "extraParam", "networkServiceName"], _TEXT),
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "headSpec": HEAD_SPEC,
        "volumeIds": {"type": "array", "items": _TEXT},
        "workerSpec": {"type": "array", "items": WORKER_GROUP, "maxItems": 50},
    },
}
BODIES: dict[str, dict[str, Any]] = {
    "CreateRayCluster": {**CLUSTER_SPEC, "required": ["name"]},
    "UpdateRayCluster": CLUSTER_SPEC,
    "StartRayCluster": {"type": "object", "properties": {"clientToken": _TEXT}},
    "StopRayCluster": {"type": "object", "properties": {"instanceId": _TEXT}},
}
LIST_QUERY = [
    {"name": "pageNum", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1}},
    {"name": "pageSize", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
]


def api_document(generated: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's generated document, narrowed to the Alibaba API and completed with bodies and List's query."""
    document = copy.deepcopy(generated)
    document["paths"] = {path: ops for path, ops in document["paths"].items() if not path.startswith("/_emulator")}
    for operations in document["paths"].values():
        for operation in operations.values():
            action = operation["operationId"].split("_", 1)[0]
            operation["operationId"] = action
            if action in BODIES:
                schema = BODIES[action]
                operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
            if action == "ListRayCluster":
                operation["parameters"] = [*operation.get("parameters", []), *LIST_QUERY]
    return document
