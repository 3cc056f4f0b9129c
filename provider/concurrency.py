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
  under a lock. ``RAY_CLUSTERS_WIDEN_POOL=0`` turns it off. When it cannot act, it says so once on stderr.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

# Enough for `pulumi up --parallel 64`; an idle thread costs a few KiB of memory.
POOL_WORKERS = 64
DISABLE_ENV = "RAY_CLUSTERS_WIDEN_POOL"

_log = logging.getLogger(__name__)
_lock = threading.Lock()
# "pending" until an attempt inside the server settles it: "widened", or "unavailable" (said once, not retried:
# what stops it then is the server's structure, which does not change while it runs). A thread that is not yet
# registered with its pool (the executor adds it just after starting it) is tried again on a later call.
_outcome = "pending"
_ATTEMPTS = 3
_attempts = 0


def _running_as_dynamic_provider_server() -> bool:
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    return getattr(spec, "name", None) == "pulumi.dynamic.__main__"


def _executor_of(thread: threading.Thread) -> ThreadPoolExecutor | None:
    for obj in gc.get_objects():
        if isinstance(obj, ThreadPoolExecutor) and thread in getattr(obj, "_threads", ()):
            return obj
    return None


_NOT_IN_A_POOL = "the calling thread belongs to no ThreadPoolExecutor"


def _say_once(line: str) -> None:
    # The engine shows a dynamic provider's stderr lines under the stack's row in the Diagnostics.
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def widen_server_pool(workers: int = POOL_WORKERS, say: Callable[[str], None] = _say_once) -> bool:
    """Raise the worker bound of the pool serving the current gRPC call, once per process; True once raised.

    Called from inside a gRPC call of the real server. When the pool cannot be widened (another executor,
    a changed SDK), ``say`` reports it once, so that users know why many creates run four at a time.
    """
    global _outcome, _attempts
    if os.environ.get(DISABLE_ENV, "1") == "0" or not _running_as_dynamic_provider_server():
        return False
    with _lock:
        if _outcome == "pending":
            _attempts += 1
            problem = _widen(threading.current_thread(), workers)
            if problem is None:
                _outcome = "widened"
            elif problem != _NOT_IN_A_POOL or _attempts >= _ATTEMPTS:
                _outcome = "unavailable"
                say(
                    f"ray-clusters: the provider server's thread pool cannot be widened ({problem}); at most 4 "
                    f"clusters are created or updated at once. {DISABLE_ENV}=0 turns the attempt off."
                )
        return _outcome == "widened"


def _widen(thread: threading.Thread, workers: int) -> str | None:
    """Widen the executor that runs ``thread``; None on success (or if already as wide), else what failed."""
    executor = _executor_of(thread)
    if executor is None:
        return _NOT_IN_A_POOL
    needed = ("_max_workers", "_threads", "_shutdown_lock", "_idle_semaphore", "_adjust_thread_count")
    missing = [name for name in needed if not hasattr(executor, name)]
    if missing:
        return f"ThreadPoolExecutor has no {', '.join(missing)}"
    if executor._max_workers >= workers:
        return None
    with executor._shutdown_lock:
        executor._max_workers = workers
        # The executor decides whether to start a thread from an "idle" semaphore that is released after
        # every finished call, so after a few quick calls it believes its 4 busy threads are idle and never
        # grows. Start the threads now instead: idle ones just block on the work queue.
        while len(executor._threads) < workers:
            executor._idle_semaphore = threading.Semaphore(0)
            executor._adjust_thread_count()
    _log.debug("provider server pool widened to %d workers", workers)
    return None
