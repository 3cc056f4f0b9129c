"""How many GetRayCluster requests per second the emulator serves (one uvicorn worker), and at what latency.

Requests are signed ahead of time with the official SDK's signer (one fresh nonce each), then sent over one
keep-alive httpx connection, so the figure is the server's cost plus loopback, not the signer's. A second
run uses the official SDK in a loop (what tests actually pay per call). Run: `python bench/bench_emulator.py`.
`run()` returns rows {metric, value, unit, baseline, ratio} for a bench runner; baseline is the target from
the brief (300 req/s; for latencies the matching per-request budget of 1000/300 ms, lower is better).
"""

from __future__ import annotations

import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
KEY_ID, SECRET = "demo-access-key-id", "demo-access-key-secret"  # the emulator's documented demo keys
WORKSPACE = "w-bench"
TARGET_RPS = 300.0
N_REQUESTS = 2000
N_SDK = 500


def _start(db: Path) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, "-m", "emulator", "--port", "0", "--db", str(db), "--startup-seconds", "0"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("emulator listening on "):
        proc.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    return proc, line.rsplit(" ", 1)[1].strip()


def _signed_headers(method: str, path: str, action: str, host: str, body: bytes = b"") -> dict[str, str]:
    from alibabacloud_tea_openapi.utils import Utils

    headers = {
        "host": host,
        "x-acs-version": "2023-08-08",
        "x-acs-action": action,
        "x-acs-date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": Utils.get_nonce(),
        "accept": "application/json",
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
    }
    if body:
        headers["content-type"] = "application/json; charset=utf-8"
    request = SimpleNamespace(method=method, pathname=path, query={}, headers=headers)
    headers["Authorization"] = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], KEY_ID, SECRET
    )
    return headers


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _bench_httpx(url: str, cluster_path: str, n: int) -> tuple[float, list[float]]:
    host = url.removeprefix("http://")
    signed = [_signed_headers("GET", cluster_path, "GetRayCluster", host) for _ in range(n)]
    latencies: list[float] = []
    with httpx.Client(base_url=url) as client:
        started = time.perf_counter()
        for headers in signed:
            t0 = time.perf_counter()
            response = client.get(cluster_path, headers=headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"unexpected {response.status_code}: {response.text[:200]}")
        elapsed = time.perf_counter() - started
    return n / elapsed, latencies


def _bench_sdk(endpoint: str, cluster_id: str, n: int) -> float:
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    client = Client(
        open_api_models.Config(access_key_id=KEY_ID, access_key_secret=SECRET, endpoint=endpoint, protocol="HTTP")
    )
    started = time.perf_counter()
    for _ in range(n):
        client.get_ray_cluster(WORKSPACE, cluster_id)
    return n / (time.perf_counter() - started)


def _row(metric: str, value: float, unit: str, baseline: float, higher_is_better: bool) -> dict[str, Any]:
    ratio = value / baseline if higher_is_better else baseline / value
    return {"metric": metric, "value": round(value, 2), "unit": unit, "baseline": round(baseline, 2),
            "ratio": round(ratio, 2)}  # fmt: skip


def run(n: int = N_REQUESTS, n_sdk: int = N_SDK) -> list[dict[str, Any]]:
    """Start a private emulator, create one cluster, measure; ratio > 1 means better than the target."""
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _start(Path(tmp) / "bench.db")
        try:
            host = url.removeprefix("http://")
            create_path = f"/api/v1/workspaces/{WORKSPACE}/rayCluster"
            body = b'{"name":"bench","workerSpec":[{"groupName":"g","replica":2}]}'
            headers = _signed_headers("POST", create_path, "CreateRayCluster", host, body)
            created = httpx.post(url + create_path, content=body, headers=headers)
            created.raise_for_status()
            cluster_id = created.json()["clusterId"]
            cluster_path = f"{create_path}/{cluster_id}"
            _bench_httpx(url, cluster_path, 100)  # warm-up
            rps, latencies = _bench_httpx(url, cluster_path, n)
            sdk_rps = _bench_sdk(host, cluster_id, n_sdk)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    budget_ms = 1000 / TARGET_RPS
    return [
        _row("GetRayCluster throughput (pre-signed httpx, 1 connection)", rps, "req/s", TARGET_RPS, True),
        _row("GetRayCluster latency p50", statistics.median(latencies), "ms", budget_ms, False),
        _row("GetRayCluster latency p99", _percentile(latencies, 0.99), "ms", budget_ms, False),
        _row("GetRayCluster throughput (official SDK loop)", sdk_rps, "req/s", TARGET_RPS, True),
    ]


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| metric | value | unit | baseline | ratio |", "|---|---:|---|---:|---:|"]
    lines += [f"| {r['metric']} | {r['value']} | {r['unit']} | {r['baseline']} | {r['ratio']} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run()))
