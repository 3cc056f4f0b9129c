"""Polling while a cluster starts: how late the provider notices Running, and how many Gets it spends.

Ours is the lifecycle's real policy (`WaitPolicy(timeout, min_delay=POLL_MIN_DELAY)` as in
`ClusterLifecycle._wait`: the delay grows to 10% of the time waited, capped at `max_delay`). Baseline: a
fixed 1 s poll. Short startups (1 s, 10 s) run against the emulator with the real `ClusterLifecycle.create`;
all of them also (1 s to 30 min) drive `provider.waiter.wait_until` with a simulated clock (the lifecycle does
not take a clock, only a sleep, so the waiter is driven directly with the same policy). Aim: noticed within
10% of the wait (never less than the minimum delay, never more than max_delay), polls growing with the
logarithm of the wait, not linearly.

    .venv/bin/python -m bench.bench_polling
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import WORKSPACE, Row, cluster_inputs, row

NAME = "polling"
SIMULATED = (1.0, 10.0, 60.0, 600.0, 1800.0)
FIXED_INTERVAL = 1.0
PHASES = 50


@dataclass(frozen=True)
class Wait:
    """How a wait for Running went: lag after the cluster became Running, and GetRayCluster calls spent."""

    lag_s: float
    polls: float
    worst_lag_s: float | None = None


def _policies() -> dict[str, Any]:
    from provider.core.lifecycle import POLL_MIN_DELAY
    from provider.core.waiter import WaitPolicy
    from provider.schema.spec import Timeouts

    timeout = Timeouts().create
    return {
        "ours": WaitPolicy(timeout=timeout, min_delay=POLL_MIN_DELAY),
        "fixed": WaitPolicy(timeout=timeout, min_delay=FIXED_INTERVAL, max_delay=FIXED_INTERVAL, fraction=0.0),
    }


def _simulate_once(running_at: float, policy: Any) -> tuple[float, int]:
    """(lag, polls) of one wait on a fake clock for a cluster that turns Running at `running_at`."""
    from provider.core.waiter import wait_until

    now = 0.0
    polls = 0

    def fetch() -> str:
        nonlocal polls
        polls += 1
        return "Running" if now >= running_at else "Starting"

    def sleep(seconds: float) -> None:
        nonlocal now
        now += seconds

    wait_until(fetch, done=lambda s: s == "Running", failed=lambda s: None, policy=policy,
               clock=lambda: now, sleep=sleep)  # fmt: skip
    return now - running_at, polls


def simulate(startup_s: float, policy: Any, phases: int = PHASES) -> Wait:
    """wait_until on a fake clock; the mean over `phases` moments of becoming Running in [S, S + window).

    The window (10% of S, at least 1 s) spans one poll interval of either policy near S, so the figure is the
    average over where the event falls between two polls, not an accident of a round S. Gets take no
    simulated time. The deadline is stretched so that no wait times out.
    """
    policy = replace(policy, timeout=max(policy.timeout, 2 * startup_s + 10))
    window = max(1.0, 0.1 * startup_s)
    runs = [_simulate_once(startup_s + window * phase / phases, policy) for phase in range(phases)]
    lags = [lag for lag, _ in runs]
    counts = [polls for _, polls in runs]
    return Wait(statistics.mean(lags), statistics.mean(counts), max(lags))


def _on_emulator(
    emulator: Any, startup_s: float, wait: Callable[[Any, str], None], create: Callable[[Any], str]
) -> Wait:
    """Create on the emulator, wait with `wait`; lag = return time - (the emulator's start time + startup)."""
    from provider.client.api import RayClusterApi
    from provider.client.credentials import Credentials, StaticCredentials

    emulator.reset(clusters=True)
    emulator.configure(startupSeconds=startup_s)
    credentials = StaticCredentials(Credentials(emulator.access_key_id, emulator.access_key_secret))
    with RayClusterApi(emulator.url, credentials, trust_env=False) as api:
        cluster_id = create(api)
        wait(api, cluster_id)
        returned = time.time()
        started_ms = api.get(WORKSPACE, cluster_id).start_time
    if started_ms is None:
        raise RuntimeError("GetRayCluster gave no startTime")
    polls = len(emulator.journal("GetRayCluster")) - 1  # minus the Get above
    return Wait(returned - (started_ms / 1000 + startup_s), polls)


def _ours_real(emulator: Any, startup_s: float) -> Wait:
    """The real ClusterLifecycle.create: CreateRayCluster, then its own wait for Running."""
    from provider.core.lifecycle import ClusterLifecycle
    from provider.schema.spec import check_inputs

    inputs, _ = check_inputs(cluster_inputs())
    assert inputs is not None
    holder: dict[str, Any] = {}

    def create(api: Any) -> str:
        holder["cluster"] = ClusterLifecycle(api, lambda _line: None).create(inputs)
        return str(holder["cluster"].cluster_id)

    return _on_emulator(emulator, startup_s, lambda api, cid: None, create)


def _fixed_real(emulator: Any, startup_s: float) -> Wait:
    from provider.core.waiter import wait_until
    from provider.schema.spec import check_inputs

    inputs, _ = check_inputs(cluster_inputs())
    assert inputs is not None
    policy = _policies()["fixed"]

    def wait(api: Any, cluster_id: str) -> None:
        wait_until(lambda: api.get(WORKSPACE, cluster_id).state, done=lambda s: s == "Running",
                   failed=lambda s: None, policy=policy)  # fmt: skip

    return _on_emulator(emulator, startup_s, wait, lambda api: api.create(WORKSPACE, inputs.api_body()))


def _rows(source: str, startup_s: float, ours: Wait, fixed: Wait) -> list[Row]:
    from provider.core.lifecycle import POLL_MIN_DELAY

    bound = min(max(0.1 * startup_s, POLL_MIN_DELAY), _policies()["ours"].max_delay)
    label = f"{source}, startup {startup_s:g} s"
    share = f"{100 * ours.lag_s / startup_s:.1f}% of the wait"
    if ours.worst_lag_s is not None:
        share = f"mean over {PHASES} moments, {share}, worst {ours.worst_lag_s:.2f} s"
    return [
        row(NAME, f"{label}: noticed Running after ({share})",
            ours.lag_s, "s", fixed.lag_s, baseline_is="fixed 1 s poll", aim=f"<= {bound:g} s"),
        row(NAME, f"{label}: GetRayCluster polls", ours.polls, "calls", fixed.polls,
            baseline_is="fixed 1 s poll", aim="log growth"),
    ]  # fmt: skip


def run(quick: bool = False) -> list[Row]:
    from harness.emulator import start_emulator

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp), startup_seconds=1)
        try:
            for startup_s in (1.0,) if quick else (1.0, 10.0):
                rows += _rows("emulator", startup_s, _ours_real(emulator, startup_s), _fixed_real(emulator, startup_s))
        finally:
            emulator.stop()
    policies = _policies()
    for startup_s in SIMULATED:
        rows += _rows(
            "simulated", startup_s, simulate(startup_s, policies["ours"]), simulate(startup_s, policies["fixed"])
        )
    return rows


if __name__ == "__main__":
    from bench.run import markdown

    print(markdown(run()))
