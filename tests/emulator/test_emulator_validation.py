"""Validation like the service: InvalidParameter (400), and a refused request changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from harness.emulator import Emulator

WS = "w-validation"
BASE = f"/api/v1/workspaces/{WS}/rayCluster"


def _group(name: str = "g", **kw: Any) -> m.CreateRayClusterRequestWorkerSpec:
    return m.CreateRayClusterRequestWorkerSpec(group_name=name, **kw)


BAD_CREATES: dict[str, dict[str, Any]] = {
    "name missing": {},
    "name empty": {"name": ""},
    "name 65 chars": {"name": "n" * 65},
    "51 worker groups": {"name": "a", "worker_spec": [_group(f"g{i}") for i in range(51)]},
    "replica 0": {"name": "a", "worker_spec": [_group(replica=0)]},
    "minReplica 0": {"name": "a", "worker_spec": [_group(min_replica=0)]},
    "maxReplica 0": {"name": "a", "worker_spec": [_group(max_replica=0)]},
    "min > max": {"name": "a", "worker_spec": [_group(min_replica=5, max_replica=2)]},
    "duplicate groupName": {"name": "a", "worker_spec": [_group("g"), _group("g")]},
    "groupName missing": {"name": "a", "worker_spec": [m.CreateRayClusterRequestWorkerSpec(replica=1)]},
    "extraParam not JSON": {"name": "a", "extra_param": "{not json"},
    "head memory 8G": {"name": "a", "head_spec": m.CreateRayClusterRequestHeadSpec(memory="8G")},
    "worker memory 0Gi": {"name": "a", "worker_spec": [_group(memory="0Gi")]},
    "worker memory 8192Mi": {"name": "a", "worker_spec": [_group(memory="8192Mi")]},
    "replica as string": {"name": "a", "worker_spec": [_group(replica="2")]},
    "cpu as int": {"name": "a", "head_spec": m.CreateRayClusterRequestHeadSpec(cpu=2)},
    "enableAutoScaling as string": {
        "name": "a",
        "head_spec": m.CreateRayClusterRequestHeadSpec(enable_auto_scaling="true"),
    },
    "name as int": {"name": 7},
    "volumeIds not strings": {"name": "a", "volume_ids": [1, 2]},
}


@pytest.mark.parametrize("fields", list(BAD_CREATES.values()), ids=list(BAD_CREATES))
def test_bad_create_is_invalid_parameter_and_stores_nothing(emulator: Emulator, fields: dict[str, Any]) -> None:
    with pytest.raises(ClientException) as err:
        emulator.sdk().create_ray_cluster(WS, m.CreateRayClusterRequest(**fields))
    assert err.value.code == "InvalidParameter" and err.value.status_code == 400
    assert err.value.request_id
    assert emulator.clusters() == []
    entry = emulator.journal("CreateRayCluster")[-1]
    assert entry["status"] == 400 and entry["code"] == "InvalidParameter"


def test_limits_themselves_are_accepted(emulator: Emulator) -> None:
    groups = [_group(f"g{i}", replica=1, min_replica=1, max_replica=1, memory="1Gi") for i in range(50)]
    request = m.CreateRayClusterRequest(name="n" * 64, worker_spec=groups, extra_param="{}")
    cluster_id = emulator.sdk().create_ray_cluster(WS, request).body.cluster_id
    assert len(emulator.sdk().get_ray_cluster(WS, cluster_id).body.worker_spec) == 50


BAD_UPDATES: dict[str, dict[str, Any]] = {
    "name empty": {"name": ""},
    "name 65 chars": {"name": "x" * 65},
    "duplicate groupName": {"worker_spec": [_group("a"), _group("a")]},
    "min > max": {"worker_spec": [_group(min_replica=3, max_replica=1)]},
    "extraParam not JSON": {"extra_param": "nope"},
    "memory 8GB": {"head_spec": m.CreateRayClusterRequestHeadSpec(memory="8GB")},
}


@pytest.mark.parametrize("fields", list(BAD_UPDATES.values()), ids=list(BAD_UPDATES))
def test_bad_update_changes_nothing(emulator: Emulator, fields: dict[str, Any]) -> None:
    client = emulator.sdk()
    request = m.CreateRayClusterRequest(name="orig", worker_spec=[_group("w", replica=2)], extra_param="{}")
    cluster_id = client.create_ray_cluster(WS, request).body.cluster_id
    before = emulator.clusters()
    with pytest.raises(ClientException) as err:
        client.update_ray_cluster(WS, cluster_id, m.UpdateRayClusterRequest(**fields))
    assert err.value.code == "InvalidParameter"
    assert emulator.clusters() == before  # same doc, same modifiedTime, same state


def _raw(emulator: Emulator, method: str, path: str, action: str, body: bytes, query: dict[str, str] | None = None):
    return emulator.http.send(emulator.signed_request(method, path, action, body=body, query=query))


def test_body_that_is_not_json_or_not_an_object(emulator: Emulator) -> None:
    for body in (b"{oops", b"[1, 2]", b'"name"'):
        response = _raw(emulator, "POST", BASE, "CreateRayCluster", body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "InvalidParameter" and response.json()["requestId"]
    assert emulator.clusters() == []


def test_unknown_keys_are_ignored_and_nulls_mean_absent(emulator: Emulator) -> None:
    body = json.dumps({"name": "a", "bogus": 1, "description": None, "headSpec": {"cpu": "2", "what": 1}})
    response = _raw(emulator, "POST", BASE, "CreateRayCluster", body.encode())
    assert response.status_code == 200, response.text
    stored = emulator.clusters()[0]
    assert "bogus" not in stored and "description" not in stored
    assert stored["headSpec"] == {"cpu": "2", "replica": 1}


@pytest.mark.parametrize(
    ("query", "ok"),
    [
        ({"pageSize": "0"}, False),
        ({"pageSize": "101"}, False),
        ({"pageSize": "100"}, True),
        ({"pageNum": "0"}, False),
        ({"pageNum": "x"}, False),
        ({"pageNum": "1", "pageSize": "1"}, True),
    ],
)
def test_list_page_bounds(emulator: Emulator, query: dict[str, str], ok: bool) -> None:
    response = _raw(emulator, "GET", BASE, "ListRayCluster", b"", query)
    assert (response.status_code == 200) is ok, response.text
    if not ok:
        assert response.json()["code"] == "InvalidParameter"


def test_sdk_raises_invalid_parameter_for_page_size(emulator: Emulator) -> None:
    with pytest.raises(ClientException) as err:
        emulator.sdk().list_ray_cluster(WS, m.ListRayClusterRequest(page_size=500))
    assert err.value.code == "InvalidParameter"


def test_unknown_route_is_invalid_api_not_found_json(emulator: Emulator) -> None:
    for method, path in (("GET", "/api/v1/nothing"), ("PUT", BASE + "/ray-x"), ("GET", BASE + "/ray-x/start")):
        response = emulator.http.request(method, path)
        assert response.status_code == 404
        assert response.json()["code"] == "InvalidApi.NotFound" and response.json()["requestId"]
    assert [e["status"] for e in emulator.journal()] == [404, 404, 404]
