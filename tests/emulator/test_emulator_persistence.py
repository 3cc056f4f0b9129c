"""SQLite persistence across restarts (and crashes), lazy states across restarts, concurrent requests."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m

from harness.emulator import wait_for_state

WS = "w-persist"
HOUR = 3600.0


def _create(client: Any, name: str) -> str:
    return str(client.create_ray_cluster(WS, m.CreateRayClusterRequest(name=name)).body.cluster_id)


def test_restart_keeps_clusters_and_port(make_emulator: Any) -> None:
    emu = make_emulator(startup_seconds=0.2)
    client = emu.sdk()
    kept = _create(client, "kept")
    wait_for_state(emu, WS, kept, ["Running"])
    client.update_ray_cluster(WS, kept, m.UpdateRayClusterRequest(description="after update"))
    before = emu.clusters()
    url = emu.url
    emu.restart()
    assert emu.url == url
    assert emu.clusters() == before
    body = emu.sdk().get_ray_cluster(WS, kept).body
    assert body.description == "after update" and body.state == "Running"


def _stored(db: Path, cluster_id: str) -> dict[str, Any]:
    """The emulator's record as persisted (read with the emulator stopped)."""
    with closing(sqlite3.connect(db)) as conn:
        (doc,) = conn.execute("SELECT doc FROM clusters WHERE cluster_id = ?", (cluster_id,)).fetchone()
    return dict(json.loads(doc))


def _time_passes_while_stopped(db: Path, cluster_id: str, seconds: float) -> None:
    """As if `seconds` went by while the emulator was down: every stored timestamp moves that far back."""
    record = _stored(db, cluster_id)
    for key in ("createTime", "modifiedTime", "startTime"):
        record[key] -= int(seconds * 1000)
    record["pending"]["until"] -= seconds
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE clusters SET doc = ? WHERE cluster_id = ?", (json.dumps(record), cluster_id))


def test_transition_in_flight_completes_after_a_crash(make_emulator: Any) -> None:
    # An hour-long startup: certainly still Starting after the restart, however slow the machine is.
    emu = make_emulator(startup_seconds=HOUR)
    cluster_id = _create(emu.sdk(), "slow")
    (before,) = emu.clusters()
    emu.kill()  # SIGKILL mid-startup: WAL + synchronous=NORMAL keep the committed create
    emu.start()
    body = emu.sdk().get_ray_cluster(WS, cluster_id).body
    assert (body.state, body.start_time) == ("Starting", before["startTime"])  # the start was not begun again

    # The transition is stored as its end: the start time plus the startup that was in force.
    emu.stop()
    pending = _stored(emu.db, cluster_id)["pending"]
    assert pending["then"] == "Running"
    assert pending["until"] == pytest.approx(before["startTime"] / 1000 + HOUR, abs=0.002)  # startTime is in ms

    # Force the clock past that end (the emulator reads time.time(), so move the stored times back instead).
    _time_passes_while_stopped(emu.db, cluster_id, HOUR)
    emu.start()
    body = emu.sdk().get_ray_cluster(WS, cluster_id).body
    assert body.state == "Running"  # computed from the stored timestamp when read, not restarted by the boot


def test_parallel_creates_from_threads_are_all_stored_with_distinct_ids(make_emulator: Any) -> None:
    emu = make_emulator()

    def create(i: int) -> str:
        return _create(emu.sdk(), f"par-{i}")  # one SDK client per call: separate connections

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(create, range(40)))
    assert len(set(ids)) == 40
    stored = emu.clusters()
    assert sorted(c["clusterId"] for c in stored) == sorted(ids)
    assert sorted(c["name"] for c in stored) == sorted(f"par-{i}" for i in range(40))


def test_parallel_updates_and_reads_of_one_cluster_stay_consistent(make_emulator: Any) -> None:
    emu = make_emulator()
    cluster_id = _create(emu.sdk(), "shared")

    def work(i: int) -> str:
        client = emu.sdk()
        client.update_ray_cluster(WS, cluster_id, m.UpdateRayClusterRequest(description=f"d{i}"))
        return str(client.get_ray_cluster(WS, cluster_id).body.description)

    with ThreadPoolExecutor(max_workers=6) as pool:
        seen = list(pool.map(work, range(30)))
    assert all(s.startswith("d") for s in seen)
    final = emu.sdk().get_ray_cluster(WS, cluster_id).body.description
    assert final in {f"d{i}" for i in range(30)}
    assert len(emu.journal("UpdateRayCluster")) == 30
    assert all(e["status"] == 200 for e in emu.journal())
