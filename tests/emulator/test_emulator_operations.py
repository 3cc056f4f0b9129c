"""Every operation through the official SDK: shapes, lifecycle, pagination, partial updates, update modes."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from harness.emulator import Emulator, wait_for_state

WS = "w-d2d82aa09155"
RELEASE = "ray-1.0.0 (Ray 2.47.1, Python 3.12)"
HOUR = 3600  # a transition this long is certainly still in progress at the next read, however loaded the machine


def _create(client: Any, name: str = "analytics", ws: str = WS, **fields: Any) -> str:
    request = m.CreateRayClusterRequest(name=name, **fields)
    return str(client.create_ray_cluster(ws, request).body.cluster_id)


def _get(client: Any, cluster_id: str, ws: str = WS) -> dict[str, Any]:
    return dict(client.get_ray_cluster(ws, cluster_id).body.to_map())


def _full_request() -> dict[str, Any]:
    return {
        "description": "Ray Cluster for dev.",
        "display_release_version": RELEASE,
        "extra_param": '{"k": 1}',
        "network_service_name": "vpc",
        "volume_ids": ["vol-1", "vol-2"],
        "head_spec": m.CreateRayClusterRequestHeadSpec(
            cpu="2", memory="8Gi", queue_name="root_queue", enable_auto_scaling=True, idle_timeout_seconds=60,
            gft_enabled=True,
            gft_config=m.CreateRayClusterRequestHeadSpecGftConfig(redis_url="10.4.5.6:6789", redis_username="default"),
        ),
        "worker_spec": [
            m.CreateRayClusterRequestWorkerSpec(
                group_name="cpu", worker_type="CPU", cpu="2", memory="8Gi", replica=2, min_replica=1, max_replica=4
            ),
            m.CreateRayClusterRequestWorkerSpec(
                group_name="gpu", worker_type="GPU", cpu="4", memory="16Gi", replica=1, display_release_version="v2"
            ),
        ],
    }  # fmt: skip


def test_create_then_get_returns_full_realistic_detail(emulator: Emulator) -> None:
    emulator.configure(startupSeconds=HOUR)
    client = emulator.sdk()
    before_ms = time.time() * 1000
    cluster_id = _create(client, **_full_request())
    assert re.fullmatch(r"ray-[a-z0-9]{16}", cluster_id)
    body = _get(client, cluster_id)
    after_ms = time.time() * 1000
    assert body["state"] == "Starting"
    assert body["name"] == "analytics" and body["description"] == "Ray Cluster for dev."
    assert body["headSpec"]["replica"] == 1 and body["headSpec"]["memory"] == "8Gi"
    assert body["headSpec"]["gftConfig"] == {"redisUrl": "10.4.5.6:6789", "redisUsername": "default"}
    assert body["volumeIds"] == ["vol-1", "vol-2"] and body["extraParam"] == '{"k": 1}'
    cpu, gpu = body["workerSpec"]
    assert cpu["displayReleaseVersion"] == RELEASE  # defaulted from the cluster's
    assert gpu["displayReleaseVersion"] == "v2"  # kept when given
    assert body["requestId"] and body["submitToken"] and body["userId"] and body["creator"]
    assert body["modifier"] == body["creator"] and body["creatorName"]
    assert "?token=" in body["dashboardUrl"] and cluster_id in body["dashboardUrl"]
    assert body["jobUrl"].startswith("https://") and body["jobUrlInner"].startswith("http://")
    assert body["grpcEndpoint"].startswith("ray://")
    assert body["instanceId"].startswith(cluster_id + "-")
    for key in ("createTime", "modifiedTime", "startTime"):
        assert before_ms - 1 <= body[key] <= after_ms, key  # epoch milliseconds of the create (truncated)
    nodes = body["instances"]
    assert [n["type"] for n in nodes] == ["Head", "Worker", "Worker", "Worker"]  # 1 head + 2 + 1 workers
    assert re.fullmatch(cluster_id + r"-head-[a-z0-9]{5}", nodes[0]["instanceId"])
    assert {n["phase"] for n in nodes} == {"Pending"}
    assert len({n["instanceId"] for n in nodes}) == 4

    emulator.force_state(cluster_id, "Running")  # (the lazy Starting -> Running is tested below, with short waits)
    running = _get(client, cluster_id)
    assert {n["phase"] for n in running["instances"]} == {"Running"}
    assert {n["containerState"] for n in running["instances"]} == {"Running"}
    other = _get(client, _create(client, name="other"))
    assert other["submitToken"] != body["submitToken"]


def test_clusters_are_scoped_to_their_workspace(emulator: Emulator) -> None:
    client = emulator.sdk()
    cluster_id = _create(client)
    with pytest.raises(ClientException) as err:
        client.get_ray_cluster("w-other", cluster_id)
    assert err.value.code == "RayClusterNotFound" and err.value.status_code == 404
    assert f"The specified Ray cluster {cluster_id} does not exist." in err.value.message


def test_list_pagination_and_summary_shape(emulator: Emulator) -> None:
    client = emulator.sdk()
    ids = [_create(client, name=f"c{i}", **_full_request()) for i in range(5)]
    _create(client, name="elsewhere", ws="w-other")

    def page(num: int | None, size: int | None) -> list[dict[str, Any]]:
        request = m.ListRayClusterRequest(page_num=num, page_size=size)
        return list(client.list_ray_cluster(WS, request).body.to_map()["rayClusters"])

    assert [c["clusterId"] for c in page(None, None)] == ids  # defaults: page 1, size 20, creation order
    assert [c["clusterId"] for c in page(1, 2)] == ids[:2]
    assert [c["clusterId"] for c in page(2, 2)] == ids[2:4]
    assert [c["clusterId"] for c in page(3, 2)] == ids[4:]
    assert page(4, 2) == []
    item = page(1, 1)[0]
    for absent in ("extraParam", "instances", "jobUrl", "jobUrlInner", "submitToken", "volumeIds", "requestId"):
        assert absent not in item, absent
    assert set(item["headSpec"]) <= {
        "cpu", "enableAutoScaling", "gpuSpec", "idleTimeoutSeconds", "memory", "queueName", "replica",
    }  # fmt: skip
    assert "gftConfig" not in item["headSpec"] and item["headSpec"]["replica"] == 1
    assert all("displayReleaseVersion" not in w for w in item["workerSpec"])
    assert item["workerSpec"][0]["groupName"] == "cpu" and item["state"] in ("Starting", "Running")


def test_list_defaults_to_20_per_page(emulator: Emulator) -> None:
    client = emulator.sdk()
    for i in range(21):
        _create(client, name=f"c{i}")
    first = client.list_ray_cluster(WS, m.ListRayClusterRequest()).body.ray_clusters
    second = client.list_ray_cluster(WS, m.ListRayClusterRequest(page_num=2)).body.ray_clusters
    assert len(first) == 20 and len(second) == 1


def test_partial_update_keeps_absent_keys_and_replaces_present_ones_whole(emulator: Emulator) -> None:
    client = emulator.sdk()
    cluster_id = _create(client, **_full_request())
    before = _get(client, cluster_id)
    new_workers = [m.UpdateRayClusterRequestWorkerSpec(group_name="cpu", replica=3, cpu="2", memory="8Gi")]
    response = client.update_ray_cluster(
        WS, cluster_id, m.UpdateRayClusterRequest(description="changed", worker_spec=new_workers)
    )
    assert response.body.cluster_id == cluster_id and response.body.request_id
    body = emulator.journal("UpdateRayCluster")[-1]["body"]
    assert set(body) == {"description", "workerSpec"}  # what the SDK sent: only the set keys
    after = _get(client, cluster_id)
    assert after["description"] == "changed"
    assert after["workerSpec"] == [
        {"groupName": "cpu", "replica": 3, "cpu": "2", "memory": "8Gi", "displayReleaseVersion": RELEASE}
    ]  # whole list replaced: the gpu group is gone, fields not sent are gone
    for key in ("name", "headSpec", "volumeIds", "extraParam", "networkServiceName", "displayReleaseVersion"):
        assert after[key] == before[key], key
    assert after["modifiedTime"] >= before["modifiedTime"]

    client.update_ray_cluster(
        WS, cluster_id, m.UpdateRayClusterRequest(head_spec=m.UpdateRayClusterRequestHeadSpec(cpu="4"))
    )
    head = _get(client, cluster_id)["headSpec"]
    assert head == {"cpu": "4", "replica": 1}  # whole headSpec replaced, replica stays server-managed


def test_update_immediate_mode_restarts_only_for_resource_changes(emulator: Emulator) -> None:
    client = emulator.sdk()
    cluster_id = _create(client, head_spec=m.CreateRayClusterRequestHeadSpec(cpu="2", memory="8Gi"))
    wait_for_state(emulator, WS, cluster_id, ["Running"])
    client.update_ray_cluster(WS, cluster_id, m.UpdateRayClusterRequest(name="renamed", description="d"))
    assert _get(client, cluster_id)["state"] == "Running"  # name/description only: no restart

    emulator.configure(startupSeconds=HOUR)  # so that the restart is certainly still under way when read
    head = m.UpdateRayClusterRequestHeadSpec(cpu="4", memory="16Gi")
    client.update_ray_cluster(WS, cluster_id, m.UpdateRayClusterRequest(head_spec=head))
    body = _get(client, cluster_id)
    assert body["state"] == "Starting" and body["modified"] is False and body["headSpec"]["cpu"] == "4"
    emulator.force_state(cluster_id, "Running")
    assert _get(client, cluster_id)["modified"] is False

    client.update_ray_cluster(WS, cluster_id, m.UpdateRayClusterRequest(head_spec=head))
    assert _get(client, cluster_id)["state"] == "Running"  # same value again: nothing changes


def test_update_restart_required_mode_sets_modified_until_stop_start(emulator: Emulator) -> None:
    emulator.configure(updateMode="restart-required")
    client = emulator.sdk()
    cluster_id = _create(client, volume_ids=["vol-1"])
    wait_for_state(emulator, WS, cluster_id, ["Running"])
    client.update_ray_cluster(WS, cluster_id, m.UpdateRayClusterRequest(volume_ids=["vol-1", "vol-2"]))
    body = _get(client, cluster_id)
    assert body["state"] == "Running" and body["modified"] is True and body["volumeIds"] == ["vol-1", "vol-2"]

    client.stop_ray_cluster(WS, cluster_id, m.StopRayClusterRequest())
    assert wait_for_state(emulator, WS, cluster_id, ["Stopped"])["modified"] is True
    client.start_ray_cluster(WS, cluster_id, m.StartRayClusterRequest())
    assert _get(client, cluster_id)["modified"] is False
    wait_for_state(emulator, WS, cluster_id, ["Running"])


def test_stop_start_lifecycle_and_invalid_state_answers(emulator: Emulator) -> None:
    # Hour-long transitions, so that every state read below is certainly the transitional one; each is then
    # ended by forcing the next state (the lazy completion of transitions is tested with short waits above).
    emulator.configure(startupSeconds=HOUR, stopSeconds=HOUR)
    client = emulator.sdk()
    cluster_id = _create(client, worker_spec=[m.CreateRayClusterRequestWorkerSpec(group_name="g", replica=1)])
    with pytest.raises(ClientException) as err:
        client.start_ray_cluster(WS, cluster_id, m.StartRayClusterRequest())  # Starting: cannot start again
    assert err.value.code == "InvalidState" and err.value.status_code == 400
    assert _get(client, cluster_id)["state"] == "Starting"
    emulator.force_state(cluster_id, "Running")
    first_start = _get(client, cluster_id)["startTime"]

    assert client.stop_ray_cluster(WS, cluster_id, m.StopRayClusterRequest()).body.request_id
    assert _get(client, cluster_id)["state"] == "Stopping"
    emulator.force_state(cluster_id, "Stopped")
    assert _get(client, cluster_id)["instances"] == []
    with pytest.raises(ClientException) as err:
        client.stop_ray_cluster(WS, cluster_id, m.StopRayClusterRequest())
    assert err.value.code == "InvalidState"

    client.start_ray_cluster(WS, cluster_id, m.StartRayClusterRequest(client_token="tok-1"))
    starting = _get(client, cluster_id)
    assert starting["state"] == "Starting"
    assert starting["startTime"] > first_start and len(starting["instances"]) == 2
    assert emulator.journal("StartRayCluster")[-1]["body"] == {"clientToken": "tok-1"}


def test_startup_failure_and_forced_states(emulator: Emulator) -> None:
    client = emulator.sdk()
    emulator.configure(startupFailureMessage="quota exceeded in queue root_queue")
    cluster_id = _create(client)
    failed = wait_for_state(emulator, WS, cluster_id, ["Error"])
    assert failed["message"] == "quota exceeded in queue root_queue"
    assert failed["instances"][0]["phase"] == "Failed"

    emulator.configure(startupFailureMessage=None)
    healthy = _create(client, name="healthy")
    wait_for_state(emulator, WS, healthy, ["Running"])
    emulator.force_state(healthy, "Error", "node lost")
    body = _get(client, healthy)
    assert body["state"] == "Error" and body["message"] == "node lost"
    client.start_ray_cluster(WS, healthy, m.StartRayClusterRequest())  # Error -> Starting is allowed
    assert wait_for_state(emulator, WS, healthy, ["Running"]).get("message") is None


def test_delete_removes_and_second_delete_is_not_found(emulator: Emulator) -> None:
    client = emulator.sdk()
    keep, gone = _create(client, name="keep"), _create(client, name="gone")
    assert client.delete_ray_cluster(WS, gone).body.request_id
    with pytest.raises(ClientException) as err:
        client.get_ray_cluster(WS, gone)
    assert err.value.code == "RayClusterNotFound"
    with pytest.raises(ClientException) as err:
        client.delete_ray_cluster(WS, gone)
    assert err.value.code == "RayClusterNotFound" and err.value.status_code == 404
    assert [c["clusterId"] for c in emulator.clusters()] == [keep]


@pytest.mark.parametrize(
    "call",
    [
        lambda c, cid: c.get_ray_cluster(WS, cid),
        lambda c, cid: c.update_ray_cluster(WS, cid, m.UpdateRayClusterRequest(name="x")),
        lambda c, cid: c.delete_ray_cluster(WS, cid),
        lambda c, cid: c.start_ray_cluster(WS, cid, m.StartRayClusterRequest()),
        lambda c, cid: c.stop_ray_cluster(WS, cid, m.StopRayClusterRequest()),
    ],
    ids=["get", "update", "delete", "start", "stop"],
)
def test_unknown_cluster_is_ray_cluster_not_found(emulator: Emulator, call: Any) -> None:
    with pytest.raises(ClientException) as err:
        call(emulator.sdk(), "ray-doesnotexist0000")
    assert err.value.code == "RayClusterNotFound" and err.value.status_code == 404
    assert "The specified Ray cluster ray-doesnotexist0000 does not exist." in err.value.message
    assert err.value.request_id
