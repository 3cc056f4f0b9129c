"""What planning one update costs: `plan_update` for a 4-group cluster, per call, in-process (no I/O).

Every Diff (so every resource of every preview) plans once; the figure used to be a test's upper bound
(< 5 ms per plan), which is timing and belongs here. The baseline is `check_inputs` of the same spec, the
validation every Check runs, measured in the same run.

    .venv/bin/python -m bench.bench_plan
"""

from __future__ import annotations

import timeit
from typing import Any

from bench import Row, row
from provider.core.plan import plan_update
from provider.schema.spec import check_inputs

NAME = "plan"


def _spec() -> dict[str, Any]:
    return {
        "workspaceId": "w-1",
        "name": "analytics",
        "description": "dev",
        "headSpec": {"cpu": 4, "memory": "16Gi", "enableAutoScaling": True},
        "workerSpec": [{"groupName": f"g{i}", "replica": 2, "minReplica": 1, "maxReplica": 8} for i in range(4)],
        "volumeIds": ["v-1", "v-2"],
        "extraParam": {"k": "v"},
    }


def run(quick: bool = False) -> list[Row]:
    spec = _spec()
    declared, failures = check_inputs(spec)
    assert declared is not None, failures
    live = {"clusterId": "ray-k7nm8ahl5te4tg91", "state": "Running", "modified": False, **declared.api_body()}
    runs = 200 if quick else 2000

    def per_call_ms(fn: Any) -> float:
        return min(timeit.repeat(fn, number=runs, repeat=5)) / runs * 1e3

    plan_ms = per_call_ms(lambda: plan_update(declared, live, declared))
    check_ms = per_call_ms(lambda: check_inputs(spec))
    return [
        row(NAME, "plan_update, 4 worker groups, nothing changed", plan_ms, "ms", check_ms,
            baseline_is="check_inputs of the same spec", aim="< 5 ms per plan (hundreds per preview)"),
    ]  # fmt: skip


if __name__ == "__main__":
    for r in run():
        print(r)
