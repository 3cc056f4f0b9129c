"""Many clusters in one deployment: N concurrent creates, then a preview of all N, through ONE provider server.

The engine runs up to `--parallel` steps at once (a thread pool as large as N here, capped at 64), but the
SDK's dynamic-provider server has 4 worker threads and a Create holds one while it waits for Running. With
the emulator's startup delay S, the naive outcome is about ceil(N/4) x one cluster's time. The provider may
widen the server's pool on first use (`provider/concurrency.py`); `RAY_CLUSTERS_WIDEN_POOL=0` disables it,
and both are measured when that module exists. Aim: 32 creates within 2x of one.

    .venv/bin/python -m bench.bench_many
"""

from __future__ import annotations

import importlib.util
import math
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import Engine, Row, cluster_inputs, provider_server, row

NAME = "many"
STARTUP_SECONDS = 3.0
MAX_PARALLEL = 64  # like `pulumi up --parallel` on a large machine; the engine's default is 4 x CPUs
WIDEN_ENV = "RAY_CLUSTERS_WIDEN_POOL"


def _modes() -> dict[str, dict[str, str]]:
    """Server environments to compare: as shipped, and with pool widening off when the provider has it."""
    if importlib.util.find_spec("provider.concurrency") is None:
        return {"4 server threads (no provider/concurrency.py yet)": {}}
    return {"widened pool": {}, f"{WIDEN_ENV}=0 (4 server threads)": {WIDEN_ENV: "0"}}


def _in_parallel(n: int, step: Any) -> tuple[float, list[Any]]:
    """Run step(i) for i < n on min(n, 64) threads, like the engine's parallel walk; (seconds, results)."""
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(n, MAX_PARALLEL)) as pool:
        results = list(pool.map(step, range(n)))
    return time.perf_counter() - began, results


def _round(server: Any, emulator: Any, n: int) -> dict[str, float]:
    """Create n clusters concurrently, then preview them all concurrently; wipe the store afterwards."""
    from provider.resource import RayClusterProvider

    provider = RayClusterProvider()  # one object for all, as RayCluster shares one
    engines = [Engine(server, provider, f"c{n}-{i}") for i in range(n)]
    emulator.reset(clusters=True)

    create_s, created = _in_parallel(n, lambda i: engines[i].create(cluster_inputs(name=f"c{n}-{i}")))
    creates = len(emulator.journal("CreateRayCluster"))
    stored = len(emulator.clusters())
    emulator.reset()
    preview_s, changes = _in_parallel(
        n, lambda i: engines[i].preview(created[i][0], created[i][1], cluster_inputs(name=f"c{n}-{i}"))
    )
    gets = len(emulator.journal("GetRayCluster"))
    calls = len(emulator.journal())
    if creates != n or stored != n or any(c != "DIFF_NONE" for c in changes):
        raise RuntimeError(f"{n} clusters: {creates} creates, {stored} stored, previews {set(changes)}")
    emulator.reset(clusters=True)
    return {"create_s": create_s, "preview_s": preview_s, "gets": gets, "calls": calls}


def run(quick: bool = False) -> list[Row]:
    from harness.emulator import start_emulator
    from provider.resource import RayClusterProvider

    sizes = [1, 8, 32] if quick else [1, 8, 32, 128]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp), startup_seconds=STARTUP_SECONDS)
        try:
            for mode, env in _modes().items():
                with provider_server(emulator.url, env=env) as server:
                    Engine(server, RayClusterProvider(), "warm-up").check(cluster_inputs())  # imports, configure
                    one: float | None = None
                    for n in sizes:
                        result = _round(server, emulator, n)
                        one = one if one is not None else result["create_s"]
                        naive = math.ceil(n / 4)
                        aim = "<= 2" if n == 32 else f"4 threads: ~{naive}"
                        rows += [
                            row(NAME, f"{mode}: create {n} (startup {STARTUP_SECONDS:.0f} s), wall", result["create_s"],
                                "s", one, baseline_is="1 cluster", aim=aim),
                            row(NAME, f"{mode}: preview {n}, wall", result["preview_s"] * 1e3, "ms"),
                            row(NAME, f"{mode}: preview {n}, API calls per cluster (Get {result['gets']:.0f})",
                                result["calls"] / n, "calls", 1, baseline_is="limit", aim="1 Get"),
                        ]  # fmt: skip
        finally:
            emulator.stop()
    return rows


if __name__ == "__main__":
    from bench.run import markdown

    print(markdown(run(quick=True)))
