"""The request journal of the control API: every Alibaba API request, including refused and faulted ones."""

from __future__ import annotations

import itertools
import threading
from collections import deque
from typing import Any

MAX_ENTRIES = 50_000  # bounded: a long benchmark must not grow memory without limit


class Journal:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=max_entries)
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["seq"] = next(self._seq)
            self._entries.append(entry)

    def entries(self, action: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            items = list(self._entries)
        return [e for e in items if action is None or e["action"] == action]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
