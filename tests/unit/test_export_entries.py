"""The entries `python -m provider.export` writes: names, secrets, normalization, the base, the YAML.

The properties here are the ones the adoption depends on: an exported entry plans no change against the cluster
it was read from, and an entry reduced against the base merges back (by the program's own merge) into the entry.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provider.core.plan import plan_update, same_declaration
from provider.schema.models import RayClusterDetail
from provider.schema.owner import without_mark
from provider.schema.spec import IDENTITY_INPUTS, HeadSpec, RayClusterInputs, WorkerGroup, check_inputs
from provider.stack.config import parse_clusters, stack_description
from provider.stack.export import (
    Export,
    ExportError,
    Target,
    export_entries,
    main,
    reduce,
    render,
    resource_names,
    shape_cluster,
    user_description,
)
from provider.stack.inherit import effective_clusters
from tests.support.paths import FIXTURES, ROOT
from tests.support.strategies import as_live, specs

FIXTURE = FIXTURES / "get_ray_cluster_official_example.json"
WORKSPACE = "w-d2d82aa09155"
PROJECT, STACK = "ray-clusters", "dev"
OWNER = f"{PROJECT}/{STACK}"
RESOURCE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def official() -> dict[str, Any]:
    """The GetRayCluster example of the API reference, as the client reads it."""
    return RayClusterDetail.model_validate(json.loads(FIXTURE.read_text())).to_api_dict()


def shape(live: dict[str, Any], name: str | None = None, owner: str | None = OWNER) -> Any:
    key = name or str(live["name"])
    return shape_cluster(live, workspace_id=WORKSPACE, owner=owner, resource_name=key, write_workspace=False)


def parsed(entries: dict[str, Any]) -> list[Any]:
    return parse_clusters(entries, project=PROJECT, stack=STACK, default_workspace_id=WORKSPACE)


# -- names ------------------------------------------------------------------------------------------------------


def test_resource_names_are_safe_unique_and_keep_safe_cluster_names() -> None:
    clusters = [
        ("ray-1", "analytics"),
        ("ray-2", "ml team/inference"),
        ("ray-3", "数据分析"),
        ("ray-4", "analytics"),  # the service may not keep names unique
        ("ray-5", "ml-team-inference"),  # safe, and the slug of ray-2: the safe name keeps it
        ("ray-6", "Données été"),
        ("ray-7", "x" * 80),
        ("ray-8", "inference"),
    ]
    names = resource_names(clusters, reserved={"inference"})
    assert names["ray-1"] == "analytics"
    assert names["ray-5"] == "ml-team-inference"
    assert names["ray-2"] == "ml-team-inference-2"
    assert names["ray-3"] == "ray-3"  # nothing ASCII left: the cluster id names it
    assert names["ray-4"] == "analytics-2"
    assert names["ray-6"] == "Donnees-ete"
    assert names["ray-8"] == "inference-2"  # a base key belongs to the base's cluster
    assert len(set(names.values())) == len(clusters)
    assert all(re.match(RESOURCE_NAME, name) for name in names.values()), names


def test_an_entry_names_its_cluster_when_the_key_cannot() -> None:
    live = {**official(), "name": "ml team/inference"}
    entry = shape(live, "ml-team-inference")
    assert entry.spec["name"] == "ml team/inference"
    assert "name" not in shape(official()).spec  # the key is the name
    (cluster,) = parsed({"ml-team-inference": entry.spec})
    assert (cluster.resource_name, cluster.inputs.name) == ("ml-team-inference", "ml team/inference")


# -- shape ----------------------------------------------------------------------------------------------------


def test_the_official_example_exports_every_accepted_field_normalized_and_nothing_read_only() -> None:
    entry = shape(official()).spec
    assert entry == {
        "adoptClusterId": "ray-k7nm8ahl5te4tg91",
        "description": "Ray Cluster for dev.",
        "displayReleaseVersion": "ray-1.0.0 (Ray 2.47.1, Python 3.12)",
        "networkServiceName": "vpc",
        "headSpec": {
            "queueName": "root_queue",
            "cpu": "2",
            "memory": "8Gi",
            "gpuSpec": "ecs.gn6i-c4g1.xlarge",
            "enableAutoScaling": False,
            "idleTimeoutSeconds": 60,
        },
        "workerSpec": [
            {
                "groupName": "WorkerGroup1",
                "workerType": "CPU",
                "replica": 2,
                "minReplica": 1,
                "maxReplica": 10,
                "queueName": "root_queue",
                "cpu": "2",
                "memory": "8Gi",
                "gpuSpec": "ecs.gn6i-c4g1.xlarge",
            }
        ],
        "volumeIds": ["vol-123456789"],
        "extraParam": {},
    }


def test_every_field_the_schema_accepts_is_exported_but_env_and_the_password() -> None:
    """The field set is the schema's: a live body holding every key of every declared object gives them all back."""

    def every_key(model: Any, values: dict[str, Any]) -> dict[str, Any]:
        return {info.alias: values.get(info.alias, "x") for info in model.model_fields.values()}

    head = every_key(
        HeadSpec,
        {
            "cpu": 2,
            "memory": "8192Mi",
            "enableAutoScaling": "false",
            "idleTimeoutSeconds": 5,
            "gftEnabled": True,
            "env": "TOKEN=t0p",
            "gftConfig": {"redisUrl": "u", "redisUsername": "n", "redisPassword": "redis-pw-9z"},
        },
    )
    group = every_key(
        WorkerGroup,
        {
            "groupName": "g",
            "workerType": "GPU",
            "replica": 2,
            "minReplica": 1,
            "maxReplica": 3,
            "cpu": "2.0",
            "memory": "8Gi",
            "env": "TOKEN=t0p",
        },
    )
    live = {
        **official(),
        "headSpec": {**head, "replica": 1},
        "workerSpec": [group],
        "extraParam": '{"a": 1}',
        "name": "analytics",
    }
    entry = shape(live)
    declared = {info.alias for info in RayClusterInputs.model_fields.values()}
    options = {"workspaceId", "adoptClusterId", "timeouts", "desiredState", "restartOnPendingChanges", *IDENTITY_INPUTS}
    assert set(entry.spec) == (declared - options - {"keepFailedCluster", "name"}) | {"adoptClusterId"}
    assert set(entry.spec["headSpec"]) == set(head) - {"env"}
    assert entry.spec["headSpec"]["gftConfig"] == {"redisUrl": "u", "redisUsername": "n"}
    assert set(entry.spec["workerSpec"][0]) == set(group) - {"env"}
    assert entry.spec["headSpec"]["memory"] == "8Gi" and entry.spec["headSpec"]["enableAutoScaling"] is False
    assert entry.spec["workerSpec"][0]["cpu"] == "2" and entry.spec["extraParam"] == {"a": 1}
    text = render(Export(WORKSPACE, Target(PROJECT, STACK, WORKSPACE), [entry]))
    assert "t0p" not in text and "redis-pw-9z" not in text
    assert "headSpec.env" in text and "workerSpec[g].env" in text and "headSpec.gftConfig.redisPassword" in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [('{"a": 1, "b": [1, 2]}', {"a": 1, "b": [1, 2]}), ("[1, 2]", [1, 2]), ('{"a": null}', '{"a":null}'), ("7", "7")],
)
def test_extra_param_is_an_object_unless_a_null_would_be_lost(text: str, expected: Any) -> None:
    assert shape({**official(), "extraParam": text}).spec["extraParam"] == expected


def test_a_value_the_schema_refuses_is_left_out_with_a_comment() -> None:
    live = official()
    live["headSpec"]["memory"] = "7.5Gi"
    # Two groups of one name, one with memory refused too: the whole list is left out, whatever is refused first.
    live["workerSpec"].append({**live["workerSpec"][0], "memory": "3.5Gi"})
    entry = shape(live)
    assert "memory" not in entry.spec["headSpec"] and "workerSpec" not in entry.spec
    assert any(c.startswith("headSpec.memory: not exported, the schema refuses") for c in entry.comments)
    assert any(c.startswith("workerSpec: not exported") for c in entry.comments)
    with pytest.raises(ExportError, match="name"):
        shape({**official(), "name": "n" * 65}, name="n")


def test_a_replica_the_autoscaler_owns_is_left_out() -> None:
    live = official()
    assert shape(live).spec["workerSpec"][0]["replica"] == 2  # no autoscaling: the replica is the declaration
    live["headSpec"]["enableAutoScaling"] = True
    group = shape(live).spec["workerSpec"][0]
    assert "replica" not in group and (group["minReplica"], group["maxReplica"]) == (1, 10)


# -- descriptions ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("live", "user", "rewritten"),
    [
        (f"Batch (Pulumi {OWNER})", "Batch", False),
        (f"Managed by Pulumi {OWNER}", None, False),
        ("Batch (Pulumi ray-clusters/staging)", "Batch", True),
        # Written by 0.2.0: the owner mark follows the stack mark; neither is the user's.
        (f"Batch (Pulumi {OWNER}) [owner {OWNER}/batch]", "Batch", False),
        (f"Managed by Pulumi {OWNER} [owner {OWNER}/batch]", None, False),
        ("Batch (Pulumi ray-clusters/staging) [owner ray-clusters/staging/batch]", "Batch", True),
        ("Made in the console [owner ray-clusters/staging/batch]", "Made in the console", False),
        ("Made in the console", "Made in the console", False),  # made elsewhere: adopted as it is, no write
        (None, None, False),
        ("", None, False),
    ],
)
def test_the_description_is_the_users_part_and_a_rewrite_is_said(live: str | None, user: str | None, rewritten: bool):
    got, note = user_description(live, OWNER)
    assert got == user
    assert (note is not None) == rewritten
    marked = "Pulumi" in (live or "")
    if marked and not rewritten:  # what the program will send is what is live: no write
        assert stack_description(got, PROJECT, STACK) == without_mark(live)  # the owner mark is the provider's
    # No stack given: a marked description cannot be checked; one made elsewhere is kept as it is (no write).
    assert (user_description(live, None)[1] is not None) == marked


# -- the property adoption depends on -----------------------------------------------------------------------


@SETTINGS
@given(st.data(), specs())
def test_an_exported_entry_plans_no_change_against_its_cluster(data: st.DataObject, props: dict[str, Any]) -> None:
    model, failures = check_inputs(props)
    assert model is not None, failures
    live = data.draw(as_live(model.api_body()))
    live["description"] = stack_description(props.get("description") or None, PROJECT, STACK)
    entry = shape(live, "cluster")
    (cluster,) = parsed({"cluster": entry.spec})
    plan = plan_update(cluster.inputs, live, previous=None)  # adoption: nothing is known to be applied
    assert plan.body == {}, [change.describe() for change in plan.changes]


@SETTINGS
@given(st.data(), specs(), specs(), st.booleans())
def test_an_entry_written_over_the_base_merges_back_into_the_entry(
    data: st.DataObject, base: dict[str, Any], props: dict[str, Any], minimal: bool
) -> None:
    model, _ = check_inputs(props)
    assert model is not None
    full = shape(data.draw(as_live(model.api_body())), "cluster").spec
    over = reduce(base, full, minimal=minimal)
    merged = effective_clusters({"cluster": base}, {"cluster": over}, base_key="b", stack_key="s", stack_file="f")
    (back,) = parsed(merged)
    (whole,) = parsed({"cluster": full})
    assert same_declaration(back.inputs, whole.inputs)
    assert back.props["description"] == whole.props["description"]
    if not minimal:
        assert written(over) == full  # whole: every value written (and nulls or removals over the base)


def written(value: Any) -> Any:
    """``value`` without its nulls and removed groups: what it writes itself."""
    if isinstance(value, dict):
        return {k: written(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [written(v) for v in value if not (isinstance(v, dict) and v.get("remove") is True)]
    return value


def test_the_repositorys_base_and_workspace_export_in_both_forms() -> None:
    """analytics differs from the base in two fields; inference is not in the workspace; scratch is not in the base."""
    base = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]["clusterBase"]["value"]
    analytics = copy.deepcopy(base["analytics"])
    for key in ("desiredState", "restartOnPendingChanges"):
        del analytics[key]
    analytics.update(name="analytics", clusterId="ray-a", state="Running", volumeIds=["vol-x"])
    analytics["description"] = f"{base['analytics']['description']} (Pulumi {OWNER})"
    analytics["workerSpec"][0]["replica"] = 5  # the autoscaler's
    del analytics["workerSpec"][1]  # no gpu group
    scratch = {"name": "scratch", "clusterId": "ray-s", "state": "Stopped", "headSpec": {"cpu": 2, "memory": "8Gi"}}
    for minimal in (True, False):
        target = Target(PROJECT, STACK, WORKSPACE, base, minimal=minimal)
        export = export_entries([analytics, scratch], WORKSPACE, target)
        entries = {entry.key: entry.spec for entry in export.entries}
        assert entries["inference"] is None
        if minimal:
            assert entries["analytics"] == {
                "adoptClusterId": "ray-a",
                "workerSpec": [{"groupName": "gpu", "remove": True}],
                "volumeIds": ["vol-x"],
            }
        merged = effective_clusters(
            base,
            yaml.safe_load(render(export))["config"]["ray-clusters:rayClusters"],
            base_key="b",
            stack_key="s",
            stack_file="f",
        )
        assert sorted(merged) == ["analytics", "scratch"]
        assert merged["analytics"]["desiredState"] == "Running"  # the base's, and the cluster's state
        assert [g["groupName"] for g in merged["analytics"]["workerSpec"]] == ["cpu"]


def test_a_base_run_state_that_would_act_on_the_cluster_is_not_inherited() -> None:
    base = {"batch": {"headSpec": {"cpu": "2"}, "desiredState": "Running", "restartOnPendingChanges": True}}
    live = {"name": "batch", "clusterId": "ray-b", "state": "Stopped", "modified": True, "headSpec": {"cpu": "2"}}
    (entry,) = export_entries([live], WORKSPACE, Target(PROJECT, STACK, WORKSPACE, base, minimal=True)).entries
    assert entry.spec == {"adoptClusterId": "ray-b", "desiredState": None, "restartOnPendingChanges": None}
    assert any("desiredState: null" in c for c in entry.comments)
    assert any("restartOnPendingChanges: null" in c for c in entry.comments)


# -- the YAML ---------------------------------------------------------------------------------------------------


def test_the_yaml_is_valid_keeps_unicode_and_folds_names_into_one_comment_line() -> None:
    odd = {**official(), "name": "数据\n# injected: true", "clusterId": "ray-odd", "description": "Données\nété"}
    export = export_entries([official(), odd], WORKSPACE, Target(PROJECT, STACK, WORKSPACE))
    text = render(export)
    document = yaml.safe_load(text)
    assert set(document) == {"config"}
    clusters = document["config"]["ray-clusters:rayClusters"]
    assert clusters["injected-true"]["name"] == "数据\n# injected: true"
    assert clusters["injected-true"]["description"] == "Données\nété"
    assert "数据" in text and "\\u" not in text  # written as UTF-8, not escaped
    assert 'cpu: "2"' in text and "  - groupName: WorkerGroup1" in text  # the stack files' style
    assert all(len(line) <= 120 for line in text.splitlines() if line.lstrip().startswith("#"))
    assert [e.resource_name for e in parsed(clusters)] == ["injected-true", "myRayCluster"]


def test_no_cluster_writes_an_empty_map() -> None:
    text = render(export_entries([], WORKSPACE, Target(PROJECT, STACK, WORKSPACE)))
    assert yaml.safe_load(text)["config"]["ray-clusters:rayClusters"] == {}


def test_errors_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--endpoint", "http://127.0.0.1:1"], root=tmp_path) == 2
    assert (
        capsys.readouterr().err == "error: no workspace: give --workspace w-..., or --stack NAME whose file sets "
        "emr:workspaceId\n"
    )
    assert main(["--workspace", WORKSPACE, "--endpoint", "http://example.com"], root=tmp_path) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: emr:endpoint 'http://example.com' uses plain http") and err.count("\n") == 1
    assert main(["--stack", "nope", "--workspace", WORKSPACE], root=ROOT) == 2
    assert "no stack file stacks/Pulumi.nope.yaml" in capsys.readouterr().err


def test_the_readme_example_is_an_entry_the_program_accepts() -> None:
    section = (ROOT / "README.md").read_text().split("## Bringing existing clusters under management (export)")[1]
    example = section.split("```yaml\n")[1].split("```")[0]
    (entry,) = parsed(yaml.safe_load(example)["config"]["ray-clusters:rayClusters"])
    assert (entry.resource_name, entry.inputs.name) == ("ml-team-batch", "ml team/batch")
