"""The "echo less" switch: `--omit-key PATH` / `omitKeys` leave keys out of GetRayCluster and ListRayCluster.

The public GetRayCluster page does not list some keys the SDK's models have (headSpec.env, rayStartParams,
gftEnabled, gftConfig, displayReleaseVersion, ...); clients must cope with a service that does not return
them. The emulator still stores and applies everything: only the answers are thinner.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m

from emulator import views
from harness.emulator import PROJECT_ROOT, Emulator, EmulatorStartError, start_emulator, wait_for_state

WS = "w-omit0000keys"
RELEASE = "ray-1.0.0 (Ray 2.47.1, Python 3.12)"
HIDDEN_IN_GET = [
    "headSpec.env",
    "headSpec.rayStartParams",
    "headSpec.gftEnabled",
    "headSpec.gftConfig.redisPassword",
    "workerSpec.rayStartParams",
    "displayReleaseVersion",
    "description",
]
BAD_PATHS: list[Any] = ["", "headSpec.", ".env", "headSpec..env", "workerSpec[0].env", "head-spec", "head spec", 3]


@pytest.fixture
def emu(emulator: Emulator) -> Iterator[Emulator]:
    """The session emulator; omitKeys cleared afterwards (the shared fixture does not reset that key)."""
    yield emulator
    if emulator.alive:
        emulator.configure(omitKeys=[])


def _create(client: Any, name: str = "quiet") -> str:
    request = m.CreateRayClusterRequest(
        name=name,
        description="hidden?",
        display_release_version=RELEASE,
        head_spec=m.CreateRayClusterRequestHeadSpec(
            cpu="2", memory="8Gi", env="HEAD=1", ray_start_params='{"num-cpus": "0"}', gft_enabled=True,
            idle_timeout_seconds=60, enable_auto_scaling=True,
            gft_config=m.CreateRayClusterRequestHeadSpecGftConfig(
                redis_url="10.0.0.1:6379", redis_username="u", redis_password="p"
            ),
        ),
        worker_spec=[
            m.CreateRayClusterRequestWorkerSpec(
                group_name=g, worker_type="CPU", cpu="2", memory="8Gi", replica=1, min_replica=1, max_replica=3,
                env=f"W={g}", ray_start_params='{"num-gpus": "0"}',
            )
            for g in ("cpu", "big", "spot")
        ],
    )  # fmt: skip
    return str(client.create_ray_cluster(WS, request).body.cluster_id)


def _get(client: Any, cluster_id: str) -> dict[str, Any]:
    return dict(client.get_ray_cluster(WS, cluster_id).body.to_map())


def _list(client: Any) -> list[dict[str, Any]]:
    return list(client.list_ray_cluster(WS, m.ListRayClusterRequest(page_size=100)).body.to_map()["rayClusters"])


def _raw_get(emulator: Emulator, cluster_id: str) -> dict[str, Any]:
    """The answer's JSON as sent (the SDK's to_map cannot tell an absent key from a null one)."""
    path = f"/api/v1/workspaces/{WS}/rayCluster/{cluster_id}"
    response = emulator.http.send(emulator.signed_request("GET", path, "GetRayCluster"))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _stored(emulator: Emulator, cluster_id: str) -> dict[str, Any]:
    (view,) = [c for c in emulator.clusters() if c["clusterId"] == cluster_id]
    return view


def test_get_leaves_out_the_chosen_keys_in_head_and_every_worker_group(emu: Emulator) -> None:
    client = emu.sdk()
    cluster_id = _create(client)
    full = _get(client, cluster_id)  # not vacuous: every key is echoed while omitKeys is empty
    assert full["headSpec"]["env"] == "HEAD=1" and full["headSpec"]["gftConfig"]["redisPassword"] == "p"
    assert full["description"] == "hidden?" and full["displayReleaseVersion"] == RELEASE
    assert all(w["rayStartParams"] for w in full["workerSpec"])

    emu.configure(omitKeys=HIDDEN_IN_GET)
    assert emu.config()["omitKeys"] == HIDDEN_IN_GET
    for body in (_get(client, cluster_id), _raw_get(emu, cluster_id)):
        head = body["headSpec"]
        assert not {"env", "rayStartParams", "gftEnabled"} & head.keys()
        assert "description" not in body and "displayReleaseVersion" not in body
        assert head["gftConfig"] == {"redisUrl": "10.0.0.1:6379", "redisUsername": "u"}  # only the password went
        assert head["cpu"] == "2" and head["idleTimeoutSeconds"] == 60 and head["replica"] == 1
        assert [w["groupName"] for w in body["workerSpec"]] == ["cpu", "big", "spot"]
        for group in body["workerSpec"]:
            assert "rayStartParams" not in group
            assert group["env"] == f"W={group['groupName']}"  # same key name elsewhere: not touched
            assert group["displayReleaseVersion"] == RELEASE  # only the top-level one is omitted
        assert body["name"] == "quiet" and body["clusterId"] == cluster_id and body["state"]
        assert body["requestId"] and body["instances"]

    stored = _stored(emu, cluster_id)  # the control view keeps showing the full stored record
    assert stored["headSpec"]["env"] == "HEAD=1" and stored["headSpec"]["gftConfig"]["redisPassword"] == "p"
    assert stored["description"] == "hidden?" and all(w["rayStartParams"] for w in stored["workerSpec"])

    emu.configure(omitKeys=[])  # clearing restores the full echo
    assert emu.config()["omitKeys"] == []
    assert _get(client, cluster_id)["headSpec"] == full["headSpec"]
    assert _get(client, cluster_id)["workerSpec"] == full["workerSpec"]


def test_list_leaves_out_the_chosen_keys_in_every_item_and_group(emu: Emulator) -> None:
    client = emu.sdk()
    ids = [_create(client, name=f"c{i}") for i in range(3)]
    before = _list(client)
    assert before[0]["description"] == "hidden?" and before[0]["headSpec"]["idleTimeoutSeconds"] == 60
    assert all(w["maxReplica"] == 3 for w in before[0]["workerSpec"])

    # keys List does show (env/rayStartParams are never in List items; omitting them there is a no-op)
    emu.configure(omitKeys=["description", "headSpec.idleTimeoutSeconds", "workerSpec.maxReplica", "headSpec.env"])
    items = _list(client)
    assert [i["clusterId"] for i in items] == ids
    for item in items:
        assert "description" not in item and "idleTimeoutSeconds" not in item["headSpec"]
        assert item["headSpec"]["cpu"] == "2" and item["headSpec"]["enableAutoScaling"] is True
        assert len(item["workerSpec"]) == 3
        for group in item["workerSpec"]:
            assert "maxReplica" not in group and group["minReplica"] == 1 and group["groupName"]
        assert item["name"].startswith("c") and item["state"]
    emu.configure(omitKeys=[])
    assert [i["description"] for i in _list(client)] == ["hidden?"] * 3


def test_an_update_of_a_hidden_key_is_stored_and_applied(emu: Emulator) -> None:
    client = emu.sdk()
    cluster_id = _create(client)
    running = wait_for_state(emu, WS, cluster_id, ["Running"])
    emu.configure(omitKeys=["headSpec.env", "workerSpec.rayStartParams"])

    update = m.UpdateRayClusterRequest(
        head_spec=m.UpdateRayClusterRequestHeadSpec(cpu="2", memory="8Gi", env="HEAD=2"),
        worker_spec=[m.UpdateRayClusterRequestWorkerSpec(group_name="cpu", replica=1, ray_start_params="{}")],
    )
    client.update_ray_cluster(WS, cluster_id, update)
    shown = _get(client, cluster_id)
    assert "env" not in shown["headSpec"] and "rayStartParams" not in shown["workerSpec"][0]
    # applied: a resource change starts a Running cluster again (immediate mode), so a new pod generation
    assert shown["instances"][0]["instanceId"] != running["instances"][0]["instanceId"]
    assert shown["startTime"] >= running["startTime"]
    stored = _stored(emu, cluster_id)
    assert stored["headSpec"]["env"] == "HEAD=2" and stored["workerSpec"] == [
        {"groupName": "cpu", "replica": 1, "rayStartParams": "{}", "displayReleaseVersion": RELEASE}
    ]
    wait_for_state(emu, WS, cluster_id, ["Running"])

    emu.configure(omitKeys=[])
    body = _get(client, cluster_id)
    assert body["headSpec"]["env"] == "HEAD=2" and body["workerSpec"][0]["rayStartParams"] == "{}"


def test_keys_that_are_not_there_are_a_no_op(emu: Emulator) -> None:
    client = emu.sdk()
    bare = str(client.create_ray_cluster(WS, m.CreateRayClusterRequest(name="bare")).body.cluster_id)
    emu.force_state(bare, "Stopped")  # sticky, so two reads are comparable
    expected = _get(client, bare)
    assert expected["workerSpec"] == [] and "env" not in expected["headSpec"]
    emu.configure(omitKeys=["headSpec.env", "workerSpec.rayStartParams", "nothing", "headSpec.cpu.deeper", "x.y.z"])
    body = _get(client, bare)
    assert {**body, "requestId": None} == {**expected, "requestId": None}


def test_bad_paths_are_refused_by_the_control_api(emu: Emulator) -> None:
    emu.configure(omitKeys=["headSpec.env"])
    for bad in [*BAD_PATHS, None]:
        response = emu.http.patch("/_emulator/config", json={"omitKeys": ["description", bad]})
        assert response.status_code == 400, bad
        assert response.json()["code"] == "InvalidParameter"
    assert emu.http.patch("/_emulator/config", json={"omitKeys": "headSpec.env"}).status_code == 400  # not a list
    assert emu.config()["omitKeys"] == ["headSpec.env"]  # a refused patch changes nothing
    emu.configure(omitKeys=None)  # null clears, like []
    assert emu.config()["omitKeys"] == []


def test_reset_keeps_omit_keys_like_the_rest_of_the_config(emu: Emulator) -> None:
    emu.configure(omitKeys=["headSpec.env"], updateMode="restart-required")
    emu.reset(clusters=True)
    assert emu.config()["omitKeys"] == ["headSpec.env"] and emu.config()["updateMode"] == "restart-required"


def test_flag_form_at_start_and_restart_returns_to_it(tmp_path: Path) -> None:
    with start_emulator(tmp_path, omit_key=["headSpec.env", "workerSpec.rayStartParams"]) as emu:
        assert emu.config()["omitKeys"] == ["headSpec.env", "workerSpec.rayStartParams"]
        client = emu.sdk()
        cluster_id = _create(client)
        body = _get(client, cluster_id)
        assert "env" not in body["headSpec"] and body["headSpec"]["rayStartParams"] == '{"num-cpus": "0"}'
        assert all("rayStartParams" not in w and w["env"] for w in body["workerSpec"])
        emu.configure(omitKeys=[])
        assert _get(client, cluster_id)["headSpec"]["env"] == "HEAD=1"
        emu.restart()  # run-time config is lost: back to the flags
        assert emu.config()["omitKeys"] == ["headSpec.env", "workerSpec.rayStartParams"]
        assert "env" not in _get(emu.sdk(), cluster_id)["headSpec"]


@pytest.mark.parametrize("bad", ["headSpec..env", "workerSpec[0].rayStartParams", ""])
def test_bad_flag_is_refused_at_start(tmp_path: Path, bad: str) -> None:
    db = tmp_path / "emulator.db"
    command = [sys.executable, "-m", "emulator", "--db", str(db), "--omit-key", "headSpec.env", "--omit-key", bad]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "omit key" in done.stderr and repr(bad) in done.stderr
    assert done.stdout == ""  # never announced readiness
    with pytest.raises(EmulatorStartError, match="omit key"):
        start_emulator(tmp_path / "helper", omit_key=[bad])


def test_without_copies_instead_of_touching_the_record() -> None:
    head = {"cpu": "2", "env": "A=1", "gftConfig": {"redisPassword": "p", "redisUrl": "u"}}
    groups = [{"groupName": "a", "rayStartParams": "{}"}, {"groupName": "b"}, "not-an-object"]
    body = {"headSpec": head, "workerSpec": groups, "description": "d"}
    keys = ["headSpec.env", "headSpec.gftConfig.redisPassword", "workerSpec.rayStartParams", "description"]
    out = views.without(body, keys)
    assert out == {
        "headSpec": {"cpu": "2", "gftConfig": {"redisUrl": "u"}},
        "workerSpec": [{"groupName": "a"}, {"groupName": "b"}, "not-an-object"],
    }
    assert head["env"] == "A=1" and head["gftConfig"]["redisPassword"] == "p" and "rayStartParams" in groups[0]
    assert body["description"] == "d"
    assert views.without(body, []) is body
