"""Waiting for a target state, described as data (like botocore's waiters).

The delay between polls grows with the time already waited (``fraction * elapsed``, bounded by
``min_delay`` and ``max_delay``): a change is noticed within about 10% of the wait, and the number of polls
grows with the logarithm of the wait instead of linearly, which matters when hundreds of clusters wait at
once against a throttled API. The clock and the sleep are parameters so tests run in simulated time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from provider.schema.errors import EmrError, InvalidValueError

T = TypeVar("T")

#: First progress message once the wait exceeds this, then at most one per PROGRESS_EVERY.
PROGRESS_AFTER = 10.0
PROGRESS_EVERY = 30.0


@dataclass(frozen=True)
class WaitPolicy:
    """How long to wait in total and how often to look."""

    #: Seconds: the total deadline, counted from the call.
    timeout: float
    #: Seconds before the second poll (the first is immediate), and the shortest delay ever.
    min_delay: float = 1.0
    #: Seconds: the longest delay between polls.
    max_delay: float = 60.0
    #: Next delay ~= fraction * elapsed.
    fraction: float = 0.1

    def __post_init__(self) -> None:
        if not (math.isfinite(self.timeout) and self.timeout >= 0):
            raise InvalidValueError(f"timeout must be a finite number of seconds >= 0, got {self.timeout!r}")
        if not 0 < self.min_delay <= self.max_delay:
            raise InvalidValueError("delays must satisfy 0 < min_delay <= max_delay")
        if not self.fraction >= 0:
            raise InvalidValueError("fraction must be >= 0")

    def delay(self, elapsed: float) -> float:
        """The pause before the next poll after ``elapsed`` seconds of waiting."""
        return min(self.max_delay, max(self.min_delay, self.fraction * elapsed))


class WaitError(EmrError):
    """Base of the waiter's outcomes other than success; ``last`` is the last value fetched."""

    def __init__(self, message: str, *, last: Any, elapsed: float) -> None:
        super().__init__(message)
        #: The last fetched value (not part of the message: it may hold secrets such as tokens).
        self.last = last
        #: Seconds waited.
        self.elapsed = elapsed


class WaitTimeout(WaitError):
    """The deadline passed before the target state was reached."""


class WaitFailed(WaitError):
    """The resource reached a failure state; ``message`` is the service's explanation."""

    def __init__(self, message: str, *, last: Any, elapsed: float) -> None:
        super().__init__(message, last=last, elapsed=elapsed)
        self.message = message


def wait_until(
    fetch: Callable[[], T],
    *,
    done: Callable[[T], bool],
    failed: Callable[[T], str | None],
    policy: WaitPolicy,
    describe: Callable[[T], str] = str,
    progress: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    transient: tuple[type[Exception], ...] = (),
) -> T:
    """Poll ``fetch`` until ``done``; raise WaitFailed when ``failed`` returns a message, WaitTimeout at the deadline.

    The first poll is immediate, the last one happens at the deadline (never after it). An exception of a
    ``transient`` type (an API outage that outlasted the client's own retries) does not end the wait: the
    next poll comes on schedule; if the deadline passes during the outage, that exception is raised. Other
    exceptions propagate; a caller that expects "not found" makes fetch return a sentinel instead.
    """
    start = clock()
    reported_at: float | None = None
    while True:
        outage: Exception | None = None
        try:
            value = fetch()
        except transient as error:
            outage = error  # the resource did not change because we could not look: keep waiting
        elapsed = clock() - start
        if outage is None:
            reason = failed(value)
            if reason is not None:
                raise WaitFailed(reason, last=value, elapsed=elapsed)
            if done(value):
                return value
        remaining = policy.timeout - elapsed
        if remaining <= 0:
            if outage is not None:
                raise outage
            raise WaitTimeout(
                f"timed out after {elapsed:.0f}s (timeout {policy.timeout:.0f}s): {describe(value)}",
                last=value,
                elapsed=elapsed,
            )
        now = f"unreachable ({outage})" if outage is not None else describe(value)
        due = reported_at is None or elapsed - reported_at >= PROGRESS_EVERY
        if progress is not None and (elapsed >= PROGRESS_AFTER or outage is not None) and due:
            progress(f"still {now} after {elapsed:.0f}s (timeout {policy.timeout:.0f}s)")
            reported_at = elapsed
        sleep(min(policy.delay(elapsed), remaining))


class Acceptor(StrEnum):
    """What a watched value does to a wait (botocore's acceptor states); a value with none keeps it polling."""

    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True)
class Waiter:
    """One wait described as data, like a botocore waiter configuration: its goal, in words, and which
    values of the watched field end it, with success or failure."""

    #: For messages: "to start", "to settle"...
    goal: str
    #: Watched value -> outcome; any other value keeps the wait polling.
    acceptors: Mapping[Hashable, Acceptor]

    def wait(
        self,
        fetch: Callable[[], T],
        *,
        watch: Callable[[T], Hashable],
        failure_reason: Callable[[T], str],
        policy: WaitPolicy,
        **options: Any,
    ) -> T:
        """Poll ``fetch`` (see ``wait_until`` for ``options``) until ``watch`` of the value meets an acceptor."""
        return wait_until(
            fetch,
            done=lambda value: self.acceptors.get(watch(value)) is Acceptor.SUCCESS,
            failed=lambda value: (
                failure_reason(value) if self.acceptors.get(watch(value)) is Acceptor.FAILURE else None
            ),
            policy=policy,
            **options,
        )


__all__ = ["Acceptor", "WaitError", "WaitFailed", "WaitPolicy", "WaitTimeout", "Waiter", "wait_until"]
