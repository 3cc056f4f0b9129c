"""Rules of the preview's truth: same declaration however spelled, fields the service does not report."""

from __future__ import annotations

from typing import Any

import pytest

from provider.core.plan import Reason, live_matches, plan_update, same_declaration, undeclared
from provider.schema.spec import RayClusterInputs, check_inputs


def inputs(**fields: Any) -> RayClusterInputs:
    model, failures = check_inputs({"workspaceId": "w-1", "name": "analytics", **fields})
    assert not failures and model is not None
    return model


def live(**fields: Any) -> dict[str, Any]:
    return {"clusterId": "ray-k7nm8ahl5te4tg91", "name": "analytics", "state": "Running", **fields}


GROUPS = [{"groupName": "a", "replica": 1, "cpu": 2}, {"groupName": "b", "memory": "8Gi"}]


@pytest.mark.parametrize(
    "respelled",
    [
        {"workerSpec": GROUPS[::-1]},
        {"workerSpec": [{"groupName": "a", "replica": 1.0, "cpu": "2.0"}, {"groupName": "b", "memory": "8192Mi"}]},
        {"workerSpec": GROUPS, "extraParam": '{ "y": [1, 2], "x": 1.0 }'},
    ],
)
def test_same_declaration_however_spelled(respelled: dict[str, Any]) -> None:
    base = inputs(workerSpec=GROUPS, extraParam={"x": 1, "y": [1, 2]} if "extraParam" in respelled else None)
    assert same_declaration(base, inputs(**{"extraParam": base.extra_param, **respelled}))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"extraParam": '{"x": true}'}, {"extraParam": '{"x": 1}'}),  # True == 1 in Python, not in JSON
        ({"workerSpec": []}, {}),  # no groups declared is not "groups not managed"
        ({"workerSpec": GROUPS}, {"workerSpec": GROUPS[:1]}),
        ({"timeouts": {"create": 60}}, {}),  # an option still needs an update (with no API write)
        ({"volumeIds": ["v1"]}, {"volumeIds": ["v1", "v2"]}),
    ],
)
def test_different_declarations(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert not same_declaration(inputs(**a), inputs(**b))


def test_true_and_one_in_extra_param_are_a_change_against_live() -> None:
    assert not plan_update(inputs(extraParam='{"x": true}'), live(extraParam='{"x":1}')).empty


def test_unreported_field_is_compared_with_the_last_applied_value() -> None:
    declared = inputs(headSpec={"cpu": 2, "env": "A=1"}, workerSpec=[{"groupName": "g", "rayStartParams": "p"}])
    current = live(headSpec={"cpu": "2"}, workerSpec=[{"groupName": "g"}])

    same = plan_update(declared, current, previous=declared)
    assert same.empty and same.unreported == ("headSpec.env", "workerSpec[g].rayStartParams")
    assert live_matches(declared, current)  # the check after an update cannot fail on them

    rotated = plan_update(inputs(headSpec={"cpu": 2, "env": "A=2"}), current, previous=declared)
    assert [c.describe() for c in rotated.changes] == [
        "~ headSpec.env changed (value hidden) (not reported by the service: from the last applied)"
    ]
    assert rotated.body == {"headSpec": {"cpu": "2", "env": "A=2"}}

    other = inputs(headSpec={"cpu": 2, "env": "A=1"}, workerSpec=[{"groupName": "g", "rayStartParams": "q"}])
    line = plan_update(other, current, previous=declared).changes[0].describe()
    assert line == "~ workerSpec[g].rayStartParams p -> q (not reported by the service: from the last applied)"


def test_unreported_field_with_nothing_applied_is_sent() -> None:
    declared = inputs(headSpec={"env": "A=1"})
    plan = plan_update(declared, live(headSpec={"cpu": "2"}), previous=None)  # e.g. adoption
    assert plan.body == {"headSpec": {"cpu": "2", "env": "A=1"}}
    assert not plan.changes[0].reported


def test_present_with_another_value_is_not_unreported() -> None:
    declared = inputs(headSpec={"queueName": "q1"})
    plan = plan_update(declared, live(headSpec={"queueName": ""}), previous=declared)
    assert [c.describe() for c in plan.changes] == ['~ headSpec.queueName live "" -> q1 (drift)']
    assert plan.changes[0].reported and plan.unreported == ()


def test_undeclared_names_live_values_without_hidden_ones() -> None:
    declared = inputs(headSpec={"cpu": 2}, workerSpec=[{"groupName": "g"}])
    current = live(
        description="d",
        headSpec={"cpu": "2", "env": "TOKEN=x", "idleTimeoutSeconds": 60, "replica": 1},
        workerSpec=[{"groupName": "g", "replica": 3}],
        volumeIds=[],
    )
    found = {item.path: item for item in undeclared(declared, current)}
    assert set(found) == {"description", "headSpec.env", "headSpec.idleTimeoutSeconds", "workerSpec[g].replica"}
    assert all(item.reason is Reason.NOT_DECLARED for item in found.values())
    assert "TOKEN" not in found["headSpec.env"].describe()
    assert found["headSpec.idleTimeoutSeconds"].describe() == (
        "ignored headSpec.idleTimeoutSeconds (live 60): not declared, so not managed"
    )
