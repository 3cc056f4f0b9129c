"""CPU of a many-cluster preview in the provider process: ours against an empty provider doing the same Gets.

A preview asks a dynamic provider for Check (old inputs, new inputs) and Diff (old outputs, checked inputs) of
every resource; the engine sends up to 64 at once (`--parallel`). This benchmark plays that for N clusters
(created first through the provider, so the old outputs are real ones) against one `python -m pulumi.dynamic`
server, and reads the server process's CPU time (user + system, all threads, from `/proc/<pid>/stat`) before
and after each preview.

The baseline is `EmptyGetProvider`, same server, same run: its Check returns the inputs, its Diff makes the same
GetRayCluster with nothing but an `httpx.Client` and our request signer (the least a provider must do to read a
cluster) and answers "no change". The provider of `--before REF` (default BEFORE) previews the same clusters in
a server of its own, run from its own directory (`bench_scale.before_tree`). Each round previews with all three
in turn; the figure is the median over rounds of each one's CPU over the baseline's in that round.

Threads and the SDK's gRPC work make that figure noisy, so the same Check + Diff calls are also made in one
thread without the server (`--in-process`, one process per version): the provider's own CPU, beside the
baseline's. Pacing is off (`RAY_CLUSTERS_API_RATE_LIMIT=off`, bench/__init__): the quota must not set the pace.

    .venv/bin/python -m bench.bench_diff_cpu [--quick] [--clusters N] [--rounds R] [--before REF] [--write]

`--write` replaces the "Diff CPU" section of bench/RESULTS.md (the rest of the file is kept).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from pulumi.dynamic import CheckResult, ConfigureRequest, DiffResult, ResourceProvider

from bench import ROOT, TYPE, Row, cluster_inputs, provider_config, provider_server, row

NAME = "diff-cpu"
SECTION = "## Diff CPU: a many-cluster preview against an empty provider"
BEFORE = "9d97894"  # main before issue 18 item 4 (Diff CPU)
PARALLEL = 64
CLUSTERS = 500
ROUNDS = 5
WARMUP = 64
_TICKS = os.sysconf("SC_CLK_TCK")

Made = list[tuple[str, dict[str, Any]]]
"""(cluster id, old outputs) of every cluster of the preview."""


class EmptyGetProvider(ResourceProvider):
    """Check: the inputs as given. Diff: one signed GetRayCluster, its JSON read, "no change".

    Importable (bench.bench_diff_cpu), so dill pickles it by reference like the real provider.
    """

    def configure(self, req: ConfigureRequest) -> None:
        from provider.client.credentials import Credentials, StaticCredentials
        from provider.client.signing import AcsSigner

        keys = Credentials(str(req.config.get("alicloud:accessKey")), str(req.config.get("alicloud:secretKey")))
        base_url = str(req.config.get("emr:endpoint"))
        self._http = httpx.Client(base_url=base_url, auth=AcsSigner(StaticCredentials(keys)), trust_env=False)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, id_: str, _olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        path = f"/api/v1/workspaces/{news['workspaceId']}/rayCluster/{id_}"
        self._http.get(path, headers={"x-acs-action": "GetRayCluster"}).raise_for_status().json()
        return DiffResult(changes=False)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its threads so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of proc(5))


def _old_inputs(outputs: dict[str, Any]) -> dict[str, Any]:
    """What the engine sends Check as olds: the inputs of the last deployment."""
    from provider.core.decision import input_props

    return input_props(outputs)


def _declared(outputs: dict[str, Any]) -> dict[str, Any]:
    """The program's inputs for this cluster, as the program sends them (a fresh dict every time)."""
    return cluster_inputs(name=outputs["name"], owner=outputs.get("owner"))


def _create_all(server: Any, provider: object, n: int) -> Made:
    """n clusters created through the provider (Check + Create), 64 at once."""

    def one(i: int) -> tuple[str, dict[str, Any]]:
        name = f"cpu-{i:04d}"
        urn = server.urn(name, TYPE)
        checked = server.check(provider, urn, {}, cluster_inputs(name=name, owner=f"ray-clusters/bench/{name}"))
        cluster_id, outputs = server.create(provider, urn, checked.inputs)
        return str(cluster_id), dict(outputs)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(one, range(n)))


def _preview(server: Any, provider: object, made: Made) -> list[str]:
    """Check + Diff of every cluster, 64 at once, as `pulumi preview` does; the Diff answers."""

    def one(item: tuple[str, dict[str, Any]]) -> str:
        cluster_id, outputs = item
        urn = server.urn(str(outputs["name"]), TYPE)
        checked = server.check(provider, urn, _old_inputs(outputs), _declared(outputs))
        if checked.failures:
            raise ValueError(f"Check failed: {checked.failures}")
        return str(server.diff(provider, cluster_id, urn, outputs, checked.inputs).changes)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(one, made))


# -- in one thread, without the server ----------------------------------------------------------------------


class _Config:
    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def get(self, key: str) -> str | None:
        return self._values.get(key)


def _in_process(endpoint: str, made: Made, rounds: int = ROUNDS) -> dict[str, float]:
    """CPU seconds of Check + Diff of every cluster, one after the other, by our provider and by the baseline
    (alternating passes; the median pass of each)."""
    from provider.resource import RayClusterProvider

    providers: dict[str, ResourceProvider] = {"ours": RayClusterProvider(), "empty": EmptyGetProvider()}
    for provider in providers.values():
        provider.configure(ConfigureRequest(_Config(provider_config(endpoint))))  # type: ignore[arg-type]

    def preview(provider: ResourceProvider, items: Made) -> float:
        began = time.process_time()
        for cluster_id, outputs in items:
            checked = provider.check(_old_inputs(outputs), _declared(outputs))
            if provider.diff(cluster_id, outputs, checked.inputs).changes:
                raise RuntimeError(f"{type(provider).__name__}: {cluster_id} is not unchanged")
        return time.process_time() - began

    for provider in providers.values():
        preview(provider, made[:WARMUP])
    passes: dict[str, list[float]] = {key: [] for key in providers}
    for _ in range(rounds):
        for key, provider in providers.items():
            passes[key].append(preview(provider, made))
    return {key: statistics.median(values) for key, values in passes.items()}


def _in_process_of(root: Path, endpoint: str, made: Made) -> dict[str, float]:
    """`_in_process` in a process whose `provider` package is the one under `root` (this file's stays importable)."""
    from harness.engine import revealed  # the outputs as the provider receives them: secrets unwrapped

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"endpoint": endpoint, "made": revealed(made)}, handle)
    try:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(ROOT)])}
        answer = subprocess.run(
            [sys.executable, "-m", "bench.bench_diff_cpu", "--in-process", handle.name],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    finally:
        os.unlink(handle.name)
    return dict(json.loads(answer.stdout.strip().splitlines()[-1]))


# -- the benchmark ------------------------------------------------------------------------------------------


def _measured(pid: int, work: Callable[[], list[str]]) -> tuple[float, list[str]]:
    before = cpu_seconds(pid)
    answers = work()
    return cpu_seconds(pid) - before, answers


def _rounds(emulator: Any, plays: dict[str, tuple[Any, object]], made: Made, rounds: int) -> Iterator[dict[str, float]]:
    """Per round, each player's server CPU for the whole preview (checked: all unchanged, one Get each)."""
    for where, provider in plays.values():  # imports, configure, the widened pool, warm connections
        _preview(where, provider, made[:WARMUP])
    for _ in range(rounds):
        spent: dict[str, float] = {}
        for key, (where, provider) in plays.items():
            emulator.reset()
            seconds, answers = _measured(where.pid, lambda w=where, p=provider: _preview(w, p, made))
            gets, unchanged = len(emulator.journal("GetRayCluster")), answers.count("DIFF_NONE")
            if unchanged != len(made) or gets != len(made):
                raise RuntimeError(f"{key}: {unchanged} of {len(made)} unchanged, {gets} Gets")
            spent[key] = seconds
        yield spent


def run(quick: bool = False, clusters: int = CLUSTERS, rounds: int = ROUNDS, before: str = BEFORE) -> list[Row]:
    from bench.bench_scale import before_tree
    from harness.emulator import start_emulator
    from harness.engine import ProviderServer
    from provider.resource import RayClusterProvider

    n = 100 if quick else clusters
    ours, empty = RayClusterProvider(), EmptyGetProvider()
    with tempfile.TemporaryDirectory() as tmp, before_tree(before) as old_root:
        emulator = start_emulator(Path(tmp), startup_seconds=0.0)
        try:
            with provider_server(emulator.url) as server, ProviderServer(old_root, call_timeout=900.0) as old:
                old.configure(provider_config(emulator.url), secret_keys=["alicloud:secretKey"])
                made = _create_all(server, ours, n)
                plays = {"empty": (server, empty), "ours": (server, ours), "before": (old, ours)}
                samples = list(_rounds(emulator, plays, made, rounds))
            alone = {
                "ours": _in_process_of(ROOT, emulator.url, made),
                "before": _in_process_of(old_root, emulator.url, made),
            }
        finally:
            emulator.stop()
    return _rows(n, before, samples, alone)


def _rows(n: int, before: str, samples: list[dict[str, float]], alone: dict[str, dict[str, float]]) -> list[Row]:
    def ratio(key: str) -> float:
        return statistics.median(s[key] / s["empty"] for s in samples)

    def cpu(key: str) -> float:
        return statistics.median(s[key] for s in samples)

    spread = "; ".join(f"{key} " + "/".join(f"{s[key]:.2f}" for s in samples) for key in samples[0])
    baseline = "EmptyGetProvider, same Gets"
    at = f"preview of {n} unchanged, {PARALLEL} at once, server CPU"
    ms = {version: {k: v / n * 1e3 for k, v in spent.items()} for version, spent in alone.items()}
    return [
        row(NAME, f"{at}, this version (median of per-round ratios; rounds, s: {spread})", cpu("ours"), "s",
            cpu("empty"), ratio=ratio("ours"), baseline_is=baseline, aim="<= 1.5"),
        row(NAME, f"{at}, before ({before})", cpu("before"), "s", cpu("empty"), ratio=ratio("before"),
            baseline_is=baseline, aim="<= 1.5"),
        row(NAME, "Check + Diff per cluster in one thread, no server: CPU, this version", ms["ours"]["ours"], "ms",
            ms["ours"]["empty"], baseline_is=baseline, aim="<= 1.5"),
        row(NAME, f"Check + Diff per cluster in one thread, no server: CPU, before ({before})", ms["before"]["ours"],
            "ms", ms["before"]["empty"], baseline_is=baseline, aim="<= 1.5"),
        row(NAME, "Check + Diff per cluster in one thread: our CPU above the baseline, this version",
            ms["ours"]["ours"] - ms["ours"]["empty"], "ms", ms["before"]["ours"] - ms["before"]["empty"],
            baseline_is=f"the same, before ({before})"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench.run import markdown, write_section

    parser = argparse.ArgumentParser(prog="python -m bench.bench_diff_cpu", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 clusters")
    parser.add_argument("--clusters", type=int, default=CLUSTERS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--before", default=BEFORE, help=f"git ref of the version to compare with (default {BEFORE})")
    parser.add_argument("--write", action="store_true", help="replace the Diff CPU section of bench/RESULTS.md")
    parser.add_argument("--in-process", metavar="FILE", help=argparse.SUPPRESS)  # run by _in_process_of
    args = parser.parse_args(argv)
    if args.in_process:
        job = json.loads(Path(args.in_process).read_text())
        print(json.dumps(_in_process(job["endpoint"], [tuple(item) for item in job["made"]])))
        return 0
    rows = run(quick=args.quick, clusters=args.clusters, rounds=args.rounds, before=args.before)
    print(markdown(rows))
    if args.write:
        flags = " --quick" if args.quick else f" --clusters {args.clusters} --rounds {args.rounds}"
        command = f".venv/bin/python -m bench.bench_diff_cpu{flags} --before {args.before} --write"
        write_section(SECTION, "bench/bench_diff_cpu.py", rows, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
