"""The declared-cluster rules: each rule has a valid case and an invalid one (the corpus), plus unknowns."""

from __future__ import annotations

from typing import Any

import pytest

from provider.schema.spec import API_FIELDS, DEFAULT_TIMEOUTS, RayClusterInputs, check_inputs
from tests.support.invalid_specs import INVALID_SPECS, InvalidSpec, valid_props

# Pydantic's stock phrases: a reason made only of these does not tell a person what to do.
JARGON = ("Input should be", "Field required", "Extra inputs are not permitted", "Value error", "validation error")


def ok(props: dict[str, Any]) -> RayClusterInputs:
    model, failures = check_inputs(props)
    assert failures == []
    assert model is not None
    return model


@pytest.mark.parametrize("case", INVALID_SPECS, ids=[case.id for case in INVALID_SPECS])
def test_each_invalid_spec_fails_once_at_its_path(case: InvalidSpec) -> None:
    model, failures = check_inputs(case.props)
    assert model is None
    assert [failure.path for failure in failures] == [case.path]
    reason = failures[0].reason
    assert case.word.lower() in reason.lower()
    assert not any(phrase in reason for phrase in JARGON), reason
    assert reason.endswith("."), "one sentence"


@pytest.mark.parametrize(
    ("props", "attribute", "expected"),
    [
        (valid_props(name="n" * 64), "name", "n" * 64),
        (valid_props(headSpec={"cpu": 2.0}), "head_spec.cpu", "2"),
        (valid_props(headSpec={"cpu": "0.5"}), "head_spec.cpu", "0.5"),
        (valid_props(headSpec={"memory": "16384Mi"}), "head_spec.memory", "16Gi"),
        (valid_props(headSpec={"memory": 8.0}), "head_spec.memory", "8Gi"),
        (valid_props(headSpec={"idleTimeoutSeconds": 0.0}), "head_spec.idle_timeout_seconds", 0),
        (valid_props(headSpec={"enableAutoScaling": "true"}), "head_spec.enable_auto_scaling", True),
        (valid_props(workerSpec=[{"groupName": "a", "replica": 3.0}]), "worker_spec.0.replica", 3),
        (
            valid_props(workerSpec=[{"groupName": "a", "replica": 2, "minReplica": 2, "maxReplica": 2}]),
            "worker_spec.0.min_replica",
            2,
        ),
        (valid_props(workerSpec=[{"groupName": f"g{i}"} for i in range(50)]), "worker_spec.49.group_name", "g49"),
        (valid_props(volumeIds=["v-1", "v-2"]), "volume_ids", ["v-1", "v-2"]),
        (valid_props(extraParam={"k": "v"}), "extra_param", '{"k":"v"}'),
        (valid_props(extraParam='{ "k": [1, 2] }'), "extra_param", '{"k":[1,2]}'),
        (valid_props(timeouts={"create": 60.0}), "timeouts.create", 60.0),
        (valid_props(timeouts={"create": 60.0}), "timeouts.delete", DEFAULT_TIMEOUTS["delete"]),
        (valid_props(desiredState="Stopped"), "desired_state", "Stopped"),
        (valid_props(), "restart_on_pending_changes", False),
        (valid_props(keepFailedCluster=True), "keep_failed_cluster", True),
        (valid_props(adoptClusterId="ray-abc"), "adopt_cluster_id", "ray-abc"),
    ],
)
def test_valid_values_are_accepted_and_normalized(props: dict[str, Any], attribute: str, expected: Any) -> None:
    value: Any = ok(props)
    for part in attribute.split("."):
        value = value[int(part)] if part.isdigit() else getattr(value, part)
    assert value == expected


def test_defaults_of_provider_options() -> None:
    model = ok(valid_props())
    assert (model.timeouts.create, model.timeouts.update, model.timeouts.delete) == (1800, 1800, 1200)
    assert model.desired_state is None and model.adopt_cluster_id is None
    assert model.keep_failed_cluster is False and model.restart_on_pending_changes is False


def test_api_body_is_exactly_a_create_body() -> None:
    model = ok(
        valid_props(
            description="dev",
            headSpec={"cpu": 2.0, "memory": "8192Mi", "gftConfig": {"redisUrl": "10.0.0.1:6379"}},
            workerSpec=[{"groupName": "cpu", "replica": 2.0, "cpu": "4.0"}],
            volumeIds=["v-1"],
            extraParam={"a": 1},
            timeouts={"create": 60},
            desiredState="Running",
            adoptClusterId="ray-x",
            keepFailedCluster=True,
        )
    )
    assert model.api_body() == {
        "name": "analytics",
        "description": "dev",
        "headSpec": {"cpu": "2", "memory": "8Gi", "gftConfig": {"redisUrl": "10.0.0.1:6379"}},
        "workerSpec": [{"groupName": "cpu", "replica": 2, "cpu": "4"}],
        "volumeIds": ["v-1"],
        "extraParam": '{"a":1}',
    }
    assert set(model.api_body()) <= set(API_FIELDS)


def test_wire_names_are_the_api_names() -> None:
    from provider.schema.spec import HeadSpec, WorkerGroup

    head = {info.alias for info in HeadSpec.model_fields.values()}
    group = {info.alias for info in WorkerGroup.model_fields.values()}
    assert head == {
        "cpu", "displayReleaseVersion", "enableAutoScaling", "env", "gftConfig", "gftEnabled", "gpuSpec",
        "idleTimeoutSeconds", "memory", "queueName", "rayStartParams",
    }  # fmt: skip
    assert group == {
        "cpu", "displayReleaseVersion", "env", "gpuSpec", "groupName", "maxReplica", "memory", "minReplica",
        "queueName", "rayStartParams", "replica", "workerType",
    }  # fmt: skip


def test_engine_keys_are_ignored() -> None:
    ok({**valid_props(), "__provider": "gASV..."})


def test_several_bad_properties_give_one_failure_each() -> None:
    props = valid_props(name="", headSpec={"cpu": "x", "memory": "8G"}, workerSpec=[{"groupName": "a", "replica": 0}])
    _, failures = check_inputs(props)
    assert sorted(f.path for f in failures) == ["headSpec.cpu", "headSpec.memory", "name", "workerSpec[0].replica"]


def test_secrets_stay_out_of_reasons_and_reprs() -> None:
    _, failures = check_inputs(valid_props(headSpec={"gftConfig": {"redisPassword": 123456789}}))
    assert failures and "123456789" not in failures[0].reason
    model = ok(valid_props(headSpec={"gftConfig": {"redisPassword": "hunter2-secret"}}))
    assert "hunter2-secret" not in repr(model) and "hunter2-secret" not in str(model)
    assert model.api_body()["headSpec"]["gftConfig"]["redisPassword"] == "hunter2-secret"


def test_model_refuses_snake_case_from_the_engine() -> None:
    _, failures = check_inputs({"workspace_id": "w-1", "name": "a"})
    assert {f.path for f in failures} == {"workspace_id", "workspaceId"}


class Unknown:
    """Stands in for pulumi.output.Unknown (the core must not import Pulumi)."""


UNKNOWN = Unknown()


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown)


@pytest.mark.parametrize(
    "props",
    [
        {"workspaceId": "w-1", "name": UNKNOWN},
        valid_props(headSpec=UNKNOWN),
        valid_props(headSpec={"cpu": UNKNOWN, "memory": "8Gi"}),
        valid_props(workerSpec=UNKNOWN),
        valid_props(workerSpec=[UNKNOWN, {"groupName": "a"}]),
        valid_props(workerSpec=[{"groupName": UNKNOWN}, {"groupName": "a"}]),
        valid_props(workerSpec=[{"groupName": "a", "replica": UNKNOWN, "minReplica": 5, "maxReplica": 6}]),
        valid_props(volumeIds=["v-1", UNKNOWN]),
        valid_props(extraParam=UNKNOWN),
    ],
)
def test_unknowns_are_accepted_but_give_no_model(props: dict[str, Any]) -> None:
    assert check_inputs(props, is_unknown=is_unknown) == (None, [])


def test_known_parts_are_still_checked_with_their_original_indexes() -> None:
    props = valid_props(
        name=UNKNOWN,
        workerSpec=[UNKNOWN, {"groupName": "a", "cpu": "x"}, {"groupName": UNKNOWN, "replica": 0}],
        volumeIds=[UNKNOWN, "v", "v"],
    )
    model, failures = check_inputs(props, is_unknown=is_unknown)
    assert model is None
    assert sorted(f.path for f in failures) == ["volumeIds[2]", "workerSpec[1].cpu", "workerSpec[2].replica"]


def test_cross_field_rule_skipped_when_a_bound_is_unknown() -> None:
    props = valid_props(workerSpec=[{"groupName": "a", "replica": 9, "minReplica": 1, "maxReplica": UNKNOWN}])
    assert check_inputs(props, is_unknown=is_unknown) == (None, [])
    props = valid_props(workerSpec=[{"groupName": "a", "replica": 9, "minReplica": 1, "maxReplica": 4}])
    assert [f.path for f in check_inputs(props, is_unknown=is_unknown)[1]] == ["workerSpec[0].replica"]


def test_a_mistyped_gft_config_or_env_is_never_echoed() -> None:
    _, failures = check_inputs(
        {"workspaceId": "w-1", "name": "a", "headSpec": {"gftConfig": "hunter2-password", "env": ["TOKEN=abc123"]}}
    )
    assert {f.path for f in failures} == {"headSpec.gftConfig", "headSpec.env"}
    text = " ".join(f.reason for f in failures)
    assert "hunter2" not in text and "abc123" not in text and "(hidden)" in text
