"""wait_until in simulated time: notice latency, number of polls, deadline, failure, progress."""

from __future__ import annotations

import math
from itertools import pairwise

import pytest

from provider.core.waiter import WaitFailed, WaitPolicy, WaitTimeout, wait_until


class SleepRecordingClock:
    """Simulated time: sleep advances the clock and records the delay (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


class Cluster:
    """Starting until ``ready_at`` seconds after the start, then Running; counts GetRayCluster calls."""

    def __init__(self, clock: SleepRecordingClock, ready_at: float) -> None:
        self.clock, self.start, self.ready_at, self.polls = clock, clock.now, ready_at, 0

    def fetch(self) -> str:
        self.polls += 1
        return "Running" if self.clock.now - self.start >= self.ready_at else "Starting"


def run(ready_at: float, policy: WaitPolicy, progress: list[str] | None = None) -> tuple[Cluster, float]:
    clock = SleepRecordingClock()
    cluster = Cluster(clock, ready_at)
    wait_until(
        cluster.fetch,
        done=lambda state: state == "Running",
        failed=lambda state: None,
        policy=policy,
        progress=progress.append if progress is not None else None,
        clock=clock,
        sleep=clock.sleep,
    )
    return cluster, clock.now - cluster.start


POLICY = WaitPolicy(timeout=3600)


def test_ready_at_once_means_one_poll_and_no_sleep() -> None:
    cluster, waited = run(0, POLICY)
    assert (cluster.polls, waited) == (1, 0)


@pytest.mark.parametrize("ready_at", [1, 10, 60, 600, 0.5, 37, 1234])
def test_notice_latency_is_about_a_tenth_of_the_wait_and_bounded(ready_at: float) -> None:
    _, waited = run(ready_at, POLICY)
    latency = waited - ready_at
    assert latency >= 0
    assert latency <= max(POLICY.fraction * ready_at, POLICY.min_delay) + 1e-9
    assert latency <= POLICY.max_delay


def test_polls_grow_logarithmically_with_the_wait() -> None:
    policy = WaitPolicy(timeout=10_000, max_delay=1e9)  # no cap: the pure geometric regime
    polls = {t: run(t, policy)[0].polls for t in (1, 10, 60, 600, 6000)}
    # Linear start (1 s steps up to min_delay / fraction = 10 s), then x1.1 per poll: ~24 polls per decade.
    assert polls[1] == 2 and polls[10] == 11
    per_decade = math.log(10) / math.log(1 + policy.fraction)
    assert polls[600] - polls[60] <= per_decade + 2
    assert polls[6000] - polls[600] <= per_decade + 2
    # A wait 600x longer costs ~7x the polls (linear polling would cost 600x).
    assert polls[600] < 2 * polls[60] and polls[6000] < 8 * polls[10]


def test_default_cap_bounds_the_delay_and_polls_of_a_long_wait() -> None:
    cluster, _ = run(1800, POLICY)
    assert max(sleeps_of(1800)) <= 60
    assert cluster.polls <= 80  # 1800 s: ~53 polls to reach 600 s, then one a minute


def sleeps_of(ready_at: float) -> list[float]:
    clock = SleepRecordingClock()
    cluster = Cluster(clock, ready_at)
    wait_until(cluster.fetch, done=lambda s: s == "Running", failed=lambda s: None, policy=POLICY, clock=clock,
               sleep=clock.sleep)  # fmt: skip
    return clock.sleeps


def test_timeout_polls_last_at_the_deadline_and_carries_the_state() -> None:
    clock = SleepRecordingClock()
    cluster = Cluster(clock, ready_at=10**9)
    with pytest.raises(WaitTimeout) as caught:
        wait_until(
            cluster.fetch,
            done=lambda s: s == "Running",
            failed=lambda s: None,
            policy=WaitPolicy(timeout=100),
            describe=lambda s: f"state {s}",
            clock=clock,
            sleep=clock.sleep,
        )
    assert caught.value.elapsed == pytest.approx(100)
    assert caught.value.last == "Starting"
    assert str(caught.value) == "timed out after 100s (timeout 100s): state Starting"
    assert clock.now - cluster.start == pytest.approx(100)  # never sleeps past the deadline


def test_zero_timeout_polls_once() -> None:
    clock = SleepRecordingClock()
    cluster = Cluster(clock, ready_at=5)
    with pytest.raises(WaitTimeout):
        wait_until(cluster.fetch, done=lambda s: s == "Running", failed=lambda s: None,
                   policy=WaitPolicy(timeout=0), clock=clock, sleep=clock.sleep)  # fmt: skip
    assert cluster.polls == 1


def test_failure_state_stops_the_wait_with_the_service_message() -> None:
    clock = SleepRecordingClock()
    states = iter(["Starting", "Starting", "Error"])
    with pytest.raises(WaitFailed) as caught:
        wait_until(
            lambda: next(states),
            done=lambda s: s == "Running",
            failed=lambda s: "quota exceeded for ecs.gn6i" if s == "Error" else None,
            policy=POLICY,
            clock=clock,
            sleep=clock.sleep,
        )
    assert caught.value.message == "quota exceeded for ecs.gn6i" == str(caught.value)
    assert caught.value.last == "Error"
    assert clock.sleeps == [1.0, 1.0]


def test_fetch_errors_propagate() -> None:
    clock = SleepRecordingClock()

    def fetch() -> str:
        raise ConnectionError("boom")

    with pytest.raises(ConnectionError):
        wait_until(fetch, done=bool, failed=lambda s: None, policy=POLICY, clock=clock, sleep=clock.sleep)


def test_progress_once_after_10s_then_at_most_every_30s() -> None:
    messages: list[str] = []
    run(300, POLICY, messages)
    seconds = [int(m.split(" after ")[1].split("s")[0]) for m in messages]
    assert messages[0].startswith("still Starting after ") and messages[0].endswith("(timeout 3600s)")
    assert 10 <= seconds[0] <= 12
    assert all(later - earlier >= 30 for earlier, later in pairwise(seconds))
    assert all(later - earlier <= 60 for earlier, later in pairwise(seconds))
    assert 7 <= len(messages) <= 10


def test_no_progress_for_short_waits() -> None:
    messages: list[str] = []
    run(8, POLICY, messages)
    assert messages == []


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        WaitPolicy(timeout=-1)
    with pytest.raises(ValueError):
        WaitPolicy(timeout=10, min_delay=0)
    with pytest.raises(ValueError):
        WaitPolicy(timeout=10, min_delay=5, max_delay=1)


def test_an_api_outage_during_a_wait_is_waited_out_until_the_deadline() -> None:
    clock = [0.0]
    answers: list[object] = [OSError("connection refused")] * 5 + ["Running"]

    def fetch() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return str(answer)

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    progress: list[str] = []
    result = wait_until(
        fetch,
        done=lambda state: state == "Running",
        failed=lambda state: None,
        policy=WaitPolicy(timeout=60),
        progress=progress.append,
        clock=lambda: clock[0],
        sleep=sleep,
        transient=(OSError,),
    )
    assert result == "Running" and answers == []
    assert progress and "unreachable (connection refused)" in progress[0]


def test_an_outage_that_lasts_past_the_deadline_raises_the_outage() -> None:
    clock = [0.0]

    def fetch() -> str:
        raise OSError("still down")

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    with pytest.raises(OSError, match="still down"):
        wait_until(
            fetch,
            done=lambda state: True,
            failed=lambda state: None,
            policy=WaitPolicy(timeout=10),
            clock=lambda: clock[0],
            sleep=sleep,
            transient=(OSError,),
        )
    assert clock[0] == pytest.approx(10)
