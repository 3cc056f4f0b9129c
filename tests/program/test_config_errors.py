"""A broken stack config fails before any resource is registered, naming the stack-file key to fix."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from tests.support.program_under_mocks import PROJECT, ProgramRun

KEY = f"{PROJECT}:rayClusters"


def good(name: str | None = None, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "headSpec": {"cpu": "2", "memory": "8Gi"},
        "workerSpec": [{"groupName": "cpu", "replica": 1}],
        **extra,
    }
    if name:
        spec["name"] = name
    return spec


def assert_failed(run: ProgramRun, *fragments: str) -> str:
    assert isinstance(run.error, pulumi.RunError), run.error
    text = str(run.error)
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} not in:\n{text}"
    assert run.resources == [], "no resource may be registered when the config is bad"
    assert run.exports == {}
    return text


def test_bad_replica_bounds_name_the_list_index_path(run_program) -> None:
    bad = good("beta", workerSpec=[{"groupName": "cpu", "minReplica": 5, "maxReplica": 2}])
    run = run_program({"emr:workspaceId": "w-1", KEY: [good("alpha"), bad]}, stack="staging")

    text = assert_failed(run, f"{KEY}[1].workerSpec[0].minReplica", "stacks/Pulumi.staging.yaml")
    assert "maxReplica" in text  # says what to fix


def test_typo_in_property_suggests_the_right_name(run_program) -> None:
    spec = good()
    spec["workerSpecs"] = spec.pop("workerSpec")
    run = run_program({"emr:workspaceId": "w-1", KEY: {"analytics": spec}})

    assert_failed(run, f"{KEY}.analytics.workerSpecs", "did you mean 'workerSpec'")


def test_missing_workspace_points_at_the_stack_key(run_program) -> None:
    run = run_program({KEY: {"analytics": good()}})

    assert_failed(run, f"{KEY}.analytics.workspaceId", "emr:workspaceId")


def test_list_entry_without_name_is_refused(run_program) -> None:
    run = run_program({"emr:workspaceId": "w-1", KEY: [good()]})

    assert_failed(run, f"{KEY}[0].name", "names the Pulumi resource")


def test_every_problem_is_reported_at_once(run_program) -> None:
    clusters = {
        "a": good(headSpec={"cpu": "two"}),
        "b": good(desiredState="Paused"),
        "c": good(workerSpec=[{"groupName": "x", "replica": 0}]),
    }
    run = run_program({"emr:workspaceId": "w-1", KEY: clusters})

    assert_failed(run, f"{KEY}.a.headSpec.cpu", f"{KEY}.b.desiredState", f"{KEY}.c.workerSpec[0].replica")
    assert "3 problem(s)" in str(run.error)


def test_duplicate_cluster_names_in_one_workspace_are_refused(run_program) -> None:
    run = run_program({"emr:workspaceId": "w-1", KEY: {"a": good("same"), "b": good("same")}})

    assert_failed(run, f"{KEY}.b.name", "unique per workspace")


def test_password_written_in_the_stack_file_is_refused_without_echoing_it(run_program) -> None:
    head = {"cpu": "2", "gftConfig": {"redisUrl": "10.0.0.1:6379", "redisPassword": "hunter2-in-clear"}}
    run = run_program({"emr:workspaceId": "w-1", KEY: {"a": good(headSpec=head)}})

    text = assert_failed(run, f"{KEY}.a.headSpec.gftConfig.redisPassword", "pulumi config set --secret")
    assert "hunter2-in-clear" not in text


def test_referenced_secret_that_is_not_set_fails_before_registration(run_program) -> None:
    head = {"cpu": "2", "gftConfig": {"redisUrl": "10.0.0.1:6379", "redisPasswordSecret": "aRedis"}}
    run = run_program({"emr:workspaceId": "w-1", KEY: {"ok": good(), "a": good(headSpec=head)}})

    assert_failed(run, f"{PROJECT}:aRedis", f"pulumi config set --secret {PROJECT}:aRedis")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "is not set"),
        ("not json", "is not a list or map"),
        (42, "must be a list of cluster specs or a map"),
        ({"bad name!": {}}, "cannot name a Pulumi resource"),
        ({"a": "just text"}, "must be an object"),
    ],
)
def test_malformed_cluster_list(run_program, value: Any, fragment: str) -> None:
    config: dict[str, Any] = {"emr:workspaceId": "w-1"}
    if value is not None:
        config[KEY] = value
    run = run_program(config)

    assert_failed(run, KEY, fragment)


def test_empty_list_declares_no_cluster(run_program) -> None:
    run = run_program({"emr:workspaceId": "w-1", KEY: []})

    assert run.error is None and run.resources == [] and run.exports == {}
