"""Response models: aliases, tolerance of unknown keys and states, to_api_dict, hidden secrets."""

from __future__ import annotations

import pydantic
import pytest

from provider.schema import models, spec
from provider.schema.models import ClusterState, RayClusterDetail, RayClusterList
from provider.schema.spec import API_FIELDS, READ_ONLY, RayClusterInputs

GET_BODY = {
    "requestId": "DD6B1B2A-5837-5237-ABE4-FF0C8944",
    "clusterId": "ray-k7nm8ahl5te4tg91",
    "name": "analytics",
    "state": "Running",
    "createTime": 1735870116167,
    "modified": False,
    "dashboardUrl": "https://gw/dashboard?token=dash-token-123",
    "submitToken": "submit-token-456",
    "headSpec": {"cpu": "2", "memory": "8Gi", "replica": 1, "gftConfig": {"redisPassword": "redis-pw-789"}},
    "workerSpec": [{"groupName": "g1", "replica": 2, "minReplica": 1, "maxReplica": 4}],
    "volumeIds": [],
    "instances": [{"instanceId": "ray-k7-head-7cgta", "type": "Head", "containerExitCode": 137}],
    "description": None,
}


def test_round_trip_to_api_dict_drops_none_and_request_id() -> None:
    detail = RayClusterDetail.model_validate(GET_BODY)
    expected = {k: v for k, v in GET_BODY.items() if v is not None and k != "requestId"}
    assert detail.to_api_dict() == expected
    assert detail.request_id == GET_BODY["requestId"]


def test_snake_case_attributes_and_populate_by_name() -> None:
    detail = RayClusterDetail.model_validate(GET_BODY)
    assert detail.head_spec is not None and detail.head_spec.replica == 1
    assert detail.worker_spec is not None and detail.worker_spec[0].max_replica == 4
    assert detail.instances is not None and detail.instances[0]["containerExitCode"] == 137
    assert RayClusterDetail(cluster_id="ray-1", state="Running").to_api_dict() == {
        "clusterId": "ray-1",
        "state": "Running",
    }


def test_state_constants_and_unknown_states() -> None:
    assert ClusterState.RUNNING == "Running"
    assert {s.value for s in ClusterState} == {"Starting", "Running", "Stopping", "Stopped", "Error"}
    assert RayClusterDetail.model_validate({"clusterId": "ray-1", "state": "Running"}).state is ClusterState.RUNNING
    assert RayClusterDetail.model_validate({"clusterId": "ray-1", "state": "Upgrading"}).state == "Upgrading"


@pytest.mark.parametrize("body", [{"state": "Running"}, {"clusterId": "ray-1"}, {"clusterId": "", "state": "Running"}])
def test_a_get_answer_needs_an_id_and_a_state(body: dict[str, str]) -> None:
    with pytest.raises(pydantic.ValidationError):
        RayClusterDetail.model_validate(body)


def test_answer_models_have_the_declared_keys_plus_read_only_ones() -> None:
    """One schema: the answer's keys are spec's declared ones (API fields only) plus spec.READ_ONLY."""
    declared = {info.alias for info in RayClusterInputs.model_fields.values()} & set(API_FIELDS)
    answer = {info.alias for info in RayClusterDetail.model_fields.values()} - {"requestId"}
    assert answer == declared | set(READ_ONLY)
    head = {info.alias for info in models.HeadSpec.model_fields.values()}
    assert head == {info.alias for info in spec.HeadSpec.model_fields.values()} | {"replica"}


def test_unknown_keys_survive() -> None:
    detail = RayClusterDetail.model_validate({**GET_BODY, "brandNew": [1], "headSpec": {"futureKnob": True}})
    assert detail.to_api_dict()["brandNew"] == [1]
    assert detail.to_api_dict()["headSpec"] == {"futureKnob": True}


def test_secret_outputs_are_not_in_repr() -> None:
    text = repr(RayClusterDetail.model_validate(GET_BODY))
    for secret in ("dash-token-123", "submit-token-456", "redis-pw-789"):
        assert secret not in text
    assert "ray-k7nm8ahl5te4tg91" in text


def test_list_body() -> None:
    listed = RayClusterList.model_validate({"rayClusters": [{"clusterId": "a"}, {"clusterId": "b"}]})
    assert [c.cluster_id for c in listed.ray_clusters or []] == ["a", "b"]
