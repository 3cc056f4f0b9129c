"""Retry policy for API calls: exponential backoff with full jitter, server hints, a total deadline.

The mechanics are tenacity's; this module only says *when* to wait and how long, so the client code
reads as "call, maybe again" rather than a hand-written loop.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import tenacity

from provider.schema.errors import InvalidValueError, ThrottledError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one operation.

    ``initial`` and ``cap`` bound the backoff ceiling (seconds) of attempt n:
    ``min(cap, initial * 2**(n-1))``; the actual sleep is uniform in ``[0, ceiling]`` (full jitter,
    so many clients do not retry in step). A ``x-acs-retry-after`` hint from the server replaces
    the jittered value. ``deadline`` bounds the whole call, sleeps included: no retry is started
    if its sleep would end past it.
    """

    max_attempts: int = 5
    initial: float = 0.2
    cap: float = 5.0
    deadline: float = 60.0

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


def call_with_retries(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    retryable: Callable[[BaseException], bool],
    on_retry: Callable[[BaseException, int, float], None] | None = None,
) -> T:
    """Run ``fn`` until it succeeds, raises a non-retryable error, or the policy gives up.

    The last error is re-raised as is (not wrapped in tenacity's RetryError), so callers see the
    typed exception. ``on_retry(error, attempt, sleep)`` is called before each sleep (for logging).
    The first attempt runs outside tenacity: nearly every call succeeds at once, and tenacity's
    bookkeeping would cost about as much as signing the request (measured in bench/bench_client.py).
    """
    started = time.monotonic()
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

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.delay_for(error, state.attempt_number)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None:
            error = state.outcome.exception()
            if error is not None:
                on_retry(error, state.attempt_number, state.upcoming_sleep)

    remaining = max(policy.deadline - (time.monotonic() - started), 0.0)
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_attempts) | tenacity.stop_before_delay(remaining),
        wait=wait,
        retry=tenacity.retry_if_exception(retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(replay_then_call)


__all__ = ["RetryPolicy", "call_with_retries"]
