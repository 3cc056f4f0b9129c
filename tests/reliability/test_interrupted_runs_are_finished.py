"""An `up` cut short (the provider process killed mid-step) is picked up by the next run: the create is not sent
again, the restart and the delete are finished; through real gRPC servers.

The engine records nothing for a step whose provider call never returned: the next run starts from the
state before it. Each test kills the real provider server (SIGKILL) while it waits inside a call, at a
point the emulator's journal proves was reached, then drives a fresh server as the next `pulumi up` would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderError
from tests.support.emulator_defaults import DEFAULT_CONFIG
from tests.support.emulator_journal import applied_writes, calls, when_journal_shows
from tests.support.provider_server import Engine, StderrMark, private_engine, small_cluster


def killed_during(engine: Engine, emulator: Emulator, action: str, step: Callable[[], Any]) -> None:
    """Run `step` (a provider call) and SIGKILL the server as soon as the emulator has seen `action`."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            step()
        except ProviderError as exc:  # the engine sees the plugin die: the step fails, nothing is recorded
            failures.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    with when_journal_shows(emulator, action, engine.server._proc.kill) as killed:
        worker.start()
        worker.join(60)
    assert killed.is_set(), f"the journal never showed {action}"
    assert not worker.is_alive() and failures, "the call was expected to fail with the server killed"


def test_create_killed_while_waiting_is_not_sent_again(emulator: Emulator) -> None:
    emulator.configure(startupSeconds=3600)  # the create waits for Running until the process dies
    with private_engine(emulator) as first:
        killed_during(first, emulator, "CreateRayCluster", lambda: first.up_create(small_cluster()))
    (cluster_id,) = [c["clusterId"] for c in emulator.clusters()]

    with private_engine(emulator) as second, pytest.raises(ProviderError) as refused:
        second.up_create(small_cluster())

    message = refused.value.message
    assert cluster_id in message and "Starting" in message and "created 20" in message
    assert f"adoptClusterId: {cluster_id}" in message and "delete it" in message
    assert len(calls(emulator.journal(), "CreateRayCluster")) == 1

    # The way on that the message gives: adopt it (no second create), once it has started.
    emulator.force_state(cluster_id, "Running")
    with private_engine(emulator) as third:
        adopted_id, outs = third.up_create(small_cluster(adoptClusterId=cluster_id))
    assert adopted_id == cluster_id and outs["state"] == "Running"
    assert len(calls(emulator.journal(), "CreateRayCluster")) == 1


def test_restart_killed_between_stop_and_start_is_finished_by_the_next_up(emulator: Emulator) -> None:
    emulator.configure(updateMode="restart-required")
    declared = small_cluster(restartOnPendingChanges=True)
    with private_engine(emulator) as first:
        cluster_id, outs = first.up_create(declared)
        changed = small_cluster(restartOnPendingChanges=True, description="changed")
        changed["headSpec"]["cpu"] = 4
        emulator.configure(stopSeconds=3600)  # the restart waits for Stopped until the process dies
        news = first.check(changed).inputs
        killed_during(first, emulator, "StopRayCluster", lambda: first.update(cluster_id, outs, news))
    emulator.force_state(cluster_id, "Stopped")  # the Stop finished meanwhile; nobody sent the Start
    emulator.configure(stopSeconds=0.2)
    emulator.reset()

    with private_engine(emulator) as second:
        mark = StderrMark(second.server)
        diff = second.preview(cluster_id, outs, changed)  # state still holds the outputs before the update
        assert diff.changes == "DIFF_SOME"
        assert f"analytics ({cluster_id}): ~ state Stopped -> Running: a restart to apply pending changes" in (
            mark.text()
        )
        second.update(cluster_id, outs, second.check(changed).inputs)

    assert applied_writes(emulator.journal()) == ["StartRayCluster"]  # the update itself is not sent again
    (cluster,) = emulator.clusters()
    assert cluster["state"] == "Running" and cluster["modified"] is False and cluster["headSpec"]["cpu"] == "4"


def test_delete_killed_while_waiting_is_finished_by_the_next_run(emulator: Emulator) -> None:
    with private_engine(emulator) as first:
        cluster_id, outs = first.up_create(small_cluster())
        # The first poll after DeleteRayCluster hangs, so the process dies inside the delete's wait.
        emulator.set_faults([{"action": "GetRayCluster", "kind": "slow", "rate": 1.0, "count": 1, "delayMs": 60000}])
        killed_during(first, emulator, "DeleteRayCluster", lambda: first.destroy(cluster_id, outs))
    emulator.clear_faults()

    with private_engine(emulator) as second:
        second.destroy(cluster_id, outs)  # the resource is still in state: the next run deletes it again

    deletes = calls(emulator.journal(), "DeleteRayCluster")
    assert [d["status"] for d in deletes] == [200, 404]  # already gone is success
    assert emulator.clusters() == []


def test_adoption_killed_after_moving_the_owner_mark_is_finished_by_the_next_up(emulator: Emulator) -> None:
    """A rename by adoption (B takes A's cluster), cut short after the UpdateRayCluster that moved the mark: Pulumi
    recorded nothing for B and still holds A. The next `up` adopts again without writing, A's delete forgets the
    cluster instead of deleting it, and B then previews no change."""
    owner_a, owner_b = "ray-clusters/dev/analytics", "ray-clusters/dev/analytics-v2"
    adopting = small_cluster(owner=owner_b)
    adopting["headSpec"]["cpu"] = 4  # a resize in the same `up`: the pods restart, and the wait outlives the process
    with private_engine(emulator) as first:
        a = Engine(first.server, first.provider, "analytics")
        cluster_id, a_outputs = a.up_create(small_cluster(owner=owner_a))
        adopting["adoptClusterId"] = cluster_id
        emulator.configure(startupSeconds=3600)
        b = Engine(first.server, first.provider, "analytics-v2")
        killed_during(b, emulator, "UpdateRayCluster", lambda: b.up_create(adopting))
    (cluster,) = emulator.clusters()
    assert cluster["description"].endswith(f"[owner {owner_b}]")  # the write landed before the process died
    emulator.configure(**DEFAULT_CONFIG)
    emulator.force_state(cluster_id, "Running")
    emulator.reset()

    with private_engine(emulator) as second:
        mark = StderrMark(second.server)
        b = Engine(second.server, second.provider, "analytics-v2")
        b_id, b_outputs = b.up_create(adopting)  # the engine runs B's create again
        Engine(second.server, second.provider, "analytics").destroy(cluster_id, a_outputs)  # the rename's delete
        text = mark.text()
        assert b_id == cluster_id and b_outputs["state"] == "Running"
        assert "ownership moves" not in text  # the mark is B's already
        assert f"analytics ({cluster_id}): not deleted: the cluster is now managed by analytics-v2 (adopted)" in text
        assert b.preview(cluster_id, b_outputs, adopting).changes == "DIFF_NONE"

    assert applied_writes(emulator.journal()) == []  # nothing sent again, nothing deleted
    (cluster,) = emulator.clusters()
    assert cluster["state"] == "Running" and cluster["headSpec"]["cpu"] == "4"
    assert cluster["description"].endswith(f"[owner {owner_b}]")
