"""Each stack file, run through the real program under mocks: resources, properties and stack outputs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.paths import ROOT
from tests.support.program_under_mocks import (
    PROJECT,
    RESOURCE_TYPE,
    SIG_KEY,
    effective,
    fake_outputs,
    load_stack_config,
)

STACKS = ("dev", "staging", "prod")
EXPORT_KEYS = {"clusterId", "state", "jobUrl", "grpcEndpoint", "dashboardUrl", "submitToken"}


def expected_props(stack: str, key: str, spec: dict[str, Any], workspace_id: str) -> dict[str, Any]:
    """What the program must declare for one map entry, derived from the YAML by hand (not by config.py)."""
    props = dict(spec)
    props.setdefault("name", key)
    props.setdefault("workspaceId", workspace_id)
    owner = f"{PROJECT}/{stack}"
    props["description"] = (
        f"{spec['description']} (Pulumi {owner})" if "description" in spec else (f"Managed by Pulumi {owner}")
    )
    if isinstance(spec.get("extraParam"), dict):
        props["extraParam"] = json.dumps(spec["extraParam"], separators=(",", ":"))
    return props


@pytest.mark.parametrize("stack", STACKS)
def test_stack_declares_one_cluster_per_entry_with_declared_properties(run_program, stack: str) -> None:
    config = load_stack_config(stack)
    clusters = effective(config)

    run = run_program(config, stack=stack)

    assert run.error is None, run.error
    assert sorted(r.name for r in run.resources) == sorted(clusters)
    for key, spec in clusters.items():
        resource = run.resource(key)
        assert resource.type == RESOURCE_TYPE
        assert resource.declared() == expected_props(stack, key, spec, config["emr:workspaceId"])
        # The provider travels by reference (module path), never with settings or keys inside.
        blob = resource.inputs["__provider"]
        assert isinstance(blob, str) and len(blob) < 1000
        assert SIG_KEY not in json.dumps(resource.wire["__provider"])


@pytest.mark.parametrize("stack", STACKS)
def test_stack_exports_per_cluster_with_token_outputs_secret(run_program, stack: str) -> None:
    config = load_stack_config(stack)
    names = list(effective(config))

    run = run_program(config, stack=stack)

    assert run.error is None, run.error
    assert sorted(run.exports) == sorted(names)
    for name in names:
        exported = run.exports[name]
        assert set(exported) == EXPORT_KEYS
        assert exported == {key: fake_outputs(name)[key] for key in EXPORT_KEYS}
        assert run.secret_paths[name] == {"dashboardUrl", "submitToken"}


def test_dev_stack_targets_the_local_emulator_with_one_small_cpu_cluster() -> None:
    config = load_stack_config("dev")
    assert config["emr:endpoint"] == "http://127.0.0.1:18080"
    (spec,) = effective(config).values()
    assert (spec["headSpec"]["cpu"], spec["headSpec"]["memory"]) == ("2", "8Gi")
    (group,) = spec["workerSpec"]
    assert group["replica"] == 1 and group["workerType"] == "CPU"


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_cloud_stacks_have_region_autoscaling_gpu_group_and_volumes(stack: str) -> None:
    config = load_stack_config(stack)
    assert config["alicloud:region"] == "cn-hangzhou"
    assert "emr:endpoint" not in config
    clusters = list(effective(config).values())
    assert any(c["headSpec"].get("enableAutoScaling") for c in clusters)
    groups = [g for c in clusters for g in c["workerSpec"]]
    assert any(g.get("workerType") == "GPU" and g.get("gpuSpec") for g in groups)
    assert all("minReplica" in g and "maxReplica" in g for g in groups)
    assert all(c.get("volumeIds") for c in clusters)


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_in_stack_files(stack: str) -> None:
    text = (ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text()
    config = load_stack_config(stack)
    for key in ("alicloud:accessKey", "alicloud:secretKey", "alicloud:securityToken"):
        assert key not in config
    assert "redisPassword:" not in text
    assert "demo-access-key" not in text
    assert "secure:" not in text  # not even encrypted: a fresh checkout must preview without a passphrase
