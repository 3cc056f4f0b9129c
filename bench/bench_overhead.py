"""What our provider costs per resource in a preview, beyond the protocol and the API call it must make.

Check and Diff of RayClusterProvider go through the real `python -m pulumi.dynamic` server, against the
do-nothing EmptyProvider in the same server process, same run (`bench_overhead_baseline.measure`). Diff
makes one GetRayCluster; its cost is measured inside the server by GetOnlyProvider (a Diff that only does that
Get with our client) and, as a cross-check, from this process before and after; then subtracted.
Aim: within 1.5x of the empty provider. Also the size of `__provider` and the cost of loading it.

    .venv/bin/python -m bench.bench_overhead
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from pulumi.dynamic import ConfigureRequest, DiffResult, ResourceProvider

from bench import WORKSPACE, Engine, Row, cluster_inputs, median_ms, provider_server, row

NAME = "overhead"


class GetOnlyProvider(ResourceProvider):
    """Diff = one GetRayCluster with our client and nothing else: the protocol plus the API call, measured
    inside the server process (same threads, same GIL) so that ours minus this is our own code.

    Importable (bench.bench_overhead), so dill pickles it by reference like the real provider.
    """

    def configure(self, req: ConfigureRequest) -> None:
        from provider.client.api import RayClusterApi
        from provider.client.credentials import Credentials, StaticCredentials

        keys = Credentials(str(req.config.get("alicloud:accessKey")), str(req.config.get("alicloud:secretKey")))
        self._api = RayClusterApi(str(req.config.get("emr:endpoint")), StaticCredentials(keys), trust_env=False)

    def diff(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        self._api.get(news["workspaceId"], id_)
        return DiffResult(changes=False)


def _get_latency_ms(emulator: Any, cluster_id: str, n: int) -> float:
    """Median GetRayCluster round trip of our client alone (what Diff has to spend on the API)."""
    from provider.client.api import RayClusterApi
    from provider.client.credentials import Credentials, StaticCredentials

    credentials = StaticCredentials(Credentials(emulator.access_key_id, emulator.access_key_secret))
    samples = []
    with RayClusterApi(emulator.url, credentials, trust_env=False) as api:
        for _ in range(20):
            api.get(WORKSPACE, cluster_id)
        for _ in range(n):
            began = time.perf_counter()
            api.get(WORKSPACE, cluster_id)
            samples.append(time.perf_counter() - began)
    return median_ms(samples)


def _first_check_ms(emulator_url: str, provider: object, news: dict[str, Any]) -> float:
    """The first Check in a fresh server: unpickling `__provider` (importing its module), then configure()."""
    with provider_server(emulator_url) as server:
        engine = Engine(server, provider, "first")
        began = time.perf_counter()
        engine.check(news)
        return (time.perf_counter() - began) * 1e3


ROUNDS = 5


def _median_of(results: list[dict[str, float]]) -> dict[str, float]:
    """Each metric's median over the rounds."""
    return {key: statistics.median(result[key] for result in results) for key in results[0]}


def run(quick: bool = False) -> list[Row]:
    from bench.bench_overhead_baseline import WARMUP_CALLS, measure, provider_payload
    from harness.emulator import start_emulator
    from harness.toy_provider import EmptyProvider
    from provider.resource import RayClusterProvider

    n = 100 if quick else 400
    tiny = {"name": "bench", "replica": 2, "tags": ["a", "b"]}
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp), startup_seconds=0.2)
        try:
            with provider_server(emulator.url) as server:
                ours = RayClusterProvider()
                engine = Engine(server, ours, "analytics")
                cluster_id, outputs = engine.create(cluster_inputs())
                news = {k: v for k, v in engine.check(cluster_inputs()).items() if k != "__provider"}
                outputs.pop("__provider", None)
                empty_tiny = measure(server, EmptyProvider(), tiny, n)
                get_before = _get_latency_ms(emulator, cluster_id, n)
                # Alternating rounds, so that a noisy moment on this shared machine falls on every provider alike.
                per_round = max(n // ROUNDS, 20)
                rounds: dict[str, list[dict[str, float]]] = {"empty": [], "get_only": [], "real": []}
                calls: list[dict[str, Any]] = []
                for _ in range(ROUNDS):
                    # The fair floor: the same property bags (news, old outputs) through a provider that does nothing.
                    rounds["empty"].append(
                        measure(server, EmptyProvider(), news, per_round, resource_id=cluster_id, olds=outputs)
                    )
                    rounds["get_only"].append(
                        measure(server, GetOnlyProvider(), news, per_round, resource_id=cluster_id, olds=outputs)
                    )
                    emulator.reset()
                    rounds["real"].append(
                        measure(server, ours, news, per_round, resource_id=cluster_id, olds=outputs, name="analytics")
                    )
                    calls += emulator.journal()
                empty, get_only, real = (_median_of(rounds[key]) for key in ("empty", "get_only", "real"))
                get_after = _get_latency_ms(emulator, cluster_id, n)
            first_ours = _first_check_ms(emulator.url, RayClusterProvider(), cluster_inputs())
            first_empty = _first_check_ms(emulator.url, EmptyProvider(), tiny)
        finally:
            emulator.stop()

    get_ms = (get_before + get_after) / 2
    same = "EmptyProvider, same bags"
    rows = [
        row(NAME, "Check, median per call", real["check_median_ms"], "ms", empty["check_median_ms"],
            baseline_is=same, aim="<= 1.5"),
        row(NAME, "Diff, median per call (includes 1 GetRayCluster)", real["diff_median_ms"], "ms",
            get_only["diff_median_ms"], baseline_is="GetOnlyProvider: just that Get, in the server"),
        row(NAME, "Diff minus the Get (the Get timed in the server by GetOnlyProvider)",
            real["diff_median_ms"] - get_only["diff_median_ms"] + empty["diff_median_ms"], "ms",
            empty["diff_median_ms"], baseline_is=same, aim="<= 1.5"),
        row(NAME, f"Diff minus the Get (timed from this process: {get_ms:.2f} ms, before {get_before:.2f} / "
            f"after {get_after:.2f})", real["diff_median_ms"] - get_ms, "ms", empty["diff_median_ms"],
            baseline_is=same, aim="<= 1.5"),
        row(NAME, "Diff p90", real["diff_p90_ms"], "ms", empty["diff_p90_ms"], baseline_is=same),
        row(NAME, "protocol floor: EmptyProvider Check, 3-key bag", empty_tiny["check_median_ms"], "ms"),
        row(NAME, "protocol floor: EmptyProvider Diff, 3-key bag", empty_tiny["diff_median_ms"], "ms"),
        row(NAME, "first Check in a fresh server (unpickle, import, configure)", first_ours, "ms", first_empty,
            baseline_is="EmptyProvider"),
        # measure() runs 20 warm-up Check+Diff pairs, then n Checks and n Diffs: Check must call nothing.
        row(NAME, "API calls per Check+Diff (journal)", len(calls) / (ROUNDS * (WARMUP_CALLS + per_round)), "calls", 1,
            baseline_is="limit", aim="1 Get"),
    ]  # fmt: skip
    ours_payload = provider_payload(RayClusterProvider())
    empty_payload = provider_payload(EmptyProvider())
    rows += [
        row(NAME, "`__provider` size (base64)", ours_payload["base64_chars"], "chars", empty_payload["base64_chars"],
            baseline_is="EmptyProvider"),
        row(NAME, "`__provider` load, warm process", ours_payload["warm_load_us"], "us",
            empty_payload["warm_load_us"], baseline_is="EmptyProvider"),
        row(NAME, "`__provider` load, fresh process (imports provider.*)", ours_payload["cold_load_ms"], "ms",
            empty_payload["cold_load_ms"], baseline_is="EmptyProvider"),
    ]  # fmt: skip
    return rows


if __name__ == "__main__":
    from bench.run import markdown

    print(markdown(run()))
