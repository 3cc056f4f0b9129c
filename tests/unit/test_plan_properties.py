"""Hypothesis properties of spec + plan: no perpetual diff from formatting, and one update converges."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from provider.core.plan import declared_view, plan_update
from provider.schema.spec import API_FIELDS, RayClusterInputs, check_inputs
from tests.support.strategies import as_live, specs

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def model_of(props: dict[str, Any]) -> RayClusterInputs:
    model, failures = check_inputs(props)
    assert failures == [], failures
    assert model is not None
    return model


@SETTINGS
@given(st.data(), specs())
def test_a_spec_matches_its_own_body_however_formatted(data: st.DataObject, props: dict[str, Any]) -> None:
    declared = model_of(props)
    live = data.draw(as_live(declared.api_body()))
    plan = plan_update(declared, live, previous=declared)
    assert plan.empty, [change.describe() for change in plan.changes]
    assert plan.body == {}
    assert declared_view(live, declared) == declared.api_body()


@SETTINGS
@given(st.data(), specs(), specs())
def test_one_update_converges(data: st.DataObject, props: dict[str, Any], other: dict[str, Any]) -> None:
    declared = model_of(props)
    live = data.draw(as_live(model_of(other).api_body()))
    plan = plan_update(declared, live)
    assert set(plan.body) <= set(API_FIELDS)
    assert plan.empty == (plan.body == {})
    applied = {**live, **copy.deepcopy(plan.body)}
    after = plan_update(declared, applied)
    assert after.empty, [change.describe() for change in after.changes]


@SETTINGS
@given(st.data(), specs(), specs())
def test_declared_view_describes_live(data: st.DataObject, props: dict[str, Any], other: dict[str, Any]) -> None:
    declared = model_of(props)
    live = data.draw(as_live(model_of(other).api_body()))
    view = declared_view(live, declared)
    assert set(view) <= set(declared.api_body()) | {"name"}
    reported, _ = check_inputs({"workspaceId": declared.workspace_id, **view})
    assume(reported is not None)  # live values may break an input-only rule (e.g. replica vs mixed bounds)
    # The one deliberate exception: an autoscaled replica is reported as declared while it was within the
    # declared bounds; if the live bounds differ, the reported spec no longer covers the live count.
    # The refreshed inputs become the value last applied for fields live does not report (read() keeps them).
    remaining = [change.path for change in plan_update(reported, live, previous=reported).changes]
    assert all(path.startswith("workerSpec[") and path.endswith("].replica") for path in remaining), remaining


@SETTINGS
@given(st.data(), specs(), specs())
def test_an_update_keeps_what_is_not_managed(data: st.DataObject, props: dict[str, Any], other: dict[str, Any]) -> None:
    declared = model_of(props)
    want = declared.api_body()
    live = data.draw(as_live(model_of(other).api_body()))
    body = plan_update(declared, live).body
    assert set(body) <= set(want)
    if "headSpec" in body:
        live_head = {k: v for k, v in live.get("headSpec", {}).items() if k != "replica"}
        for key, value in live_head.items():
            if key not in want["headSpec"]:
                assert body["headSpec"][key] == value
            elif key == "gftConfig":
                kept = {k: v for k, v in value.items() if k not in want["headSpec"]["gftConfig"]}
                assert kept.items() <= body["headSpec"]["gftConfig"].items()
        assert "replica" not in body["headSpec"]
    if "workerSpec" in body:
        live_groups = {g["groupName"]: g for g in live.get("workerSpec", [])}
        declared_groups = {g["groupName"]: g for g in want["workerSpec"]}
        assert [g["groupName"] for g in body["workerSpec"]] == list(declared_groups)
        for group in body["workerSpec"]:
            before = live_groups.get(group["groupName"], {})
            for key, value in before.items():
                if key not in declared_groups[group["groupName"]]:
                    assert group[key] == value
