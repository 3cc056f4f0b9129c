"""The shared listing (provider/client/listing.py) in-process, driven step by step with events: who shares which
sweep, and that no caller is ever answered from a sweep that began before it asked.

A fake ``list_all`` stands in for ListRayCluster's pages; each sweep can be held at its start until the test lets it
go, so the interleavings are exact, not timed. The same rules through the provider server, the emulator and its
journal are in tests/provider/test_many_creates_share_a_listing.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from harness.waiting import wait_for
from provider.client.listing import Listing, SharedListing
from provider.core.lifecycle import ClusterLifecycle, ClusterOperationError
from provider.schema.errors import AuthError
from provider.schema.models import RayClusterSummary
from tests.support.in_memory_api import InMemoryClusterApi, VirtualClock, inputs

WS = "w-1"


def summary(cluster_id: str, name: str) -> RayClusterSummary:
    return RayClusterSummary(cluster_id=cluster_id, name=name, state="Running")


class Workspace:
    """Clusters to list; ``hold`` makes the next sweep wait at its start until ``release``."""

    def __init__(self) -> None:
        self.clusters: dict[str, RayClusterSummary] = {}
        self.sweeps = 0
        self.began = threading.Event()
        self.gate: threading.Event | None = None
        self.held = threading.Event()
        self.error: Exception | None = None

    def hold(self) -> None:
        self.held, self.began = threading.Event(), threading.Event()
        self.gate = self.held

    def release(self) -> None:
        self.held.set()

    def list_all(self, workspace_id: str) -> Iterator[RayClusterSummary]:
        assert workspace_id == WS
        self.sweeps += 1
        gate, self.gate = self.gate, None
        snapshot = list(self.clusters.values())  # what the pages hold when the sweep begins
        self.began.set()
        if gate is not None:
            gate.wait()
        if self.error is not None:
            raise self.error
        yield from snapshot


@pytest.fixture
def workspace() -> Workspace:
    return Workspace()


@pytest.fixture
def listing(workspace: Workspace) -> SharedListing:
    return SharedListing(workspace.list_all)


@pytest.fixture
def pool(workspace: Workspace) -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=8) as executor:
        yield executor
        workspace.release()  # a failed test must not leave a sweep held (the pool waits for its threads)


def names(found: Listing) -> set[str | None]:
    return {s.name for s in [*found.listed, *found.unlisted_own]}


def test_callers_that_ask_while_a_sweep_runs_share_the_next_one(
    workspace: Workspace, listing: SharedListing, pool: ThreadPoolExecutor
) -> None:
    workspace.clusters["ray-a"] = summary("ray-a", "a")
    workspace.hold()
    first = pool.submit(listing.clusters, WS)
    workspace.began.wait()  # the first sweep has read its pages

    workspace.clusters["ray-b"] = summary("ray-b", "b")  # created a moment after the first sweep began
    later = [pool.submit(listing.clusters, WS) for _ in range(5)]
    wait_for(lambda: listing.waiting(WS) == 5, "five callers waiting for the next sweep")
    workspace.release()

    assert names(first.result()) == {"a"}
    assert all(names(f.result()) == {"a", "b"} for f in later)  # none was answered from the sweep begun before it
    assert workspace.sweeps == 2


def test_a_lone_caller_gets_a_sweep_of_its_own_that_begins_after_it_asked(
    workspace: Workspace, listing: SharedListing
) -> None:
    listing.clusters(WS)
    workspace.clusters["ray-b"] = summary("ray-b", "b")

    assert names(listing.clusters(WS)) == {"b"}
    assert workspace.sweeps == 2


def test_a_sweep_of_p_pages_waits_for_p_callers_so_that_each_costs_at_most_one_call(
    workspace: Workspace, pool: ThreadPoolExecutor
) -> None:
    listing = SharedListing(workspace.list_all, gather=3600.0)  # never by time here: only the callers count
    for i in range(250):
        workspace.clusters[f"ray-{i}"] = summary(f"ray-{i}", f"c{i}")
    listing.clusters(WS)  # the first sweep: 3 pages of 100 (nothing known before it, so it began at once)

    first_two = [pool.submit(listing.clusters, WS) for _ in range(2)]
    wait_for(lambda: listing.waiting(WS) == 2, "two callers waiting")
    assert workspace.sweeps == 1  # a pending sweep has not begun: it waits for a third caller
    third = pool.submit(listing.clusters, WS)

    assert all(len(f.result().listed) == 250 for f in [*first_two, third])
    assert workspace.sweeps == 2


def test_a_lone_caller_waits_no_longer_than_the_gather_time(workspace: Workspace) -> None:
    listing = SharedListing(workspace.list_all, gather=0.0)
    for i in range(250):
        workspace.clusters[f"ray-{i}"] = summary(f"ray-{i}", f"c{i}")
    listing.clusters(WS)

    assert len(listing.clusters(WS).listed) == 250 and workspace.sweeps == 2


def test_a_failed_sweep_fails_every_caller_that_waited_for_it_and_the_next_sweep_starts_afresh(
    workspace: Workspace, listing: SharedListing, pool: ThreadPoolExecutor
) -> None:
    workspace.hold()
    first = pool.submit(listing.clusters, WS)
    workspace.began.wait()
    workspace.error = AuthError("ListRayCluster", status=403, code="Forbidden.RAM")
    waiting: list[Future[Any]] = [pool.submit(listing.clusters, WS) for _ in range(3)]
    wait_for(lambda: listing.waiting(WS) == 3, "three callers waiting")
    workspace.release()

    for future in [first, *waiting]:
        with pytest.raises(AuthError):
            future.result()
    workspace.error = None
    assert names(listing.clusters(WS)) == set()


def test_own_creates_are_answered_until_forgotten_and_flagged_when_the_listing_lacks_them(
    workspace: Workspace, listing: SharedListing
) -> None:
    listing.record(WS, summary("ray-mine", "mine"))

    found = listing.clusters(WS)
    assert found.listed == [] and [s.cluster_id for s in found.unlisted_own] == ["ray-mine"]

    workspace.clusters["ray-mine"] = summary("ray-mine", "mine")  # the service lists it now
    found = listing.clusters(WS)
    assert [s.cluster_id for s in found.listed] == ["ray-mine"] and found.unlisted_own == []

    listing.forget(WS, "ray-mine")
    del workspace.clusters["ray-mine"]
    assert names(listing.clusters(WS)) == set()


def test_one_lookup_then_create_per_name_at_a_time(listing: SharedListing, pool: ThreadPoolExecutor) -> None:
    order: list[str] = []
    inside = threading.Event()
    leave = threading.Event()

    def first() -> None:
        with listing.reserved(WS, "a"):
            inside.set()
            leave.wait()
            order.append("first")

    def second() -> None:
        with listing.reserved(WS, "a"):
            order.append("second")

    held = pool.submit(first)
    inside.wait()
    other_name = listing.reserved(WS, "b")
    with other_name:  # another name is never held up
        order.append("b")
    queued = pool.submit(second)
    leave.set()
    held.result()
    queued.result()

    assert order == ["b", "first", "second"]


# -- the lifecycle's lookup with its own creates -----------------------------------------------------------------


@pytest.fixture
def lifecycle() -> tuple[ClusterLifecycle, InMemoryClusterApi]:
    clock = VirtualClock()
    api = InMemoryClusterApi(clock)
    life = ClusterLifecycle(api, lambda line: None, sleep=clock.sleep, clock=clock.monotonic, wall_clock=clock.time)  # type: ignore[arg-type]
    return life, api


class LaggingApi(InMemoryClusterApi):
    """A service whose listing does not show clusters created in this test yet (eventual consistency)."""

    def list(self, workspace_id: str, page_size: int = 100) -> Iterator[RayClusterSummary]:
        self._call("ListRayCluster")
        return iter(())


def test_a_cluster_this_process_created_is_seen_even_when_the_listing_lags() -> None:
    clock = VirtualClock()
    api = LaggingApi(clock)
    life = ClusterLifecycle(api, lambda line: None, sleep=clock.sleep, clock=clock.monotonic, wall_clock=clock.time)  # type: ignore[arg-type]
    created = life.create(inputs())

    with pytest.raises(ClusterOperationError, match=created.cluster_id):
        life.create(inputs())
    assert api.calls.count("CreateRayCluster") == 1


def test_an_own_create_deleted_meanwhile_is_checked_once_and_forgotten(
    lifecycle: tuple[ClusterLifecycle, InMemoryClusterApi],
) -> None:
    life, api = lifecycle
    created = life.create(inputs())
    del api.clusters[created.cluster_id]  # deleted outside this process
    api.calls.clear()

    again = life.create(inputs())

    assert again.state == "Running"
    assert api.calls[:3] == ["ListRayCluster", "GetRayCluster", "CreateRayCluster"]
    api.calls.clear()
    api.clusters.clear()
    life.create(inputs(name="other"))
    assert api.calls[:2] == ["ListRayCluster", "CreateRayCluster"]  # a namesake check only for the name asked
