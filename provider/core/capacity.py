"""What a Ray cluster costs in compute units (CU), the unit EMR Serverless Spark bills and sizes queues in.

One CU is 1 vCPU with 4 GiB; a node counts ``max(vCPU, GiB / 4)`` CU (the service's billing pages). Billed CU
(``billed_cu``) also take the pay-as-you-go discount by CPU:memory ratio: a node with 2 to under 3 GiB per vCPU
counts 80% of its CU (the pay-as-you-go page, see ``pricing``; an older notice had more bands, the current page
states this one only). A cluster
is its head (one node) plus, per worker group, replicas x the node's size. Replicas are ``replica`` when given,
else ``minReplica``, else 1; with ``headSpec.enableAutoScaling`` the most it can grow to (``cuMax``) uses each
group's ``maxReplica`` (or its replicas when it has none). A size that is not known (a value unknown during a
preview, or neither declared nor live) makes the whole capacity ``None``, never a wrong number.

Pure: works on API-shaped dicts (``headSpec``, ``workerSpec``), declared or live.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from provider.schema.keys import (
    CPU,
    ENABLE_AUTO_SCALING,
    GPU_SPEC,
    HEAD_SPEC,
    MAX_REPLICA,
    MEMORY,
    MIN_REPLICA,
    REPLICA,
    WORKER_SPEC,
)
from provider.schema.normalize import (
    cpu_cores,
    json_number,
    memory_gib,
    normalize_bool,
    normalize_whole_number,
    or_none,
    plain_decimal,
)

#: GiB of memory per CU.
GIB_PER_CU = Decimal(4)


@dataclass(frozen=True)
class Capacity:
    """The size of one cluster, or the sum of several."""

    #: Compute units at the replicas it runs with.
    cu: Decimal
    #: Compute units at its autoscaling maximum (equal to ``cu`` without autoscaling).
    cu_max: Decimal
    vcpu: Decimal
    memory_gib: Decimal
    #: Nodes with a gpuSpec.
    gpu_nodes: int
    #: Compute units as billed (after the CPU:memory discount), at the replicas it runs with and at its maximum.
    billed_cu: Decimal = Decimal(0)
    billed_cu_max: Decimal = Decimal(0)

    def __add__(self, other: Capacity) -> Capacity:
        return Capacity(
            self.cu + other.cu,
            self.cu_max + other.cu_max,
            self.vcpu + other.vcpu,
            self.memory_gib + other.memory_gib,
            self.gpu_nodes + other.gpu_nodes,
            self.billed_cu + other.billed_cu,
            self.billed_cu_max + other.billed_cu_max,
        )

    def to_json(self) -> dict[str, float | int]:
        """The plan file's shape: ``{"cu", "cuMax", "vcpu", "memoryGiB", "gpuNodes", "billedCu", "billedCuMax"}``."""
        return {
            "cu": json_number(self.cu),
            "cuMax": json_number(self.cu_max),
            "vcpu": json_number(self.vcpu),
            "memoryGiB": json_number(self.memory_gib),
            "gpuNodes": self.gpu_nodes,
            "billedCu": json_number(self.billed_cu),
            "billedCuMax": json_number(self.billed_cu_max),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Capacity:
        """A capacity read back; plan files written before billed CU existed count them as CU."""
        cu, cu_max = Decimal(str(data["cu"])), Decimal(str(data["cuMax"]))
        return cls(
            cu,
            cu_max,
            Decimal(str(data["vcpu"])),
            Decimal(str(data["memoryGiB"])),
            int(data["gpuNodes"]),
            Decimal(str(data.get("billedCu", cu))),
            Decimal(str(data.get("billedCuMax", cu_max))),
        )


ZERO = Capacity(Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0)

#: (GiB per vCPU from, up to but not including, share of CU billed): the pay-as-you-go page's ratio discount.
RATIO_DISCOUNTS = ((Decimal(2), Decimal(3), Decimal("0.8")),)


@dataclass(frozen=True)
class _Node:
    vcpu: Decimal
    gib: Decimal
    gpu: bool

    @property
    def cu(self) -> Decimal:
        return max(self.vcpu, self.gib / GIB_PER_CU)

    @property
    def billed_cu(self) -> Decimal:
        ratio = self.gib / self.vcpu if self.vcpu else None
        for low, high, share in RATIO_DISCOUNTS:
            if ratio is not None and low <= ratio < high:
                return self.cu * share
        return self.cu

    @functools.lru_cache(maxsize=256)  # noqa: B019 (a frozen value: the cache keeps a few small nodes alive)
    def times(self, replicas: int, most: int) -> Capacity:
        """``replicas`` of this node (``most`` at the autoscaling maximum); remembered, as every Diff asks twice."""
        gpus = replicas if self.gpu else 0
        return Capacity(
            self.cu * replicas,
            self.cu * most,
            self.vcpu * replicas,
            self.gib * replicas,
            gpus,
            self.billed_cu * replicas,
            self.billed_cu * most,
        )


# The size rules of the inputs, applied to declared and live values alike; None: absent or not a valid size.
_cores = or_none(cpu_cores)
_gib = or_none(memory_gib)
_count = or_none(normalize_whole_number)
_flag = or_none(normalize_bool)


def _node(spec: Mapping[str, Any]) -> _Node | None:
    cores, gib = _cores(spec.get(CPU)), _gib(spec.get(MEMORY))
    if cores is None or gib is None:
        return None  # unknown, or not a size we can read
    return _Node(cores, Decimal(gib), bool(spec.get(GPU_SPEC)))


def _replicas(group: Mapping[str, Any]) -> int | None:
    for key in (REPLICA, MIN_REPLICA):
        if group.get(key) is not None:
            return _count(group[key])
    return 1


def capacity_of(spec: Mapping[str, Any]) -> Capacity | None:
    """The capacity of a cluster spec (``headSpec`` and ``workerSpec``, API-shaped); None if a size is unknown."""
    head = spec.get(HEAD_SPEC)
    head_node = _node(head) if isinstance(head, Mapping) else None
    if head_node is None:
        return None
    autoscaling = isinstance(head, Mapping) and _flag(head.get(ENABLE_AUTO_SCALING)) is True
    total = head_node.times(1, 1)
    for group in spec.get(WORKER_SPEC) or ():
        if not isinstance(group, Mapping):
            return None
        node, replicas = _node(group), _replicas(group)
        most = _count(group[MAX_REPLICA]) if autoscaling and group.get(MAX_REPLICA) is not None else replicas
        if node is None or replicas is None or most is None:
            return None
        total += node.times(replicas, most)
    return total


def format_cu(value: Decimal | float | int | None) -> str:
    """'18', '2.5' (two decimals at most) or '?' (unknown)."""
    if value is None:
        return "?"
    return plain_decimal(Decimal(str(value)).quantize(Decimal("0.01")))


def over_budget(shares: Mapping[str, Capacity | None], budget: Decimal, key: str) -> str | None:
    """Why the clusters' autoscaling maximum exceeds ``budget`` CU (each cluster's share named), or None.

    A cluster whose size is not declared cannot be counted; it is named as such rather than guessed.
    """
    known = {name: share for name, share in shares.items() if share is not None}
    total = sum((share.cu_max for share in known.values()), Decimal(0))
    if total <= budget:
        return None
    ranked = sorted(known.items(), key=lambda item: (-item[1].cu_max, item[0]))
    parts = ", ".join(f"{name} {format_cu(share.cu_max)} CU" for name, share in ranked)
    text = (
        f"the clusters can grow to {format_cu(total)} CU, over the capacity budget of {format_cu(budget)} CU "
        f"({key}): {parts}."
    )
    return budget_problem(text, shares)


def budget_problem(text: str, shares: Mapping[str, Capacity | None]) -> str:
    """A budget's problem in full: ``text`` (what exceeds it), the clusters that could not be counted, what to do.

    Shared by the capacity budget (``over_budget``) and the cost budget (``pricing.over_cost_budget``).
    """
    unknown = sorted(name for name, share in shares.items() if share is None)
    if unknown:
        text += f" Not counted (sizes not declared): {', '.join(unknown)}."
    return text + " Lower replica, minReplica or maxReplica, or raise the budget."


def format_delta(before: Decimal, after: Decimal) -> str:
    """'+8', '-2', '+0': the change from ``before`` to ``after``, signed."""
    return f"{'+' if after >= before else '-'}{format_cu(abs(after - before))}"


def capacity_line(before: Capacity | None, after: Capacity | None) -> str:
    """'capacity 18 -> 26 CU (+8); with autoscaling up to 66 CU (was 34)', or for a new cluster '18 CU'."""
    if before is None and after is None:
        return "capacity unknown (sizes known only after apply, or not declared)"
    if before is None:
        assert after is not None
        text = f"capacity {format_cu(after.cu)} CU"
        return text + (f"; with autoscaling up to {format_cu(after.cu_max)} CU" if after.cu_max != after.cu else "")
    if after is None:
        return f"capacity {format_cu(before.cu)} -> ? CU (sizes known only after apply)"
    text = f"capacity {format_cu(before.cu)} -> {format_cu(after.cu)} CU ({format_delta(before.cu, after.cu)})"
    if after.cu_max != after.cu or before.cu_max != before.cu:
        text += f"; with autoscaling up to {format_cu(after.cu_max)} CU (was {format_cu(before.cu_max)})"
    return text


__all__ = [
    "GIB_PER_CU",
    "ZERO",
    "Capacity",
    "budget_problem",
    "capacity_line",
    "capacity_of",
    "format_cu",
    "format_delta",
    "over_budget",
]
