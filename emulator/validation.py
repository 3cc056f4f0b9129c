"""Validate and normalize Create/Update bodies the way the service does (400 InvalidParameter).

Only known keys survive (unknown ones are ignored, as the service's JSON binding does); types are strict,
so a client that sends `"replica": "2"` or `"cpu": 2` learns it here rather than in production.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from emulator.errors import invalid_parameter

MAX_NAME = 64
MAX_WORKER_GROUPS = 50
MEMORY_RE = re.compile(r"^[1-9][0-9]*Gi$")

Check = Callable[[str, Any], None]


def _string(path: str, value: Any) -> None:
    if not isinstance(value, str):
        raise invalid_parameter(f"The parameter {path} must be a string.")


def _bool(path: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise invalid_parameter(f"The parameter {path} must be a boolean.")


def _int(path: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_parameter(f"The parameter {path} must be an integer.")


def _positive_int(path: str, value: Any) -> None:
    _int(path, value)
    if value < 1:
        raise invalid_parameter(f"The parameter {path} must be at least 1, got {value}.")


def _memory(path: str, value: Any) -> None:
    _string(path, value)
    if not MEMORY_RE.match(value):
        raise invalid_parameter(f"The parameter {path} must look like '8Gi' (whole Gi), got {value!r}.")


def _json_text(path: str, value: Any) -> None:
    _string(path, value)
    try:
        json.loads(value)
    except ValueError:
        raise invalid_parameter(f"The parameter {path} must be a JSON string.") from None


GFT_FIELDS: dict[str, Check] = {"redisPassword": _string, "redisUrl": _string, "redisUsername": _string}


def _gft(path: str, value: Any) -> None:
    _object(path, value, GFT_FIELDS)


HEAD_FIELDS: dict[str, Check] = {
    "cpu": _string,
    "displayReleaseVersion": _string,
    "enableAutoScaling": _bool,
    "env": _string,
    "gftConfig": _gft,
    "gftEnabled": _bool,
    "gpuSpec": _string,
    "idleTimeoutSeconds": _int,
    "memory": _memory,
    "queueName": _string,
    "rayStartParams": _string,
}
WORKER_FIELDS: dict[str, Check] = {
    "cpu": _string,
    "displayReleaseVersion": _string,
    "env": _string,
    "gpuSpec": _string,
    "groupName": _string,
    "maxReplica": _positive_int,
    "memory": _memory,
    "minReplica": _positive_int,
    "queueName": _string,
    "rayStartParams": _string,
    "replica": _positive_int,
    "workerType": _string,
}


def _object(path: str, value: Any, fields: dict[str, Check]) -> dict[str, Any]:
    """Check a nested object; return it with only known, non-null keys."""
    if not isinstance(value, dict):
        raise invalid_parameter(f"The parameter {path} must be an object.")
    out: dict[str, Any] = {}
    for key, check in fields.items():
        if value.get(key) is not None:
            check(f"{path}.{key}", value[key])
            out[key] = value[key]
    return out


def _name(path: str, value: Any) -> None:
    _string(path, value)
    if not 1 <= len(value) <= MAX_NAME:
        raise invalid_parameter(f"The parameter {path} must be 1 to {MAX_NAME} characters long.")


def _volume_ids(path: str, value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_parameter(f"The parameter {path} must be a list of strings.")


def head_spec(value: Any) -> dict[str, Any]:
    head = _object("headSpec", value, HEAD_FIELDS)
    if "gftConfig" in head:
        head["gftConfig"] = _object("headSpec.gftConfig", head["gftConfig"], GFT_FIELDS)
    return head


def worker_spec(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise invalid_parameter("The parameter workerSpec must be a list.")
    if len(value) > MAX_WORKER_GROUPS:
        raise invalid_parameter(f"The parameter workerSpec allows at most {MAX_WORKER_GROUPS} groups.")
    groups: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        path = f"workerSpec[{i}]"
        group = _object(path, item, WORKER_FIELDS)
        name = group.get("groupName")
        if not name:
            raise invalid_parameter(f"The parameter {path}.groupName is required.")
        if name in seen:
            raise invalid_parameter(f"The parameter {path}.groupName {name!r} is duplicated.")
        seen.add(name)
        low, high = group.get("minReplica"), group.get("maxReplica")
        if low is not None and high is not None and low > high:
            raise invalid_parameter(f"The parameter {path}.minReplica ({low}) must be <= maxReplica ({high}).")
        groups.append(group)
    return groups


TOP_FIELDS: dict[str, Check] = {
    "description": _string,
    "displayReleaseVersion": _string,
    "extraParam": _json_text,
    "name": _name,
    "networkServiceName": _string,
    "volumeIds": _volume_ids,
}


def cluster_spec(body: Any, *, creating: bool) -> dict[str, Any]:
    """The keys of a Create/Update body, validated; absent or null keys are left out (= unchanged)."""
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    spec: dict[str, Any] = {}
    for key, check in TOP_FIELDS.items():
        if body.get(key) is not None:
            check(key, body[key])
            spec[key] = body[key]
    if body.get("headSpec") is not None:
        spec["headSpec"] = head_spec(body["headSpec"])
    if body.get("workerSpec") is not None:
        spec["workerSpec"] = worker_spec(body["workerSpec"])
    if creating and "name" not in spec:
        raise invalid_parameter(f"The parameter name is required and must be 1 to {MAX_NAME} characters long.")
    return spec


def parse_body(raw: bytes) -> Any:
    """JSON of a request body; empty = {} (the SDK sends no body for some calls)."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_parameter("The request body is not valid JSON.") from None


INT32_MAX = 2**31 - 1


def page_param(query: dict[str, str], key: str, default: int, high: int | None) -> int:
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_parameter(f"The parameter {key} must be an integer.") from None
    high = INT32_MAX if high is None else high  # the service's integers are 32-bit; SQLite's are 64-bit
    if not 1 <= value <= high:
        bound = f"between 1 and {high}"
        raise invalid_parameter(f"The parameter {key} must be {bound}, got {value}.")
    return value
