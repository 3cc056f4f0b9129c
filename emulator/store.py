"""SQLite persistence of cluster records: one connection, one lock, WAL.

A record is one JSON document per row (the lazy state machine needs no other columns). `mutate` is the
only write path for existing clusters: read, change in Python, write back, all under the lock; if the
change function raises, nothing is written, so a rejected request changes nothing.
"""

from __future__ import annotations

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
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def insert(self, record: Record) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO clusters (cluster_id, workspace_id, doc) VALUES (?, ?, ?)",
                (record["clusterId"], record["workspaceId"], json.dumps(record)),
            )

    def get(self, workspace_id: str, cluster_id: str) -> Record | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM clusters WHERE cluster_id = ? AND workspace_id = ?",
                (cluster_id, workspace_id),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def page(self, workspace_id: str, offset: int, limit: int) -> list[Record]:
        """Clusters of a workspace in creation order (stable pages)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM clusters WHERE workspace_id = ? ORDER BY seq LIMIT ? OFFSET ?",
                (workspace_id, limit, offset),
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
            cursor = self._db.execute(
                "DELETE FROM clusters WHERE cluster_id = ? AND workspace_id = ?", (cluster_id, workspace_id)
            )
            return cursor.rowcount > 0

    def find(self, cluster_id: str) -> Record | None:
        """Any workspace (control API)."""
        with self._lock:
            row = self._db.execute("SELECT doc FROM clusters WHERE cluster_id = ?", (cluster_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def wipe(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM clusters")

    def close(self) -> None:
        with self._lock:
            self._db.close()
