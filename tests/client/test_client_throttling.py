"""Throttling never fails a call that has time left; the pacing keeps many threads under the quota together.

The retry loop, the pacer and the client run here on a clock that moves only when they sleep (``FakeClock``), so
waits of minutes take no time and every figure is exact; httpx.MockTransport plays the service's throttling answers
(400 ``Throttling.User`` as the gateway sends it, 429 with ``x-acs-retry-after`` in milliseconds, see
/work/shared/api-docs/wire-behaviour.md). The same rules through the provider server and the emulator are in
tests/provider/test_api_quota.py.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest

from provider.client.api import RayClusterApi
from provider.client.credentials import Credentials, StaticCredentials
from provider.client.pacing import (
    DEFAULT_LIMIT,
    HEADROOM,
    RATE_LIMIT_ENV,
    UNPACED,
    Pacer,
    Rate,
    RateLimitError,
    RateLimits,
    limits_from,
    parse_limits,
)
from provider.client.retry import RetryPolicy, call_with_retries, operation_deadline
from provider.schema.errors import AmbiguousCreateError, ServerError, ThrottledError

POLICY = RetryPolicy(max_attempts=3, initial=0.2, cap=5.0, deadline=600.0)
THROTTLED = {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "r"}


class FakeClock:
    """Monotonic time that moves only when someone sleeps; records the sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.while_sleeping: Callable[[float], object] | None = None  # what "another thread" does meanwhile

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        if self.while_sleeping is not None:
            self.while_sleeping(seconds)
        self.now += seconds


class Script:
    """A fake service: answers in order (the last one repeats), counting requests per action."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def throttled(status: int = 400, retry_after_ms: int | None = None) -> httpx.Response:
    headers = {} if retry_after_ms is None else {"x-acs-retry-after": str(retry_after_ms)}
    return httpx.Response(status, json=THROTTLED, headers=headers)


def ok(body: dict | None = None) -> httpx.Response:
    return httpx.Response(200, json=body or {"clusterId": "ray-new", "requestId": "r"})


def client(script: Script, clock: FakeClock, pacer: Pacer = UNPACED, policy: RetryPolicy = POLICY) -> RayClusterApi:
    return RayClusterApi(
        "https://emr.example.com",
        StaticCredentials(Credentials("mock-id", "mock-secret")),
        retry=policy,
        transport=httpx.MockTransport(script),
        pacer=pacer,
        clock=clock.monotonic,
        sleep=clock.sleep,
    )


# -- the retry loop --------------------------------------------------------------------------------------------


class Failing:
    """A call that raises ``errors`` in order, then answers; counts its attempts."""

    def __init__(self, errors: Sequence[BaseException]) -> None:
        self.pending = list(errors)
        self.attempts = 0

    def __call__(self) -> str:
        self.attempts += 1
        if self.pending:
            raise self.pending.pop(0)
        return "done"


def retried(call: Failing, clock: FakeClock, **kwargs: Any) -> str:
    """``call_with_retries`` with every failure retryable, on the fake clock."""
    return call_with_retries(
        call, policy=POLICY, retryable=lambda e: True, clock=clock.monotonic, sleep=clock.sleep, **kwargs
    )


def throttles(count: int, retry_after: float | None = None) -> list[ThrottledError]:
    return [ThrottledError("GetRayCluster", retry_after=retry_after) for _ in range(count)]


def test_throttling_is_retried_past_max_attempts_while_time_is_left() -> None:
    clock = FakeClock()

    assert retried(Failing(throttles(40)), clock) == "done"

    assert len(clock.sleeps) == 40 > POLICY.max_attempts
    assert all(0 <= s <= POLICY.cap for s in clock.sleeps)


def test_other_failures_still_stop_after_max_attempts_however_much_time_is_left() -> None:
    clock = FakeClock()
    call = Failing([ServerError("GetRayCluster", status=503) for _ in range(10)])

    with pytest.raises(ServerError):
        retried(call, clock)

    assert call.attempts == POLICY.max_attempts


def test_throttles_do_not_use_up_the_attempts_of_other_failures() -> None:
    clock = FakeClock()
    throttle, outage = ThrottledError("GetRayCluster"), ServerError("GetRayCluster", status=503)
    call = Failing([throttle, outage, throttle, throttle, outage, throttle])  # 2 outages: fewer than 3 attempts

    assert retried(call, clock) == "done" and call.attempts == 7


def test_persistent_throttling_ends_at_the_deadline_and_never_sleeps_past_it() -> None:
    clock = FakeClock()
    started = clock.now

    with pytest.raises(ThrottledError):
        retried(Failing(throttles(10_000)), clock, deadline=started + 30.0)

    assert 30.0 - POLICY.cap <= clock.now - started <= 30.0


def test_retry_after_is_slept_exactly_and_one_past_the_deadline_gives_up_at_once() -> None:
    clock = FakeClock()

    retried(Failing([*throttles(1, retry_after=1.5), *throttles(1, retry_after=0.25)]), clock)
    assert clock.sleeps == [1.5, 0.25]

    with pytest.raises(ThrottledError):
        retried(Failing(throttles(1, retry_after=900.0)), clock)
    assert clock.sleeps == [1.5, 0.25]  # no sleep begun: it would have ended past the 600 s deadline


def test_an_operation_deadline_replaces_the_policy_default() -> None:
    # A create has 30 minutes: a throttle that asks for 15 minutes is waited out inside it, refused outside it.
    outside, inside = FakeClock(), FakeClock()
    with pytest.raises(ThrottledError):
        retried(Failing(throttles(1, retry_after=900.0)), outside)
    with operation_deadline(1800.0):
        assert retried(Failing(throttles(1, retry_after=900.0)), inside) == "done"

    assert outside.sleeps == [] and inside.sleeps == [900.0]


# -- the client: throttling answers on the wire ----------------------------------------------------------------


def test_a_429_with_retry_after_is_waited_out_then_answered() -> None:
    clock = FakeClock()
    script = Script(throttled(429, retry_after_ms=1500), throttled(429, retry_after_ms=1500), ok())

    with client(script, clock) as api:
        assert api.create("w-1", {"name": "a"}) == "ray-new"

    assert clock.sleeps == [1.5, 1.5]
    assert len(script.requests) == 3


def test_a_throttled_create_is_sent_again_because_the_service_did_nothing() -> None:
    # 400 Throttling.User: refused before anything was applied, so resending cannot duplicate (unlike a 5xx).
    clock = FakeClock()
    script = Script(*[throttled() for _ in range(12)], ok())

    with client(script, clock) as api:
        assert api.create("w-1", {"name": "a"}) == "ray-new"

    assert len(script.requests) == 13
    assert {json.loads(r.content)["name"] for r in script.requests} == {"a"}


def test_a_create_that_may_have_been_applied_is_still_not_resent() -> None:
    clock = FakeClock()
    script = Script(throttled(), httpx.Response(503, json={"Code": "ServiceUnavailable"}), ok())

    with client(script, clock) as api, pytest.raises(AmbiguousCreateError):
        api.create("w-1", {"name": "a"})

    assert len(script.requests) == 2  # the throttle was retried, the 5xx ended it


def test_throttling_of_a_read_outlasts_the_old_three_second_budget() -> None:
    clock = FakeClock()
    script = Script(*[throttled() for _ in range(30)], ok({"clusterId": "ray-1", "state": "Running"}))

    with client(script, clock) as api:
        assert api.get("w-1", "ray-1").cluster_id == "ray-1"

    assert sum(clock.sleeps) > 3.0 and len(script.requests) == 31


# -- pacing --------------------------------------------------------------------------------------------------


def spacing(per_second: float) -> float:
    """Seconds between two calls of an action limited to ``per_second`` (the pacing keeps some headroom)."""
    return 1.0 / (per_second * HEADROOM)


def test_calls_of_one_action_are_spaced_evenly_and_actions_are_paced_apart() -> None:
    clock = FakeClock()
    pacer = Pacer(parse_limits("10/s,ListRayCluster=2/s"), clock=clock.monotonic)

    gets = [pacer.reserve("GetRayCluster", within=60.0) for _ in range(4)]
    lists = [pacer.reserve("ListRayCluster", within=60.0) for _ in range(3)]

    assert gets == pytest.approx([i * spacing(10) for i in range(4)])
    assert lists == pytest.approx([i * spacing(2) for i in range(3)])
    clock.sleep(5.0)  # idle time is not saved up into a burst
    assert [pacer.reserve("GetRayCluster", within=60.0) for _ in range(2)] == pytest.approx([0.0, spacing(10)])


def test_a_slot_later_than_the_deadline_is_not_taken() -> None:
    clock = FakeClock()
    pacer = Pacer(parse_limits("1/s"), clock=clock.monotonic)
    assert pacer.reserve("GetRayCluster", within=0.0) == 0.0

    assert pacer.reserve("GetRayCluster", within=0.5) is None
    assert pacer.reserve("GetRayCluster", within=2.0) == pytest.approx(spacing(1))  # the refused one was not used up


def test_a_throttle_with_retry_after_holds_back_every_thread_of_that_action() -> None:
    clock = FakeClock()
    pacer = Pacer(parse_limits("100/s"), clock=clock.monotonic)
    pacer.pause("GetRayCluster", 2.0)

    assert pacer.reserve("GetRayCluster", within=60.0) == pytest.approx(2.0)
    assert pacer.reserve("ListRayCluster", within=60.0) == 0.0


def test_the_client_waits_for_its_slot_and_tells_the_pacer_what_the_service_said() -> None:
    clock = FakeClock()
    pacer = Pacer(parse_limits("4/s"), clock=clock.monotonic)
    script = Script(ok({"clusterId": "ray-1", "state": "Running"}))

    with client(script, clock, pacer=pacer) as api:
        for _ in range(3):
            api.get("w-1", "ray-1")
        assert clock.sleeps == pytest.approx([spacing(4), spacing(4)])

        # While this call sleeps out the server's 3 s, another thread asking for a Get slot is held back as long.
        other: list[float | None] = []

        def another_thread_asks(seconds: float) -> None:
            if seconds == 3.0:
                other.append(pacer.reserve("GetRayCluster", 60.0))

        clock.while_sleeping = another_thread_asks
        clock.sleeps.clear()
        script.answers = [throttled(429, retry_after_ms=3000), ok({"clusterId": "ray-1", "state": "Running"})]
        api.get("w-1", "ray-1")

    assert other == [pytest.approx(3.0)]  # the other thread's slot: when the server's 3 s are over
    assert clock.sleeps == pytest.approx([spacing(4), 3.0, spacing(4)])  # own slot, the hint, after the other's


def test_no_slot_before_the_deadline_is_reported_as_throttling_without_a_request() -> None:
    clock = FakeClock()
    pacer = Pacer(parse_limits("1/min"), clock=clock.monotonic)
    script = Script(ok({"clusterId": "ray-1", "state": "Running"}))

    with client(script, clock, pacer=pacer, policy=RetryPolicy(deadline=10.0)) as api:
        api.get("w-1", "ray-1")
        with pytest.raises(ThrottledError, match="pacing"):
            api.get("w-1", "ray-1")

    assert len(script.requests) == 1


def test_many_threads_share_one_schedule() -> None:
    clock = FakeClock()
    pacer = Pacer(parse_limits("50/s"), clock=clock.monotonic)
    slots: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(25):
            delay = pacer.reserve("GetRayCluster", within=600.0)
            assert delay is not None
            with lock:
                slots.append(delay)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # 200 slots, one every 1/50 s (with the headroom): no two threads were given the same one.
    assert sorted(slots) == pytest.approx([i * spacing(50) for i in range(200)])


# -- the setting -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/s", RateLimits(Rate(20.0))),
        ("600/min", RateLimits(Rate(10.0))),
        (" 2.5 / s ", RateLimits(Rate(2.5))),
        (
            "ListRayCluster=5/s,GetRayCluster=50/s",
            RateLimits(None, {"ListRayCluster": Rate(5), "GetRayCluster": Rate(50)}),
        ),
        ("10/s, ListRayCluster=2/s", RateLimits(Rate(10.0), {"ListRayCluster": Rate(2.0)})),
        ("off", RateLimits()),
        ("20/s,GetRayCluster=off", RateLimits(Rate(20.0), {"GetRayCluster": None})),
    ],
)
def test_rate_limits_are_read_like_the_quota_pages(text: str, expected: RateLimits) -> None:
    assert parse_limits(text) == expected


@pytest.mark.parametrize("text", ["fast", "20", "0/s", "-1/s", "20/h", "", "20/s,", "getraycluster=2/s", "=2/s"])
def test_a_bad_rate_limit_is_one_line_naming_the_key_and_the_forms(text: str) -> None:
    with pytest.raises(RateLimitError) as info:
        parse_limits(text, "emr:apiRateLimit")
    message = str(info.value)
    assert message.startswith("emr:apiRateLimit: ") and "\n" not in message
    assert "N/s" in message and "ListRayCluster=5/s" in message


def test_stack_config_wins_over_the_environment_which_wins_over_the_default() -> None:
    env = {RATE_LIMIT_ENV: "5/s"}
    assert limits_from("7/s", env) == parse_limits("7/s")
    assert limits_from(None, env) == parse_limits("5/s")
    assert limits_from("", {}) == parse_limits(DEFAULT_LIMIT)
    with pytest.raises(RateLimitError, match=f"^{RATE_LIMIT_ENV}: "):
        limits_from(None, {RATE_LIMIT_ENV: "lots"})
