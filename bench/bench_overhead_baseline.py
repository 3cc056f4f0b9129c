"""Baseline cost of the dynamic-provider protocol itself, before our provider does any work.

`measure()` times Check and Diff round trips through the SDK's gRPC server (`python -u -m pulumi.dynamic`)
for any provider; `run()` measures the do-nothing EmptyProvider (the floor) and the size and load cost of
a pickled `__provider`. Later benchmarks call `measure()` for the real provider in the same run, so the
difference is what our code costs per resource in a preview.

    .venv/bin/python bench/bench_overhead_baseline.py
"""

from __future__ import annotations

import base64
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from anywhere: harness is not an installed package

import dill  # noqa: E402

from harness.engine import ProviderServer, secret  # noqa: E402
from harness.toy_provider import EchoProvider, EmptyProvider  # noqa: E402

WARMUP_CALLS = 20
COLD_LOAD_RUNS = 3


def _ms(samples: list[float]) -> tuple[float, float]:
    """(median, p90) in milliseconds."""
    p90 = statistics.quantiles(samples, n=10)[8] if len(samples) >= 10 else max(samples)
    return statistics.median(samples) * 1e3, p90 * 1e3


def measure(
    server: ProviderServer,
    provider: object,
    news: dict[str, Any],
    n: int,
    *,
    resource_id: str = "bench-id",
    olds: dict[str, Any] | None = None,
    name: str = "bench",
) -> dict[str, float]:
    """Per-call wall time of Check and Diff through the gRPC server, after warm-up.

    `__provider` is serialized once up front, as in a real deployment (it comes from state), so the timings
    hold the engine-side marshalling, the gRPC hop and the provider's own work. `first_call_ms` is the
    first Check: it includes unpickling and configuring the provider when the server has not seen it yet.
    """
    urn = server.urn(name)
    marker = {"__provider": secret(server.serialized_provider(provider))}
    news_bag = {**news, **marker}
    olds_bag = {**(olds if olds is not None else news), **marker}

    began = time.perf_counter()
    server.check(provider, urn, olds_bag, news_bag)
    first_call = time.perf_counter() - began
    for _ in range(WARMUP_CALLS):
        server.check(provider, urn, olds_bag, news_bag)
        server.diff(provider, resource_id, urn, olds_bag, news_bag)

    check_times: list[float] = []
    diff_times: list[float] = []
    for _ in range(n):
        began = time.perf_counter()
        server.check(provider, urn, olds_bag, news_bag)
        check_times.append(time.perf_counter() - began)
    for _ in range(n):
        began = time.perf_counter()
        server.diff(provider, resource_id, urn, olds_bag, news_bag)
        diff_times.append(time.perf_counter() - began)

    check_median, check_p90 = _ms(check_times)
    diff_median, diff_p90 = _ms(diff_times)
    return {
        "n": float(n),
        "first_call_ms": first_call * 1e3,
        "check_median_ms": check_median,
        "check_p90_ms": check_p90,
        "diff_median_ms": diff_median,
        "diff_p90_ms": diff_p90,
    }


def provider_payload(provider: object, loads: int = 200) -> dict[str, float]:
    """Size of `__provider` and the cost of turning it back into an object, as the server does.

    `warm_load_us`: dill.loads of the base64 in a process that already imported the provider's module.
    `cold_load_ms`: the same in a fresh interpreter that has imported pulumi.dynamic (as the server has) but
    not the provider's module, so it includes importing that module once.
    """
    serialized = ProviderServer.serialized_provider(provider)
    raw = base64.b64decode(serialized)
    samples = []
    for _ in range(loads):
        began = time.perf_counter()
        dill.loads(base64.b64decode(serialized))
        samples.append(time.perf_counter() - began)
    script = (
        "import base64, sys, time, dill, pulumi.dynamic\n"
        "t = time.perf_counter(); dill.loads(base64.b64decode(sys.argv[1]))\n"
        "print(time.perf_counter() - t)\n"
    )
    cold = []
    for _ in range(COLD_LOAD_RUNS):
        out = subprocess.run(
            [sys.executable, "-c", script, serialized], cwd=ROOT, capture_output=True, text=True, check=True
        )
        cold.append(float(out.stdout.strip()))
    return {
        "base64_chars": float(len(serialized)),
        "pickle_bytes": float(len(raw)),
        "warm_load_us": statistics.median(samples) * 1e6,
        "cold_load_ms": statistics.median(cold) * 1e3,
    }


BY_VALUE_SCRIPT = """
import base64, time, dill
from pulumi.dynamic import CreateResult, ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider

class InlineProvider(ResourceProvider):
    def create(self, props):
        return CreateResult("inline", dict(props))

s = serialize_provider(InlineProvider())
t = time.perf_counter(); raw = base64.b64decode(s); dill.loads(raw); t = time.perf_counter() - t
print(len(s), len(raw), t)
"""


def by_value_payload() -> dict[str, float]:
    """The same figures for a provider class defined in `__main__` (the program): dill copies its code."""
    out = subprocess.run([sys.executable, "-c", BY_VALUE_SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True)
    chars, raw_bytes, load_s = out.stdout.split()
    return {"base64_chars": float(chars), "pickle_bytes": float(raw_bytes), "load_us": float(load_s) * 1e6}


def run(n: int = 500) -> dict[str, Any]:
    """Measure the baseline rows and print them as a table."""
    began = time.perf_counter()
    with ProviderServer(ROOT) as server:
        startup_ms = (time.perf_counter() - began) * 1e3
        server.configure({})
        empty = measure(server, EmptyProvider(), {"name": "bench", "replica": 2, "tags": ["a", "b"]}, n)
        rss_mb = server.rss_bytes() / 2**20
        peak_mb = server.peak_rss_bytes() / 2**20
    payloads = {
        "EmptyProvider": provider_payload(EmptyProvider()),
        "EchoProvider": provider_payload(EchoProvider(config_keys=("emr:endpoint",))),
    }

    print(f"## Dynamic-provider protocol baseline (n={n}, after {WARMUP_CALLS} warm-up calls)\n")
    print("| row | median ms | p90 ms |")
    print("|---|---:|---:|")
    print(f"| EmptyProvider Check | {empty['check_median_ms']:.3f} | {empty['check_p90_ms']:.3f} |")
    print(f"| EmptyProvider Diff | {empty['diff_median_ms']:.3f} | {empty['diff_p90_ms']:.3f} |")
    print(f"\nfirst Check (unpickle + configure): {empty['first_call_ms']:.2f} ms")
    print(f"server start to port ready: {startup_ms:.0f} ms; RSS {rss_mb:.1f} MiB (peak {peak_mb:.1f} MiB)\n")
    print("| provider | __provider base64 chars | pickle bytes | warm load us | cold load ms |")
    print("|---|---:|---:|---:|---:|")
    for label, p in payloads.items():
        print(
            f"| {label} | {p['base64_chars']:.0f} | {p['pickle_bytes']:.0f} | "
            f"{p['warm_load_us']:.1f} | {p['cold_load_ms']:.2f} |"
        )
    inline = by_value_payload()
    print(
        f"| InlineProvider in `__main__` (pickled by value) | {inline['base64_chars']:.0f} | "
        f"{inline['pickle_bytes']:.0f} | {inline['load_us']:.1f} (1st load) | - |"
    )
    payloads["InlineProvider"] = inline
    return {"empty": empty, "payloads": payloads, "startup_ms": startup_ms, "rss_mb": rss_mb}


if __name__ == "__main__":
    run()
