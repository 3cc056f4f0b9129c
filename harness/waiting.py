"""Waiting for a condition that sends no notification (a journal entry, a state, a file, a process exit).

`wait_for` polls until the condition holds. The timeout bounds a failure only: it is never the expected way
out, and no caller may read "the timeout passed" as "the event happened". Pick it generously (the machine
may be shared and loaded); when the event does arrive, the wait ends at the next poll.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 60.0
"""Seconds before a wait is declared failed; far above what any awaited event takes on a loaded machine."""

POLL_INTERVAL = 0.02


class WaitTimeout(AssertionError):
    """The awaited condition did not hold within the timeout (a test failure, with what was awaited)."""


def wait_for(
    condition: Callable[[], T | None],
    what: str,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = POLL_INTERVAL,
    describe: Callable[[], str] | None = None,
) -> T:
    """Call `condition` until it returns a truthy value, and return that value.

    Raises `WaitTimeout` naming `what` (plus `describe()`, e.g. the last state seen) after `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            detail = f": {describe()}" if describe is not None else ""
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {what}{detail}")
        time.sleep(interval)


__all__ = ["DEFAULT_TIMEOUT", "WaitTimeout", "wait_for"]
