"""The plan file: one JSON line per planned cluster, for tools (the pull-request report, the drift check).

With ``RAY_CLUSTERS_PLAN_FILE=PATH`` in the environment of ``pulumi preview`` or ``up``, every Diff (and the
Check of a cluster about to be created) appends one record. The shape is an interface; keys may be added::

    {"cluster": str, "clusterId": str | null, "action": "create" | "update" | "replace" | "none",
     "changes": [{"path": str, "live": any, "declared": any, "drift": bool}],
     "capacity": {"before": C | null, "after": C | null}}
    C = {"cu": number, "cuMax": number, "vcpu": number, "memoryGiB": number, "gpuNodes": int}

Hidden values (env, passwords) are written as ``"(hidden)"``, as in the preview's lines. Lines are never
interleaved: each record is one ``write`` to a file opened for appending, under an exclusive lock (many
Diffs run at once in one provider process, and the preview and the update are separate processes).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from provider.core.capacity import Capacity, format_cu, format_delta
from provider.core.plan import FieldChange, is_hidden
from provider.schema.spec import HIDDEN_KEYS

PLAN_FILE_ENV = "RAY_CLUSTERS_PLAN_FILE"
HIDDEN = "(hidden)"

Action = Literal["create", "update", "replace", "none"]


def record(
    cluster: str,
    cluster_id: str | None,
    action: Action,
    changes: Iterable[FieldChange],
    before: Capacity | None,
    after: Capacity | None,
) -> dict[str, Any]:
    """One plan record (see the module docstring), with hidden values replaced."""
    return {
        "cluster": cluster,
        "clusterId": cluster_id or None,
        "action": action,
        "changes": [_change(change) for change in changes],
        "capacity": {
            "before": before.to_json() if before is not None else None,
            "after": after.to_json() if after is not None else None,
        },
    }


def _change(change: FieldChange) -> dict[str, Any]:
    hidden = is_hidden(change.path)
    return {
        "path": change.path,
        "live": HIDDEN if hidden and change.live is not None else _scrubbed(change.live),
        "declared": HIDDEN if hidden and change.declared is not None else _scrubbed(change.declared),
        "drift": change.drift,
    }


def _scrubbed(value: Any) -> Any:
    """A value with every hidden key's value replaced (a whole worker group may carry env)."""
    if isinstance(value, Mapping):
        return {k: HIDDEN if k in HIDDEN_KEYS and v is not None else _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


def append(path: str, entry: Mapping[str, Any]) -> None:
    """Append one record as one line, atomically with respect to other writers of the same file."""
    line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)  # releases the lock


def capacity_line(before: Capacity | None, after: Capacity | None) -> str:
    """'capacity 18 -> 26 CU (+8); with autoscaling up to 66 CU (was 34)', or for a new cluster '18 CU'."""
    if before is None and after is None:
        return "capacity unknown (sizes known only after apply, or not declared)"
    if before is None:
        assert after is not None
        text = f"capacity {format_cu(after.cu)} CU"
        return text + (f"; with autoscaling up to {format_cu(after.cu_max)} CU" if after.cu_max != after.cu else "")
    if after is None:
        return f"capacity {format_cu(before.cu)} -> ? CU (sizes known only after apply)"
    text = f"capacity {format_cu(before.cu)} -> {format_cu(after.cu)} CU ({format_delta(before.cu, after.cu)})"
    if after.cu_max != after.cu or before.cu_max != before.cu:
        text += f"; with autoscaling up to {format_cu(after.cu_max)} CU (was {format_cu(before.cu_max)})"
    return text


__all__ = ["HIDDEN", "PLAN_FILE_ENV", "Action", "append", "capacity_line", "record"]
