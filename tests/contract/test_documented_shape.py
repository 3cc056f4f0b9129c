"""The answers have the documented shape: the official example answer parses into the provider's models without
losing a field, and the emulator's GetRayCluster and ListRayCluster answers carry every documented key with its
documented JSON type (tests/support/documented_shape.py says where the table comes from)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as sdk
from alibabacloud_tea_openapi import models as open_api_models

from harness.emulator import Emulator, wait_for_state
from provider.schema.models import RayClusterDetail, RayClusterSummary
from tests.support import documented_shape as documented
from tests.support.answer_keeping_sdk import AnswerKeepingClient

EXAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "get_ray_cluster_official_example.json"
WORKSPACE = "w-d2d82aa09155"


def official_example() -> dict[str, Any]:
    return dict(json.loads(EXAMPLE.read_text()))


def without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


def test_the_official_example_parses_into_the_models_without_losing_a_field() -> None:
    example = official_example()

    detail = RayClusterDetail.model_validate(example)

    # requestId names the call, not the cluster: the model keeps it apart and to_api_dict leaves it out.
    assert detail.request_id == example.pop("requestId")
    assert detail.to_api_dict() == without_none(example)
    # Every key is a declared field (kept by name and type), none only carried along as an unknown extra.
    assert detail.model_extra == {}
    assert detail.head_spec is not None and detail.head_spec.model_extra == {}
    assert all(group.model_extra == {} for group in detail.worker_spec or [])


def test_a_list_item_shaped_like_the_example_parses_without_losing_a_field() -> None:
    item = {k: v for k, v in official_example().items() if k not in documented.DETAIL_ONLY}

    summary = RayClusterSummary.model_validate(item)

    assert summary.to_api_dict() == without_none(item)
    assert summary.model_extra == {}


def test_the_table_says_what_the_official_example_shows() -> None:
    """The table is typed by hand from the field reference; the page's example is a second source: they must agree
    (every key of the example in the table with the example's type, every required key of the table in the
    example), or the table has a typo."""
    example = official_example()
    for path in ("", "headSpec", "workerSpec[]", "instances[]"):
        for where, value, shape in documented.at(example, documented.GET_RAY_CLUSTER, path):
            assert documented.problems(value, shape, where) == []
            assert set(value) <= set(shape), f"{where or '(answer)'}: keys missing from the table"


@pytest.fixture
def emulator_answers(emulator: Emulator) -> dict[str, dict[str, Any]]:
    """Raw GetRayCluster and ListRayCluster answers of the emulator for a Running cluster created through the
    official SDK with every documented field it can set (a field never set cannot be expected back)."""
    client = AnswerKeepingClient(
        open_api_models.Config(
            access_key_id=emulator.access_key_id,
            access_key_secret=emulator.access_key_secret,
            endpoint=emulator.endpoint,
            protocol="HTTP",
        )
    )
    request = sdk.CreateRayClusterRequest(
        name="contract",
        description="Ray Cluster for dev.",
        display_release_version="ray-1.0.0 (Ray 2.47.1, Python 3.12)",
        network_service_name="vpc",
        extra_param="{}",
        volume_ids=["vol-123456789"],
        head_spec=sdk.CreateRayClusterRequestHeadSpec(
            queue_name="root_queue", cpu="2", memory="8Gi", enable_auto_scaling=True, idle_timeout_seconds=60,
            gpu_spec="ecs.gn6i-c4g1.xlarge",
        ),
        worker_spec=[
            sdk.CreateRayClusterRequestWorkerSpec(
                group_name="WorkerGroup1", worker_type="CPU", replica=2, queue_name="root_queue", cpu="2",
                memory="8Gi", min_replica=1, max_replica=10, gpu_spec="ecs.gn6i-c4g1.xlarge",
            )
        ],
    )  # fmt: skip
    cluster_id = client.create_ray_cluster(WORKSPACE, request).body.cluster_id
    wait_for_state(emulator, WORKSPACE, cluster_id, ["Running"])
    return {"GetRayCluster": client.raw_get(WORKSPACE, cluster_id), "ListRayCluster": client.raw_list(WORKSPACE)}


@pytest.mark.parametrize(
    ("action", "path"),
    [
        pytest.param("GetRayCluster", "", id="get"),
        pytest.param("GetRayCluster", "headSpec", id="get-headSpec"),
        pytest.param("GetRayCluster", "workerSpec[]", id="get-workerSpec"),
        pytest.param("GetRayCluster", "instances[]", id="get-instances"),
        pytest.param("ListRayCluster", "", id="list"),
        pytest.param("ListRayCluster", "rayClusters[]", id="list-item"),
        pytest.param("ListRayCluster", "rayClusters[].headSpec", id="list-headSpec"),
        pytest.param("ListRayCluster", "rayClusters[].workerSpec[]", id="list-workerSpec"),
    ],
)
def test_the_emulator_answers_with_every_documented_key_and_type(
    emulator_answers: dict[str, dict[str, Any]], action: str, path: str
) -> None:
    found = documented.at(emulator_answers[action], documented.ANSWERS[action], path)

    assert found, f"{action} has nothing at {path!r}"
    assert [problem for where, value, shape in found for problem in documented.problems(value, shape, where)] == []
