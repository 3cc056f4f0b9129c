"""ListRayCluster pages by number without an OFFSET scan: same pages as before, at any depth for the same cost.

The cost is counted in SQLite virtual-machine steps (deterministic), never timed; `python -m
tests.emulator.listing_cost` measures the times.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alibabacloud_emr_serverless_spark20230808 import models as m

from emulator.store import ClusterStore, Record

WS, OTHER = "w-pages", "w-other"


def _record(workspace_id: str, n: int) -> Record:
    return {"clusterId": f"ray-{workspace_id}-{n:05d}", "workspaceId": workspace_id, "n": n}


def _ids(records: list[Record]) -> list[str]:
    return [r["clusterId"] for r in records]


def _pages(store: ClusterStore, workspace_id: str, size: int, count: int) -> list[list[str]]:
    return [_ids(store.page(workspace_id, (number - 1) * size, size)) for number in range(1, count + 1)]


def _chunks(ids: list[str], size: int, count: int) -> list[list[str]]:
    return [ids[i * size : (i + 1) * size] for i in range(count)]


def test_pages_follow_creation_order_through_deletes_reopen_and_wipe(tmp_path: Path) -> None:
    store = ClusterStore(tmp_path / "e.db")
    expected: dict[str, list[str]] = {WS: [], OTHER: []}
    for n in range(23):  # two workspaces interleaved
        for ws in (WS, OTHER):
            store.insert(_record(ws, n))
            expected[ws].append(_record(ws, n)["clusterId"])
    gone = {_record(WS, n)["clusterId"] for n in (0, 7, 8, 22)}  # the first, a run in the middle, the last
    for cluster_id in gone:
        assert store.delete(WS, cluster_id)
    expected[WS] = [i for i in expected[WS] if i not in gone]
    assert not store.delete(WS, _record(WS, 7)["clusterId"])  # already gone
    assert not store.delete(WS, _record(OTHER, 1)["clusterId"])  # another workspace's: untouched
    for size in (1, 3, 5, 20, 100):
        assert _pages(store, WS, size, 21) == _chunks(expected[WS], size, 21)
    assert _pages(store, OTHER, 4, 7) == _chunks(expected[OTHER], 4, 7)
    assert store.page(WS, 10**6, 20) == [] and store.page("w-none", 0, 20) == []
    store.insert(_record(WS, 99))  # after deletes: still appended at the end
    expected[WS].append(_record(WS, 99)["clusterId"])
    store.close()
    reopened = ClusterStore(tmp_path / "e.db")  # the order is rebuilt from the table
    assert _pages(reopened, WS, 4, 6) == _chunks(expected[WS], 4, 6)
    for cluster_id in list(expected[WS]):
        assert reopened.delete(WS, cluster_id)
    assert reopened.page(WS, 0, 20) == [] and _ids(reopened.page(OTHER, 0, 2)) == expected[OTHER][:2]
    reopened.wipe()
    assert reopened.page(OTHER, 0, 20) == [] and reopened.all() == []
    reopened.insert(_record(OTHER, 1))
    assert _ids(reopened.page(OTHER, 0, 20)) == [_record(OTHER, 1)["clusterId"]]
    reopened.close()


def _vm_steps(db: sqlite3.Connection, run: Callable[[], Any]) -> int:
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    db.set_progress_handler(count, 1)  # called once per virtual-machine instruction
    try:
        run()
    finally:
        db.set_progress_handler(None, 1)
    return steps


def test_the_last_page_costs_what_the_first_does(tmp_path: Path) -> None:
    store = ClusterStore(tmp_path / "e.db")
    for n in range(3000):
        store.insert(_record(WS, n))
        store.insert(_record(OTHER, n))
    db = store._db  # the store's own connection: count the steps of its page query

    def steps(number: int) -> int:
        return _vm_steps(db, lambda: store.page(WS, (number - 1) * 20, 20))

    first, last = steps(1), steps(150)
    assert last <= first + 10, (first, last)  # with OFFSET the last page took ~130 times the first's steps
    store.close()


def test_list_pages_through_the_sdk_after_deletes_and_a_restart(make_emulator: Any) -> None:
    emu = make_emulator()
    client = emu.sdk()

    def create(ws: str, name: str) -> str:
        return str(client.create_ray_cluster(ws, m.CreateRayClusterRequest(name=name)).body.cluster_id)

    def pages(size: int) -> list[list[str]]:
        return [
            [c.cluster_id for c in client.list_ray_cluster(WS, request).body.ray_clusters]
            for request in (m.ListRayClusterRequest(page_num=n, page_size=size) for n in range(1, 6))
        ]

    ids = []
    for n in range(9):
        ids.append(create(WS, f"c{n}"))
        create(OTHER, f"o{n}")
    for gone in (ids[1], ids[4]):
        client.delete_ray_cluster(WS, gone)
        ids.remove(gone)
    assert pages(2) == _chunks(ids, 2, 5)
    emu.restart()
    client = emu.sdk()
    ids.append(create(WS, "after-restart"))
    assert pages(2) == _chunks(ids, 2, 5) and pages(3) == _chunks(ids, 3, 5)
