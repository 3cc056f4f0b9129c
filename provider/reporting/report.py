"""Render plan files as a report a reviewer reads: one row per cluster, what changes, and what it costs in CU.

    python -m provider.report PLAN_FILE... [--format markdown|text] [--exit-code]

The last record of each cluster wins (``pulumi up`` plans again after its preview). Rows are sorted by cluster
name and followed by a totals row. A new cluster counts 0 CU before; an unknown size shows as ``?`` and makes
its total unknown too. Exit code 2 with one line when a file cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from provider.core.capacity import ZERO, Capacity, format_cu, format_delta
from provider.core.pricing import HOURS_PER_MONTH, Price, format_money
from provider.core.record import PlanRecord

T = TypeVar("T", Capacity, Decimal)

NOTHING = "No Ray cluster changes: nothing was planned."


class PlanFileError(Exception):
    """A plan file is missing or not JSON lines of plan records."""


@dataclass(frozen=True)
class Row:
    """One cluster's last record."""

    cluster: str
    action: str
    #: (path, drift) of each change.
    changes: tuple[tuple[str, bool], ...]
    before: Capacity | None
    after: Capacity | None
    #: The price the cost is estimated with (None: unknown, the row shows CU only).
    price: Price | None = None

    @classmethod
    def of(cls, record: PlanRecord) -> Row:
        paths = tuple((change.path, change.drift) for change in record.changes)
        return cls(record.cluster, record.action, paths, record.before, record.after, record.price)

    def hourly(self, capacity: Capacity | None) -> Decimal | None:
        return self.price.hourly(capacity)[0] if self.price is not None and capacity is not None else None

    @property
    def baseline(self) -> Capacity | None:
        """Capacity before, counting a new cluster as nothing."""
        return ZERO if self.action == "create" and self.before is None else self.before


def read_records(paths: Sequence[str]) -> list[Row]:
    """The last record per cluster, sorted by cluster name."""
    last: dict[str, Row] = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except OSError as exc:
            raise PlanFileError(f"cannot read plan file {path}: {exc.strerror or exc}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = Row.of(PlanRecord.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise PlanFileError(f"plan file {path} line {number} is not a plan record: {exc}") from None
            last[row.cluster] = row
    return [last[name] for name in sorted(last)]


def _sum(values: Iterable[T | None], start: T) -> T | None:
    """The sum of ``values``, None (unknown) when any of them is."""
    total = start
    for value in values:
        if value is None:
            return None
        total = total + value
    return total


def _cu(before: Capacity | None, after: Capacity | None, attribute: str) -> str:
    old = getattr(before, attribute) if before is not None else None
    new = getattr(after, attribute) if after is not None else None
    if old is not None and new is not None and old == new:
        return format_cu(new)
    delta = ""
    if old is not None and new is not None:
        delta = f" ({format_delta(old, new)})"
    return f"{format_cu(old)} → {format_cu(new)}{delta}"


def _change(path: str, drift: bool) -> str:
    return f"{path} (drift)" if drift else path


def _headline(rows: Sequence[Row]) -> str:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.action] = counts.get(row.action, 0) + 1
    words = {"create": "to create", "update": "to update", "replace": "to replace", "none": "unchanged"}
    parts = [f"{counts[a]} {words[a]}" for a in ("create", "update", "replace", "none") if counts.get(a)]
    return f"Ray clusters: {', '.join(parts)}"


def table(rows: Sequence[Row]) -> list[list[str]]:
    """Header, one row per cluster, totals; with cost columns when any row has a price."""
    priced = any(row.price is not None for row in rows)
    lines = [
        ["cluster", "action", "changes", "CU", "autoscaling max CU"] + (["cost/h", "cost/month"] if priced else [])
    ]
    for row in rows:
        changes = ", ".join(_change(path, drift) for path, drift in row.changes)
        changes = changes or ("new cluster" if row.action == "create" else "-")
        cu, most = _cu(row.baseline, row.after, "cu"), _cu(row.baseline, row.after, "cu_max")
        money = _money(row.hourly(row.baseline), row.hourly(row.after), _currency([row])) if priced else []
        lines.append([row.cluster, row.action, changes, cu, most, *money])
    before, after = _sum((r.baseline for r in rows), ZERO), _sum((r.after for r in rows), ZERO)
    total = ["total", "", "", _cu(before, after, "cu"), _cu(before, after, "cu_max")]
    if priced:
        was = _sum((r.hourly(r.baseline) for r in rows), Decimal(0))
        total += _money(was, _sum((r.hourly(r.after) for r in rows), Decimal(0)), _currency(rows))
    lines.append(total)
    return lines


def _currency(rows: Sequence[Row]) -> str | None:
    """The one currency of these rows' prices; None when a price is missing or currencies differ."""
    found = {row.price.currency if row.price is not None else None for row in rows}
    return found.pop() if len(found) == 1 and None not in found else None


def _money(before: Decimal | None, after: Decimal | None, currency: str | None) -> list[str]:
    """The cost per hour and per month (730 h), before -> after; '?' when a price or a size is unknown."""
    if currency is None or after is None:
        return ["?", "?"]
    cells = []
    for hours in (Decimal(1), HOURS_PER_MONTH):
        new = format_money(after * hours, currency)
        old = format_money(before * hours, currency) if before is not None else None
        cells.append(new if old in (None, new) else f"{old} → {new}")
    return cells


def markdown(rows: Sequence[Row]) -> str:
    if not rows:
        return NOTHING
    header, *body, total = table(rows)
    for row, record in zip(body, rows, strict=True):
        row[2] = ", ".join(_change(f"`{path}`", drift) for path, drift in record.changes) or row[2]
    total = [f"**{cell}**" if cell else "" for cell in total]
    lines = [f"### {_headline(rows)}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in [*body, total]]
    return "\n".join(lines)


def text(rows: Sequence[Row]) -> str:
    if not rows:
        return NOTHING
    cells = table(rows)
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    out = [_headline(rows)]
    out += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provider.report", description=__doc__.split("\n")[0])
    parser.add_argument("plan_files", nargs="+", metavar="PLAN_FILE")
    parser.add_argument("--format", choices=("markdown", "text"), default="markdown")
    parser.add_argument(
        "--exit-code", action="store_true", help="exit 1 when a cluster is to be created, updated or replaced"
    )
    args = parser.parse_args(argv)
    try:
        rows = read_records(args.plan_files)
    except PlanFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(markdown(rows) if args.format == "markdown" else text(rows))
    return 1 if args.exit_code and any(row.action != "none" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["NOTHING", "PlanFileError", "Row", "main", "markdown", "read_records", "table", "text"]
