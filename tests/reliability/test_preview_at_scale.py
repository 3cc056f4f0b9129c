"""A preview of 200 clusters through one provider server, against an API with 20 ms latency, reads each cluster
once, stays bounded in memory and keeps every diff line whole.

The clusters are created directly with the official SDK (the fast path), then Check + Diff run for all of them from
8 threads, as the engine does with --parallel: a third unchanged, a third changed in code, a third drifted by hand.
Every diff must be right, each cluster read exactly once, and the provider process's memory bounded.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from alibabacloud_emr_serverless_spark20230808 import models

from harness.emulator import Emulator
from tests.support.provider_server import private_engine, small_cluster

CLUSTERS = 200
THREADS = 8
LATENCY_MS = 20
PEAK_RSS_LIMIT = 300 * 1024 * 1024
WORKSPACE = "w-load"
UNCHANGED, CHANGED, DRIFTED = "unchanged", "changed", "drifted"


def declared(index: int, replica: int = 1) -> dict[str, Any]:
    return small_cluster(
        workspaceId=WORKSPACE,
        name=f"load-{index:03d}",
        headSpec={"cpu": 2, "memory": "8Gi"},
        workerSpec=[{"groupName": "w", "replica": replica, "cpu": 2, "memory": "8Gi"}],
        volumeIds=["vol-a"],
    )


def create_directly(emulator: Emulator, index: int) -> str:
    request = models.CreateRayClusterRequest(
        name=f"load-{index:03d}",
        description="Ray cluster for tests",
        display_release_version="ray-1.0.0 (Ray 2.47.1, Python 3.12)",
        head_spec=models.CreateRayClusterRequestHeadSpec(cpu="2", memory="8Gi"),
        worker_spec=[models.CreateRayClusterRequestWorkerSpec(group_name="w", replica=1, cpu="2", memory="8Gi")],
        volume_ids=["vol-a"],
    )
    return str(emulator.sdk().create_ray_cluster(WORKSPACE, request).body.cluster_id)


def drift_by_hand(emulator: Emulator, cluster_id: str) -> None:
    group = models.UpdateRayClusterRequestWorkerSpec(group_name="w", replica=2, cpu="2", memory="8Gi")
    emulator.sdk().update_ray_cluster(WORKSPACE, cluster_id, models.UpdateRayClusterRequest(worker_spec=[group]))


def test_preview_of_200_clusters_reads_each_once_and_stays_small(emulator: Emulator) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(lambda i: create_directly(emulator, i), range(CLUSTERS)))
    kinds = [(UNCHANGED, CHANGED, DRIFTED)[i % 3] for i in range(CLUSTERS)]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda i: drift_by_hand(emulator, ids[i]), [i for i in range(CLUSTERS) if kinds[i] == DRIFTED]))
    emulator.reset()
    emulator.set_faults([], latency_ms=LATENCY_MS)

    with private_engine(emulator) as engine:
        baseline_rss = engine.server.rss_bytes()

        def preview(index: int) -> str:
            olds = {**declared(index), "clusterId": ids[index], "state": "Running"}
            news = declared(index, replica=3 if kinds[index] == CHANGED else 1)
            return engine.preview(ids[index], olds, news).changes

        started = time.monotonic()
        with ThreadPoolExecutor(THREADS) as pool:
            changes = list(pool.map(preview, range(CLUSTERS)))
        elapsed = time.monotonic() - started
        peak = engine.server.peak_rss_bytes()
        stderr = engine.server.stderr_text()

    expected = {UNCHANGED: "DIFF_NONE", CHANGED: "DIFF_SOME", DRIFTED: "DIFF_SOME"}
    assert changes == [expected[kind] for kind in kinds]
    for index, (cluster_id, kind) in enumerate(zip(ids, kinds, strict=True)):
        # Substrings: each line is checked whole by test_diff_lines_stay_whole_when_previews_run_in_parallel.
        label = f"load-{index:03d} ({cluster_id}): "
        change, drift = f"{label}~ workerSpec[w].replica 1 -> 3", f"{label}~ workerSpec[w].replica live 2 -> 1 (drift)"
        # A planned cluster gets its field line and its capacity line; an unchanged one none.
        assert stderr.count(label) == (2 if kind != UNCHANGED else 0), (index, kind)
        assert stderr.count(change) == (kind == CHANGED) and stderr.count(drift) == (kind == DRIFTED), (index, kind)

    journal = emulator.journal()
    assert {e["action"] for e in journal} == {"GetRayCluster"}
    per_cluster: dict[str, int] = {}
    for entry in journal:
        cluster_id = entry["path"].rsplit("/", 1)[-1]
        per_cluster[cluster_id] = per_cluster.get(cluster_id, 0) + 1
    assert per_cluster == dict.fromkeys(ids, 1)
    assert all(e["status"] == 200 for e in journal)

    print(  # the figures for the report (pytest -s shows them)
        f"\nload: {CLUSTERS} previews, {THREADS} threads, {LATENCY_MS} ms latency: {elapsed:.2f} s; "
        f"provider RSS at start {baseline_rss / 2**20:.1f} MiB, peak {peak / 2**20:.1f} MiB"
    )
    assert peak < PEAK_RSS_LIMIT


def test_diff_lines_stay_whole_when_previews_run_in_parallel(emulator: Emulator) -> None:
    count = 48
    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(lambda i: create_directly(emulator, i), range(count)))

    def news(index: int) -> dict[str, Any]:
        changed = declared(index, replica=3)
        changed.update(description="changed", volumeIds=["vol-b"], headSpec={"cpu": 4, "memory": "16Gi"})
        return changed

    with private_engine(emulator) as engine:
        mark = len(engine.server.stderr_text())
        with ThreadPoolExecutor(THREADS) as pool:
            olds = [{**declared(i), "clusterId": ids[i], "state": "Running"} for i in range(count)]
            list(pool.map(lambda i: engine.preview(ids[i], olds[i], news(i)), range(count)))
        lines = engine.server.stderr_text()[mark:].splitlines()

    assert len(lines) == count * 6  # five field lines and the capacity line per cluster
    label = re.compile(r"load-\d{3} \(ray-[a-z0-9]+\): ")
    # A whole line starts with one resource label and holds no other.
    assert [line for line in lines if not label.match(line) or len(label.findall(line)) != 1] == []
