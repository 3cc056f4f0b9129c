"""Issue 20 item 1, done when: the export of a workspace, pasted into a stack file, adopts every cluster with no
write, and the next preview is DIFF_NONE for each.

Clusters of varied shapes are made in the emulator through the official SDK, as the console would make them. The
export runs as the command (`python -m provider.export`, a process of its own); its YAML goes through the program's
own parsing (the base merged in, then `parse_clusters`, as `__main__.py` does), and each entry through Check and
Create (adoption) of the real provider server. The emulator's journal says what was sent.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from typing import Any

import pytest
import yaml
from alibabacloud_emr_serverless_spark20230808 import models as sdk_models

from harness.emulator import Emulator, wait_for_state
from harness.engine import ProviderServer
from provider.resource import RayClusterProvider
from provider.stack.config import ClusterEntry, parse_clusters, stack_description
from provider.stack.files import stack_config
from provider.stack.inherit import effective_clusters
from tests.support.paths import ROOT
from tests.support.provider_server import WORKSPACE, Engine

PROJECT, STACK = "ray-clusters", "dev"  # stacks/Pulumi.dev.yaml: emr:workspaceId is WORKSPACE
CLUSTERS = f"{PROJECT}:rayClusters"
BASE = f"{PROJECT}:clusterBase"
WRITES = {"CreateRayCluster", "UpdateRayCluster", "StartRayCluster", "StopRayCluster", "DeleteRayCluster"}
RELEASE = "ray-1.0.0 (Ray 2.47.1, Python 3.12)"
ENV_TOKEN = "HF_TOKEN=hf_never_in_the_export"
REDIS_PASSWORD = "redis-pw-never-in-the-export"

#: (cluster name, the user's description or None, body) as a console user would make them; the first two are also
#: in Pulumi.yaml's clusterBase (by name), so --against-base reduces them.
SHAPES: list[tuple[str, str | None, dict[str, Any]]] = [
    (
        "analytics",
        "Batch analytics",
        {
            "displayReleaseVersion": RELEASE,
            "networkServiceName": "vpc",
            "headSpec": {
                "queueName": "root_queue",
                "cpu": "8",
                "memory": "32Gi",
                "enableAutoScaling": True,
                "idleTimeoutSeconds": 600,
                "rayStartParams": "--num-cpus=0",
                "env": ENV_TOKEN,
            },
            "workerSpec": [
                {
                    "groupName": "cpu",
                    "workerType": "CPU",
                    "queueName": "root_queue",
                    "cpu": "16",
                    "memory": "64Gi",
                    "minReplica": 2,
                    "maxReplica": 16,
                    "replica": 3,
                },
                {
                    "groupName": "gpu",
                    "workerType": "GPU",
                    "queueName": "root_queue",
                    "cpu": "4",
                    "memory": "15Gi",
                    "gpuSpec": "ecs.gn6i-c4g1.xlarge",
                    "minReplica": 1,
                    "maxReplica": 8,
                },
            ],
            "volumeIds": ["vol-datasets", "vol-models"],
            "extraParam": '{"owner": "ml-platform", "tags": {"team": "data", "cost": 7}}',
        },
    ),
    (
        "inference",
        None,
        {
            "displayReleaseVersion": RELEASE,
            "headSpec": {"queueName": "root_queue", "cpu": "4", "memory": "16Gi", "idleTimeoutSeconds": 300},
            "workerSpec": [
                {
                    "groupName": "gpu",
                    "workerType": "GPU",
                    "queueName": "root_queue",
                    "cpu": "4",
                    "memory": "15Gi",
                    "gpuSpec": "ecs.gn6i-c4g1.xlarge",
                    "replica": 2,
                },
            ],
            "volumeIds": ["vol-models"],
        },
    ),
    (
        "数据分析 团队",
        "中文描述 特征工程 — ünïcode",
        {
            "headSpec": {"queueName": "root_queue", "cpu": "2.0", "memory": "8Gi"},
            "workerSpec": [{"groupName": "cpu", "workerType": "CPU", "cpu": "2", "memory": "8Gi", "replica": 1}],
        },
    ),
    (
        "ml team/batch",
        "Nightly batch, three groups",
        {
            "headSpec": {
                "queueName": "root_queue",
                "cpu": "4",
                "memory": "16Gi",
                "gftEnabled": True,
                "gftConfig": {
                    "redisUrl": "redis://r-1.example:6379",
                    "redisUsername": "ray",
                    "redisPassword": REDIS_PASSWORD,
                },
            },
            "workerSpec": [
                {
                    "groupName": "small",
                    "workerType": "CPU",
                    "cpu": "2",
                    "memory": "8Gi",
                    "replica": 2,
                    "env": ENV_TOKEN,
                },
                {"groupName": "large", "workerType": "CPU", "cpu": "16", "memory": "128Gi", "replica": 1},
                {
                    "groupName": "gpu",
                    "workerType": "GPU",
                    "cpu": "8",
                    "memory": "30Gi",
                    "gpuSpec": "ecs.gn6i-c8g1.2xlarge",
                    "replica": 1,
                },
            ],
            "extraParam": '{"retry": null, "priority": 3}',
        },
    ),
]
STOPPED = "数据分析 团队"  # a stopped cluster stays stopped: the run state is not exported


def make_clusters(emulator: Emulator, *, marked: bool) -> dict[str, str]:
    """Create SHAPES through the official SDK; ``marked``: descriptions as this stack's program writes them.

    Returns cluster name -> id, every cluster settled (Running, or Stopped for STOPPED); the journal is emptied.
    """
    sdk = emulator.sdk()
    ids: dict[str, str] = {}
    for name, user, shape in SHAPES:
        body = {"name": name, **copy.deepcopy(shape)}
        description = stack_description(user, PROJECT, STACK) if marked else user
        if description is not None:
            body["description"] = description
        request = sdk_models.CreateRayClusterRequest().from_map(body)
        ids[name] = str(sdk.create_ray_cluster(WORKSPACE, request).body.cluster_id)
    for cluster_id in ids.values():
        wait_for_state(emulator, WORKSPACE, cluster_id, {"Running"})
    sdk.stop_ray_cluster(WORKSPACE, ids[STOPPED], sdk_models.StopRayClusterRequest())
    wait_for_state(emulator, WORKSPACE, ids[STOPPED], {"Stopped"})
    emulator.reset()  # the journal from here on is the export's and the adoption's
    return ids


def cluster_of(request: dict[str, Any]) -> str:
    """The cluster id of a journal entry (the last segment of .../rayCluster/<id>)."""
    return str(request["path"]).rsplit("/rayCluster/", 1)[-1].split("/")[0]


def run_export(emulator: Emulator, *flags: str) -> str:
    """The command, as a user runs it: keys from the environment, the stack's workspace, the emulator's endpoint."""
    env = {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": emulator.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": emulator.access_key_secret,
    }
    done = subprocess.run(
        [sys.executable, "-m", "provider.export", "--stack", STACK, "--endpoint", emulator.url, *flags],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def program_entries(text: str) -> list[ClusterEntry]:
    """The exported YAML as the program reads it: under the stack's config, laid over the base, parsed."""
    exported = yaml.safe_load(text)["config"][CLUSTERS]
    base = stack_config(ROOT, STACK)[BASE]
    merged = effective_clusters(base, exported, base_key=BASE, stack_key=CLUSTERS, stack_file="Pulumi.dev.yaml")
    return parse_clusters(merged, project=PROJECT, stack=STACK, default_workspace_id=WORKSPACE)


def adopt_all(
    server: ProviderServer, provider: RayClusterProvider, entries: list[ClusterEntry]
) -> dict[str, tuple[Engine, str, dict[str, Any]]]:
    """`pulumi up` of the pasted entries: Check then Create (adoption) of each; resource name -> (engine, id, outs)."""
    adopted = {}
    for entry in entries:
        engine = Engine(server, provider, entry.resource_name)
        checked = engine.check(entry.props)
        assert checked.failures == [], (entry.resource_name, checked.failures)
        cluster_id, outputs = server.create(provider, engine.urn, checked.inputs)
        adopted[entry.resource_name] = (engine, cluster_id, outputs)
    return adopted


def assert_every_preview_is_unchanged(adopted: dict[str, tuple[Engine, str, dict[str, Any]]], entries: Any) -> None:
    for entry in entries:
        engine, cluster_id, outputs = adopted[entry.resource_name]
        assert engine.preview(cluster_id, outputs, entry.props).changes == "DIFF_NONE", entry.resource_name


@pytest.mark.parametrize("flags", [(), ("--against-base",)], ids=["whole-entries", "against-base"])
def test_the_export_adopts_every_cluster_with_no_write_then_previews_unchanged(
    emulator: Emulator, provider_server: ProviderServer, provider: RayClusterProvider, flags: tuple[str, ...]
) -> None:
    """Clusters whose descriptions carry this stack's mark (made by its program before its state was lost, or
    already renamed by hand): not one write, in either form of the export."""
    ids = make_clusters(emulator, marked=True)

    text = run_export(emulator, *flags)
    assert [e["action"] for e in emulator.journal()] == ["ListRayCluster"] + ["GetRayCluster"] * len(SHAPES)
    assert "数据分析 团队" in text and "中文描述 特征工程 — ünïcode" in text  # raw UTF-8, not escapes
    assert "hf_never_in_the_export" not in text and REDIS_PASSWORD not in text

    entries = program_entries(text)
    assert {e.inputs.adopt_cluster_id: e.inputs.name for e in entries} == {v: k for k, v in ids.items()}
    emulator.reset()
    adopted = adopt_all(provider_server, provider, entries)

    sent = [(e["action"], cluster_of(e)) for e in emulator.journal()]
    assert not [action for action, _ in sent if action in WRITES], sent
    assert set(sent) == {("GetRayCluster", cluster_id) for cluster_id in ids.values()}  # reads only
    assert {cluster_id for _, cluster_id, _ in adopted.values()} == set(ids.values())
    assert_every_preview_is_unchanged(adopted, entries)
    assert not [e for e in emulator.journal() if e["action"] in WRITES]
    assert {c["clusterId"]: c["state"] for c in emulator.clusters()}[ids[STOPPED]] == "Stopped"


def test_console_clusters_adopt_with_no_write(
    emulator: Emulator, provider_server: ProviderServer, provider: RayClusterProvider
) -> None:
    """Clusters made in the console have no mark: the program's stack mark is not written just for itself
    (plan._adopted_description_keeps_its_text), so adopting them writes nothing, and the next preview is unchanged."""
    make_clusters(emulator, marked=False)
    text = run_export(emulator)
    assert "UpdateRayCluster" not in text
    entries = program_entries(text)
    emulator.reset()
    adopted = adopt_all(provider_server, provider, entries)
    assert [(e["action"], e.get("body")) for e in emulator.journal() if e["action"] in WRITES] == []
    assert_every_preview_is_unchanged(adopted, entries)


def test_an_api_error_exits_2_with_one_line_naming_its_code_and_request_id(emulator: Emulator) -> None:
    env = {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": emulator.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "wrong",
    }
    done = subprocess.run(
        [sys.executable, "-m", "provider.export", "--workspace", WORKSPACE, "--endpoint", emulator.url],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stdout) == (2, "")
    (line,) = done.stderr.splitlines()
    (refused,) = emulator.journal()
    assert line.startswith("error: ListRayCluster: SignatureDoesNotMatch (HTTP 400): ")
    assert line.endswith(f"[requestId {refused['requestId']}]")
    assert "wrong" not in line


def test_the_script_writes_the_file_where_it_is_run(emulator: Emulator, tmp_path: Any) -> None:
    ids = make_clusters(emulator, marked=True)
    env = {
        **os.environ,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": emulator.access_key_id,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": emulator.access_key_secret,
    }
    script = ROOT / "scripts" / "export"
    done = subprocess.run(
        [str(script), "--stack", STACK, "--endpoint", emulator.url, "--against-base", "--output", "clusters.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    entries = program_entries((tmp_path / "clusters.yaml").read_text(encoding="utf-8"))
    assert {entry.inputs.adopt_cluster_id for entry in entries} == set(ids.values())
