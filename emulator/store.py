"""SQLite persistence of cluster records: one connection, one lock, WAL.

A record is one JSON document per row (the lazy state machine needs no other columns). `mutate` is the
only write path for existing clusters: read, change in Python, write back, all under the lock; if the
change function raises, nothing is written, so a rejected request changes nothing.

Listing by page number without OFFSET: ListRayCluster addresses a page by number (`pageNum`, `pageSize`), not
by a cursor, so its first row is the one at rank (pageNum - 1) * pageSize of the workspace in creation order.
`LIMIT ? OFFSET ?` walks every earlier index entry to get there (the last page of 5000 clusters costs ~130 times
the first). Instead the store keeps, per workspace, the `seq` keys in creation order in memory (`_order`,
rebuilt from the table on open, changed under the lock with every insert, delete and wipe; `seq` only grows, so
an insert appends). The rank gives the first key of the page at once, and the page is a keyset seek on the
(workspace_id, seq) index: `seq >= first ... LIMIT pageSize`, whatever the page number.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Record = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS clusters (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    cluster_id TEXT NOT NULL UNIQUE,
    workspace_id TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS clusters_by_workspace ON clusters (workspace_id, seq);
"""


class ClusterStore:
    def __init__(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._order: dict[str, list[int]] = {}  # workspace -> its seq keys in creation order (see the docstring)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            for workspace_id, seq in self._db.execute("SELECT workspace_id, seq FROM clusters ORDER BY seq"):
                self._order.setdefault(workspace_id, []).append(seq)

    def insert(self, record: Record) -> None:
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO clusters (cluster_id, workspace_id, doc) VALUES (?, ?, ?)",
                (record["clusterId"], record["workspaceId"], json.dumps(record)),
            )
            assert cursor.lastrowid is not None
            self._order.setdefault(record["workspaceId"], []).append(cursor.lastrowid)  # AUTOINCREMENT: the largest

    def get(self, workspace_id: str, cluster_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM clusters WHERE cluster_id = ? AND workspace_id = ?",
                (cluster_id, workspace_id),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def page(self, workspace_id: str, offset: int, limit: int) -> list[Record]:
        """`limit` clusters of a workspace from rank `offset` in creation order (stable pages), by a keyset seek."""
        with self._lock:
            order = self._order.get(workspace_id, [])
            if offset >= len(order):
                return []
            rows = self._db.execute(
                "SELECT doc FROM clusters WHERE workspace_id = ? AND seq >= ? ORDER BY seq LIMIT ?",
                (workspace_id, order[offset], limit),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def all(self) -> list[Record]:
        with self._lock:
            rows = self._db.execute("SELECT doc FROM clusters ORDER BY seq").fetchall()
        return [json.loads(r[0]) for r in rows]

    def mutate(self, workspace_id: str, cluster_id: str, change: Callable[[Record], T]) -> tuple[Record, T] | None:
        """Apply `change` to the stored record atomically; None when the cluster does not exist."""
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM clusters WHERE cluster_id = ? AND workspace_id = ?",
                (cluster_id, workspace_id),
            ).fetchone()
            if row is None:
                return None
            record = json.loads(row[0])
            result = change(record)
            self._db.execute("UPDATE clusters SET doc = ? WHERE cluster_id = ?", (json.dumps(record), cluster_id))
            return record, result

    def delete(self, workspace_id: str, cluster_id: str) -> bool:
        with self._lock:
            # fetchall: a RETURNING statement commits (autocommit mode) only once it has run to its end
            rows = self._db.execute(
                "DELETE FROM clusters WHERE cluster_id = ? AND workspace_id = ? RETURNING seq",
                (cluster_id, workspace_id),
            ).fetchall()
            if not rows:
                return False
            order = self._order[workspace_id]
            del order[bisect.bisect_left(order, rows[0][0])]
            if not order:
                del self._order[workspace_id]
            return True

    def find(self, cluster_id: str) -> Record | None:
        """Any workspace (control API)."""
        with self._lock:
            row = self._db.execute("SELECT doc FROM clusters WHERE cluster_id = ?", (cluster_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def wipe(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM clusters")
            self._order.clear()

    def close(self) -> None:
        with self._lock:
            self._db.close()
