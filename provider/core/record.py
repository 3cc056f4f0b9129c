"""The plan record: one planned cluster as tools read it (the plan file, the pull-request report).

One type, built by the preview's decision, written by ``reporting.planfile`` and read by ``reporting.report``,
so the shape is stated once. On disk (one JSON object per line; keys may be added, never renamed)::

    {"cluster": str, "clusterId": str | null, "action": "create" | "update" | "replace" | "none",
     "changes": [{"path": str, "live": any, "declared": any, "drift": bool}],
     "capacity": {"before": C | null, "after": C | null},
     "cost": {"currency": str, "perCuHour": number, "source": str, "before": M | null, "after": M | null}}
    C = {"cu": number, "cuMax": number, "vcpu": number, "memoryGiB": number, "gpuNodes": int,
         "billedCu": number, "billedCuMax": number}
    M = {"perHour": number, "perHourMax": number, "perMonth": number, "perMonthMax": number}

``cost`` is there only when a price is known (``core.pricing``): an estimate, never a guess.

Hidden values (env, passwords) are written as ``"(hidden)"``, as in the preview's lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from provider.core.capacity import Capacity
from provider.core.plan import FieldChange, is_hidden
from provider.core.pricing import HOURS_PER_MONTH, Price
from provider.schema.spec import HIDDEN_KEYS

Action = Literal["create", "update", "replace", "none"]
ACTIONS: tuple[Action, ...] = get_args(Action)
HIDDEN = "(hidden)"


@dataclass(frozen=True)
class RecordedChange:
    """One field change as recorded: hidden values already replaced."""

    path: str
    live: Any
    declared: Any
    drift: bool

    @classmethod
    def of(cls, change: FieldChange) -> RecordedChange:
        hidden = is_hidden(change.path)
        live = HIDDEN if hidden and change.live is not None else _scrubbed(change.live)
        declared = HIDDEN if hidden and change.declared is not None else _scrubbed(change.declared)
        return cls(change.path, live, declared, change.drift)


@dataclass(frozen=True)
class PlanRecord:
    """What is planned for one cluster."""

    cluster: str
    cluster_id: str | None
    action: Action
    changes: tuple[RecordedChange, ...]
    before: Capacity | None
    after: Capacity | None
    #: The price per CU-hour the cost is estimated with; None when not known.
    price: Price | None = None

    @classmethod
    def of(
        cls,
        cluster: Any,
        cluster_id: str | None,
        action: Action,
        changes: Iterable[FieldChange],
        before: Capacity | None,
        after: Capacity | None,
        price: Price | None = None,
    ) -> PlanRecord:
        name = cluster if isinstance(cluster, str) else "(unknown)"
        return cls(name, cluster_id or None, action, tuple(map(RecordedChange.of, changes)), before, after, price)

    def to_json(self) -> dict[str, Any]:
        entry = self._to_json()
        if self.price is not None:
            entry["cost"] = {
                **self.price.to_json(),
                "before": _money_json(self.price, self.before),
                "after": _money_json(self.price, self.after),
            }
        return entry

    def _to_json(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "clusterId": self.cluster_id,
            "action": self.action,
            "changes": [
                {"path": c.path, "live": c.live, "declared": c.declared, "drift": c.drift} for c in self.changes
            ],
            "capacity": {"before": _capacity_json(self.before), "after": _capacity_json(self.after)},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlanRecord:
        """A record read back; raises KeyError, TypeError or ValueError when it is not one."""
        action = data.get("action", "none")
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        capacity = data.get("capacity") or {}
        changes = tuple(
            RecordedChange(str(c["path"]), c.get("live"), c.get("declared"), bool(c.get("drift")))
            for c in data.get("changes") or ()
        )
        cluster_id = data.get("clusterId")
        cost = data.get("cost")
        return cls(
            str(data["cluster"]),
            str(cluster_id) if cluster_id else None,
            action,
            changes,
            _capacity(capacity.get("before")),
            _capacity(capacity.get("after")),
            Price.from_json(cost) if isinstance(cost, Mapping) else None,
        )


def _scrubbed(value: Any) -> Any:
    """A value with every hidden key's value replaced (a whole worker group may carry env)."""
    if isinstance(value, Mapping):
        return {k: HIDDEN if k in HIDDEN_KEYS and v is not None else _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value


def _capacity_json(capacity: Capacity | None) -> dict[str, float | int] | None:
    return capacity.to_json() if capacity is not None else None


def _money_json(price: Price, capacity: Capacity | None) -> dict[str, float] | None:
    if capacity is None:
        return None
    hour, hour_max = price.hourly(capacity)
    return {
        "perHour": float(hour),
        "perHourMax": float(hour_max),
        "perMonth": float(hour * HOURS_PER_MONTH),
        "perMonthMax": float(hour_max * HOURS_PER_MONTH),
    }


def _capacity(data: Any) -> Capacity | None:
    return Capacity.from_json(data) if isinstance(data, Mapping) else None


__all__ = ["ACTIONS", "HIDDEN", "Action", "PlanRecord", "RecordedChange"]
