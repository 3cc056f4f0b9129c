"""End to end with the Pulumi engine (Automation API) against a private emulator process.

up -> a second preview shows no change -> a changed replica previews as one update -> up sends exactly one
UpdateRayCluster whose body holds only ``workerSpec`` -> destroy leaves no cluster.

Needs the Pulumi CLI (the engine); skipped without it. Nothing is mocked: the real program, the real dynamic
provider process started by the engine, real HTTP to the emulator. The project is copied to tmp_path (with an
absolute path to this repo's .venv) so that the test never writes into stacks/ or the user's backend.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from harness.emulator import Emulator

pytestmark = pytest.mark.skipif(
    shutil.which("pulumi") is None,
    reason="Pulumi CLI not on PATH: install it (https://www.pulumi.com/docs/install/) to run the end-to-end test",
)

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "ray-clusters"
STACK = "e2e"
WORKSPACE = "w-e2e000000001"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"


def clusters(replica: int) -> dict[str, Any]:
    return {
        "analytics": {
            "headSpec": {"queueName": "root_queue", "cpu": "2", "memory": "8Gi"},
            "workerSpec": [{"groupName": "cpu", "workerType": "CPU", "cpu": "2", "memory": "8Gi", "replica": replica}],
            "timeouts": {"create": 60, "update": 60, "delete": 60},
        }
    }


def changes(summary: Mapping[Any, int]) -> dict[str, int]:
    """Change summary with plain string keys and no zero counts (keys may be OpType enums or strings)."""
    return {str(getattr(op, "value", op)): count for op, count in summary.items() if count}


def write_project(directory: Path) -> None:
    """A copy of the project whose runtime uses this repo's .venv (absolute path) and whose program is ours."""
    directory.mkdir(parents=True)
    shutil.copy(ROOT / "__main__.py", directory / "__main__.py")
    settings = {
        "name": PROJECT,
        "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(ROOT / ".venv")}},
    }
    # JSON is YAML: no YAML writer needed.
    (directory / "Pulumi.yaml").write_text(json.dumps(settings, indent=2))


@pytest.fixture
def stack(tmp_path: Path, make_emulator: Callable[..., Emulator]) -> Iterator[tuple[Any, Emulator]]:
    from pulumi import automation as auto

    emulator = make_emulator()
    backend = tmp_path / "backend"
    backend.mkdir()
    project = tmp_path / "project"
    write_project(project)
    env = {
        "PULUMI_BACKEND_URL": backend.as_uri(),
        "PULUMI_CONFIG_PASSPHRASE": "",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        # The emulator's documented demo key pair, read by the provider process from its environment.
        "ALIBABA_CLOUD_ACCESS_KEY_ID": emulator.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": emulator.access_key_secret,
        # The program and the provider import `provider` from this checkout.
        "PYTHONPATH": str(ROOT),
    }
    options = auto.LocalWorkspaceOptions(work_dir=str(project), env_vars=env, secrets_provider="passphrase")
    created = auto.create_or_select_stack(STACK, work_dir=str(project), opts=options)
    created.set_config("emr:endpoint", auto.ConfigValue(value=emulator.url))
    created.set_config("emr:workspaceId", auto.ConfigValue(value=WORKSPACE))
    set_clusters(created, replica=1)
    try:
        yield created, emulator
    finally:
        if emulator.clusters():
            created.destroy(on_output=print)
        created.workspace.remove_stack(STACK, force=True)


def set_clusters(stack: Any, replica: int) -> None:
    from pulumi import automation as auto

    # A JSON text value: the program reads it with Config.get_object, exactly like a YAML map in a stack file.
    stack.set_config(f"{PROJECT}:rayClusters", auto.ConfigValue(value=json.dumps(clusters(replica))))


def secret_outputs_in_state(stack: Any) -> tuple[set[str], set[str]]:
    """(secret keys of the `analytics` stack output, secret outputs of the RayCluster) from the state file."""
    resources = stack.export_stack().deployment["resources"]
    root = next(r for r in resources if r["type"] == "pulumi:pulumi:Stack")
    cluster = next(r for r in resources if r["type"] == "pulumi-python:dynamic/emr:RayCluster")

    def secret(value: Any) -> bool:
        return isinstance(value, dict) and SECRET_SIG_KEY in value

    exported = root["outputs"]["analytics"]
    return (
        {k for k, v in exported.items() if secret(v)},
        {k for k, v in cluster["outputs"].items() if secret(v)},
    )


@pytest.mark.timeout(900)
def test_up_preview_update_destroy(stack: tuple[Any, Emulator]) -> None:
    pulumi_stack, emulator = stack

    # 1. up creates the cluster and waits for Running.
    up = pulumi_stack.up(on_output=print)
    assert up.summary.result == "succeeded"
    assert changes(up.summary.resource_changes or {}) == {"create": 2}  # the stack + the cluster
    assert len(emulator.journal("CreateRayCluster")) == 1
    (live,) = emulator.clusters()
    assert live["name"] == "analytics" and live["state"] == "Running"
    assert live["description"] == f"Managed by Pulumi {PROJECT}/{STACK}"
    exported = up.outputs["analytics"].value
    assert exported["clusterId"] == live["clusterId"]
    assert exported["state"] == "Running"
    stack_secrets, resource_secrets = secret_outputs_in_state(pulumi_stack)
    assert stack_secrets == {"dashboardUrl", "submitToken"}
    assert {"dashboardUrl", "submitToken"} <= resource_secrets

    # 2. Nothing changed: the preview says so and writes nothing.
    emulator.reset()
    preview = pulumi_stack.preview(diff=True, on_output=print)
    assert changes(preview.change_summary) == {"same": 2}
    assert {entry["action"] for entry in emulator.journal()} <= {"GetRayCluster"}

    # 3. A changed replica previews as one update of the cluster, with the field named.
    set_clusters(pulumi_stack, replica=2)
    preview = pulumi_stack.preview(diff=True, on_output=print)
    assert changes(preview.change_summary) == {"same": 1, "update": 1}
    assert "workerSpec[cpu].replica 1 -> 2" in preview.stdout + preview.stderr

    # 4. up sends exactly one UpdateRayCluster, holding only workerSpec.
    emulator.reset()
    up = pulumi_stack.up(on_output=print)
    assert changes(up.summary.resource_changes or {}) == {"same": 1, "update": 1}
    (update,) = emulator.journal("UpdateRayCluster")
    assert set(update["body"]) == {"workerSpec"}
    assert update["body"]["workerSpec"][0]["replica"] == 2
    assert not emulator.journal("CreateRayCluster") and not emulator.journal("DeleteRayCluster")
    (live,) = emulator.clusters()
    assert live["workerSpec"][0]["replica"] == 2

    # 5. destroy leaves no cluster behind.
    destroy = pulumi_stack.destroy(on_output=print)
    assert destroy.summary.result == "succeeded"
    assert emulator.clusters() == []
