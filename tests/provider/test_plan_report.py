"""The plan file and the report, from real calls: the SDK's gRPC server against the emulator.

Capacity of `small_cluster()` worked out by hand: head max(2, 8/4) = 2 CU; group cpu 1 x max(2, 8/4) = 2;
group big 2 x max(4, 16/4) = 8; total 12 CU, 12 vCPU, 8 + 8 + 32 = 48 GiB, no GPU node.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as sdk_models

from harness.emulator import Emulator
from provider.reporting import report
from tests.support.provider_server import WORKSPACE, Engine, StderrMark, private_engine, small_cluster

SMALL = {"cu": 12, "cuMax": 12, "vcpu": 12, "memoryGiB": 48, "gpuNodes": 0, "billedCu": 12, "billedCuMax": 12}


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    return tmp_path / "plan.jsonl"


@pytest.fixture
def planning(emulator: Emulator, plan_file: Path) -> Iterator[Engine]:
    with private_engine(emulator, env={"RAY_CLUSTERS_PLAN_FILE": str(plan_file)}) as engine:
        yield engine


def records(plan_file: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in plan_file.read_text().splitlines()]


def named(engine: Engine, name: str) -> Engine:
    """The same server and provider, for another resource (URN) of the stack."""
    return Engine(engine.server, engine.provider, name)


def test_records_for_create_update_drift_replace_and_unchanged(
    planning: Engine, emulator: Emulator, plan_file: Path
) -> None:
    fresh = named(planning, "fresh")
    assert fresh.check(small_cluster(name="fresh")).failures == []  # a preview of a create: Check only
    (create,) = records(plan_file)
    assert create == {
        "cluster": "fresh",
        "clusterId": None,
        "action": "create",
        "changes": [],
        "capacity": {"before": None, "after": SMALL},
    }

    clusters = {}
    for name in ("steady", "grow", "drifted", "moved"):
        clusters[name] = named(planning, name).up_create(small_cluster(name=name))
    plan_file.write_text("")  # keep only the previews below
    mark = StderrMark(planning.server)

    steady_id, steady_outs = clusters["steady"]
    named(planning, "steady").preview(steady_id, steady_outs, small_cluster(name="steady"))

    grow_id, grow_outs = clusters["grow"]
    bigger = small_cluster(name="grow")
    bigger["workerSpec"][1]["replica"] = 3  # +1 x 4 CU
    named(planning, "grow").preview(grow_id, grow_outs, bigger)

    drifted_id, drifted_outs = clusters["drifted"]
    by_hand = [{**group, "cpu": str(group["cpu"])} for group in small_cluster()["workerSpec"]]
    by_hand[0]["replica"] = 2  # +1 x 2 CU, made in the console
    update = sdk_models.UpdateRayClusterRequest().from_map({"workerSpec": by_hand})
    emulator.sdk().update_ray_cluster(WORKSPACE, drifted_id, update)
    named(planning, "drifted").preview(drifted_id, drifted_outs, small_cluster(name="drifted"))

    moved_id, moved_outs = clusters["moved"]
    named(planning, "moved").preview(moved_id, moved_outs, small_cluster(name="moved", workspaceId="w-elsewhere"))

    found = {entry["cluster"]: entry for entry in records(plan_file)}
    assert found["steady"]["action"] == "none" and found["steady"]["changes"] == []
    assert found["steady"]["capacity"] == {"before": SMALL, "after": SMALL}
    assert found["grow"]["action"] == "update" and found["grow"]["clusterId"] == grow_id
    assert found["grow"]["changes"] == [{"path": "workerSpec[big].replica", "live": 2, "declared": 3, "drift": False}]
    assert found["grow"]["capacity"]["after"] == {
        **SMALL,
        "cu": 16,
        "cuMax": 16,
        "vcpu": 16,
        "memoryGiB": 64,
        "billedCu": 16,
        "billedCuMax": 16,
    }
    assert found["drifted"]["changes"] == [{"path": "workerSpec[cpu].replica", "live": 2, "declared": 1, "drift": True}]
    assert found["drifted"]["capacity"]["before"]["cu"] == 14 and found["drifted"]["capacity"]["after"] == SMALL
    assert found["moved"]["action"] == "replace" and found["moved"]["capacity"] == {"before": SMALL, "after": SMALL}

    lines = mark.text().splitlines()
    assert f"grow ({grow_id}): capacity 12 -> 16 CU (+4)" in lines
    assert f"drifted ({drifted_id}): capacity 14 -> 12 CU (-2)" in lines
    assert not any(line.startswith(f"steady ({steady_id}): capacity") for line in lines)  # unchanged: no line

    # The report of those real records: one row per cluster, sorted, with the numbers above and a total.
    rows = report.table(report.read_records([str(plan_file)]))
    assert [row[:2] for row in rows[1:-1]] == [
        ["drifted", "update"],
        ["grow", "update"],
        ["moved", "replace"],
        ["steady", "none"],
    ]
    assert rows[1][2:] == ["workerSpec[cpu].replica (drift)", "14 → 12 (-2)", "14 → 12 (-2)"]
    assert rows[2][2:] == ["workerSpec[big].replica", "12 → 16 (+4)", "12 → 16 (+4)"]
    assert rows[-1] == ["total", "", "", "50 → 52 (+2)", "50 → 52 (+2)"]


def test_hidden_values_never_reach_the_plan_file(planning: Engine, emulator: Emulator, plan_file: Path) -> None:
    declared = small_cluster(headSpec={**small_cluster()["headSpec"], "env": "TOKEN=first-secret"})
    cluster_id, outs = planning.up_create(declared)
    rotated = copy.deepcopy(declared)
    rotated["headSpec"]["env"] = "TOKEN=second-secret"
    rotated["workerSpec"].append({"groupName": "new", "replica": 1, "cpu": 1, "memory": "4Gi", "env": "K=v-secret"})

    planning.preview(cluster_id, outs, rotated)

    text = plan_file.read_text()
    assert "secret" not in text
    changes = {c["path"]: c for c in records(plan_file)[-1]["changes"]}
    assert changes["headSpec.env"]["live"] == "(hidden)" and changes["headSpec.env"]["declared"] == "(hidden)"
    assert changes["workerSpec[new]"]["declared"]["env"] == "(hidden)"


def test_many_diffs_at_once_append_whole_lines(planning: Engine, emulator: Emulator, plan_file: Path) -> None:
    # Long records (many groups) so that interleaved writes would show as broken JSON.
    groups = [{"groupName": f"worker-group-number-{i:02d}", "replica": 1, "cpu": 1, "memory": "4Gi"} for i in range(50)]
    declared = small_cluster(workerSpec=groups)
    cluster_id, outs = planning.up_create(declared)
    plan_file.write_text("")
    changed = copy.deepcopy(declared)
    for group in changed["workerSpec"]:
        group["replica"] = 2
    checked = planning.check(changed, olds=declared).inputs
    diffs = 16
    start = threading.Barrier(diffs)

    def diff() -> None:
        start.wait()
        planning.server.diff(planning.provider, cluster_id, planning.urn, outs, checked)

    threads = [threading.Thread(target=diff) for _ in range(diffs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    lines = plan_file.read_text().splitlines()
    assert len(lines) == diffs
    assert all(len(json.loads(line)["changes"]) == 50 for line in lines)
    assert len(lines[0]) > 4000  # well beyond one pipe buffer's atomic write on some systems


def test_the_report_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert report.main([str(empty)]) == 0
    assert capsys.readouterr().out.strip() == report.NOTHING
    assert report.main([str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: cannot read plan file") and "\n" not in err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"cluster": "a"}\nnot json\n')
    assert report.main([str(broken)]) == 2
    assert "line 2 is not a plan record" in capsys.readouterr().err
