"""Fault injection (each kind, run time and CLI) and the request journal."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.exceptions import ResponseException, UnretryableException

from harness.emulator import Emulator

WS = "w-faults"


def _create(client: Any, name: str = "c") -> str:
    return str(client.create_ray_cluster(WS, m.CreateRayClusterRequest(name=name)).body.cluster_id)


def test_throttling_without_retry_after_is_client_exception(emulator: Emulator) -> None:
    emulator.set_faults([{"action": "GetRayCluster", "kind": "Throttling.User", "rate": 1, "count": 1}])
    client = emulator.sdk()
    with pytest.raises(ClientException) as err:
        client.get_ray_cluster(WS, "ray-x")
    assert err.value.code == "Throttling.User" and err.value.status_code == 400
    assert "Request was denied due to user flow control." in err.value.message
    with pytest.raises(ClientException) as err:  # count 1: exhausted, the real answer comes through
        client.get_ray_cluster(WS, "ray-x")
    assert err.value.code == "RayClusterNotFound"
    assert emulator.faults()["rules"][0]["count"] == 0


def test_throttling_with_retry_after_is_throttling_exception(emulator: Emulator) -> None:
    emulator.set_faults([{"action": "*", "kind": "Throttling.User", "retryAfterMs": 1500}])
    with pytest.raises(ThrottlingException) as err:
        emulator.sdk().list_ray_cluster(WS, m.ListRayClusterRequest())
    assert err.value.code == "Throttling.User" and err.value.retry_after == 1500


@pytest.mark.parametrize(("kind", "status"), [("ServiceUnavailable", 503), ("InternalError", 500)])
def test_server_errors_are_server_exceptions_and_apply_nothing(emulator: Emulator, kind: str, status: int) -> None:
    emulator.set_faults([{"action": "CreateRayCluster", "kind": kind}])
    with pytest.raises(ServerException) as err:
        _create(emulator.sdk())
    assert err.value.code == kind and err.value.status_code == status
    assert emulator.clusters() == []


def test_drop_closes_the_connection_and_applies_nothing(emulator: Emulator) -> None:
    emulator.set_faults([{"action": "CreateRayCluster", "kind": "drop", "count": 1}])
    with pytest.raises(UnretryableException) as err:
        _create(emulator.sdk())
    assert not isinstance(err.value, ResponseException)  # no HTTP response at all
    assert emulator.clusters() == []
    (entry,) = emulator.journal("CreateRayCluster")
    assert entry["fault"] == "drop" and entry["status"] == 0 and entry["body"] == {"name": "c"}
    _create(emulator.sdk())  # exhausted: the next one works
    assert len(emulator.clusters()) == 1


def test_drop_sends_no_bytes(emulator: Emulator) -> None:
    emulator.set_faults([{"action": "*", "kind": "drop"}])
    request = emulator.signed_request("GET", f"/api/v1/workspaces/{WS}/rayCluster", "ListRayCluster")
    with pytest.raises(httpx.RemoteProtocolError, match="without sending"):
        emulator.http.send(request)


def test_lost_response_applies_the_request_but_answers_nothing(emulator: Emulator) -> None:
    emulator.set_faults([{"action": "CreateRayCluster", "kind": "lost-response", "count": 1}])
    with pytest.raises(UnretryableException):
        _create(emulator.sdk(), name="ghost")
    (cluster,) = emulator.clusters()
    assert cluster["name"] == "ghost"  # applied: a blind retry would now create a duplicate
    (entry,) = emulator.journal("CreateRayCluster")
    assert entry["fault"] == "lost-response" and entry["status"] == 200


def test_slow_and_latency_delay_the_answer(emulator: Emulator) -> None:
    client = emulator.sdk()
    emulator.set_faults([{"action": "ListRayCluster", "kind": "slow", "delayMs": 300}], latency_ms=100)
    started = time.monotonic()
    client.list_ray_cluster(WS, m.ListRayClusterRequest())
    assert time.monotonic() - started >= 0.4
    assert emulator.journal("ListRayCluster")[-1]["fault"] == "slow"
    started = time.monotonic()
    with pytest.raises(ClientException):
        client.get_ray_cluster(WS, "ray-x")  # latency only
    assert time.monotonic() - started >= 0.1
    assert emulator.journal("GetRayCluster")[-1]["fault"] is None  # the slow rule is for ListRayCluster only


def test_slow_combines_with_a_following_error_rule(emulator: Emulator) -> None:
    emulator.set_faults(
        [{"action": "*", "kind": "slow", "delayMs": 200}, {"action": "*", "kind": "InternalError", "count": 1}]
    )
    started = time.monotonic()
    with pytest.raises(ServerException):
        emulator.sdk().list_ray_cluster(WS, m.ListRayClusterRequest())
    assert time.monotonic() - started >= 0.2
    assert emulator.journal()[-1]["fault"] == "InternalError"


def test_rate_is_a_probability(emulator: Emulator) -> None:
    emulator.set_faults([{"action": "ListRayCluster", "kind": "InternalError", "rate": 0.5}])
    request = f"/api/v1/workspaces/{WS}/rayCluster"
    statuses = [
        emulator.http.send(emulator.signed_request("GET", request, "ListRayCluster")).status_code for _ in range(60)
    ]
    failed = statuses.count(500)
    assert 10 <= failed <= 50, failed  # p(outside) < 1e-5 for a fair coin
    assert set(statuses) == {200, 500}


def test_faults_get_put_delete_and_reset(emulator: Emulator) -> None:
    rules = [{"action": "GetRayCluster", "kind": "slow", "rate": 0.5, "count": 3, "retryAfterMs": None, "delayMs": 5}]
    emulator.set_faults(rules, latency_ms=7)
    assert emulator.faults() == {"latencyMs": 7, "rules": rules}
    emulator.clear_faults()
    assert emulator.faults() == {"latencyMs": 0, "rules": []}
    emulator.set_faults(rules)
    emulator.reset()
    assert emulator.faults()["rules"] == []
    bad = emulator.http.put("/_emulator/faults", json={"rules": [{"kind": "explode"}]})
    assert bad.status_code == 400


def test_cli_fault_flags(make_emulator: Any) -> None:
    emu = make_emulator(fault=["GetRayCluster:ServiceUnavailable", "ListRayCluster:drop:1.0"], latency_ms=0)
    client = emu.sdk()
    with pytest.raises(ServerException):
        client.get_ray_cluster(WS, "ray-x")
    with pytest.raises(UnretryableException):
        client.list_ray_cluster(WS, m.ListRayClusterRequest())
    assert [r["kind"] for r in emu.faults()["rules"]] == ["ServiceUnavailable", "drop"]


def test_journal_records_every_request_with_its_outcome(emulator: Emulator) -> None:
    client = emulator.sdk()
    cluster_id = _create(client)
    client.get_ray_cluster(WS, cluster_id)
    client.list_ray_cluster(WS, m.ListRayClusterRequest(page_num=2, page_size=10))
    with pytest.raises(ClientException):
        emulator.sdk(access_key_secret="wrong").get_ray_cluster(WS, cluster_id)
    with pytest.raises(ClientException):
        client.delete_ray_cluster(WS, "ray-missing")
    journal = emulator.journal()
    assert [e["action"] for e in journal] == [
        "CreateRayCluster", "GetRayCluster", "ListRayCluster", "GetRayCluster", "DeleteRayCluster",
    ]  # fmt: skip
    assert [e["status"] for e in journal] == [200, 200, 200, 400, 404]
    assert [e["code"] for e in journal] == [None, None, None, "SignatureDoesNotMatch", "RayClusterNotFound"]
    assert [e["seq"] for e in journal] == sorted(e["seq"] for e in journal)
    assert journal[0]["method"] == "POST" and journal[0]["body"] == {"name": "c"}
    assert journal[2]["query"] == {"pageNum": "2", "pageSize": "10"} and journal[2]["body"] is None
    assert journal[1]["path"] == f"/api/v1/workspaces/{WS}/rayCluster/{cluster_id}"
    assert all(e["requestId"] and e["time"] > 0 and e["fault"] is None for e in journal)
    assert [e["action"] for e in emulator.journal("GetRayCluster")] == ["GetRayCluster"] * 2
    emulator.reset()
    assert emulator.journal() == [] and len(emulator.clusters()) == 1  # reset without clusters keeps them
