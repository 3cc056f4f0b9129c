"""What the pre-create name lookup costs a create: ListRayCluster calls and milliseconds, on the emulator.

Before every CreateRayCluster the provider lists the workspace (every page of 100) to refuse a duplicate
name. Measured in-process with our client against a real emulator process holding N other clusters in the
workspace; the baseline is the CreateRayCluster call itself, measured in the same run, alternating blocks.
(A real create then waits minutes for Running; against that the lookup is noise. The ratio here is against
the API call alone, the worst light to put it in.)

    .venv/bin/python -m bench.bench_lookup
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from bench import WORKSPACE, Row, cluster_inputs, row
from harness.emulator import start_emulator
from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings
from provider.core.lifecycle import ClusterLifecycle
from provider.schema.spec import check_inputs

NAME = "lookup"


def _api(url: str) -> RayClusterApi:
    settings = ClientSettings(
        access_key_id="demo-access-key-id", access_key_secret="demo-access-key-secret", endpoint=url
    )
    return RayClusterApi.from_settings(settings)


def _measure(api: RayClusterApi, lifecycle: ClusterLifecycle, others: int, rounds: int) -> tuple[float, float]:
    """(median ms of one lookup, median ms of one CreateRayCluster call) with `others` clusters present."""
    inputs, failures = check_inputs({**cluster_inputs(), "name": "bench-lookup-target"})
    assert inputs is not None, failures
    body = inputs.api_body()
    lookups: list[float] = []
    creates: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        lifecycle._refuse_existing_name(inputs)  # the name is free: one full pass over the workspace
        lookups.append(time.perf_counter() - started)
        started = time.perf_counter()
        cluster_id = api.create(WORKSPACE, {**body, "name": f"bench-created-{len(creates)}-{others}"})
        creates.append(time.perf_counter() - started)
        api.delete(WORKSPACE, cluster_id)
    return statistics.median(lookups) * 1e3, statistics.median(creates) * 1e3


def run(quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    rounds = 10 if quick else 40
    with tempfile.TemporaryDirectory() as tmp, start_emulator(Path(tmp), startup_seconds=0.0) as emulator:
        api = _api(emulator.url)
        lifecycle = ClusterLifecycle(api, lambda line: None)
        present = 0
        inputs, _ = check_inputs(cluster_inputs())
        assert inputs is not None
        for others in (0, 99, 250, 1000):
            while present < others:
                api.create(WORKSPACE, {**inputs.api_body(), "name": f"bench-other-{present}"})
                present += 1
            pages = others // 100 + 1
            lookup_ms, create_ms = _measure(api, lifecycle, others, rounds)
            metric = f"name lookup before a create, {others} other clusters ({pages} ListRayCluster call(s))"
            rows.append(
                row(NAME, metric, lookup_ms, "ms", create_ms, baseline_is="one CreateRayCluster call (same run)")
            )
        api.close()
    return rows


if __name__ == "__main__":
    for result in run():
        print(f"{result['metric']}: {result['value']:.2f} ms vs {result['baseline']:.2f} ms (x{result['ratio']:.2f})")
