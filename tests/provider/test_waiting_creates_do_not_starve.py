"""Creates blocked waiting for Running must not starve each other in the SDK's 4-thread provider server."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderServer
from harness.waiting import wait_for
from provider.resource import RayClusterProvider
from tests.support.paths import ROOT
from tests.support.provider_server import TYPE, provider_config, small_cluster

HOUR = 3600  # no create can finish by itself: each returns only once the test lets its cluster run
CLUSTERS = 8
SDK_WORKERS = 4  # the SDK server's ThreadPoolExecutor(max_workers=4)


def submit_creates(pool: ThreadPoolExecutor, server: ProviderServer) -> list[Future[str]]:
    provider = RayClusterProvider()

    def create(index: int) -> str:
        urn = server.urn(f"c{index}", TYPE)
        inputs = server.check(provider, urn, {}, small_cluster(name=f"c{index}")).inputs
        cluster_id, _ = server.create(provider, urn, inputs)
        return cluster_id

    return [pool.submit(create, index) for index in range(CLUSTERS)]


def waiting_creates(emulator: Emulator) -> int:
    """Creates sent whose cluster is being polled (the create is blocked in its wait for Running)."""
    journal = emulator.journal()
    created = {c["clusterId"] for c in emulator.clusters()}
    polled = {e["path"].rsplit("/", 1)[-1] for e in journal if e["action"] == "GetRayCluster"}
    return len(created & polled)


@pytest.mark.parametrize("widen", [True, False], ids=["widened", "sdk-default"])
def test_all_creates_are_in_flight_together_only_when_the_pool_is_widened(make_emulator, widen: bool) -> None:
    emulator = make_emulator(startup_seconds=HOUR)
    env = {"RAY_CLUSTERS_WIDEN_POOL": "1" if widen else "0"}
    in_flight = CLUSTERS if widen else SDK_WORKERS
    # (The server closes first if a wait fails: the blocked creates then fail at once instead of holding the pool.)
    with ThreadPoolExecutor(max_workers=CLUSTERS) as pool, ProviderServer(ROOT, env=env) as server:
        server.configure(provider_config(emulator))
        futures = submit_creates(pool, server)
        # Not a timing test: nothing finishes until released, so what was sent before is what runs at once.
        wait_for(lambda: waiting_creates(emulator) >= in_flight, f"{in_flight} creates waiting for Running")
        sent_before_any_finished = len(emulator.journal("CreateRayCluster"))

        def all_returned() -> bool:
            for cluster in emulator.clusters():
                if cluster["state"] == "Starting":
                    emulator.force_state(cluster["clusterId"], "Running")
            return all(future.done() for future in futures)

        wait_for(all_returned, "every create to return once its cluster runs")
        ids = [future.result() for future in futures]

    # With the SDK's 4 threads, creates 5..8 can only be sent once one of the first four has returned.
    assert sent_before_any_finished == in_flight
    assert len(set(ids)) == CLUSTERS and len(emulator.clusters()) == CLUSTERS
