"""What the plan file costs a Diff: the same preview with and without RAY_CLUSTERS_PLAN_FILE.

Two real `python -m pulumi.dynamic` servers against one emulator, one with the plan file set; Diffs of an
unchanged cluster and of a changed one (a record with changes) are timed from this process, in alternating
blocks so that machine noise falls on both alike. The baseline is the server without the plan file.

    .venv/bin/python -m bench.bench_planfile
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import Engine, Row, cluster_inputs, provider_server, row
from harness.emulator import start_emulator
from provider.resource import RayClusterProvider

NAME = "planfile"


def _diff_ms(engine: Engine, cluster_id: str, outputs: dict[str, Any], checked: dict[str, Any], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        began = time.perf_counter()
        engine.server.diff(engine.provider, cluster_id, engine.urn, outputs, checked)
        samples.append(time.perf_counter() - began)
    return samples


def run(quick: bool = False) -> list[Row]:
    blocks, per_block = (4, 25) if quick else (10, 50)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp, start_emulator(Path(tmp), startup_seconds=0.0) as emulator:
        plan_file = Path(tmp) / "plan.jsonl"
        with (
            provider_server(emulator.url) as plain_server,
            provider_server(emulator.url, env={"RAY_CLUSTERS_PLAN_FILE": str(plan_file)}) as planning_server,
        ):
            plain = Engine(plain_server, RayClusterProvider(), "analytics")
            planning = Engine(planning_server, RayClusterProvider(), "analytics")
            cluster_id, outputs = plain.create(cluster_inputs())
            changed = cluster_inputs()
            changed["workerSpec"][0]["replica"] = 3
            for label, news in (("unchanged cluster", cluster_inputs()), ("one changed field", changed)):
                checked = plain.check(news)
                with_file: list[float] = []
                without: list[float] = []
                _diff_ms(plain, cluster_id, outputs, checked, 20)  # warm both servers
                _diff_ms(planning, cluster_id, outputs, checked, 20)
                for _ in range(blocks):
                    without += _diff_ms(plain, cluster_id, outputs, checked, per_block)
                    with_file += _diff_ms(planning, cluster_id, outputs, checked, per_block)
                ours, base = statistics.median(with_file) * 1e3, statistics.median(without) * 1e3
                rows.append(
                    row(NAME, f"Diff with the plan file, {label}", ours, "ms", base, baseline_is="Diff without it")
                )
                rows.append(row(NAME, f"plan-file overhead per Diff, {label}", ours - base, "ms"))
            lines = plan_file.read_text().splitlines()
            rows.append(row(NAME, "records written (one per Diff)", len(lines), "lines"))
    return rows


if __name__ == "__main__":
    for result in run():
        baseline = f" vs {result['baseline']:.3f}" if result["baseline"] else ""
        print(f"{result['metric']}: {result['value']:.3f}{baseline} {result['unit']}")
