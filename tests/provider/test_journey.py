"""One cluster's life through the real provider server, written once and run against every backend: the emulator
(in every test run, observed through its journal and through the provider's request log) and the real service
(``pytest -m acceptance``: ./scripts/acceptance; skipped without credentials, see README, Acceptance tests).

create the smallest cluster -> a preview of the unchanged declaration (one Get, no write) -> one worker group's
replica changed (a body with only workerSpec) -> drift made by hand shown and repaired -> stopped and started again
through desiredState -> deleted (and deleting again is fine).

Every assertion holds for any correct service: what the provider sends and returns, never how the emulator works.
It is one journey rather than six tests because against the real service each new cluster costs minutes and money.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as sdk_models

from harness.emulator import Emulator, wait_for_state
from harness.engine import Secret
from provider.resource import RayClusterProvider
from tests.support import documented_shape as documented
from tests.support.backends import EMULATOR_TIMEOUTS, Backend, emulator_sdk, own_items, smallest_cluster, writes
from tests.support.provider_server import WORKSPACE, Engine
from tests.support.recorded_answers import COMMITTED, recorded


def test_cluster_journey(backend: Backend) -> None:
    engine = Engine(backend.server, RayClusterProvider(), name="journey")
    observer = backend.observer
    name = backend.new_name()
    declared = backend.smallest_cluster(name)

    # 1. Create: waits for Running and returns every input and output; the body holds the API's fields only.
    observer.mark()
    cluster_id, outs = engine.up_create(declared)
    assert cluster_id.startswith("ray-")
    assert outs["clusterId"] == cluster_id and outs["state"] == "Running"
    for key in ("name", "headSpec", "workerSpec", "workspaceId", "timeouts"):
        assert outs[key] is not None, key
    assert isinstance(outs["submitToken"], Secret) and isinstance(outs["dashboardUrl"], Secret)
    assert outs["jobUrl"] and outs["grpcEndpoint"] and sum(outs["nodes"].values()) >= 1
    (create,) = writes(observer)
    assert create.action == "CreateRayCluster"
    assert create.body["workerSpec"] == [
        {"cpu": "2", "groupName": "cpu", "memory": "8Gi", "queueName": backend.queue, "replica": 1, "workerType": "CPU"}
    ]
    assert "timeouts" not in create.body and "workspaceId" not in create.body
    backend.snapshot(cluster_id, "created")
    label = f"{name} ({cluster_id})"

    # 2. The unchanged declaration previews as no change: one GetRayCluster, nothing written.
    observer.mark()
    diff = engine.preview(cluster_id, outs, declared)
    assert diff.changes == "DIFF_NONE" and diff.replaces == []
    assert [call.action for call in observer.calls()] == ["GetRayCluster"]

    # 3. One group's replica: previewed with the field named, then one UpdateRayCluster with only workerSpec.
    resized = backend.smallest_cluster(name)
    resized["workerSpec"][0]["replica"] = 2
    observer.mark()
    diff = engine.preview(cluster_id, outs, resized)
    assert diff.changes == "DIFF_SOME"
    assert f"{label}: ~ workerSpec[cpu].replica 1 -> 2" in engine.server.stderr_text()
    assert [call.action for call in observer.calls()] == ["GetRayCluster"]
    observer.mark()
    outs = engine.update(cluster_id, outs, engine.check(resized).inputs)
    (update,) = writes(observer)
    assert update.action == "UpdateRayCluster" and list(update.body) == ["workerSpec"]
    assert [group["replica"] for group in update.body["workerSpec"]] == [2]
    assert outs["state"] == "Running" and outs["workerSpec"][0]["replica"] == 2
    assert [group["replica"] for group in backend.live(cluster_id)["workerSpec"]] == [2]
    backend.snapshot(cluster_id, "resized")

    # 4. Drift made by hand (the official SDK, as a console user would): shown as drift, repaired with one update.
    backend.change_by_hand(cluster_id, description="changed by hand")
    observer.mark()
    diff = engine.preview(cluster_id, outs, resized)
    stderr = engine.server.stderr_text()
    assert diff.changes == "DIFF_SOME"
    assert f"{label}: ~ description" in stderr and "drift" in stderr
    observer.mark()
    outs = engine.update(cluster_id, outs, engine.check(resized).inputs)
    (repair,) = writes(observer)
    assert repair.action == "UpdateRayCluster" and set(repair.body) == {"description"}
    assert backend.live(cluster_id)["description"] == resized["description"]

    # 5. Stopped and started again through desiredState: one StopRayCluster, then one StartRayCluster.
    for wanted, action in (("Stopped", "StopRayCluster"), ("Running", "StartRayCluster")):
        news = {**resized, "desiredState": wanted}
        assert engine.preview(cluster_id, outs, news).changes == "DIFF_SOME"
        observer.mark()
        outs = engine.update(cluster_id, outs, engine.check(news).inputs)
        assert [call.action for call in writes(observer)] == [action]
        assert outs["state"] == wanted
        backend.snapshot(cluster_id, wanted.lower())

    # 6. Delete: waits until the cluster is gone; deleting what is gone already succeeds.
    observer.mark()
    engine.destroy(cluster_id, outs)
    (delete,) = writes(observer)
    assert delete.action == "DeleteRayCluster" and delete.status == 200
    gone_id, _, _ = engine.refresh(cluster_id, outs)
    assert gone_id == ""
    observer.mark()
    engine.destroy(cluster_id, outs)
    assert [call.action for call in writes(observer)] == ["DeleteRayCluster"]


def _recording(config: pytest.Config) -> Path | None:
    given = config.getoption("--record")
    if given:
        return Path(given)
    return COMMITTED if COMMITTED.is_dir() and any(COMMITTED.glob("*.json")) else None


def _emulator_answers(emulator: Emulator) -> dict[tuple[str, str], dict[str, Any]]:
    """The emulator's Get and List answers for the journey's cluster, Running and Stopped, keyed by (action, state)."""
    client = emulator_sdk(emulator)
    inputs = smallest_cluster(WORKSPACE, "recorded", EMULATOR_TIMEOUTS)
    body = {key: value for key, value in inputs.items() if key not in ("workspaceId", "timeouts")}
    cluster_id = client.create_ray_cluster(
        WORKSPACE, sdk_models.CreateRayClusterRequest().from_map(body)
    ).body.cluster_id
    answers: dict[tuple[str, str], dict[str, Any]] = {}
    for state in ("Running", "Stopped"):
        if state == "Stopped":
            client.stop_ray_cluster(WORKSPACE, cluster_id, sdk_models.StopRayClusterRequest())
        wait_for_state(emulator, WORKSPACE, cluster_id, [state])
        answers["GetRayCluster", state] = client.raw_get(WORKSPACE, cluster_id)
        answers["ListRayCluster", state] = own_items(client, WORKSPACE, cluster_id)
    return answers


@pytest.mark.acceptance
def test_recorded_answers_of_the_service_have_the_emulators_keys_and_types(
    request: pytest.FixtureRequest, emulator: Emulator
) -> None:
    """What the real service answered (recorded by the journey with --record, or committed in
    tests/fixtures/recorded/) against the emulator's answers in the same state: same keys, same JSON types. A key
    only the service sends is one the emulator should learn; one only the emulator sends, one it invents."""
    directory = _recording(request.config)
    if directory is None:
        pytest.skip("no recorded answers: run ./scripts/acceptance --record tests/fixtures/recorded (README)")
    answers = recorded(directory)
    if not answers:
        pytest.skip(f"no recorded answers in {directory} (the acceptance journey did not run or record)")
    ours = _emulator_answers(emulator)
    differences: list[str] = []
    for action, step, answer in answers:
        states = {item.get("state") for item in ([answer] if action == "GetRayCluster" else answer["rayClusters"])}
        state = "Stopped" if states == {"Stopped"} else "Running"
        found = documented.shape_differences(
            documented.inferred(ours[action, state]), documented.inferred(answer), ("the emulator", "the service")
        )
        differences += [f"{action} ({step}): {d}" for d in found]
    assert differences == []
