"""Hundreds of clusters under the account's API quota (issue 18): this version against the one before, same run.

Each version runs in its own `python -m pulumi.dynamic` server (harness/engine.py), driven like the engine with up to
64 steps at once, against one emulator (startup 0 s, 20 ms per call). "Before" is the provider of `--before REF`
(default BEFORE: main just before issue 18's client work was merged into it: no shared listing, throttling given
up after 5 attempts, no pacing, every node in the outputs), extracted with `git archive` and run from its own
directory.

- creates into a full workspace: N = 1, 50, 200, 500 concurrent creates into a workspace already holding M = 500
  clusters; ListRayCluster calls from the emulator's journal, against the ideal N + ceil(M / 100);
- under a quota: 50 creates into the full workspace with ListRayCluster and CreateRayCluster limited to 20/s
  each (the emulator's `rateLimits`), and a preview of 500 clusters with GetRayCluster limited to 20/s: how many
  succeed, and duplicates;
- state: bytes of outputs per node, between a cluster of 2 nodes and one of 42.

The provider runs with its defaults (no `emr:apiRateLimit`). Every row's baseline is measured or derived in the
same run: the ideal call count, the number of steps asked for, or the version before.

    .venv/bin/python -m bench.bench_scale [--quick] [--before REF] [--write]

`--write` replaces the "Scale" section of bench/RESULTS.md (the rest of the file is `python -m bench.run`'s).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import subprocess
import tarfile
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import ROOT, WORKSPACE, Engine, Row, cluster_inputs, provider_config, row
from bench.run import markdown, write_section

NAME = "scale"
BEFORE = "c725bc6"  # main just before this branch (issue 18 items 1-3 and 6) was merged into it
SIZES = (1, 50, 200, 500)
FULL = 500  # M: clusters already in the workspace
PAGE = 100
LATENCY_MS = 20
MAX_PARALLEL = 64
QUOTA = {"ListRayCluster": "20/s", "CreateRayCluster": "20/s"}
QUOTA_CREATES = 50
GET_QUOTA = {"GetRayCluster": "20/s"}
PREVIEWS = 500
SMALL, LARGE = 1, 41  # worker replicas: 2 and 42 nodes
SECTION = "## Scale: many clusters under the API quota"


@contextmanager
def before_tree(ref: str) -> Iterator[Path]:
    """The provider package of `ref`, in a directory of its own (the server imports `provider` from its cwd)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", ref, "provider"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tempfile.TemporaryDirectory(prefix="before-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def _server(root: Path, emulator: Any) -> Any:
    from harness.engine import ProviderServer
    from provider.client.pacing import RATE_LIMIT_ENV

    server = ProviderServer(root, env={RATE_LIMIT_ENV: ""}, call_timeout=900.0)  # the default pacing (bench/__init__)
    server.configure(provider_config(emulator.url), secret_keys=["alicloud:secretKey"])
    return server


def _fill(emulator: Any, names: list[str], **overrides: Any) -> list[str]:
    """Clusters made directly (not through a provider): the workspace as others left it."""
    from provider.client.api import RayClusterApi
    from provider.client.credentials import ClientSettings
    from provider.client.pacing import UNPACED
    from provider.schema.spec import check_inputs

    settings = ClientSettings(emulator.access_key_id, emulator.access_key_secret, endpoint=emulator.url)
    model, failures = check_inputs(cluster_inputs(**overrides))
    assert model is not None, failures
    body = model.api_body()
    with RayClusterApi.from_settings(settings, pacer=UNPACED) as api, ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda name: api.create(WORKSPACE, {**body, "name": name}), names))


def _parallel(n: int, step: Any) -> tuple[float, list[Any]]:
    """step(i) for i < n on min(n, 64) threads, like the engine's walk; (seconds, results or the errors)."""
    from harness.engine import ProviderError

    def guarded(i: int) -> Any:
        try:
            return step(i)
        except ProviderError as error:
            return error

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(n, MAX_PARALLEL)) as pool:
        results = list(pool.map(guarded, range(n)))
    return time.perf_counter() - began, results


def _fresh(emulator: Any, rate_limits: dict[str, str] | None = None, present: int = 0) -> None:
    emulator.reset(clusters=True)
    emulator.configure(rateLimits=rate_limits or {})
    if present:
        _fill(emulator, [f"other-{i:04d}" for i in range(present)])
    emulator.reset()  # the journal (and the quota windows) start empty
    emulator.set_faults([], latency_ms=LATENCY_MS)


def _creates(server: Any, emulator: Any, names: list[str]) -> dict[str, float]:
    """Check + Create of every name at once; what succeeded, what the journal and the store show."""
    from provider.resource import RayClusterProvider

    provider = RayClusterProvider()
    seconds, results = _parallel(
        len(names), lambda i: Engine(server, provider, names[i]).create(cluster_inputs(name=names[i]))
    )
    stored = Counter(c["name"] for c in emulator.clusters())
    asked = set(names)
    journal = emulator.journal()
    return {
        "seconds": seconds,
        "ok": sum(not isinstance(r, Exception) for r in results),
        "duplicates": sum(count - 1 for name, count in stored.items() if name in asked),
        "lists": sum(e["action"] == "ListRayCluster" for e in journal),
        "refused": sum(e.get("fault") == "rate-limit" for e in journal),
    }


def _preview(server: Any, emulator: Any, n: int) -> dict[str, float]:
    """Check + Diff of n unchanged clusters at once under the Get quota."""
    from provider.resource import RayClusterProvider

    names = [f"p-{i:04d}" for i in range(n)]
    ids = _fill(emulator, names)
    emulator.reset()
    emulator.configure(rateLimits=GET_QUOTA)
    provider = RayClusterProvider()

    def diff(i: int) -> str:
        declared = cluster_inputs(name=names[i])
        return Engine(server, provider, names[i]).preview(ids[i], {**declared, "clusterId": ids[i]}, declared)

    seconds, results = _parallel(n, diff)
    journal = emulator.journal("GetRayCluster")
    return {
        "seconds": seconds,
        "ok": sum(r == "DIFF_NONE" for r in results),
        "refused": sum(e.get("fault") == "rate-limit" for e in journal),
    }


def _bytes_per_node(server: Any, emulator: Any) -> float:
    """Outputs (compact JSON, secrets unwrapped) of a 42-node cluster minus a 2-node one, per extra node."""
    from harness.engine import revealed
    from provider.resource import RayClusterProvider

    sizes = []
    for replica in (SMALL, LARGE):
        name = f"size-{replica:02d}"
        group = {"groupName": "w", "workerType": "CPU", "replica": replica, "cpu": 4, "memory": "16Gi"}
        _, outputs = Engine(server, RayClusterProvider(), name).create(cluster_inputs(name=name, workerSpec=[group]))
        sizes.append(len(json.dumps(revealed(outputs), separators=(",", ":")).encode()))
    return (sizes[1] - sizes[0]) / (LARGE - SMALL)


def measure(root: Path, emulator: Any, sizes: tuple[int, ...], previews: int) -> dict[str, Any]:
    """Every figure of one provider version (its server runs from `root`)."""
    server = _server(root, emulator)
    try:
        figures: dict[str, Any] = {}
        for n in sizes:
            _fresh(emulator, present=FULL)
            figures[f"creates {n}"] = _creates(server, emulator, [f"new-{i:04d}" for i in range(n)])
        _fresh(emulator, rate_limits=QUOTA, present=FULL)
        figures["quota creates"] = _creates(server, emulator, [f"q-{i:02d}" for i in range(QUOTA_CREATES)])
        _fresh(emulator)
        figures["quota preview"] = _preview(server, emulator, previews)
        _fresh(emulator)
        figures["bytes per node"] = _bytes_per_node(server, emulator)
        return figures
    finally:
        server.close()


def _rows(after: dict[str, Any], before: dict[str, Any], ref: str, sizes: tuple[int, ...], previews: int) -> list[Row]:
    rows: list[Row] = []
    for n in sizes:
        ideal = n + math.ceil(FULL / PAGE)
        a, b = after[f"creates {n}"], before[f"creates {n}"]
        for label, got in (("this version", a), (f"before ({ref})", b)):
            rows.append(row(NAME, f"{n} creates into {FULL}: ListRayCluster calls, {label} ({got['ok']:.0f} created)",
                            got["lists"], "calls", ideal, baseline_is="ideal N + ceil(M/100)", aim="<= 1"))  # fmt: skip
        rows.append(row(NAME, f"{n} creates into {FULL}: wall, this version", a["seconds"], "s", b["seconds"],
                        baseline_is=f"before ({ref})"))  # fmt: skip
    what = f"{QUOTA_CREATES} creates into {FULL} under ListRayCluster and CreateRayCluster 20/s"
    for label, got in (("this version", after["quota creates"]), (f"before ({ref})", before["quota creates"])):
        refused = f"{got['refused']:.0f} calls refused by the quota"
        rows += [
            row(NAME, f"{what}: succeeded, {label} ({refused})", got["ok"], "creates", QUOTA_CREATES,
                baseline_is="asked", aim="1"),
            row(NAME, f"{what}: duplicates, {label}", got["duplicates"], "clusters", 0, baseline_is="limit", aim="0"),
        ]  # fmt: skip
    for label, got in (("this version", after["quota preview"]), (f"before ({ref})", before["quota preview"])):
        rows.append(row(NAME, f"preview of {previews} under GetRayCluster 20/s: unchanged, {label} "
                        f"({got['refused']:.0f} refused by the quota, {got['seconds']:.1f} s)",
                        got["ok"], "clusters", previews, baseline_is="asked", aim="1"))  # fmt: skip
    rows.append(row(NAME, "outputs per extra node (42 vs 2 nodes)", after["bytes per node"], "B",
                    before["bytes per node"], baseline_is=f"before ({ref})", aim="<= 64 B"))  # fmt: skip
    return rows


def run(quick: bool = False, before: str = BEFORE) -> list[Row]:
    from harness.emulator import start_emulator

    sizes = SIZES[:2] if quick else SIZES
    previews = 100 if quick else PREVIEWS
    with tempfile.TemporaryDirectory() as tmp, before_tree(before) as old:
        emulator = start_emulator(Path(tmp), startup_seconds=0.0)
        try:
            after_figures = measure(ROOT, emulator, sizes, previews)
            before_figures = measure(old, emulator, sizes, previews)
        finally:
            emulator.stop()
    return _rows(after_figures, before_figures, before, sizes, previews)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 1 and 50 only, a preview of 100")
    parser.add_argument("--before", default=BEFORE, help=f"git ref of the version to compare with (default {BEFORE})")
    parser.add_argument("--write", action="store_true", help="replace the Scale section of bench/RESULTS.md")
    args = parser.parse_args(argv)
    rows = run(quick=args.quick, before=args.before)
    print(markdown(rows))
    if args.write:
        flags = " --quick" if args.quick else ""
        command = f".venv/bin/python -m bench.bench_scale{flags} --before {args.before} --write"
        write_section(SECTION, "bench/bench_scale.py", rows, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
