"""Let one provider process wait on many clusters at once.

The SDK's dynamic-provider server (``pulumi/dynamic/__main__.py``) serves every dynamic resource of a deployment
from one ``ThreadPoolExecutor(max_workers=4)``. A create blocks its thread while the cluster starts, so N creates
would finish in N/4 rounds however many operations the engine runs in parallel. Waiting is I/O, not CPU, so we
raise the bound of that pool from inside the provider, the first time the server calls us.

Why this is safe across Pulumi SDK versions:
- it acts only when this process is ``python -m pulumi.dynamic`` and the calling thread belongs to a stdlib
  ``ThreadPoolExecutor``; anything else (a future SDK with another executor, a test runner) is left alone;
- it raises ``_max_workers`` and starts the extra threads with the executor's own ``_adjust_thread_count``
  (both unchanged since Python 3.8, and checked before use); it never lowers the bound or stops a thread;
- the provider is thread-safe: one shared httpx client, no shared mutable state per operation, and lazy set-up
  under a lock. ``RAY_CLUSTERS_WIDEN_POOL=0`` turns it off.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

# Enough for `pulumi up --parallel 64`; an idle thread costs a few KiB of memory.
POOL_WORKERS = 64

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_widened = False


def _running_as_dynamic_provider_server() -> bool:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def _executor_of(thread: threading.Thread) -> ThreadPoolExecutor | None:
    for obj in gc.get_objects():
        if isinstance(obj, ThreadPoolExecutor) and thread in getattr(obj, "_threads", ()):
            return obj
    return None


def widen_server_pool(workers: int = POOL_WORKERS) -> bool:
    """Raise the worker bound of the pool serving the current gRPC call (once per process); True if raised."""
    global _widened
    if os.environ.get("RAY_CLUSTERS_WIDEN_POOL", "1") == "0" or not _running_as_dynamic_provider_server():
        return False
    with _lock:
        if _widened:
            return False
        _widened = True
        executor = _executor_of(threading.current_thread())
        needed = ("_max_workers", "_threads", "_shutdown_lock", "_idle_semaphore", "_adjust_thread_count")
        if executor is None or not all(hasattr(executor, name) for name in needed):
            return False
        if executor._max_workers >= workers:
            return False
        with executor._shutdown_lock:
            executor._max_workers = workers
            # The executor decides whether to start a thread from an "idle" semaphore that is released after
            # every finished call, so after a few quick calls it believes its 4 busy threads are idle and never
            # grows. Start the threads now instead: idle ones just block on the work queue.
            while len(executor._threads) < workers:
                executor._idle_semaphore = threading.Semaphore(0)
                executor._adjust_thread_count()
        _log.debug("provider server pool widened to %d workers", workers)
        return True
