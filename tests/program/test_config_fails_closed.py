"""Config fails closed (issue 17): a misspelled key or a missing cluster declaration stops the program before
any resource, naming the stack file and the key; the base is taken only when the stack says `base`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.program.test_config_errors import KEY, assert_failed, good
from tests.support.program_under_mocks import PROJECT, load_stack_config

BASE = f"{PROJECT}:clusterBase"


def shipped(stack: str, **changes: Any) -> dict[str, Any]:
    """A shipped stack's config (Pulumi.yaml's project config under its stack file), with keys changed or removed."""
    config = load_stack_config(stack)
    for key, value in changes.items():
        full = key.replace("__", ":").replace("_", "-")
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return config


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        (f"{PROJECT}:rayCluster", f"{PROJECT}:rayClusters"),
        (f"{PROJECT}:capacityBudgetCU", f"{PROJECT}:capacityBudgetCu"),
        (f"{PROJECT}:protected", f"{PROJECT}:protect"),
        ("emr:workspaceID", "emr:workspaceId"),
    ],
)
def test_a_misspelled_key_fails_naming_the_file_the_key_and_what_was_meant(run_program, typo: str, meant: str) -> None:
    config = load_stack_config("prod")
    config[typo] = config.get(meant, "1")
    run = run_program(config, stack="prod")

    assert_failed(run, "stacks/Pulumi.prod.yaml", f"{typo}: is not a key this program reads", f"did you mean {meant}?")


def test_the_dev_stack_with_rayclusters_misspelled_deploys_nothing(run_program) -> None:
    config = load_stack_config("dev")
    config[f"{PROJECT}:rayCluster"] = config.pop(KEY)
    run = run_program(config, stack="dev")

    text = assert_failed(run, f"{PROJECT}:rayCluster: is not a key", f"{KEY}: is not set")
    assert "`base`" in text and "[] for none" in text


def test_other_namespaces_and_named_password_keys_are_not_ours_to_refuse(run_program) -> None:
    spec = good(headSpec={"cpu": "2", "memory": "8Gi", "gftConfig": {"redisPasswordSecret": "aPassword"}})
    config = {
        "emr:workspaceId": "w-1",
        KEY: {"a": spec},
        f"{PROJECT}:aPassword": "pw",
        "alicloud:regionn": "cn-hangzhou",  # pulumi-alicloud's namespace: its business
    }
    run = run_program(config, secret_keys=[f"{PROJECT}:aPassword"])

    assert run.error is None, run.error
    assert [r.name for r in run.resources] == ["a"]


def test_base_takes_the_base_as_it_is(run_program) -> None:
    run = run_program({"emr:workspaceId": "w-1", BASE: {"a": good(), "b": good()}, KEY: "base"})

    assert run.error is None, run.error
    assert sorted(r.name for r in run.resources) == ["a", "b"]


@pytest.mark.parametrize("value", [[], "[]"])
def test_an_empty_list_declares_no_cluster_even_with_the_shipped_base(run_program, value: Any) -> None:
    run = run_program(shipped("prod", ray_clusters__rayClusters=value), stack="prod")

    assert run.error is None, run.error
    assert run.resources == []


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "is not set"),
        ({}, "is an empty map, which is ambiguous"),
        ("bse", "is not a list or map: write `base`"),
        (42, "must be `base`"),
    ],
)
def test_with_the_shipped_base_a_stack_that_says_nothing_clear_deploys_nothing(
    run_program, value: Any, words: str
) -> None:
    run = run_program(shipped("staging", ray_clusters__rayClusters=value), stack="staging")

    assert_failed(run, "stacks/Pulumi.staging.yaml", f"{KEY}: {words}")


def test_a_list_declares_the_clusters_whole_beside_a_base(run_program) -> None:
    run = run_program(shipped("dev", ray_clusters__rayClusters=[good("solo")]), stack="dev")

    assert run.error is None, run.error
    assert [r.name for r in run.resources] == ["solo"]


def test_aliases_reach_pulumi_and_the_provider_as_the_resources_former_names(run_program) -> None:
    run = run_program({"emr:workspaceId": "w-1", KEY: {"analytics-v2": good("analytics", aliases=["analytics"])}})

    assert run.error is None, run.error
    registration = run.resource("analytics-v2")
    assert registration.inputs["owner"] == f"{PROJECT}/dev/analytics-v2"
    assert registration.inputs["ownerAliases"] == [f"{PROJECT}/dev/analytics"]
    assert "aliases" not in registration.inputs


def test_aliases_must_be_resource_names(run_program) -> None:
    run = run_program({"emr:workspaceId": "w-1", KEY: {"a": good(aliases="old")}})

    assert_failed(run, f"{KEY}.a.aliases: must be a list of former resource names")
