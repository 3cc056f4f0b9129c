"""Benchmark: our RayClusterApi vs the official SDK, GetRayCluster, serial calls.

Two servers: the emulator (real signature checks, real JSON work) and a trivial stdlib HTTP server
that returns a fixed GetRayCluster body (so the client's own cost dominates). The trivial server also
counts accepted TCP connections: with keep-alive our client should open exactly one for a whole run.

    .venv/bin/python bench/bench_client.py [calls]

``run()`` returns rows ``{metric, value, unit, baseline, ratio}`` (baseline = the SDK, ratio = ours/SDK).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from provider.client.api import RayClusterApi  # noqa: E402
from provider.client.credentials import Credentials, StaticCredentials  # noqa: E402
from provider.client.retry import RetryPolicy  # noqa: E402
from provider.client.signing import AcsSigner  # noqa: E402

AK, SK = "demo-access-key-id", "demo-access-key-secret"  # the emulator's documented demo keys
WS = "w-d2d82aa09155"
FIXED_BODY = json.dumps(
    {
        "requestId": "DD6B1B2A-5837-5237-ABE4-FF0C8944",
        "clusterId": "ray-k7nm8ahl5te4tg91",
        "name": "analytics",
        "state": "Running",
        "createTime": 1735870116167,
        "headSpec": {"cpu": "2", "memory": "8Gi", "replica": 1, "queueName": "root_queue"},
        "workerSpec": [{"groupName": "cpu", "cpu": "2", "memory": "8Gi", "replica": 2, "workerType": "CPU"}],
        "instances": [{"instanceId": "ray-k7nm8ahl5te4tg91-head-7cgta", "type": "Head", "phase": "Running"}],
        "volumeIds": [],
    }
).encode()


class _FixedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(FIXED_BODY)))
        self.end_headers()
        self.wfile.write(FIXED_BODY)

    def log_message(self, *args: object) -> None:
        pass


class _CountingServer(ThreadingHTTPServer):
    """Counts every accepted TCP connection."""

    daemon_threads = True
    connections = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        self.connections += 1
        super().process_request(request, client_address)


@contextmanager
def trivial_server() -> Iterator[_CountingServer]:
    server = _CountingServer(("127.0.0.1", 0), _FixedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def emulator() -> Iterator[str]:
    """``python -m emulator`` on a free port; yields its base URL."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", "0"]
        args += ["--db", str(Path(tmp) / "bench.db"), "--startup-seconds", "0.2"]
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()  # the ready line, printed once
            if not line.startswith("emulator listening on "):
                raise RuntimeError(f"emulator did not start: {line!r}")
            yield line.removeprefix("emulator listening on ")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def ours(url: str) -> RayClusterApi:
    return RayClusterApi(url, StaticCredentials(Credentials(AK, SK)), retry=RetryPolicy(max_attempts=1))


def bare_httpx(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, auth=AcsSigner(StaticCredentials(Credentials(AK, SK))))


def sdk(url: str) -> Any:
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi import models as oa

    return Client(oa.Config(access_key_id=AK, access_key_secret=SK, endpoint=url.split("//")[1], protocol="HTTP"))


def measure(call: Callable[[], object], calls: int, warmup: int = 20) -> tuple[float, float]:
    """(calls per second, p50 latency in ms) over ``calls`` serial calls after a warm-up."""
    return interleaved({"only": call}, calls, warmup)["only"]


def interleaved(
    calls_by_name: dict[str, Callable[[], object]], calls: int, warmup: int = 20, block: int = 50
) -> dict[str, tuple[float, float]]:
    """Like ``measure`` for several clients, in alternating blocks, so that a noisy moment on this shared
    machine falls on all of them alike instead of deciding the ratio."""
    for call in calls_by_name.values():
        for _ in range(warmup):
            call()
    latencies: dict[str, list[float]] = {name: [] for name in calls_by_name}
    for _ in range(max(calls // block, 1)):
        for name, call in calls_by_name.items():
            for _ in range(block):
                t = time.perf_counter()
                call()
                latencies[name].append(time.perf_counter() - t)
    return {name: (len(lat) / sum(lat), statistics.median(lat) * 1000) for name, lat in latencies.items()}


def _pair_rows(where: str, ours_m: tuple[float, float], sdk_m: tuple[float, float]) -> list[dict[str, Any]]:
    return [
        {
            "metric": f"{where}: GetRayCluster throughput",
            "value": round(ours_m[0], 1),
            "unit": "calls/s",
            "baseline": round(sdk_m[0], 1),
            "ratio": round(ours_m[0] / sdk_m[0], 2),
        },
        {
            "metric": f"{where}: GetRayCluster p50 latency",
            "value": round(ours_m[1], 3),
            "unit": "ms",
            "baseline": round(sdk_m[1], 3),
            "ratio": round(ours_m[1] / sdk_m[1], 2),
        },
    ]


def run(calls: int = 300) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with emulator() as url, ours(url) as api:
        cluster_id = api.create(WS, {"name": "bench", "headSpec": {"cpu": "2", "memory": "8Gi"}})
        client = sdk(url)
        got = interleaved(
            {"ours": lambda: api.get(WS, cluster_id), "sdk": lambda: client.get_ray_cluster(WS, cluster_id)}, calls
        )
        rows += _pair_rows("emulator", got["ours"], got["sdk"])
    with trivial_server() as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        path = f"/api/v1/workspaces/{WS}/rayCluster/ray-k7nm8ahl5te4tg91"
        client = sdk(url)
        with ours(url) as api, bare_httpx(url) as bare:
            server.connections = 0
            got = interleaved(
                {
                    "ours": lambda: api.get(WS, "ray-k7nm8ahl5te4tg91"),
                    "sdk": lambda: client.get_ray_cluster(WS, "ray-k7nm8ahl5te4tg91"),
                    # The floor under our client: a bare httpx.Client with our signer, no retries, no parsing.
                    "bare": lambda: bare.get(path, headers={"x-acs-action": "GetRayCluster"}).content,
                },
                calls,
            )
        # One keep-alive connection per client is the aim: three clients, three connections.
        connections = server.connections
        rows += _pair_rows("trivial server", got["ours"], got["sdk"])
        rows += _pair_rows("trivial server, bare httpx + our signer (the floor)", got["bare"], got["sdk"])
        rows.append(
            {
                "metric": f"trivial server: TCP connections, 3 clients x {calls + 20} calls",
                "value": connections,
                "unit": "connections",
                "baseline": 3,
                "baseline_is": "one keep-alive connection per client",
                "ratio": round(connections / 3, 2),
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| metric | ours | unit | SDK | ours/SDK |", "|---|---:|---|---:|---:|"]
    lines += [f"| {r['metric']} | {r['value']} | {r['unit']} | {r['baseline']} | {r['ratio']} |" for r in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run(int(sys.argv[1]) if len(sys.argv) > 1 else 300)))
