"""The plan file: one JSON line per planned cluster, for tools (the pull-request report, the drift check).

With ``RAY_CLUSTERS_PLAN_FILE=PATH`` in the environment of ``pulumi preview`` or ``up``, every Diff (and the
Check of a cluster about to be created) appends one record (``core.record.PlanRecord``: its docstring gives the
shape). Lines are never interleaved: each record is one ``write`` to a file opened for appending, under an
exclusive lock (many Diffs run at once in one provider process, and the preview and the update are separate
processes).
"""

from __future__ import annotations

import fcntl
import json
import os

from provider.core.record import PlanRecord

PLAN_FILE_ENV = "RAY_CLUSTERS_PLAN_FILE"


def append(path: str, record: PlanRecord) -> None:
    """Append one record as one line, atomically with respect to other writers of the same file."""
    line = (json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":"), default=str) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(line)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)  # releases the lock


__all__ = ["PLAN_FILE_ENV", "append"]
