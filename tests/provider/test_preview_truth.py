"""The preview tells the truth: no spurious updates, fields the service does not report, explain mode.

Through the SDK's real gRPC server against the emulator; assertions on the emulator's journal.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as sdk_models
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.emulator import Emulator
from provider.schema.spec import check_inputs
from tests.support.emulator_journal import applied_writes
from tests.support.provider_server import WORKSPACE, Engine, StderrMark, private_engine, small_cluster
from tests.support.strategies import noop_rewrites, specs

BASE = small_cluster(
    headSpec={"queueName": "root_queue", "cpu": 2, "memory": "8Gi", "enableAutoScaling": False},
    extraParam='{"tags": {"team": "ml", "cost": "c1"}, "retries": 3}',
)


def _reorder_groups(props: dict[str, Any]) -> None:
    props["workerSpec"].reverse()


def _reorder_volumes(props: dict[str, Any]) -> None:
    props["volumeIds"].reverse()


def _reformat_extra_param(props: dict[str, Any]) -> None:
    props["extraParam"] = json.dumps({"retries": 3.0, "tags": {"cost": "c1", "team": "ml"}}, indent=2)


def _respell_numbers_and_units(props: dict[str, Any]) -> None:
    props["headSpec"].update(cpu="2.0", memory="8192Mi")
    props["workerSpec"][1].update(replica="2", cpu=4.0, memory=16)


def _booleans_as_words(props: dict[str, Any]) -> None:
    props["headSpec"]["enableAutoScaling"] = "false"


NO_OPS: dict[str, Callable[[dict[str, Any]], None]] = {
    "worker groups reordered": _reorder_groups,
    "volumeIds reordered": _reorder_volumes,
    "extraParam in another key order and spacing": _reformat_extra_param,
    "numbers and units respelled": _respell_numbers_and_units,
    "a boolean written as a word": _booleans_as_words,
}


def rewritten(rewrite: Callable[[dict[str, Any]], None], base: dict[str, Any] = BASE) -> dict[str, Any]:
    props = copy.deepcopy(base)
    rewrite(props)
    return props


@pytest.mark.parametrize("case", sorted(NO_OPS))
def test_a_rewrite_that_changes_nothing_is_no_diff_and_no_line(engine: Engine, emulator: Emulator, case: str) -> None:
    cluster_id, outs = engine.up_create(BASE)
    emulator.reset()
    mark = StderrMark(engine.server)

    diff = engine.preview(cluster_id, outs, rewritten(NO_OPS[case]))

    assert diff.changes == "DIFF_NONE", mark.text()
    assert [e["action"] for e in emulator.journal()] == ["GetRayCluster"]
    assert cluster_id not in mark.text()


def test_a_rewrite_with_a_changed_option_is_an_update_with_no_write(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(BASE)
    news = rewritten(_reorder_groups, small_cluster(**{**BASE, "timeouts": {"create": 60, "update": 60}}))
    emulator.reset()

    assert engine.preview(cluster_id, outs, news).changes == "DIFF_SOME"
    new_outs = engine.update(cluster_id, outs, engine.check(news).inputs)

    assert applied_writes(emulator.journal()) == []
    assert new_outs["timeouts"]["update"] == 60


def _create_with_sdk(emulator: Emulator, body: dict[str, Any]) -> str:
    """Put a cluster with exactly this body in the emulator, through the official SDK (not our client)."""
    request = sdk_models.CreateRayClusterRequest().from_map(body)
    return str(emulator.sdk().create_ray_cluster(WORKSPACE, request).body.cluster_id)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_property_any_no_op_rewrite_of_any_valid_spec_is_no_diff(
    data: st.DataObject, engine: Engine, emulator: Emulator
) -> None:
    props = data.draw(specs())
    checked = engine.check(props)
    # The cluster as the provider saw it declared (the engine drops nulls inside objects, e.g. in extraParam).
    model, failures = check_inputs({k: v for k, v in checked.inputs.items() if not k.startswith("__")})
    assert model is not None and checked.failures == [], failures
    cluster_id = _create_with_sdk(emulator, model.api_body())
    olds = {**checked.inputs, "clusterId": cluster_id, "state": "Running"}
    news = data.draw(noop_rewrites(props))
    emulator.reset()

    diff = engine.preview(cluster_id, olds, news)

    assert diff.changes == "DIFF_NONE", (props, news)
    assert [e["action"] for e in emulator.journal()] == ["GetRayCluster"]


# -- a service that echoes less -------------------------------------------------------------------------------

ENV_CLUSTER = small_cluster(
    headSpec={"queueName": "root_queue", "cpu": 2, "memory": "8Gi", "env": "TOKEN=first-secret"},
    workerSpec=[
        {"groupName": "cpu", "replica": 1, "cpu": 2, "memory": "8Gi", "rayStartParams": '{"num-cpus": "2"}'},
        {"groupName": "big", "replica": 2, "cpu": 4, "memory": "16Gi", "rayStartParams": '{"num-cpus": "4"}'},
    ],
)
NOT_ECHOED = ["headSpec.env", "workerSpec.rayStartParams"]


def stored(emulator: Emulator, cluster_id: str) -> dict[str, Any]:
    """The record as the emulator stores it (the control view shows every key)."""
    return next(c for c in emulator.clusters() if c["clusterId"] == cluster_id)


def test_fields_the_service_does_not_report_are_compared_with_the_last_applied(
    engine: Engine, emulator: Emulator
) -> None:
    emulator.configure(omitKeys=NOT_ECHOED)
    cluster_id, outs = engine.up_create(ENV_CLUSTER)
    emulator.reset()
    mark = StderrMark(engine.server)

    assert engine.preview(cluster_id, outs, ENV_CLUSTER).changes == "DIFF_NONE"
    assert [e["action"] for e in emulator.journal()] == ["GetRayCluster"]
    note = (
        f"analytics ({cluster_id}): headSpec.env, workerSpec[cpu].rayStartParams and "
        "workerSpec[big].rayStartParams are not reported by the service; compared with the last applied value"
    )
    assert note in mark.text().splitlines()

    # A real change of another field converges in one up, and the check after the update does not fail.
    more = copy.deepcopy(ENV_CLUSTER)
    more["workerSpec"][1]["replica"] = 3
    emulator.reset()
    assert engine.preview(cluster_id, outs, more).changes == "DIFF_SOME"
    outs = engine.update(cluster_id, outs, engine.check(more).inputs)
    updates = emulator.journal("UpdateRayCluster")
    assert len(updates) == 1 and set(updates[0]["body"]) == {"workerSpec"}
    emulator.reset()
    assert engine.preview(cluster_id, outs, more).changes == "DIFF_NONE"

    # A changed env is still a change, still sent, and its value never shown.
    rotated = copy.deepcopy(more)
    rotated["headSpec"]["env"] = "TOKEN=second-secret"
    mark = StderrMark(engine.server)
    emulator.reset()
    assert engine.preview(cluster_id, outs, rotated).changes == "DIFF_SOME"
    assert f"analytics ({cluster_id}): ~ headSpec.env changed (value hidden)" in mark.text()
    outs = engine.update(cluster_id, outs, engine.check(rotated).inputs)
    assert [set(e["body"]) for e in emulator.journal("UpdateRayCluster")] == [{"headSpec"}]
    assert stored(emulator, cluster_id)["headSpec"]["env"] == "TOKEN=second-secret"
    assert "second-secret" not in mark.text() and "first-secret" not in mark.text()
    emulator.reset()
    assert engine.preview(cluster_id, outs, rotated).changes == "DIFF_NONE"


def test_a_newly_declared_field_the_service_does_not_report_is_sent_once(engine: Engine, emulator: Emulator) -> None:
    emulator.configure(omitKeys=["headSpec.rayStartParams"])
    cluster_id, outs = engine.up_create(small_cluster())
    news = small_cluster(headSpec={**small_cluster()["headSpec"], "rayStartParams": '{"num-gpus": "0"}'})
    emulator.reset()

    assert engine.preview(cluster_id, outs, news).changes == "DIFF_SOME"
    outs = engine.update(cluster_id, outs, engine.check(news).inputs)
    assert stored(emulator, cluster_id)["headSpec"]["rayStartParams"] == '{"num-gpus": "0"}'
    emulator.reset()
    assert engine.preview(cluster_id, outs, news).changes == "DIFF_NONE"


# -- RAY_CLUSTERS_EXPLAIN -------------------------------------------------------------------------------------


@pytest.fixture
def explaining(emulator: Emulator) -> Iterator[Engine]:
    with private_engine(emulator, env={"RAY_CLUSTERS_EXPLAIN": "1"}) as engine:
        yield engine


def explain_lines(text: str, cluster_id: str) -> list[str]:
    prefix = f"analytics ({cluster_id}): ignored "
    return [line.removeprefix(f"analytics ({cluster_id}): ") for line in text.splitlines() if line.startswith(prefix)]


def test_explain_names_every_ignored_difference_with_its_reason(explaining: Engine, emulator: Emulator) -> None:
    emulator.configure(omitKeys=["headSpec.env"])
    declared = small_cluster(
        headSpec={"queueName": "root_queue", "cpu": 2, "memory": "8Gi", "enableAutoScaling": True, "env": "A=b"},
        workerSpec=[
            {"groupName": "cpu", "replica": 1, "minReplica": 1, "maxReplica": 5, "cpu": 2, "memory": "8Gi"},
            {"groupName": "big", "replica": 2, "cpu": 4, "memory": "16Gi"},
        ],
    )
    cluster_id, outs = explaining.up_create(declared)
    # Out of band: the autoscaler moves a replica within bounds.
    live_groups = [{**group, "cpu": str(group["cpu"])} for group in declared["workerSpec"]]
    live_groups[0]["replica"] = 4
    request = sdk_models.UpdateRayClusterRequest().from_map({"workerSpec": live_groups})
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, request)
    # In code: the volumes and groups listed in another order.
    respelled = {**declared, "volumeIds": ["vol-b", "vol-a"], "workerSpec": declared["workerSpec"][::-1]}
    mark = StderrMark(explaining.server)

    assert explaining.preview(cluster_id, outs, respelled).changes == "DIFF_NONE"

    lines = explain_lines(mark.text(), cluster_id)
    assert "ignored workerSpec[cpu].replica (live 4, declared 1): the autoscaler's count within [1, 5]" in lines
    spelled = "the same value spelled differently"
    assert f'ignored volumeIds (live ["vol-a","vol-b"], declared ["vol-b","vol-a"]): {spelled}' in lines
    assert (
        f'ignored workerSpec (live ["cpu","big"], declared ["big","cpu"]): {spelled} (groups in another order)' in lines
    )
    assert "ignored headSpec.env: not reported by the service; compared with the last applied value" in lines
    release = "ray-1.0.0 (Ray 2.47.1, Python 3.12)"
    assert (
        f"ignored workerSpec[cpu].displayReleaseVersion (live {json.dumps(release)}): not declared, so not managed"
        in (lines)
    )
    assert "A=b" not in mark.text()


def test_explain_is_off_by_default(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outs = engine.up_create(BASE)
    mark = StderrMark(engine.server)

    assert engine.preview(cluster_id, outs, rewritten(_respell_numbers_and_units)).changes == "DIFF_NONE"
    assert explain_lines(mark.text(), cluster_id) == []


# -- ignoreChanges ----------------------------------------------------------------------------------------------


def test_ignore_changes_pins_the_input_but_drift_of_the_field_is_still_repaired(
    engine: Engine, emulator: Emulator
) -> None:
    """The engine pins an ignored input to its old value before Diff; the SDK's server drops the ignore list.

    So `ignoreChanges: [workerSpec]` stops a code change from applying, but the provider still compares the
    (old) declared workerSpec with live and repairs drift. Leaving the field out of the declaration is what
    stops managing it.
    """
    cluster_id, outs = engine.up_create(small_cluster())
    drifted = [{**group, "cpu": str(group["cpu"])} for group in small_cluster()["workerSpec"]]
    drifted[1]["replica"] = 5
    request = sdk_models.UpdateRayClusterRequest().from_map({"workerSpec": drifted})
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, request)
    code_change = small_cluster()
    code_change["workerSpec"][1]["replica"] = 3
    pinned = {**code_change, "workerSpec": outs["workerSpec"]}  # what the engine sends with ignoreChanges
    emulator.reset()
    mark = StderrMark(engine.server)

    checked = engine.check(pinned).inputs
    diff = engine.server.diff(engine.provider, cluster_id, engine.urn, outs, checked, ignore_changes=["workerSpec"])

    assert diff.changes == "DIFF_SOME"
    assert f"analytics ({cluster_id}): ~ workerSpec[big].replica live 5 -> 2 (drift)" in mark.text()
    engine.update(cluster_id, outs, checked)
    assert [g["replica"] for g in stored(emulator, cluster_id)["workerSpec"]] == [1, 2]

    # Left out of the declaration, workerSpec is not managed: its drift stays, nothing is written.
    unmanaged = {k: v for k, v in small_cluster().items() if k != "workerSpec"}
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, request)
    emulator.reset()
    mark = StderrMark(engine.server)
    engine.preview(cluster_id, outs, unmanaged)
    engine.update(cluster_id, outs, engine.check(unmanaged).inputs)
    assert "workerSpec" not in mark.text()
    assert applied_writes(emulator.journal()) == []
    assert [g["replica"] for g in stored(emulator, cluster_id)["workerSpec"]] == [1, 5]
