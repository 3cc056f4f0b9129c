"""API faults during `pulumi up` are absorbed: throttling, 5xx bursts, dropped connections, lost answers, slow
answers, a restarted API and an outage, through the real gRPC provider server and the emulator's faults.

Every scenario ends with the live cluster equal to the declaration, exactly one cluster in the store, and no
write in the journal beyond the one that was needed. The provider's client retries each call up to 5 times
(provider/client/retry.py RetryPolicy: max_attempts=5, full-jitter backoff 0.2 s doubling to 5 s, 60 s deadline), so
fault counts stay at 4 or fewer per call; CreateRayCluster is never blindly repeated once it may have reached
the server (a 5xx, a dropped connection, a lost answer): the provider looks it up by name (ListRayCluster).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

from harness.emulator import Emulator
from tests.support.emulator_journal import (
    applied_writes,
    assert_live_matches,
    assert_no_create_without_lookup,
    calls,
    lookups_after_create,
    when_journal_shows,
)
from tests.support.provider_server import Engine, StderrMark, private_engine, small_cluster

HOUR = 3600


def converged(engine: Engine, emulator: Emulator, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`pulumi up` of one new cluster, then proof that it converged: live == declared, and a preview is empty."""
    cluster_id, outs = engine.up_create(inputs)
    assert outs["state"] == "Running"
    live = assert_live_matches(emulator, inputs)
    assert live["clusterId"] == cluster_id
    emulator.clear_faults()
    assert engine.preview(cluster_id, outs, inputs).changes == "DIFF_NONE"
    return cluster_id, outs


def test_throttling_storm_on_every_call_is_absorbed(engine: Engine, emulator: Emulator) -> None:
    # 60% of calls throttled, at most 4 times in all: even 4 in a row on one call fit the 5-attempt budget.
    emulator.set_faults([{"action": "*", "kind": "Throttling.User", "rate": 0.6, "count": 4}])
    inputs = small_cluster()

    converged(engine, emulator, inputs)

    journal = emulator.journal()
    assert applied_writes(journal) == ["CreateRayCluster"]
    throttled = [e for e in journal if e["code"] == "Throttling.User"]
    assert len(throttled) <= 4
    # A throttled create was refused, so repeating it is safe and needs no lookup by name.
    assert len(calls(journal, "CreateRayCluster")) == 1 + sum(e["action"] == "CreateRayCluster" for e in throttled)


def test_throttling_with_retry_after_is_waited_out(engine: Engine, emulator: Emulator) -> None:
    emulator.set_faults(
        [{"action": "CreateRayCluster", "kind": "Throttling.User", "rate": 1.0, "count": 3, "retryAfterMs": 150}]
    )

    converged(engine, emulator, small_cluster())

    creates = calls(emulator.journal(), "CreateRayCluster")
    assert [e["code"] for e in creates] == ["Throttling.User"] * 3 + [None]
    gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(creates)]
    assert all(gap >= 0.14 for gap in gaps), gaps  # the server's hint, not the 0-0.2 s jitter
    assert applied_writes(emulator.journal()) == ["CreateRayCluster"]


def test_503_burst_on_every_call_is_absorbed(engine: Engine, emulator: Emulator) -> None:
    emulator.set_faults([{"action": "*", "kind": "ServiceUnavailable", "rate": 1.0, "count": 3}])

    converged(engine, emulator, small_cluster())

    journal = emulator.journal()
    assert applied_writes(journal) == ["CreateRayCluster"]
    # A 503 on Create is ambiguous for a real service: the provider looks for the cluster by name first.
    assert_no_create_without_lookup(journal)
    assert len([e for e in journal if e["code"] == "ServiceUnavailable"]) == 3


def test_503_burst_on_get_during_the_wait_is_absorbed(engine: Engine, emulator: Emulator) -> None:
    emulator.set_faults([{"action": "GetRayCluster", "kind": "InternalError", "rate": 1.0, "count": 4}])

    converged(engine, emulator, small_cluster())

    journal = emulator.journal()
    assert calls(journal, "CreateRayCluster") == calls(journal, "CreateRayCluster", ok=True)
    assert applied_writes(journal) == ["CreateRayCluster"]
    assert not lookups_after_create(journal)  # nothing ambiguous happened to the create


def test_503_burst_on_create_is_absorbed(engine: Engine, emulator: Emulator) -> None:
    # Three 503s in a row on CreateRayCluster: nothing was created (each lookup by name proves it), so trying
    # again is safe and the 5-attempt budget the other calls get would absorb it.
    emulator.set_faults([{"action": "CreateRayCluster", "kind": "ServiceUnavailable", "rate": 1.0, "count": 3}])

    converged(engine, emulator, small_cluster())

    assert applied_writes(emulator.journal()) == ["CreateRayCluster"]


@pytest.mark.parametrize("action", ["GetRayCluster", "CreateRayCluster", "*"])
def test_dropped_connections_are_absorbed(engine: Engine, emulator: Emulator, action: str) -> None:
    count = 1 if action == "CreateRayCluster" else 3
    emulator.set_faults([{"action": action, "kind": "drop", "rate": 1.0, "count": count}])

    converged(engine, emulator, small_cluster())

    journal = emulator.journal()
    assert applied_writes(journal) == ["CreateRayCluster"]
    assert len([e for e in journal if e["fault"] == "drop"]) == count
    assert_no_create_without_lookup(journal)
    if action == "CreateRayCluster":  # a dropped create is ambiguous: looked up by name, then sent again
        assert lookups_after_create(journal)
        assert len(calls(journal, "CreateRayCluster")) == 2


def test_slow_answers_and_latency_are_waited_for(engine: Engine, emulator: Emulator) -> None:
    emulator.set_faults(
        [
            {"action": "CreateRayCluster", "kind": "slow", "rate": 1.0, "count": 1, "delayMs": 800},
            {"action": "GetRayCluster", "kind": "slow", "rate": 1.0, "count": 2, "delayMs": 400},
        ],
        latency_ms=30,
    )

    converged(engine, emulator, small_cluster())

    journal = emulator.journal()
    assert applied_writes(journal) == ["CreateRayCluster"]
    assert len(calls(journal, "CreateRayCluster")) == 1  # slow is not a failure: no second create, no lookup
    assert not lookups_after_create(journal)


def test_lost_create_response_is_found_by_name_not_duplicated(engine: Engine, emulator: Emulator) -> None:
    emulator.set_faults([{"action": "CreateRayCluster", "kind": "lost-response", "rate": 1.0, "count": 1}])
    mark = len(engine.server.stderr_text())

    cluster_id, _ = converged(engine, emulator, small_cluster())

    journal = emulator.journal()
    creates = calls(journal, "CreateRayCluster")
    assert len(creates) == 1 and creates[0]["fault"] == "lost-response"
    assert lookups_after_create(journal)
    assert applied_writes(journal) == ["CreateRayCluster"]
    assert f"found {cluster_id}" in engine.server.stderr_text()[mark:]


def test_lost_update_response_is_repeated_harmlessly(engine: Engine, emulator: Emulator) -> None:
    inputs = small_cluster()
    cluster_id, outs = engine.up_create(inputs)
    inputs["workerSpec"][0]["replica"] = 3
    emulator.reset()
    emulator.set_faults([{"action": "UpdateRayCluster", "kind": "lost-response", "rate": 1.0, "count": 1}])

    new_outs = engine.update(cluster_id, outs, engine.check(inputs).inputs)

    assert new_outs["workerSpec"][0]["replica"] == 3
    assert_live_matches(emulator, inputs)
    updates = calls(emulator.journal(), "UpdateRayCluster")
    # UpdateRayCluster sets values, so repeating the same body after a lost answer is idempotent.
    assert len(updates) == 2 and updates[0]["body"] == updates[1]["body"]
    assert list(updates[0]["body"]) == ["workerSpec"]


def test_emulator_restarted_while_create_waits(make_emulator: Callable[..., Emulator]) -> None:
    emulator = make_emulator(startup_seconds=HOUR)  # the create certainly still waits when the restart is done
    inputs = small_cluster()
    before_restart: list[dict[str, Any]] = []

    def restart() -> None:
        before_restart.extend(emulator.journal())
        emulator.restart()  # same port, same db: the cluster and its start time survive
        (cluster,) = emulator.clusters()
        assert cluster["state"] == "Starting"
        emulator.force_state(cluster["clusterId"], "Running")  # the startup ends only after the restart

    with private_engine(emulator) as engine:
        with when_journal_shows(emulator, "CreateRayCluster", restart) as restarted:
            cluster_id, outs = engine.up_create(inputs)
        assert restarted.is_set()
        assert outs["state"] == "Running"
        assert_live_matches(emulator, inputs)
        assert engine.preview(cluster_id, outs, inputs).changes == "DIFF_NONE"

    journal = before_restart + emulator.journal()
    assert applied_writes(journal) == ["CreateRayCluster"]
    assert len(calls(journal, "CreateRayCluster")) == 1


def test_api_outage_longer_than_the_retry_budget_during_a_wait_is_survived(
    make_emulator: Callable[..., Emulator],
) -> None:
    emulator = make_emulator(startup_seconds=HOUR)  # the create certainly still waits during the outage
    inputs = small_cluster()

    with private_engine(emulator) as engine:
        mark = StderrMark(engine.server)

        def outage() -> None:
            (cluster,) = emulator.clusters()
            emulator.stop()
            # Down until a whole GetRayCluster call (all its retries) has failed: the wait says so and goes on.
            mark.wait_for(f"still unreachable (GetRayCluster {cluster['clusterId']}: ")
            emulator.start()
            emulator.force_state(cluster["clusterId"], "Running")

        with when_journal_shows(emulator, "CreateRayCluster", outage) as survived:
            cluster_id, outs = engine.up_create(inputs)
        assert survived.is_set()
        assert outs["state"] == "Running"
        assert assert_live_matches(emulator, inputs)["clusterId"] == cluster_id
