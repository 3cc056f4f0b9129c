"""Each engine step (check, diff, create, update, read, delete) through the real gRPC server sends only what the
declaration needs and reports what the service did; asserted on the emulator's journal.

The main journey (create, unchanged preview, a replica change, drift repair, stop/start, delete) is in
test_journey.py, written once for the emulator and the real service; the cases here need the emulator's controls
(forced states, faults, update modes) or test details no real-service run should pay for.
"""

from __future__ import annotations

import base64
import json

import dill
import pytest

from harness.emulator import Emulator
from harness.engine import UNKNOWN, Secret
from provider.resource import RayClusterProvider
from tests.support.provider_server import WORKSPACE, Engine, small_cluster

WRITES = {"CreateRayCluster", "UpdateRayCluster", "DeleteRayCluster", "StartRayCluster", "StopRayCluster"}


def actions(emulator: Emulator) -> list[str]:
    return [entry["action"] for entry in emulator.journal()]


def writes(emulator: Emulator) -> list[dict]:
    return [entry for entry in emulator.journal() if entry["action"] in WRITES]


def live(emulator: Emulator, cluster_id: str) -> dict:
    return emulator.sdk().get_ray_cluster(WORKSPACE, cluster_id).body.to_map()


def plain(value: object) -> object:
    return value.value if isinstance(value, Secret) else value


def test_rename_sends_only_name(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.reset()

    engine.update(cluster_id, outs, small_cluster(name="analytics-v2"))

    updates = [e for e in emulator.journal() if e["action"] == "UpdateRayCluster"]
    assert [u["body"] for u in updates] == [{"name": "analytics-v2"}]
    assert live(emulator, cluster_id)["name"] == "analytics-v2"


def test_worker_group_removed_by_hand_is_drift_and_restored(engine: Engine, emulator: Emulator) -> None:
    from alibabacloud_emr_serverless_spark20230808 import models

    cluster_id, outs = engine.up_create(small_cluster())
    only_cpu = [models.UpdateRayClusterRequestWorkerSpec(group_name="cpu", replica=1, cpu="2", memory="8Gi")]
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, models.UpdateRayClusterRequest(worker_spec=only_cpu))

    diff = engine.preview(cluster_id, outs, small_cluster())
    assert diff.changes == "DIFF_SOME"
    assert "+ workerSpec[big]" in engine.server.stderr_text()

    engine.update(cluster_id, outs, small_cluster())
    assert sorted(g["groupName"] for g in live(emulator, cluster_id)["workerSpec"]) == ["big", "cpu"]


def test_autoscaled_replica_moving_within_bounds_is_not_a_change(engine: Engine, emulator: Emulator) -> None:
    from alibabacloud_emr_serverless_spark20230808 import models

    inputs = small_cluster(
        headSpec={"cpu": 2, "memory": "8Gi", "enableAutoScaling": True},
        workerSpec=[{"groupName": "auto", "replica": 2, "minReplica": 1, "maxReplica": 5, "cpu": 2, "memory": "8Gi"}],
    )
    cluster_id, outs = engine.up_create(inputs)
    scaled = models.UpdateRayClusterRequestWorkerSpec(
        group_name="auto", replica=4, min_replica=1, max_replica=5, cpu="2", memory="8Gi"
    )
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, models.UpdateRayClusterRequest(worker_spec=[scaled]))
    emulator.reset()

    assert engine.preview(cluster_id, outs, inputs).changes == "DIFF_NONE"
    assert actions(emulator) == ["GetRayCluster"]


def test_unknown_inputs_in_preview_are_accepted_and_reported(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.reset()
    news = small_cluster(description=UNKNOWN)

    assert engine.check(news).failures == []
    diff = engine.server.diff(engine.provider, cluster_id, engine.urn, outs, news)

    assert diff.changes == "DIFF_SOME" and diff.replaces == []
    assert "description known only after apply" in engine.server.stderr_text()
    assert not writes(emulator)


def test_workspace_change_replaces(engine: Engine) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    diff = engine.preview(cluster_id, outs, small_cluster(workspaceId="w-other"))
    assert diff.changes == "DIFF_SOME" and diff.replaces == ["workspaceId"]


def test_refresh_reports_live_inputs_and_a_deleted_cluster_as_gone(engine: Engine, emulator: Emulator) -> None:
    from alibabacloud_emr_serverless_spark20230808 import models

    cluster_id, outs = engine.up_create(small_cluster())
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, models.UpdateRayClusterRequest(description="by hand"))

    read_id, read_outs, read_inputs = engine.refresh(cluster_id, outs)
    assert read_id == cluster_id and read_inputs["description"] == "by hand"
    assert read_outs["description"] == "by hand" and read_inputs["timeouts"] == outs["timeouts"]

    emulator.sdk().delete_ray_cluster(WORKSPACE, cluster_id)
    gone_id, _, _ = engine.refresh(cluster_id, outs)
    assert gone_id == ""


def test_cluster_deleted_by_hand_previews_as_replacement(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.sdk().delete_ray_cluster(WORKSPACE, cluster_id)

    diff = engine.preview(cluster_id, outs, small_cluster())
    assert diff.changes == "DIFF_SOME" and diff.replaces
    assert "no longer exists" in engine.server.stderr_text()


def test_adoption_takes_over_an_existing_cluster_without_creating(engine: Engine, emulator: Emulator) -> None:
    from alibabacloud_emr_serverless_spark20230808 import models

    request = models.CreateRayClusterRequest(
        name="analytics",
        head_spec=models.CreateRayClusterRequestHeadSpec(cpu="2", memory="8Gi"),
        worker_spec=[models.CreateRayClusterRequestWorkerSpec(group_name="cpu", replica=1, cpu="2", memory="8Gi")],
    )
    existing = emulator.sdk().create_ray_cluster(WORKSPACE, request).body.cluster_id
    emulator.reset()

    cluster_id, outs = engine.up_create(small_cluster(adoptClusterId=existing))

    assert cluster_id == existing and outs["state"] == "Running"
    assert "CreateRayCluster" not in actions(emulator)
    assert len(emulator.clusters()) == 1
    assert sorted(g["groupName"] for g in live(emulator, existing)["workerSpec"]) == ["big", "cpu"]


def test_stopped_by_hand_is_reported_not_restarted(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.force_state(cluster_id, "Stopped")
    emulator.reset()

    assert engine.preview(cluster_id, outs, small_cluster()).changes == "DIFF_NONE"
    assert "is Stopped (not managed" in engine.server.stderr_text()
    assert not writes(emulator)

    diff = engine.preview(cluster_id, outs, small_cluster(desiredState="Running"))
    assert diff.changes == "DIFF_SOME"
    new_outs = engine.update(cluster_id, outs, small_cluster(desiredState="Running"))
    assert new_outs["state"] == "Running"
    assert [w["action"] for w in writes(emulator)] == ["StartRayCluster"]


def test_restart_required_mode_reports_modified_and_restarts_on_request(engine: Engine, emulator: Emulator) -> None:
    emulator.configure(updateMode="restart-required")
    cluster_id, outs = engine.up_create(small_cluster())
    news = small_cluster()
    news["headSpec"]["cpu"] = 4

    pending = engine.update(cluster_id, outs, news)
    assert pending["modified"] is True

    emulator.reset()
    restarted = engine.update(cluster_id, pending, {**news, "restartOnPendingChanges": True})
    assert restarted["modified"] is False and restarted["state"] == "Running"
    assert [w["action"] for w in writes(emulator)] == ["StopRayCluster", "StartRayCluster"]


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("name", "", "name"),
        ("workerSpec", [{"groupName": "a", "minReplica": 3, "maxReplica": 1}], "workerSpec[0]"),
        ("headSpec", {"memory": "lots"}, "headSpec.memory"),
        ("extraParam", "{not json", "extraParam"),
        ("replicas", 3, "replicas"),
    ],
)
def test_bad_specs_fail_in_check_with_zero_calls(
    engine: Engine, emulator: Emulator, field: str, value: object, path: str
) -> None:
    emulator.reset()
    failures = engine.check(small_cluster(**{field: value})).failures
    assert failures and all(reason for _, reason in failures)
    assert any(prop.startswith(path) for prop, _ in failures), failures
    assert emulator.journal() == []


def test_pickled_provider_holds_nothing_secret_and_is_not_always_secret(engine: Engine, emulator: Emulator) -> None:
    engine.up_create(small_cluster())  # the server's copy is configured with the demo secret by now
    serialized = engine.server.serialized_provider(RayClusterProvider())
    assert RayClusterProvider.serialize_as_secret_always is False
    assert len(serialized) < 200
    raw = base64.b64decode(serialized)
    assert emulator.access_key_secret.encode() not in raw
    unpickled = dill.loads(raw)
    assert isinstance(unpickled, RayClusterProvider) and vars(unpickled) == {}
    assert emulator.access_key_secret not in json.dumps(vars(unpickled), default=str)


def test_state_that_no_longer_validates_can_still_be_destroyed(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    # As if written by an older version with other rules: an input today's spec refuses.
    old_state = {**outs, "name": "x" * 100, "legacyOption": True}

    engine.destroy(cluster_id, old_state)

    assert emulator.clusters() == []


def test_update_of_a_cluster_in_error_names_the_cluster_and_the_service_message(
    engine: Engine, emulator: Emulator
) -> None:
    from harness.engine import ProviderError

    cluster_id, outs = engine.up_create(small_cluster())
    emulator.force_state(cluster_id, "Error", "node pool exhausted")

    with pytest.raises(ProviderError) as failed:
        engine.update(cluster_id, outs, small_cluster(description="new"))

    assert f"analytics ({cluster_id}) went to state Error" in failed.value.message
    assert "node pool exhausted" in failed.value.message


def test_start_whose_answer_was_lost_is_retried_and_the_refusal_understood(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.force_state(cluster_id, "Stopped")
    emulator.reset()
    # The first StartRayCluster is applied but its answer lost; the client's retry is refused (InvalidState)
    # because the cluster is already Starting, which is where we wanted it.
    emulator.set_faults([{"action": "StartRayCluster", "kind": "lost-response", "count": 1}])

    new_outs = engine.update(cluster_id, outs, small_cluster(desiredState="Running"))

    starts = emulator.journal("StartRayCluster")
    assert [s["fault"] for s in starts] == ["lost-response", None] and starts[1]["code"] == "InvalidState"
    assert new_outs["state"] == "Running"


def test_a_minimal_spec_leaves_everything_else_to_the_service(engine: Engine, emulator: Emulator) -> None:
    minimal = {"workspaceId": WORKSPACE, "name": "tiny", "timeouts": {"create": 30, "update": 30, "delete": 30}}
    cluster_id, outs = engine.up_create(minimal)
    assert emulator.journal("CreateRayCluster")[0]["body"] == {"name": "tiny"}

    emulator.reset()
    assert engine.preview(cluster_id, outs, minimal).changes == "DIFF_NONE"
    engine.update(cluster_id, outs, minimal)
    assert [e["action"] for e in emulator.journal()] == ["GetRayCluster", "GetRayCluster"]
