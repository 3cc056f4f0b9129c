"""Creates blocked waiting for Running must not starve each other in the SDK's 4-thread provider server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderServer
from provider.resource import RayClusterProvider
from tests.provider.conftest import ROOT, TYPE, provider_config, small_cluster

STARTUP_SECONDS = 3.0
CLUSTERS = 8


def create_concurrently(server: ProviderServer, count: int) -> list[str]:
    provider = RayClusterProvider()

    def create(index: int) -> str:
        urn = server.urn(f"c{index}", TYPE)
        inputs = server.check(provider, urn, {}, small_cluster(name=f"c{index}")).inputs
        cluster_id, _ = server.create(provider, urn, inputs)
        return cluster_id

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(create, range(count)))


def create_spread(emulator: Emulator) -> float:
    """Seconds between the first and the last CreateRayCluster the emulator received."""
    times = [entry["time"] for entry in emulator.journal("CreateRayCluster")]
    assert len(times) == CLUSTERS
    return max(times) - min(times)


@pytest.mark.parametrize("widen", [True, False], ids=["widened", "sdk-default"])
def test_all_creates_are_in_flight_together_only_when_the_pool_is_widened(
    make_emulator, tmp_path: Path, widen: bool
) -> None:
    emulator = make_emulator(startup_seconds=STARTUP_SECONDS)
    env = {"RAY_CLUSTERS_WIDEN_POOL": "1" if widen else "0"}
    with ProviderServer(ROOT, env=env) as server:
        server.configure(provider_config(emulator))
        ids = create_concurrently(server, CLUSTERS)

    assert len(set(ids)) == CLUSTERS and len(emulator.clusters()) == CLUSTERS
    # Not a timing benchmark: with 4 threads, creates 5..8 can only be sent once a cluster of the first four
    # has spent its STARTUP_SECONDS starting; with the widened pool every create is sent at once.
    if widen:
        assert create_spread(emulator) < STARTUP_SECONDS / 2
    else:
        assert create_spread(emulator) >= STARTUP_SECONDS * 0.9
