"""Program behaviour beyond the stack files: list form, stable names, secrets from config."""

from __future__ import annotations

import copy
from typing import Any

from tests.support.program_under_mocks import PROJECT, SECRET_SIG, SIG_KEY

KEY = f"{PROJECT}:rayClusters"


def cluster(name: str | None = None, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "headSpec": {"cpu": "2", "memory": "8Gi", "queueName": "root_queue"},
        "workerSpec": [{"groupName": "cpu", "workerType": "CPU", "replica": 1, "cpu": "2", "memory": "8Gi"}],
        **extra,
    }
    if name is not None:
        spec["name"] = name
    return spec


def test_list_form_names_resources_by_cluster_name_never_by_index(run_program) -> None:
    first = {"emr:workspaceId": "w-1", KEY: [cluster("alpha"), cluster("beta")]}
    swapped = {"emr:workspaceId": "w-1", KEY: [cluster("beta"), cluster("alpha")]}

    runs = [run_program(first), run_program(swapped)]

    for run in runs:
        assert run.error is None, run.error
        assert sorted(r.name for r in run.resources) == ["alpha", "beta"]
        assert run.resource("beta").inputs["name"] == "beta"
    assert runs[0].resource("alpha").declared() == runs[1].resource("alpha").declared()


def test_map_key_is_resource_name_and_default_cluster_name(run_program) -> None:
    config = {"emr:workspaceId": "w-1", KEY: {"etl": cluster(), "ml": cluster("ml-training")}}

    run = run_program(config, stack="qa")

    assert run.error is None, run.error
    assert run.resource("etl").inputs["name"] == "etl"
    assert run.resource("ml").inputs["name"] == "ml-training"
    assert run.resource("etl").inputs["description"] == f"Managed by Pulumi {PROJECT}/qa"


def test_entry_workspace_overrides_the_stack_default(run_program) -> None:
    config = {"emr:workspaceId": "w-default", KEY: {"a": cluster(), "b": cluster(workspaceId="w-other")}}

    run = run_program(config)

    assert run.resource("a").inputs["workspaceId"] == "w-default"
    assert run.resource("b").inputs["workspaceId"] == "w-other"


def test_extra_param_object_is_sent_as_compact_json_text(run_program) -> None:
    config = {"emr:workspaceId": "w-1", KEY: {"a": cluster(extraParam={"team": "ml", "tier": 2})}}

    run = run_program(config)

    assert run.resource("a").inputs["extraParam"] == '{"team":"ml","tier":2}'


def test_redis_password_comes_from_secret_config_and_travels_as_a_secret(run_program) -> None:
    gft = {"redisUrl": "10.4.5.6:6789", "redisUsername": "default", "redisPasswordSecret": "analyticsRedis"}
    spec = cluster(headSpec={"cpu": "2", "memory": "8Gi", "gftEnabled": True, "gftConfig": gft})
    config = {"emr:workspaceId": "w-1", KEY: {"analytics": spec}, f"{PROJECT}:analyticsRedis": "s3cr3t-pw"}

    run = run_program(config, secret_keys=[f"{PROJECT}:analyticsRedis"])

    assert run.error is None, run.error
    resource = run.resource("analytics")
    assert resource.inputs["headSpec"]["gftConfig"] == {
        "redisUrl": "10.4.5.6:6789",
        "redisUsername": "default",
        "redisPassword": "s3cr3t-pw",
    }
    wire_gft = resource.wire["headSpec"]["gftConfig"]
    assert wire_gft["redisPassword"] == {SIG_KEY: SECRET_SIG, "value": "s3cr3t-pw"}
    # Only the password is secret: the rest of headSpec stays readable in previews.
    assert SIG_KEY not in resource.wire["headSpec"] and wire_gft["redisUrl"] == "10.4.5.6:6789"
    assert "redisPasswordSecret" not in wire_gft


def test_program_does_not_mutate_the_config_it_reads(run_program) -> None:
    config = {"emr:workspaceId": "w-1", KEY: {"a": cluster(extraParam={"x": 1})}}
    before = copy.deepcopy(config)

    run_program(config)

    assert config == before
