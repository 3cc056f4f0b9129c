"""Retry policy for API calls: exponential backoff with full jitter, server hints, a deadline per call.

The mechanics are tenacity's; this module only says *when* to wait and how long, so the client code reads as
"call, maybe again" rather than a hand-written loop.

Two kinds of failure are retried differently. Throttling (``ThrottledError``: the service refused the request,
so it did nothing and repeating it is safe, a create included) is retried for as long as the call has time,
however many attempts that takes: a quota recovers within seconds, and a create that has 30 minutes must not fail
after three. Other transient failures (5xx, dropped connections, timeouts) are retried ``max_attempts`` times in
all: an outage that outlasts them is reported, and a wait polls again later. A call's time is the deadline of the
operation it belongs to (``operation_deadline``, set by the lifecycle for a create, an update, a delete), or else
``RetryPolicy.deadline`` (a Diff's read).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from provider.schema.errors import InvalidValueError, ThrottledError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one call.

    ``initial`` and ``cap`` bound the backoff ceiling (seconds) of attempt n: ``min(cap, initial * 2**(n-1))``;
    the actual sleep is uniform in ``[0, ceiling]`` (full jitter, so many clients do not retry in step). A
    ``x-acs-retry-after`` hint from the server replaces the jittered value. ``max_attempts`` bounds the attempts
    that failed for a reason other than throttling (1: a single attempt, nothing retried). ``deadline`` bounds a
    call made outside any operation, sleeps included: no retry is started if its sleep would end past it.
    """

    max_attempts: int = 5
    initial: float = 0.2
    cap: float = 5.0
    deadline: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidValueError("max_attempts must be >= 1")
        if self.initial < 0 or self.cap < 0 or self.deadline <= 0:
            raise InvalidValueError("initial and cap must be >= 0 and deadline > 0")

    def backoff(self, attempt: int, rng: Callable[[float, float], float] = random.uniform) -> float:
        """Full-jitter sleep after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.initial * (2 ** max(attempt - 1, 0)))
        return rng(0.0, ceiling)

    def delay_for(self, error: BaseException | None, attempt: int) -> float:
        """The server's retry-after hint when present, else the jittered backoff."""
        if isinstance(error, ThrottledError) and error.retry_after is not None:
            return error.retry_after
        return self.backoff(attempt)


#: No retries at all (used for single-shot calls and in tests of the non-retry paths).
NO_RETRY = RetryPolicy(max_attempts=1)

_operation = threading.local()


@contextmanager
def operation_deadline(seconds: float) -> Iterator[None]:
    """Calls made on this thread inside the block may retry throttling for ``seconds`` from now: the operation's
    own deadline (a create's ``timeouts.create``) instead of the policy's default. Nested blocks: the inner wins."""
    previous = getattr(_operation, "deadline", None)
    _operation.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _operation.deadline = previous


def operation_time_left() -> float | None:
    """Seconds left before the deadline of the operation this thread is in, or None outside any operation."""
    deadline: float | None = getattr(_operation, "deadline", None)
    return None if deadline is None else max(deadline - time.monotonic(), 0.0)


def call_budget(policy: RetryPolicy) -> float:
    """How long a call starting now may take: the operation's time left, else the policy's deadline."""
    left = operation_time_left()
    return policy.deadline if left is None else left


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool],
    on_retry: Callable[[BaseException, int, float], None] | None = None,
    deadline: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``fn`` until it succeeds, raises a non-retryable error, or the policy gives up (see the module doc).

    ``deadline`` is a moment on ``clock`` (default: ``call_budget`` from now). The last error is re-raised as
    is (not wrapped in tenacity's RetryError), so callers see the typed exception. ``on_retry(error, attempt,
    sleep)`` is called before each sleep (for logging). The first attempt runs outside tenacity: nearly every call
    succeeds at once, and tenacity's bookkeeping would cost about as much as signing the request (measured in
    bench/bench_client.py).
    """
    if deadline is None:
        deadline = clock() + call_budget(policy)
    try:
        return fn()
    except Exception as error:
        if policy.max_attempts == 1 or not retryable(error):
            raise
        first_failure: Exception | None = error

    def replay_then_call() -> T:
        # Tenacity's attempt 1 is the failure that already happened, so it counts, waits and logs it.
        nonlocal first_failure
        failure, first_failure = first_failure, None
        if failure is not None:
            raise failure
        return fn()

    rules = _Rules(policy, deadline, clock, on_retry)
    retrying = tenacity.Retrying(
        stop=rules.stop,
        wait=rules.wait,
        retry=tenacity.retry_if_exception(retryable),
        before_sleep=rules.before_sleep,
        sleep=sleep,
        reraise=True,
    )
    return retrying(replay_then_call)


class _Rules:
    """Tenacity's hooks for one call: how long to wait; when to stop (no retry past the deadline, no more than
    ``max_attempts`` failures other than throttling: throttled attempts are bounded by the deadline only)."""

    def __init__(
        self,
        policy: RetryPolicy,
        deadline: float,
        clock: Callable[[], float],
        on_retry: Callable[[BaseException, int, float], None] | None,
    ) -> None:
        self._policy, self._deadline, self._clock, self._on_retry = policy, deadline, clock, on_retry
        self._other_failures = 0

    def wait(self, state: tenacity.RetryCallState) -> float:
        return self._policy.delay_for(_error(state), state.attempt_number)

    def stop(self, state: tenacity.RetryCallState) -> bool:
        if not isinstance(_error(state), ThrottledError):
            self._other_failures += 1
        if self._other_failures >= self._policy.max_attempts:
            return True
        return self._clock() + (state.upcoming_sleep or 0.0) >= self._deadline

    def before_sleep(self, state: tenacity.RetryCallState) -> None:
        error = _error(state)
        if self._on_retry is not None and error is not None:
            self._on_retry(error, state.attempt_number, state.upcoming_sleep)


def _error(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome else None


__all__ = [
    "NO_RETRY",
    "RetryPolicy",
    "call_budget",
    "call_with_retries",
    "operation_deadline",
    "operation_time_left",
]
