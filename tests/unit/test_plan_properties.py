"""Hypothesis properties of spec + plan: no perpetual diff from formatting, and one update converges."""

from __future__ import annotations

import copy
import json
import string
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from provider.plan import declared_view, plan_update
from provider.spec import API_FIELDS, RayClusterInputs, check_inputs

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

words = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
# Few group names, so that declared and live groups overlap often.
group_names = st.sampled_from(["cpu", "gpu", "io", "big", "small"])
cpus = st.one_of(st.integers(1, 64), st.sampled_from(["0.5", "0.25", "1.5", 2.0, "4", "12"]))
memories = st.integers(1, 256).flatmap(lambda n: st.sampled_from([n, float(n), f"{n}Gi", f"{n * 1024}Mi", str(n)]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-100, 100) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def worker_groups(draw: st.DrawFn, name: str) -> dict[str, Any]:
    group: dict[str, Any] = {"groupName": name}
    low = draw(st.integers(1, 4))
    high = draw(st.integers(low, 12))
    replica = draw(st.integers(low, high))
    for key, value in (("minReplica", low), ("maxReplica", high), ("replica", replica)):
        if draw(st.booleans()):
            group[key] = draw(st.sampled_from([value, float(value)]))
    optional = {"cpu": cpus, "memory": memories, "workerType": st.sampled_from(["CPU", "GPU"]), "env": words}
    for key, strategy in optional.items():
        if draw(st.booleans()):
            group[key] = draw(strategy)
    return group


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    props: dict[str, Any] = {"workspaceId": "w-d2d82aa09155", "name": draw(words)}
    if draw(st.booleans()):
        props["description"] = draw(st.text(max_size=20))
    if draw(st.booleans()):
        head = {
            "cpu": cpus,
            "memory": memories,
            "enableAutoScaling": st.booleans(),
            "idleTimeoutSeconds": st.integers(0, 600),
            "queueName": words,
            "gftConfig": st.fixed_dictionaries({}, optional={"redisUrl": words, "redisUsername": words}),
        }
        props["headSpec"] = draw(st.fixed_dictionaries({}, optional=head))
    if draw(st.booleans()):
        names = draw(st.lists(group_names, unique=True, max_size=4))
        props["workerSpec"] = [draw(worker_groups(name)) for name in names]
    if draw(st.booleans()):
        props["volumeIds"] = draw(st.lists(words, unique=True, max_size=4))
    if draw(st.booleans()):
        props["extraParam"] = draw(st.dictionaries(st.text(max_size=4), json_values, max_size=3))
    return props


def model_of(props: dict[str, Any]) -> RayClusterInputs:
    model, failures = check_inputs(props)
    assert failures == [], failures
    assert model is not None
    return model


@st.composite
def as_live(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """What GetRayCluster could return for this body: same meaning, other formatting, more fields."""
    live = copy.deepcopy(body)

    def cpu(value: str) -> Any:
        number = Decimal(value)
        forms = [value, f"{value}.0" if "." not in value else value + "0", float(number)]
        return draw(st.sampled_from(forms + ([int(number)] if number == int(number) else [])))

    def memory(value: str) -> Any:
        gib = int(value[:-2])
        return draw(st.sampled_from([value, f"{gib * 1024}Mi"]))

    def reformat(obj: dict[str, Any]) -> None:
        if "cpu" in obj:
            obj["cpu"] = cpu(obj["cpu"])
        if "memory" in obj:
            obj["memory"] = memory(obj["memory"])

    head = live.get("headSpec")
    if head is not None:
        reformat(head)
        head["replica"] = 1
    if "workerSpec" in live:
        live["workerSpec"] = draw(st.permutations(live["workerSpec"]))
        for group in live["workerSpec"]:
            reformat(group)
    if "volumeIds" in live:
        live["volumeIds"] = draw(st.permutations(live["volumeIds"]))
    if "extraParam" in live:
        live["extraParam"] = json.dumps(json.loads(live["extraParam"]), indent=draw(st.sampled_from([None, 2])))
    live.update(
        clusterId="ray-k7nm8ahl5te4tg91",
        state=draw(st.sampled_from(["Starting", "Running", "Stopped"])),
        modified=draw(st.booleans()),
        submitToken="t",
        dashboardUrl="https://example.invalid/dashboard?token=t",
        createTime=1735870116167,
        instances=[],
    )
    return live


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
    remaining = [change.path for change in plan_update(reported, live).changes]
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
