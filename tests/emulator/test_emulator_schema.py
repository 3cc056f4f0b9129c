"""One description: the OpenAPI document, validation and the List view all follow emulator/schema.py.

Checked against the official SDK (the independent reference): a request with every key the SDK has is what
the document lists and what validation keeps; a Get answer and a List item carry exactly the keys their models
(and the document) declare.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m

from emulator import schema, validation, views
from emulator.app import create_fastapi
from harness.emulator import Emulator

WS = "w-schema000single"
BASE = f"/api/v1/workspaces/{WS}/rayCluster"
DOCUMENT = create_fastapi(None).openapi()  # type: ignore[arg-type]  # the document needs no state


def _full_request() -> m.CreateRayClusterRequest:
    """A Create request with every attribute the SDK's models have."""
    request = m.CreateRayClusterRequest(
        name="full", description="every key", display_release_version="ray-1.0.0 (Ray 2.47.1, Python 3.12)",
        extra_param='{"a": 1}', network_service_name="vpc", volume_ids=["v-1"],
        head_spec=m.CreateRayClusterRequestHeadSpec(
            cpu="2", memory="8Gi", display_release_version="ray-1.0.0 (Ray 2.47.1, Python 3.12)", env="A=1",
            enable_auto_scaling=True, gft_enabled=True, gpu_spec="ecs.gn6i-c4g1.xlarge", idle_timeout_seconds=60,
            queue_name="root_queue", ray_start_params="--num-cpus=0",
            gft_config=m.CreateRayClusterRequestHeadSpecGftConfig(
                redis_url="10.0.0.1:6379", redis_username="u", redis_password="p"
            ),
        ),
        worker_spec=[
            m.CreateRayClusterRequestWorkerSpec(
                group_name="cpu", worker_type="CPU", cpu="2", memory="8Gi", replica=1, min_replica=1, max_replica=3,
                env="W=1", ray_start_params="--num-gpus=0", gpu_spec="none", queue_name="root_queue",
                display_release_version="ray-1.0.0 (Ray 2.47.1, Python 3.12)",
            )
        ],
    )  # fmt: skip
    _assert_every_attribute_set(request)
    return request


def _assert_every_attribute_set(model: Any) -> None:
    """Not vacuous: a new attribute in a later SDK makes this fail until the request above sets it."""
    for name, value in vars(model).items():
        assert value is not None, f"{type(model).__name__}.{name} is not set"
        for item in value if isinstance(value, list) else [value]:
            if hasattr(item, "to_map"):
                _assert_every_attribute_set(item)


def _keys(value: Any) -> Any:
    """The key tree of a JSON value: an object by its keys, a list by its items' (merged), else None."""
    if isinstance(value, dict):
        return {key: _keys(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: dict[str, Any] = {}
        for item in value:
            merged.update(_keys(item) or {})
        return merged or None
    return None


def _schema_keys(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """The key tree a JSON schema declares ($refs resolved in `components`)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "properties" in schema:
        return {key: _schema_keys(item, components) for key, item in schema["properties"].items()}
    if "items" in schema:
        return _schema_keys(schema["items"], components)
    for option in schema.get("anyOf", []):  # `X | None` outside the document
        if (keys := _schema_keys(option, components)) is not None:
            return keys
    return None


def _documented(action: str, where: str = "body") -> Any:
    """The key tree of `action`'s request body (or 200 answer) in the served document."""
    (operation,) = [op for ops in DOCUMENT["paths"].values() for op in ops.values() if op["operationId"] == action]
    part = operation["requestBody"] if where == "body" else operation["responses"]["200"]
    return _schema_keys(part["content"]["application/json"]["schema"], DOCUMENT["components"]["schemas"])


def _model_keys(model: Any) -> Any:
    definitions = model.model_json_schema()
    return _schema_keys(definitions, definitions.get("$defs", {}))


@pytest.mark.parametrize(("action", "creating"), [("CreateRayCluster", True), ("UpdateRayCluster", False)])
def test_the_documented_body_is_what_the_sdk_sends_and_validation_keeps(action: str, creating: bool) -> None:
    sent = _full_request().to_map()
    if not creating:
        sent = m.UpdateRayClusterRequest().from_map(sent).to_map()  # the same keys through Update's models
    noisy = {**sent, "unknownKey": 1, "headSpec": {**sent["headSpec"], "replica": 3, "what": 1}}
    kept = validation.cluster_spec(noisy, creating=creating)
    assert _documented(action) == _keys(sent) == _keys(kept)
    assert kept == sent  # every value survives as sent (unknown keys and the read-only head replica do not)
    model = schema.CreateSpec if creating else schema.ClusterSpec
    assert _documented(action) == _model_keys(model)


def test_required_keys_are_documented_where_validation_requires_them() -> None:
    components = DOCUMENT["components"]["schemas"]
    assert components["CreateSpec"]["required"] == ["name"]
    assert "required" not in components["ClusterSpec"]  # Update: every key optional
    assert components["WorkerGroup"]["required"] == ["groupName"]
    with pytest.raises(Exception, match="name is required"):
        validation.cluster_spec({}, creating=True)
    with pytest.raises(Exception, match=r"workerSpec\[0\].groupName is required"):
        validation.cluster_spec({"workerSpec": [{"replica": 1}]}, creating=False)


def _sdk_keys(model: Any, body: dict[str, Any]) -> Any:
    """The key tree of `body` as the SDK's answer model reads it; every attribute of the model must be filled."""
    read = model.from_map(body)
    _assert_every_attribute_set(read)
    return _keys(read.to_map())


def _raw(emulator: Emulator, method: str, path: str, action: str, body: bytes = b"", query: Any = None) -> Any:
    response = emulator.http.send(emulator.signed_request(method, path, action, body=body, query=query))
    return response.status_code, response.json()


def test_get_and_list_answers_carry_exactly_the_keys_their_models_declare(emulator: Emulator) -> None:
    cluster_id = emulator.sdk().create_ray_cluster(WS, _full_request()).body.cluster_id
    emulator.force_state(cluster_id, "Error", "OOMKilled")  # sticky; Error answers `message` and a failed pod
    status, detail = _raw(emulator, "GET", f"{BASE}/{cluster_id}", "GetRayCluster")
    assert status == 200
    assert _keys(detail) == _documented("GetRayCluster", "answer") == _model_keys(schema.ClusterDetail)
    assert _keys(detail) == _sdk_keys(m.GetRayClusterResponseBody(), detail)
    schema.ClusterDetail.model_validate(detail)  # and the values have the declared types

    status, page = _raw(emulator, "GET", BASE, "ListRayCluster", query={"pageSize": "100"})
    assert status == 200
    (item,) = [c for c in page["rayClusters"] if c["clusterId"] == cluster_id]
    assert _keys(item) == _model_keys(schema.ClusterSummary) == _documented("ListRayCluster", "answer")["rayClusters"]
    assert _keys(item) == _sdk_keys(m.ListRayClusterResponseBodyRayClusters(), item)
    assert set(item) == views.SUMMARY and set(item["headSpec"]) == views.SUMMARY_HEAD
    assert set(item["workerSpec"][0]) == views.SUMMARY_WORKER
    schema.ListAnswer.model_validate(page)


def test_refusals_carry_exactly_the_documented_error_keys(emulator: Emulator) -> None:
    status, body = _raw(emulator, "POST", BASE, "CreateRayCluster", json.dumps({"name": 7}).encode())
    assert status == 400 and body["code"] == "InvalidParameter"
    documented = _schema_keys(DOCUMENT["components"]["schemas"]["ErrorAnswer"], {})
    assert _keys(body) == documented == _model_keys(schema.ErrorAnswer)


@pytest.mark.parametrize("key", ["pageSize", "pageNum"])
def test_list_query_bounds_are_the_documented_ones(emulator: Emulator, key: str) -> None:
    (operation,) = [op for op in DOCUMENT["paths"][BASE.replace(WS, "{workspaceId}")].values() if "parameters" in op
                    and op["operationId"] == "ListRayCluster"]  # fmt: skip
    (rule,) = [p["schema"] for p in operation["parameters"] if p["name"] == key]
    for value, ok in ((rule["minimum"] - 1, False), (rule["minimum"], True), (rule["maximum"], True),
                      (rule["maximum"] + 1, False)):  # fmt: skip
        status, body = _raw(emulator, "GET", BASE, "ListRayCluster", query={key: str(value)})
        assert (status == 200) is ok, (key, value, body)
        if not ok:
            low, high = rule["minimum"], rule["maximum"]
            assert body["message"] == f"The parameter {key} must be between {low} and {high}, got {value}."
