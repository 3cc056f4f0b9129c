"""plan_update rule by rule, with the exact UpdateRayCluster body each case must produce."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from provider.core.plan import MISSING, FieldChange, declared_view, live_matches, plan_update
from provider.schema.spec import RayClusterInputs, check_inputs


def inputs(**fields: Any) -> RayClusterInputs:
    model, failures = check_inputs({"workspaceId": "w-1", "name": "analytics", **fields})
    assert not failures and model is not None
    return model


def live(**fields: Any) -> dict[str, Any]:
    """A GetRayCluster body with read-only fields around the given ones."""
    return {
        "clusterId": "ray-k7nm8ahl5te4tg91",
        "name": "analytics",
        "state": "Running",
        "modified": False,
        "submitToken": "tok",
        "createTime": 1735870116167,
        "instances": [],
        **fields,
    }


def paths(plan: Any) -> list[str]:
    return [change.path for change in plan.changes]


# -- only what is declared is compared ----------------------------------------------------------------


def test_no_change_gives_empty_plan_and_body() -> None:
    declared = inputs(description="dev", headSpec={"cpu": 2})
    plan = plan_update(declared, live(description="dev", headSpec={"cpu": "2", "memory": "8Gi", "replica": 1}))
    assert plan.empty and plan.changes == () and plan.body == {}


def test_undeclared_fields_are_not_managed_at_any_depth() -> None:
    declared = inputs(headSpec={"cpu": 2}, workerSpec=[{"groupName": "g", "replica": 2}])
    current = live(
        description="set in the console",
        volumeIds=["v-9"],
        headSpec={"cpu": "2", "memory": "64Gi", "queueName": "other"},
        workerSpec=[{"groupName": "g", "replica": 2, "cpu": "16", "memory": "64Gi"}],
    )
    assert plan_update(declared, current).empty


def test_top_level_change_sends_only_that_key() -> None:
    plan = plan_update(inputs(description="new", name="analytics"), live(description="old"))
    assert paths(plan) == ["description"]
    assert plan.body == {"description": "new"}


def test_absent_live_value_is_a_change() -> None:
    plan = plan_update(inputs(networkServiceName="vpc"), live())
    assert plan.changes[0] == FieldChange("networkServiceName", None, "vpc", MISSING, False, reported=False)
    assert plan.body == {"networkServiceName": "vpc"}


# -- values compared by meaning -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared_head", "live_head"),
    [
        ({"cpu": 2}, {"cpu": "2.0"}),
        ({"cpu": "2"}, {"cpu": 2}),
        ({"cpu": 0.5}, {"cpu": "0.50"}),
        ({"memory": "8Gi"}, {"memory": "8192Mi"}),
        ({"memory": 8}, {"memory": "8Gi"}),
        ({"idleTimeoutSeconds": 60}, {"idleTimeoutSeconds": 60.0}),
    ],
)
def test_cpu_memory_numbers_compare_by_value(declared_head: dict, live_head: dict) -> None:
    assert live_matches(inputs(headSpec=declared_head), live(headSpec=live_head))


def test_volume_ids_compare_as_a_set_and_are_sent_as_declared() -> None:
    declared = inputs(volumeIds=["v-1", "v-2"])
    assert live_matches(declared, live(volumeIds=["v-2", "v-1"]))
    plan = plan_update(declared, live(volumeIds=["v-1"]))
    assert paths(plan) == ["volumeIds"]
    assert plan.body == {"volumeIds": ["v-1", "v-2"]}


def test_extra_param_compares_as_json_and_is_sent_compact() -> None:
    declared = inputs(extraParam={"a": 1, "b": [1, 2]})
    assert live_matches(declared, live(extraParam='{ "b": [1, 2], "a": 1 }'))
    plan = plan_update(declared, live(extraParam='{"a": 2, "b": [1, 2]}'))
    assert plan.body == {"extraParam": '{"a":1,"b":[1,2]}'}
    assert plan.changes[0].live == {"a": 2, "b": [1, 2]}


# -- nested objects are sent whole, without wiping what is not managed -----------------------------------


def test_changed_head_is_sent_whole_over_live_minus_replica() -> None:
    declared = inputs(headSpec={"cpu": 4, "gftConfig": {"redisUrl": "10.0.0.2:6379"}})
    current = live(
        headSpec={
            "cpu": "2",
            "memory": "8Gi",
            "queueName": "root_queue",
            "replica": 1,
            "gftConfig": {"redisUrl": "10.0.0.1:6379", "redisUsername": "default"},
        }
    )
    plan = plan_update(declared, current)
    assert paths(plan) == ["headSpec.cpu", "headSpec.gftConfig.redisUrl"]
    assert plan.body == {
        "headSpec": {
            "cpu": "4",
            "memory": "8Gi",
            "queueName": "root_queue",
            "gftConfig": {"redisUrl": "10.0.0.2:6379", "redisUsername": "default"},
        }
    }


def test_changed_group_sends_the_whole_desired_list_in_declared_order() -> None:
    declared = inputs(workerSpec=[{"groupName": "b", "replica": 3}, {"groupName": "a", "cpu": 2}])
    current = live(
        workerSpec=[
            {"groupName": "a", "replica": 1, "cpu": "2", "memory": "8Gi", "workerType": "CPU"},
            {"groupName": "b", "replica": 1, "memory": "4Gi"},
            {"groupName": "old", "replica": 5},
        ]
    )
    plan = plan_update(declared, current)
    assert paths(plan) == ["workerSpec[b].replica", "workerSpec[old]"]
    assert plan.changes[1].describe() == "- workerSpec[old]"
    assert plan.body == {
        "workerSpec": [
            {"groupName": "b", "replica": 3, "memory": "4Gi"},
            {"groupName": "a", "replica": 1, "cpu": "2", "memory": "8Gi", "workerType": "CPU"},
        ]
    }


def test_groups_matched_by_name_not_position() -> None:
    declared = inputs(workerSpec=[{"groupName": "a", "replica": 1}, {"groupName": "b", "replica": 2}])
    current = live(workerSpec=[{"groupName": "b", "replica": 2}, {"groupName": "a", "replica": 1}])
    assert live_matches(declared, current)


def test_declared_group_missing_live_is_added() -> None:
    declared = inputs(workerSpec=[{"groupName": "gpu", "replica": 1, "gpuSpec": "ecs.gn6i-c4g1.xlarge"}])
    plan = plan_update(declared, live(workerSpec=[]))
    assert [c.describe() for c in plan.changes] == ["+ workerSpec[gpu]"]
    assert plan.body == {"workerSpec": [{"groupName": "gpu", "replica": 1, "gpuSpec": "ecs.gn6i-c4g1.xlarge"}]}


def test_key_missing_in_a_live_group_is_a_field_change_not_a_new_group() -> None:
    plan = plan_update(inputs(workerSpec=[{"groupName": "g", "cpu": 2}]), live(workerSpec=[{"groupName": "g"}]))
    assert [c.describe() for c in plan.changes] == ["~ workerSpec[g].cpu (unset) -> 2"]
    assert plan.body == {"workerSpec": [{"groupName": "g", "cpu": "2"}]}


def test_empty_declared_list_removes_every_live_group() -> None:
    plan = plan_update(inputs(workerSpec=[]), live(workerSpec=[{"groupName": "x", "replica": 1}]))
    assert paths(plan) == ["workerSpec[x]"]
    assert plan.body == {"workerSpec": []}


def test_read_only_fields_and_head_replica_are_never_compared() -> None:
    declared = inputs(headSpec={"cpu": 2})
    assert live_matches(declared, live(state="Error", modified=True, headSpec={"cpu": "2", "replica": 3}))


# -- autoscaling owns replicas ------------------------------------------------------------------------------


def test_autoscaled_replica_within_bounds_is_not_a_change_and_is_kept_in_body() -> None:
    declared = inputs(
        headSpec={"enableAutoScaling": True, "cpu": 4},
        workerSpec=[{"groupName": "g", "replica": 2, "minReplica": 1, "maxReplica": 10, "cpu": 2}],
    )
    current = live(
        headSpec={"enableAutoScaling": True, "cpu": "2"},
        workerSpec=[{"groupName": "g", "replica": 7, "minReplica": 1, "maxReplica": 10, "cpu": "2"}],
    )
    plan = plan_update(declared, current)
    assert paths(plan) == ["headSpec.cpu"]
    assert plan.body == {"headSpec": {"enableAutoScaling": True, "cpu": "4"}}
    # A change elsewhere in the group: the whole list goes, with the autoscaler's replica, not the declared 2.
    plan = plan_update(declared, {**current, "workerSpec": [{**current["workerSpec"][0], "cpu": "1"}]})
    assert plan.body["workerSpec"] == [{"groupName": "g", "replica": 7, "minReplica": 1, "maxReplica": 10, "cpu": "2"}]


def test_autoscaling_taken_from_live_when_not_declared() -> None:
    declared = inputs(workerSpec=[{"groupName": "g", "replica": 2}])
    in_bounds = live(
        headSpec={"enableAutoScaling": True}, workerSpec=[{"groupName": "g", "replica": 5, "maxReplica": 8}]
    )
    assert live_matches(declared, in_bounds)
    off = live(headSpec={"enableAutoScaling": False}, workerSpec=[{"groupName": "g", "replica": 5, "maxReplica": 8}])
    assert paths(plan_update(declared, off)) == ["workerSpec[g].replica"]


def test_autoscaled_replica_outside_declared_bounds_is_a_change() -> None:
    declared = inputs(
        headSpec={"enableAutoScaling": True},
        workerSpec=[{"groupName": "g", "replica": 2, "minReplica": 1, "maxReplica": 4}],
    )
    current = live(
        headSpec={"enableAutoScaling": True},
        workerSpec=[{"groupName": "g", "replica": 7, "minReplica": 1, "maxReplica": 10}],
    )
    plan = plan_update(declared, current)
    assert paths(plan) == ["workerSpec[g].replica", "workerSpec[g].maxReplica"]
    assert plan.body == {"workerSpec": [{"groupName": "g", "replica": 2, "minReplica": 1, "maxReplica": 4}]}


def test_declared_autoscaling_off_compares_replicas() -> None:
    declared = inputs(headSpec={"enableAutoScaling": False}, workerSpec=[{"groupName": "g", "replica": 2}])
    current = live(headSpec={"enableAutoScaling": True}, workerSpec=[{"groupName": "g", "replica": 3, "maxReplica": 8}])
    assert paths(plan_update(declared, current)) == ["headSpec.enableAutoScaling", "workerSpec[g].replica"]


# -- code change vs drift -------------------------------------------------------------------------------------


def test_code_change_drift_and_unknown_history_are_told_apart() -> None:
    group = {"groupName": "gpu", "minReplica": 1, "maxReplica": 9}
    previous = inputs(headSpec={"cpu": 2}, workerSpec=[{**group, "replica": 2}])
    declared = inputs(headSpec={"cpu": 2}, workerSpec=[{**group, "replica": 4}])
    current = live(headSpec={"cpu": "4"}, workerSpec=[{**group, "replica": 5}, {"groupName": "old", "replica": 1}])
    lines = [c.describe() for c in plan_update(declared, current, previous).changes]
    assert lines == [
        "~ headSpec.cpu live 4 -> 2 (drift)",
        "~ workerSpec[gpu].replica 2 -> 4 (drift: live is 5)",
        "- workerSpec[old] (drift)",
    ]
    honest = live(headSpec={"cpu": "2"}, workerSpec=[{**group, "replica": 2}])
    assert [c.describe() for c in plan_update(declared, honest, previous).changes] == [
        "~ workerSpec[gpu].replica 2 -> 4"
    ]
    unknown_history = plan_update(declared, current, None).changes
    assert all(c.previous is MISSING and not c.drift for c in unknown_history)


def test_group_removed_in_code_is_not_drift_and_deleted_out_of_band_is() -> None:
    previous = inputs(workerSpec=[{"groupName": "a"}, {"groupName": "b"}])
    declared = inputs(workerSpec=[{"groupName": "a"}])
    current = live(workerSpec=[{"groupName": "b"}])
    assert [c.describe() for c in plan_update(declared, current, previous).changes] == [
        "+ workerSpec[a] (drift)",
        "- workerSpec[b]",
    ]


def test_newly_declared_field_is_not_drift() -> None:
    previous = inputs()
    change = plan_update(inputs(description="x"), live(description="y"), previous).changes[0]
    assert (change.previous, change.drift) == (None, False)
    assert change.describe() == "~ description y -> x"


def test_secret_and_env_values_never_appear_in_lines() -> None:
    previous = inputs(headSpec={"env": "TOKEN=old-secret", "gftConfig": {"redisPassword": "old-pass"}})
    declared = inputs(headSpec={"env": "TOKEN=new-secret", "gftConfig": {"redisPassword": "new-pass"}})
    current = live(headSpec={"env": "TOKEN=old-secret", "gftConfig": {"redisPassword": "old-pass"}})
    lines = [c.describe() for c in plan_update(declared, current, previous).changes]
    assert lines == [
        "~ headSpec.env changed (value hidden)",
        "~ headSpec.gftConfig.redisPassword changed (value hidden)",
    ]
    assert not any(word in line for line in lines for word in ("secret", "pass"))


def test_password_the_service_does_not_return_is_compared_with_what_was_sent() -> None:
    declared = inputs(headSpec={"gftConfig": {"redisPassword": "p1"}})
    current = live(headSpec={"gftConfig": {"redisUrl": "x"}})
    assert live_matches(declared, current)  # nothing known to compare with
    assert plan_update(declared, current, previous=declared).empty
    rotated = plan_update(inputs(headSpec={"gftConfig": {"redisPassword": "p2"}}), current, previous=declared)
    assert rotated.body == {"headSpec": {"gftConfig": {"redisUrl": "x", "redisPassword": "p2"}}}


# -- declared_view --------------------------------------------------------------------------------------------


def test_declared_view_reports_live_values_in_input_shape() -> None:
    declared = inputs(
        description="dev",
        headSpec={"cpu": 2, "enableAutoScaling": True},
        workerSpec=[{"groupName": "g", "replica": 2, "maxReplica": 9}, {"groupName": "gone", "replica": 1}],
        volumeIds=["v-1", "v-2"],
        extraParam={"a": 1},
    )
    current = live(
        description="edited",
        headSpec={"cpu": "2.0", "enableAutoScaling": True, "memory": "8Gi", "replica": 1},
        workerSpec=[{"groupName": "g", "replica": 6, "maxReplica": 9}, {"groupName": "extra", "replica": 3}],
        volumeIds=["v-3", "v-2", "v-1"],
        extraParam='{"a": 2}',
    )
    assert declared_view(current, declared) == {
        "name": "analytics",
        "description": "edited",
        "headSpec": {"cpu": "2", "enableAutoScaling": True},
        "workerSpec": [
            {"groupName": "g", "replica": 2, "maxReplica": 9},  # autoscaled within bounds: as declared
            {"groupName": "extra", "replica": 3},
        ],
        "volumeIds": ["v-1", "v-2", "v-3"],
        "extraParam": '{"a":2}',
    }


def test_declared_view_of_matching_live_is_the_declared_body() -> None:
    declared = inputs(headSpec={"cpu": 2, "memory": "8Gi"}, volumeIds=["b", "a"])
    current = live(headSpec={"cpu": 2, "memory": "8192Mi"}, volumeIds=["a", "b"])
    assert declared_view(current, declared) == declared.api_body()


def test_plan_does_not_mutate_its_arguments() -> None:
    declared = inputs(headSpec={"cpu": 4}, workerSpec=[{"groupName": "g", "replica": 2}])
    current = live(headSpec={"cpu": "2", "gftConfig": {"redisUrl": "x"}}, workerSpec=[{"groupName": "g"}])
    snapshot = copy.deepcopy(current)
    plan_update(declared, current)
    declared_view(current, declared)
    assert current == snapshot


def test_extra_param_change_names_the_keys_inside_the_document() -> None:
    declared = inputs(extraParam='{"tags": {"team": "ml", "cost": "c1"}, "retries": 3}')
    current = live(extraParam='{"tags": {"team": "data"}, "retries": 3.0, "old": true}')

    [change] = plan_update(declared, current).changes

    assert change.describe() == "~ extraParam + tags.cost, - old, tags.team data -> ml"
    assert plan_update(declared, current).body == {"extraParam": '{"tags":{"team":"ml","cost":"c1"},"retries":3}'}
