"""The one benchmark command: runs every benchmark against local emulators and prints one Markdown table.

    .venv/bin/python -m bench.run [--quick] [--only NAME] [--output PATH]

Each figure comes with its baseline measured in the same run and the ratio value/baseline (or as stated).
A full set of benchmarks is also written to bench/RESULTS.md with the machine it ran on; `--only` prints
and writes nothing unless `--output` is given (a partial run must not replace the full results). Sections that
a benchmark run on its own appends to that file (`## ...`, e.g. bench/bench_scale.py's) are kept.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench import ROOT, Row

RESULTS = ROOT / "bench" / "RESULTS.md"


def _ours(module: str) -> Callable[[bool], list[Row]]:
    def run(quick: bool) -> list[Row]:
        return list(importlib.import_module(module).run(quick=quick))

    return run


def _client(quick: bool) -> list[Row]:
    from bench import bench_client

    rows = bench_client.run(100 if quick else 1500)
    return [{"benchmark": "client", "baseline_is": "official SDK", "aim": "", **r} for r in rows]


def _emulator(quick: bool) -> list[Row]:
    from bench import bench_emulator

    rows = bench_emulator.run(*((500, 150) if quick else (2000, 500)))
    aim = "ratio >= 1 (better than target)"
    return [{"benchmark": "emulator", "baseline_is": "target 300 req/s", "aim": aim, **r} for r in rows]


BENCHMARKS: dict[str, Callable[[bool], list[Row]]] = {
    "traffic": _ours("bench.bench_traffic"),
    "overhead": _ours("bench.bench_overhead"),
    "many": _ours("bench.bench_many"),
    "polling": _ours("bench.bench_polling"),
    "lookup": _ours("bench.bench_lookup"),
    "planfile": _ours("bench.bench_planfile"),
    "plan": _ours("bench.bench_plan"),
    "client": _client,
    "emulator": _emulator,
}


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) >= 1):
        return f"{int(value):,}".replace(",", " ")
    if isinstance(value, float):
        magnitude = abs(value)
        return f"{value:.1f}" if magnitude >= 100 else f"{value:.2f}" if magnitude >= 1 else f"{value:.3g}"
    return str(value)


def markdown(rows: list[Row]) -> str:
    """One table: benchmark, figure, value, baseline (and what it is), ratio, aim."""
    lines = [
        "| benchmark | metric | value | unit | baseline | ratio | aim |",
        "|---|---|---:|---|---:|---:|---|",
    ]
    for r in rows:
        baseline = _number(r.get("baseline"))
        if r.get("baseline_is") and r.get("baseline") is not None:
            baseline += f" ({r['baseline_is']})"
        lines.append(
            f"| {r.get('benchmark', '')} | {r['metric']} | {_number(r.get('value'))} | {r.get('unit', '')} "
            f"| {baseline} | {_number(r.get('ratio'))} | {r.get('aim', '')} |"
        )
    return "\n".join(lines)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    """Where and with what the figures were measured."""
    return "\n".join(
        [
            f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"- machine: {platform.machine()}, {_cpu_model()}, {os.cpu_count()} cores",
            f"- Python {platform.python_version()}, pulumi {version('pulumi')}, httpx {version('httpx')}",
        ]
    )


def _own_sections(path: Path) -> str:
    """The sections benchmarks run on their own appended to the file (from its first `## ` heading on)."""
    text = path.read_text() if path.exists() else ""
    at = text.find("\n## ")
    return "" if at < 0 else text[at:]


def write_section(title: str, source: str, rows: list[Row], command: str) -> None:
    """Replace the section ``title`` (a `## ` heading) of RESULTS in place, or append it; other sections stay."""
    text = RESULTS.read_text() if RESULTS.exists() else ""
    section = f"{title}\n\n`{command}` ({source})\n\n{machine()}\n\n{markdown(rows)}\n"
    head, found, rest = text.partition(f"\n{title}\n")
    if not found:
        RESULTS.write_text(f"{text.rstrip()}\n\n{section}")
        return
    at = rest.find("\n## ")
    RESULTS.write_text(f"{head.rstrip()}\n\n{section}{'' if at < 0 else rest[at:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples, skip 128 clusters and the 10 s wait")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run one benchmark (repeatable)")
    parser.add_argument("--output", type=Path, help=f"write the results here (default for a full run: {RESULTS})")
    args = parser.parse_args(argv)

    chosen = args.only or list(BENCHMARKS)
    rows: list[Row] = []
    durations: list[str] = []
    failed: list[str] = []
    for name in chosen:
        print(f"== {name}", file=sys.stderr, flush=True)
        began = time.perf_counter()
        try:
            rows += BENCHMARKS[name](args.quick)
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
            rows.append({"benchmark": name, "metric": "FAILED (traceback on stderr)", "value": None, "unit": ""})
        durations.append(f"{name} {time.perf_counter() - began:.0f} s")

    table = markdown(rows)
    print(table)
    output = args.output or (None if args.only else RESULTS)
    if output is not None:
        mode = "quick" if args.quick else "full"
        output.write_text(
            "# Benchmark results (generated by `python -m bench.run`; do not edit)\n\n"
            f"{machine()}\n- mode: {mode}; time per benchmark: {', '.join(durations)}\n\n"
            "What each figure means: bench/README.md. Ratio = value / baseline unless the row says otherwise.\n\n"
            f"{table}\n{_own_sections(output)}"
        )
        print(f"\nwritten to {output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
