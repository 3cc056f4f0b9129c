"""The documented shape of the GetRayCluster and ListRayCluster answers, written down once, and the checks that
compare an answer (the emulator's, a recorded one from the real service) with it or with another answer.

Sources, both outside this repo (kept by the team beside the official pages):

- **keys**: the public GetRayCluster page, "Response elements" (the same keys as its example answer, copied in
  tests/fixtures/get_ray_cluster_official_example.json). There is no public ListRayCluster page in our copy; its
  item is the Get answer minus the keys the SDK's ``ListRayClusterResponseBodyRayClusters`` model lacks
  (``extraParam``, ``instances``, ``jobUrl``, ``jobUrlInner``, ``requestId``, ``submitToken``, ``volumeIds``).
- **JSON types**: the field reference derived from the official SDK 2.3.0 (string / int / int64 ms / bool / lists);
  it agrees with the page's types (``integer`` for times and counts, ``boolean``, ``array<object>``).

Keys the SDK's models have beyond the page (``headSpec.env``, ``workerSpec[].rayStartParams``...) are optional: an
answer may leave them out, and where it has them their type is checked. ``message`` is documented as "Returned
when state is Error", so it is optional too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

STRING, INTEGER, BOOLEAN, OBJECT, ARRAY = "string", "integer", "boolean", "object", "array"


@dataclass(frozen=True)
class Maybe:
    """A key an answer may leave out; its type is checked where present."""

    shape: Any


#: A shape is a JSON type name, a dict (an object: key -> shape), or a one-item list (an array of that shape).
Shape = Any

HEAD_SPEC: dict[str, Shape] = {
    "queueName": STRING,
    "cpu": STRING,
    "memory": STRING,
    "enableAutoScaling": BOOLEAN,
    "idleTimeoutSeconds": INTEGER,
    "replica": INTEGER,
    "gpuSpec": STRING,
}
#: In the SDK's Get model only, not on the page (and not in the List item's headSpec).
HEAD_SPEC_SDK_ONLY: dict[str, Shape] = {
    "displayReleaseVersion": Maybe(STRING),
    "env": Maybe(STRING),
    "rayStartParams": Maybe(STRING),
    "gftEnabled": Maybe(BOOLEAN),
    "gftConfig": Maybe({"redisUrl": Maybe(STRING), "redisUsername": Maybe(STRING), "redisPassword": Maybe(STRING)}),
}
WORKER_SPEC: dict[str, Shape] = {
    "groupName": STRING,
    "workerType": STRING,
    "replica": INTEGER,
    "queueName": STRING,
    "cpu": STRING,
    "memory": STRING,
    "minReplica": INTEGER,
    "maxReplica": INTEGER,
    "gpuSpec": STRING,
}
WORKER_SPEC_SDK_ONLY: dict[str, Shape] = {
    "displayReleaseVersion": Maybe(STRING),
    "env": Maybe(STRING),
    "rayStartParams": Maybe(STRING),
}
INSTANCE: dict[str, Shape] = {
    "type": STRING,
    "instanceId": STRING,
    "containerState": STRING,
    "reason": STRING,
    "phase": STRING,
    "message": STRING,
    "startTime": INTEGER,
    "createTime": INTEGER,
    "containerStateReason": STRING,
    "containerStateMessage": STRING,
    "containerExitCode": INTEGER,
}
GET_RAY_CLUSTER: dict[str, Shape] = {
    "requestId": STRING,
    "clusterId": STRING,
    "name": STRING,
    "displayReleaseVersion": STRING,
    "description": STRING,
    "networkServiceName": STRING,
    "headSpec": {**HEAD_SPEC, **HEAD_SPEC_SDK_ONLY},
    "state": STRING,
    "creator": STRING,
    "creatorName": STRING,
    "modifier": STRING,
    "modifierName": STRING,
    "userId": STRING,
    "dashboardUrl": STRING,
    "jobUrl": STRING,
    "submitToken": STRING,
    "modified": BOOLEAN,
    "extraParam": STRING,
    "message": Maybe(STRING),
    "instances": [INSTANCE],
    "instanceId": STRING,
    "workerSpec": [{**WORKER_SPEC, **WORKER_SPEC_SDK_ONLY}],
    "startTime": INTEGER,
    "createTime": INTEGER,
    "modifiedTime": INTEGER,
    "grpcEndpoint": STRING,
    "volumeIds": [STRING],
    "jobUrlInner": STRING,
}
DETAIL_ONLY = ("extraParam", "instances", "jobUrl", "jobUrlInner", "requestId", "submitToken", "volumeIds")
LIST_ITEM: dict[str, Shape] = {
    **{key: shape for key, shape in GET_RAY_CLUSTER.items() if key not in DETAIL_ONLY},
    "headSpec": HEAD_SPEC,
    "workerSpec": [WORKER_SPEC],
}
LIST_RAY_CLUSTER: dict[str, Shape] = {"requestId": STRING, "rayClusters": [LIST_ITEM]}
ANSWERS: dict[str, dict[str, Shape]] = {"GetRayCluster": GET_RAY_CLUSTER, "ListRayCluster": LIST_RAY_CLUSTER}


def json_type(value: object) -> str:
    """The JSON type name of a decoded value (``true`` is a boolean, not an integer)."""
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return STRING
    if isinstance(value, dict):
        return OBJECT
    if isinstance(value, list):
        return ARRAY
    return "null" if value is None else type(value).__name__


def _type_name(shape: Shape) -> str:
    if isinstance(shape, Maybe):
        return _type_name(shape.shape)
    if isinstance(shape, dict):
        return OBJECT
    if isinstance(shape, list):
        return ARRAY
    return str(shape)


def at(value: Any, shape: Shape, path: str) -> list[tuple[str, Any, Shape]]:
    """Every (concrete path, value, shape) at ``path``: ``headSpec``, ``workerSpec[]``, ``rayClusters[].headSpec``."""
    found: list[tuple[str, Any, Shape]] = [("", value, shape)]
    for step in filter(None, re.split(r"\.|(?=\[\])", path)):
        following: list[tuple[str, Any, Shape]] = []
        for where, item, item_shape in found:
            item_shape = item_shape.shape if isinstance(item_shape, Maybe) else item_shape
            if step == "[]":
                following += [(f"{where}[{i}]", x, item_shape[0]) for i, x in enumerate(item or [])]
            elif isinstance(item, dict) and step in item:
                following.append((f"{where}.{step}".lstrip("."), item[step], item_shape[step]))
        found = following
    return found


def problems(value: Any, shape: dict[str, Shape], where: str = "") -> list[str]:
    """How one object level differs from its documented shape: a documented key missing, a key of another JSON
    type. Nested objects and arrays are checked for being an object / array only (their level is checked apart);
    an array of scalars is checked item by item. Keys the documentation does not name are not problems."""
    if not isinstance(value, dict):
        return [f"{where or '(answer)'}: {json_type(value)}, documented as an object"]
    found: list[str] = []
    for key, key_shape in shape.items():
        path = f"{where}.{key}" if where else key
        if key not in value:
            if not isinstance(key_shape, Maybe):
                found.append(f"{path}: missing (documented: {_type_name(key_shape)})")
            continue
        actual, wanted = json_type(value[key]), _type_name(key_shape)
        if actual != wanted:
            found.append(f"{path}: {actual} {value[key]!r:.40}, documented as {wanted}")
            continue
        inner = key_shape.shape if isinstance(key_shape, Maybe) else key_shape
        if isinstance(inner, list) and not isinstance(inner[0], dict | list):
            found += [
                f"{path}[{i}]: {json_type(item)}, documented as {inner[0]}"
                for i, item in enumerate(value[key])
                if json_type(item) != inner[0]
            ]
    return found


def inferred(value: Any) -> Any:
    """The shape of an actual answer, in the form of the tables above: keys and JSON types, arrays merged over
    their items. Used to compare two answers (a recorded one from the service, the emulator's) key by key."""
    if isinstance(value, dict):
        return {key: inferred(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, inferred(item))
        return [merged] if merged is not None else []
    return json_type(value)


def _merge(a: Any, b: Any) -> Any:
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict):
        return {key: _merge(a.get(key), b.get(key)) for key in {**a, **b}}
    return a if a == b else f"{a}|{b}"


def shape_differences(
    first: Any, second: Any, names: tuple[str, str] = ("first", "second"), where: str = ""
) -> list[str]:
    """Where two inferred shapes differ: keys on one side only, other JSON types (``names`` say which side is
    which). An empty array on either side says nothing about its items and is not compared."""
    if isinstance(first, dict) and isinstance(second, dict):
        found: list[str] = []
        for key in sorted({*first, *second}):
            path = f"{where}.{key}" if where else key
            if key not in second:
                found.append(f"{path}: only {names[0]} has it")
            elif key not in first:
                found.append(f"{path}: only {names[1]} has it")
            else:
                found += shape_differences(first[key], second[key], names, path)
        return found
    if isinstance(first, list) and isinstance(second, list):
        if not first or not second:
            return []
        return shape_differences(first[0], second[0], names, f"{where}[]")
    if first != second:
        return [f"{where}: {_type_name(first)} in {names[0]}, {_type_name(second)} in {names[1]}"]
    return []
