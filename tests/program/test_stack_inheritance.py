"""Stacks inherit the base in Pulumi.yaml; protect / retainOnDelete reach the resources."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pytest

from provider.stack import show as stackspec
from provider.stack.config import StackConfigError
from provider.stack.files import stacks
from provider.stack.inherit import effective_clusters
from tests.support.paths import ROOT
from tests.support.program_under_mocks import PROJECT, ProgramRun, effective, load_stack_config

BEFORE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "stack_specs_before_base.json").read_text())
KEY, BASE = f"{PROJECT}:rayClusters", f"{PROJECT}:clusterBase"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_stack_declares_what_it_declared_before_the_base(stack: str) -> None:
    assert effective(load_stack_config(stack)) == BEFORE[stack]


def test_the_stack_files_no_longer_repeat_the_shared_spec() -> None:
    assert stacks(ROOT) == ["dev", "prod", "staging"]
    text = (ROOT / "stacks" / "Pulumi.staging.yaml").read_text()
    assert "displayReleaseVersion" not in text and "gpuSpec" not in text


def merge(base: Any, stack: Any) -> Any:
    return effective_clusters(base, stack, base_key=BASE, stack_key=KEY, stack_file="stacks/Pulumi.x.yaml")


BASE_SPEC = {
    "a": {
        "description": "d",
        "headSpec": {"cpu": "4", "memory": "16Gi", "gftConfig": {"redisUrl": "r"}},
        "workerSpec": [{"groupName": "cpu", "cpu": "2", "replica": 1}, {"groupName": "gpu", "gpuSpec": "g"}],
        "volumeIds": ["v1", "v2"],
    },
    "b": {"description": "other"},
}


def test_maps_merge_groups_by_name_lists_replace_null_removes() -> None:
    stack = {
        "a": {
            "headSpec": {"cpu": "8", "gftConfig": {"redisUsername": "u"}},
            "workerSpec": [{"groupName": "gpu", "replica": 2}, {"groupName": "io", "cpu": "1"}],
            "volumeIds": ["v3"],
            "description": None,
        },
        "b": None,
        "c": {"description": "new"},
    }
    assert merge(BASE_SPEC, stack) == {
        "a": {
            "headSpec": {"cpu": "8", "memory": "16Gi", "gftConfig": {"redisUrl": "r", "redisUsername": "u"}},
            "workerSpec": [
                {"groupName": "cpu", "cpu": "2", "replica": 1},
                {"groupName": "gpu", "gpuSpec": "g", "replica": 2},
                {"groupName": "io", "cpu": "1"},
            ],
            "volumeIds": ["v3"],
        },
        "c": {"description": "new"},
    }
    assert BASE_SPEC["a"]["headSpec"]["cpu"] == "4"  # the base itself is never changed


def test_a_group_is_removed_by_name_and_base_takes_the_base_as_it_is() -> None:
    removed = merge(BASE_SPEC, {"a": {"workerSpec": [{"groupName": "gpu", "remove": True}]}})
    assert [g["groupName"] for g in removed["a"]["workerSpec"]] == ["cpu"]
    assert merge(BASE_SPEC, "base") == BASE_SPEC
    assert merge(BASE_SPEC, []) == []  # a list declares the clusters whole: [] is none, even with a base
    assert merge(BASE_SPEC, [{"name": "x"}]) == [{"name": "x"}]
    assert merge(None, [{"name": "x"}]) == [{"name": "x"}]  # no base: the stack file as it is


@pytest.mark.parametrize(
    ("stack", "key", "words"),
    [
        ({"a": {"workerSpec": [{"replica": 2}]}}, f"{KEY}.a.workerSpec[0].groupName", "merge with the base by name"),
        ({"a": {"workerSpec": [{"groupName": "nope", "remove": True}]}}, f"{KEY}.a.workerSpec[0].remove", "no group"),
        (
            {"a": {"workerSpec": [{"groupName": "gpu", "remove": True, "cpu": "1"}]}},
            f"{KEY}.a.workerSpec[0]",
            "no other",
        ),
        (None, KEY, "is not set"),
        ({}, KEY, "is an empty map"),
        ("other", KEY, "must be `base`"),
    ],
)
def test_merge_errors_name_the_file_and_the_key(stack: Any, key: str, words: str) -> None:
    with pytest.raises(StackConfigError) as failed:
        merge(BASE_SPEC, stack)
    text = str(failed.value)
    assert "stacks/Pulumi.x.yaml" in text and f"{key}: " in text and words in text


def test_an_invalid_inherited_value_says_it_was_set_in_the_base(run_program) -> None:
    base = {"a": {"headSpec": {"cpu": "2", "memory": "8Gi"}, "workerSpec": [{"groupName": "g", "minReplica": 5}]}}
    stack = {"a": {"workerSpec": [{"groupName": "g", "maxReplica": 2}]}}
    run: ProgramRun = run_program({"emr:workspaceId": "w-1", BASE: base, KEY: stack}, stack="staging")
    assert isinstance(run.error, pulumi.RunError) and run.resources == []
    text = str(run.error)
    assert f"{KEY}.a.workerSpec[0].minReplica (set in the base: Pulumi.yaml {BASE}.a)" in text


# -- protect / retainOnDelete ---------------------------------------------------------------------------------


def spec(**options: Any) -> dict[str, Any]:
    return {"headSpec": {"cpu": "2", "memory": "8Gi"}, **options}


def test_protect_and_retain_on_delete_reach_the_resources(run_program) -> None:
    config = {
        "emr:workspaceId": "w-1",
        f"{PROJECT}:protect": "true",  # the stack default
        KEY: {"kept": spec(), "scratch": spec(protect=False, retainOnDelete=True)},
    }
    run: ProgramRun = run_program(config)
    assert run.error is None, run.error
    kept, scratch = run.resource("kept"), run.resource("scratch")
    assert (kept.protect, kept.retain_on_delete) == (True, False)
    assert (scratch.protect, scratch.retain_on_delete) == (False, True)
    assert "protect" not in scratch.declared() and "retainOnDelete" not in scratch.declared()  # not inputs


def test_prod_protects_its_clusters_and_dev_does_not(run_program) -> None:
    for stack, protected in (("prod", True), ("dev", False)):
        run: ProgramRun = run_program(load_stack_config(stack), stack=stack)
        assert run.error is None, run.error
        assert run.resources and all(r.protect is protected for r in run.resources), stack


@pytest.mark.parametrize(
    ("config_key", "value"), [(f"{PROJECT}:protect", "maybe"), (KEY, {"a": spec(protect="maybe")})]
)
def test_a_flag_that_is_not_a_boolean_points_at_its_key(run_program, config_key: str, value: Any) -> None:
    config = {"emr:workspaceId": "w-1", KEY: {"a": spec()}, config_key: value}
    run: ProgramRun = run_program(config)
    assert "must be true or false" in str(run.error) and run.resources == []


# -- ./scripts/stack-spec ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stack_spec_prints_what_the_stack_files_declared_before_the_base(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert stackspec.main([stack]) == 0
    assert json.loads(capsys.readouterr().out) == BEFORE[stack]


def test_stack_spec_diff_names_the_fields_that_differ(capsys: pytest.CaptureFixture[str]) -> None:
    assert stackspec.main(["--diff", "staging", "prod"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "analytics:"
    assert '  headSpec.cpu: "4" (staging) | "8" (prod)' in lines
    assert "  workerSpec[gpu].maxReplica: 2 (staging) | 8 (prod)" in lines
    assert "  timeouts.create: (unset) (staging) | 3600 (prod)" in lines
    assert "inference: only in prod" in lines
    assert not any("displayReleaseVersion" in line for line in lines)  # inherited alike: no difference


def test_stack_spec_script_and_an_unknown_stack(capsys: pytest.CaptureFixture[str]) -> None:
    done = subprocess.run([str(ROOT / "scripts" / "stack-spec"), "dev"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout) == BEFORE["dev"]
    assert stackspec.main(["nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no stack file stacks/Pulumi.nope.yaml") and "dev, prod, staging" in err
