"""Measure what ListRayCluster costs on page 1 and on the last page of a large workspace (not a test).

    .venv/bin/python -m tests.emulator.listing_cost [--clusters 5000] [--repeat 300]

Creates the clusters through the official SDK in a private emulator, then times, interleaved and as medians:
ListRayCluster through the SDK (whole round trip), `ClusterStore.page` on the same database file, and for
reference the plain `ORDER BY seq LIMIT ? OFFSET ?` query the store used before. Also counts SQLite virtual-machine
steps of each store query (deterministic, unlike the times). Prints the last/first ratios.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alibabacloud_emr_serverless_spark20230808 import models as m

from emulator.store import ClusterStore
from harness.emulator import start_emulator

WS = "w-listing"
OFFSET_SQL = "SELECT doc FROM clusters WHERE workspace_id = ? ORDER BY seq LIMIT ? OFFSET ?"


def _median_us(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def _vm_steps(db: sqlite3.Connection, fn: Callable[[], Any]) -> int:
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    db.set_progress_handler(count, 1)
    try:
        fn()
    finally:
        db.set_progress_handler(None, 1)
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        emu = start_emulator(Path(tmp), startup_seconds=0)
        try:
            client = emu.sdk()
            # A second workspace interleaved, so the workspace filter matters as it would in a shared account.
            for i in range(args.clusters):
                client.create_ray_cluster(WS, m.CreateRayClusterRequest(name=f"c{i}"))
                client.create_ray_cluster("w-other", m.CreateRayClusterRequest(name=f"o{i}"))
            print(f"{args.clusters} clusters in {WS} (and as many in w-other), {args.repeat} calls each, medians")
            for size in (20, 100):
                last = -(-args.clusters // size)

                def sdk_list(page: int, size: int = size) -> Any:
                    return client.list_ray_cluster(WS, m.ListRayClusterRequest(page_num=page, page_size=size))

                assert len(sdk_list(last).body.ray_clusters) == args.clusters - (last - 1) * size
                first_us = _median_us(lambda: sdk_list(1), args.repeat)
                last_us = _median_us(lambda n=last: sdk_list(n), args.repeat)
                print(
                    f"  SDK ListRayCluster pageSize={size}: page 1 {first_us:.0f} us, page {last} {last_us:.0f} us,"
                    f" last/first {last_us / first_us:.2f}"
                )
            store = ClusterStore(emu.db)  # a second reader of the same WAL database
            raw = sqlite3.connect(str(emu.db))
            for size in (20, 100):
                last = -(-args.clusters // size)
                rows: list[tuple[str, Callable[[int], Any], sqlite3.Connection]] = [
                    ("ClusterStore.page", lambda p, s=size: store.page(WS, (p - 1) * s, s), store._db),
                    ("OFFSET query", lambda p, s=size: raw.execute(OFFSET_SQL, (WS, s, (p - 1) * s)).fetchall(), raw),
                ]
                for label, page_of, db in rows:
                    first_us = _median_us(lambda f=page_of: f(1), args.repeat)
                    last_us = _median_us(lambda f=page_of, n=last: f(n), args.repeat)
                    first_steps = _vm_steps(db, lambda f=page_of: f(1))
                    last_steps = _vm_steps(db, lambda f=page_of, n=last: f(n))
                    print(
                        f"  {label} pageSize={size}: page 1 {first_us:.0f} us / {first_steps} VM steps,"
                        f" page {last} {last_us:.0f} us / {last_steps} VM steps,"
                        f" last/first time {last_us / first_us:.2f}, steps {last_steps / first_steps:.2f}"
                    )
            store.close()
            raw.close()
        finally:
            emu.stop()


if __name__ == "__main__":
    main()
