"""Failed creates leave nothing behind, failed or interrupted updates converge on the next run, and changes made
by hand (deleted, stopped, groups added or removed) are seen and repaired.

Through the real gRPC provider server; the emulator's control API makes clusters fail, stall or change by hand.
"""

from __future__ import annotations

import pytest
from alibabacloud_emr_serverless_spark20230808 import models

from harness.emulator import Emulator
from harness.engine import ProviderError
from tests.support.emulator_journal import applied_writes, assert_live_matches, calls, when_journal_shows
from tests.support.provider_server import WORKSPACE, Engine, StderrMark, small_cluster

HOUR = 3600
SERVICE_MESSAGE = "Insufficient quota: no ecs.g7 capacity in cn-hangzhou-h"


# -- 6.2 a failed create leaves nothing behind ---------------------------------------------------------------


def test_cluster_that_fails_to_start_is_deleted_and_the_error_carries_the_service_message(
    engine: Engine, emulator: Emulator
) -> None:
    emulator.configure(startupFailureMessage=SERVICE_MESSAGE)

    with pytest.raises(ProviderError) as failed:
        engine.up_create(small_cluster())

    message = failed.value.message
    assert SERVICE_MESSAGE in message and "deleted" in message and "next `pulumi up` starts clean" in message
    assert emulator.clusters() == []
    assert applied_writes(emulator.journal()) == ["CreateRayCluster", "DeleteRayCluster"]

    emulator.configure(startupFailureMessage=None)
    emulator.reset()
    cluster_id, _ = engine.up_create(small_cluster())  # the next create starts clean
    assert assert_live_matches(emulator, small_cluster())["clusterId"] == cluster_id
    assert applied_writes(emulator.journal()) == ["CreateRayCluster"]


def test_keep_failed_cluster_keeps_it_and_says_which(engine: Engine, emulator: Emulator) -> None:
    emulator.configure(startupFailureMessage=SERVICE_MESSAGE)

    with pytest.raises(ProviderError) as failed:
        engine.up_create(small_cluster(keepFailedCluster=True))

    (kept,) = emulator.clusters()
    assert kept["state"] == "Error" and kept["message"] == SERVICE_MESSAGE
    message = failed.value.message
    assert SERVICE_MESSAGE in message and kept["clusterId"] in message and "kept" in message
    assert f"adoptClusterId: {kept['clusterId']}" in message
    assert applied_writes(emulator.journal()) == ["CreateRayCluster"]


def test_cluster_not_running_before_the_create_timeout_is_deleted(engine: Engine, emulator: Emulator) -> None:
    emulator.configure(startupSeconds=HOUR)  # certainly not Running when the 1 s create timeout passes

    with pytest.raises(ProviderError) as failed:
        engine.up_create(small_cluster(timeouts={"create": 1, "update": 30, "delete": 30}))

    assert "timed out" in failed.value.message and "deleted" in failed.value.message
    assert emulator.clusters() == []
    journal = emulator.journal()
    assert applied_writes(journal) == ["CreateRayCluster", "DeleteRayCluster"]
    gets = calls(journal, "GetRayCluster")
    assert gets[-1]["status"] == 404  # the delete waited until the cluster was really gone

    emulator.configure(startupSeconds=0.2)
    engine.up_create(small_cluster())
    assert_live_matches(emulator, small_cluster())


# -- 6.3 an interrupted update converges ---------------------------------------------------------------------


def _bigger() -> dict:
    inputs = small_cluster()
    inputs["workerSpec"][1]["replica"] = 4
    return inputs


def test_update_whose_restart_fails_then_converges_without_rewriting(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    # The replica change rolls the pods (immediate mode: Starting again), and this time they fail to start.
    emulator.configure(startupFailureMessage=SERVICE_MESSAGE)
    emulator.reset()
    news = _bigger()

    with pytest.raises(ProviderError) as failed:
        engine.update(cluster_id, outs, engine.check(news).inputs)
    assert SERVICE_MESSAGE in failed.value.message
    assert applied_writes(emulator.journal()) == ["UpdateRayCluster"]

    # The operator fixes the cause and restarts the cluster by hand; the update itself was applied.
    emulator.configure(startupFailureMessage=None)
    emulator.force_state(cluster_id, "Running")
    emulator.reset()
    mark = StderrMark(engine.server)
    engine.preview(cluster_id, outs, news)  # olds are still the pre-update outputs: the engine kept them
    assert "workerSpec[big].replica" not in mark.text()  # no remaining difference
    engine.update(cluster_id, outs, engine.check(news).inputs)
    assert applied_writes(emulator.journal()) == []
    assert_live_matches(emulator, news)


def test_update_whose_wait_loses_the_api_converges_on_the_next_run(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    # The update rolls the pods (immediate mode: Starting again) for an hour: the next run certainly finds the
    # roll still under way, and the test ends it (forced Running) once that run has seen it Starting.
    emulator.configure(startupSeconds=HOUR)
    emulator.reset()
    news = _bigger()
    broken = [{"action": "GetRayCluster", "kind": "InternalError", "rate": 1.0, "count": None}]

    with (
        when_journal_shows(emulator, "UpdateRayCluster", lambda: emulator.set_faults(broken)),
        pytest.raises(ProviderError) as failed,
    ):
        engine.update(cluster_id, outs, engine.check(news).inputs)
    assert "GetRayCluster" in failed.value.message and "HTTP 500" in failed.value.message
    assert applied_writes(emulator.journal()) == ["UpdateRayCluster"]

    emulator.clear_faults()
    emulator.reset()
    mark = StderrMark(engine.server)
    engine.preview(cluster_id, outs, news)  # one GetRayCluster
    assert "replica" not in mark.text()  # the change was applied: no remaining difference
    assert emulator.sdk().get_ray_cluster(WORKSPACE, cluster_id).body.state == "Starting"  # (a second Get)

    def roll_ends() -> None:
        emulator.force_state(cluster_id, "Running")

    # The third Get is the update's own read: it answered Starting, so the update has to wait for the roll.
    with when_journal_shows(emulator, "GetRayCluster", roll_ends, count=3) as ended:
        new_outs = engine.update(cluster_id, outs, engine.check(news).inputs)
    assert ended.is_set()
    assert applied_writes(emulator.journal()) == []  # nothing left to send
    assert new_outs["workerSpec"][1]["replica"] == 4
    assert new_outs["state"] == "Running"  # the update waits for the roll it interrupted
    assert_live_matches(emulator, news)


def test_update_that_times_out_then_converges(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.configure(startupSeconds=HOUR)  # certainly still Starting when the 1 s update timeout passes
    emulator.reset()
    news = _bigger()
    news["timeouts"] = {"create": 30, "update": 1, "delete": 30}

    with pytest.raises(ProviderError) as failed:
        engine.update(cluster_id, outs, engine.check(news).inputs)
    assert "timed out" in failed.value.message

    emulator.force_state(cluster_id, "Running")
    emulator.reset()
    assert engine.preview(cluster_id, outs, news).changes == "DIFF_SOME"  # only the timeouts option changed
    engine.update(cluster_id, outs, engine.check(news).inputs)
    assert applied_writes(emulator.journal()) == []
    assert_live_matches(emulator, news)


# -- 6.4 out-of-band changes ---------------------------------------------------------------------------------


def test_deleted_by_hand_refresh_forgets_it_and_the_next_create_makes_a_new_one(
    engine: Engine, emulator: Emulator
) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.sdk().delete_ray_cluster(WORKSPACE, cluster_id)
    emulator.reset()

    read_id, _, _ = engine.refresh(cluster_id, outs)
    assert read_id == ""
    assert applied_writes(emulator.journal()) == []

    new_id, _ = engine.up_create(small_cluster())
    assert new_id != cluster_id
    assert assert_live_matches(emulator, small_cluster())["clusterId"] == new_id
    assert applied_writes(emulator.journal()) == ["CreateRayCluster"]


def test_stopped_by_hand_is_reported_and_started_only_when_declared(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.force_state(cluster_id, "Stopped")
    emulator.reset()
    mark = StderrMark(engine.server)

    engine.preview(cluster_id, outs, small_cluster())
    engine.update(cluster_id, outs, engine.check(small_cluster()).inputs)
    assert f"analytics ({cluster_id})" in mark.text() and "Stopped" in mark.text()
    assert applied_writes(emulator.journal()) == []
    assert emulator.clusters()[0]["state"] == "Stopped"

    running = small_cluster(desiredState="Running")
    assert engine.preview(cluster_id, outs, running).changes == "DIFF_SOME"
    engine.update(cluster_id, outs, engine.check(running).inputs)
    assert applied_writes(emulator.journal()) == ["StartRayCluster"]
    assert_live_matches(emulator, running)


def test_worker_groups_added_and_removed_by_hand_are_drift_and_repaired(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    group = models.UpdateRayClusterRequestWorkerSpec
    by_hand = [
        group(group_name="cpu", worker_type="CPU", replica=1, cpu="2", memory="8Gi"),
        group(group_name="extra", worker_type="CPU", replica=5, cpu="2", memory="8Gi"),
    ]
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, models.UpdateRayClusterRequest(worker_spec=by_hand))
    emulator.reset()
    mark = StderrMark(engine.server)

    diff = engine.preview(cluster_id, outs, small_cluster())

    assert diff.changes == "DIFF_SOME"
    lines = [line for line in mark.text().splitlines() if line.startswith(f"analytics ({cluster_id}): ")]
    assert any("+ workerSpec[big]" in line and "drift" in line for line in lines), lines
    assert any("- workerSpec[extra]" in line and "drift" in line for line in lines), lines

    engine.update(cluster_id, outs, engine.check(small_cluster()).inputs)
    journal = emulator.journal()
    assert applied_writes(journal) == ["UpdateRayCluster"]
    assert list(calls(journal, "UpdateRayCluster")[0]["body"]) == ["workerSpec"]
    assert_live_matches(emulator, small_cluster())
