"""Benchmarks that print tables (not timed tests); `python -m bench.run` runs them all.

Shared here, because every benchmark drives the provider the way the engine does: the result-row shape,
a test cluster's inputs, and an `Engine` that plays `pulumi preview` / `up` against the real
`python -m pulumi.dynamic` server (harness/engine.py). Run from the project root, so that
`harness` imports (it is not an installed package).

The benchmarks measure the provider's own costs, so its pacing of API calls (provider/client/pacing.py, 20 calls
per second per API by default) is off in this process and the provider servers it starts
(``RAY_CLUSTERS_API_RATE_LIMIT=off``, unless already set); bench/bench_scale.py measures the defaults instead.
"""

from __future__ import annotations

import copy
import os
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

os.environ.setdefault("RAY_CLUSTERS_API_RATE_LIMIT", "off")  # see the module doc

ROOT = Path(__file__).resolve().parents[1]
WORKSPACE = "w-bench0000001"
TYPE = "pulumi-python:dynamic/emr:RayCluster"

Row = dict[str, Any]
"""{benchmark, metric, value, unit, baseline, ratio} plus optional `aim` and `baseline_is` (what it is)."""

BASE_CLUSTER: dict[str, Any] = {
    "workspaceId": WORKSPACE,
    "name": "analytics",
    "description": "Ray cluster for the benchmarks",
    "displayReleaseVersion": "ray-1.0.0 (Ray 2.47.1, Python 3.12)",
    "extraParam": '{"team":"data"}',
    "headSpec": {"queueName": "root_queue", "cpu": 4, "memory": "16Gi", "rayStartParams": "--num-cpus=0"},
    "workerSpec": [
        {"groupName": "cpu", "workerType": "CPU", "replica": 2, "cpu": 4, "memory": "16Gi"},
        {"groupName": "big", "workerType": "CPU", "replica": 2, "cpu": 8, "memory": "32Gi"},
        {
            "groupName": "gpu",
            "workerType": "GPU",
            "replica": 1,
            "cpu": 8,
            "memory": "32Gi",
            "gpuSpec": "ecs.gn6i-c4g1.xlarge",
        },
    ],
    "volumeIds": ["vol-a", "vol-b"],
    "timeouts": {"create": 600, "update": 600, "delete": 600},
}


def cluster_inputs(**overrides: Any) -> dict[str, Any]:
    """A fresh copy of the benchmark cluster's inputs with top-level overrides."""
    props = copy.deepcopy(BASE_CLUSTER)
    props.update(overrides)
    return props


def row(
    benchmark: str,
    metric: str,
    value: float | None,
    unit: str,
    baseline: float | None = None,
    *,
    ratio: float | None = None,
    baseline_is: str = "",
    aim: str = "",
) -> Row:
    """One result; the ratio is value/baseline unless given (some figures are better when higher)."""
    if ratio is None and value is not None and baseline:
        ratio = value / baseline
    return {
        "benchmark": benchmark,
        "metric": metric,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "ratio": ratio,
        "baseline_is": baseline_is,
        "aim": aim,
    }


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1e3


def provider_config(endpoint_url: str) -> dict[str, str]:
    """Stack config of the dev stack pointed at a local emulator (its documented demo keys)."""
    return {
        "alicloud:accessKey": "demo-access-key-id",
        "alicloud:secretKey": "demo-access-key-secret",
        "emr:endpoint": endpoint_url,
    }


@contextmanager
def provider_server(endpoint_url: str, env: dict[str, str] | None = None) -> Iterator[Any]:
    """One configured `python -m pulumi.dynamic` process, as the engine starts it for a deployment.

    The call timeout is long: with 4 server threads, a queued Create may wait minutes for a free thread.
    """
    from harness.engine import ProviderServer

    with ProviderServer(ROOT, env=env, call_timeout=900.0) as server:
        server.configure(provider_config(endpoint_url), secret_keys=["alicloud:secretKey"])
        yield server


class Engine:
    """The steps `pulumi preview` / `up` take for one RayCluster resource, through the gRPC server."""

    def __init__(self, server: Any, provider: object, name: str) -> None:
        self.server, self.provider, self.urn = server, provider, server.urn(name, TYPE)

    def check(self, news: dict[str, Any]) -> dict[str, Any]:
        checked = self.server.check(self.provider, self.urn, {}, news)
        if checked.failures:
            raise ValueError(f"Check failed: {checked.failures}")
        return dict(checked.inputs)

    def create(self, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Check + Create (what `up` does for a new resource)."""
        cluster_id, outputs = self.server.create(self.provider, self.urn, self.check(inputs))
        return str(cluster_id), dict(outputs)

    def preview(self, cluster_id: str, outputs: dict[str, Any], news: dict[str, Any]) -> str:
        """Check + Diff (all a preview asks a dynamic provider); returns DIFF_SOME / DIFF_NONE."""
        return str(self.server.diff(self.provider, cluster_id, self.urn, outputs, self.check(news)).changes)

    def update(self, cluster_id: str, outputs: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """Check + Diff + Update (what `up` does for a changed resource); returns the new outputs."""
        checked = self.check(news)
        self.server.diff(self.provider, cluster_id, self.urn, outputs, checked)
        return dict(self.server.update(self.provider, cluster_id, self.urn, outputs, checked))
