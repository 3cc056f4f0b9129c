"""The lazy state machine of one cluster record (plain dict, as stored).

No background thread: a transition stores `pending = {until, then, message}` and the current state is
computed from the clock when read. Restarting the emulator mid-wait therefore just works.
"""

from __future__ import annotations

import copy
import secrets
import string
from dataclasses import dataclass
from typing import Any

from emulator.errors import ApiError

STARTING, RUNNING, STOPPING, STOPPED, ERROR = "Starting", "Running", "Stopping", "Stopped", "Error"
STATES = (STARTING, RUNNING, STOPPING, STOPPED, ERROR)
DEFAULT_RELEASE = "ray-1.0.0 (Ray 2.47.1, Python 3.12)"
# Keys whose change does not touch the running pods (everything else needs a restart to apply).
COSMETIC_KEYS = frozenset({"name", "description"})
_ALNUM = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Timing:
    """The durations and failure mode in force when a transition starts."""

    startup_seconds: float
    stop_seconds: float
    startup_failure_message: str | None = None


def random_alnum(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def current(record: dict[str, Any], now: float) -> tuple[str, str | None]:
    """(state, message) at time `now`."""
    pending = record.get("pending")
    if pending and now >= pending["until"]:
        return pending["then"], pending.get("message")
    return record["state"], record.get("message")


def settle(record: dict[str, Any], now: float) -> None:
    """Make a finished transition permanent before mutating the record."""
    state, message = current(record, now)
    if record.get("pending") and now >= record["pending"]["until"]:
        record["state"], record["message"], record["pending"] = state, message, None


def _begin_start(record: dict[str, Any], now: float, timing: Timing) -> None:
    failure = timing.startup_failure_message
    record["state"], record["message"] = STARTING, None
    record["pending"] = {
        "until": now + timing.startup_seconds,
        "then": ERROR if failure else RUNNING,
        "message": failure,
    }
    record["startTime"] = int(now * 1000)
    record["generation"] = record.get("generation", 0) + 1


def _with_defaults(spec: dict[str, Any], release: str) -> dict[str, Any]:
    """Server-side defaults: head replica 1, worker release version = the cluster's when omitted."""
    if "headSpec" in spec:
        spec["headSpec"] = {**spec["headSpec"], "replica": 1}
    if "workerSpec" in spec:
        spec["workerSpec"] = [{"displayReleaseVersion": release, **w} for w in spec["workerSpec"]]
    return spec


def new_record(
    workspace_id: str, spec: dict[str, Any], caller: dict[str, str], now: float, timing: Timing
) -> dict[str, Any]:
    cluster_id = "ray-" + random_alnum(16)
    release = spec.get("displayReleaseVersion") or DEFAULT_RELEASE
    full = {"displayReleaseVersion": release, "headSpec": {}, "volumeIds": [], "workerSpec": [], **spec}
    ms = int(now * 1000)
    record: dict[str, Any] = {
        "clusterId": cluster_id,
        "workspaceId": workspace_id,
        "spec": _with_defaults(full, release),
        "creator": caller["uid"],
        "creatorName": caller["name"],
        "modifier": caller["uid"],
        "modifierName": caller["name"],
        "userId": caller["account"],
        "createTime": ms,
        "modifiedTime": ms,
        "submitToken": secrets.token_hex(16),
        "dashboardToken": secrets.token_hex(16),
        "instanceId": f"{cluster_id}-{random_alnum(7)}",
        "modified": False,
        "generation": 0,
    }
    _begin_start(record, now, timing)
    return record


def apply_update(
    record: dict[str, Any],
    changes: dict[str, Any],
    caller: dict[str, str],
    now: float,
    timing: Timing,
    update_mode: str,
) -> None:
    """Absent keys unchanged; a present key replaces the whole value (whole headSpec, whole workerSpec)."""
    settle(record, now)
    spec = record["spec"]
    release = changes.get("displayReleaseVersion", spec.get("displayReleaseVersion", DEFAULT_RELEASE))
    new = _with_defaults(copy.deepcopy(changes), release)
    restart_needed = any(spec.get(k) != v for k, v in new.items() if k not in COSMETIC_KEYS)
    spec.update(new)
    record["modifier"], record["modifierName"] = caller["uid"], caller["name"]
    record["modifiedTime"] = int(now * 1000)
    if not restart_needed:
        return
    state = record["state"]
    if update_mode == "restart-required":
        if state in (RUNNING, STARTING):
            record["modified"] = True
    elif state in (RUNNING, STARTING):
        # immediate mode: the pods are rolled, the cluster goes through Starting again.
        _begin_start(record, now, timing)


def _invalid_state(record: dict[str, Any], action: str, allowed: tuple[str, ...]) -> ApiError:
    return ApiError(
        400,
        "InvalidState",
        f"The Ray cluster {record['clusterId']} is {record['state']}; {action} requires one of {', '.join(allowed)}.",
    )


def start(record: dict[str, Any], now: float, timing: Timing) -> None:
    settle(record, now)
    allowed = (STOPPED, ERROR)
    if record["state"] not in allowed:
        raise _invalid_state(record, "StartRayCluster", allowed)
    record["modified"] = False
    _begin_start(record, now, timing)


def stop(record: dict[str, Any], now: float, timing: Timing) -> None:
    settle(record, now)
    allowed = (RUNNING, STARTING, ERROR)
    if record["state"] not in allowed:
        raise _invalid_state(record, "StopRayCluster", allowed)
    record["state"], record["message"] = STOPPING, None
    record["pending"] = {"until": now + timing.stop_seconds, "then": STOPPED, "message": None}


def force(record: dict[str, Any], state: str, message: str | None) -> None:
    """Out-of-band state change (control API): sticky, no pending transition."""
    record["state"], record["message"], record["pending"] = state, message, None
