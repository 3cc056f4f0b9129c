"""Capacity in compute units, table-driven; every expected number is worked out by hand in the comment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from provider.core.capacity import Capacity, capacity_of, format_cu


def head(cpu: Any = "4", memory: Any = "16Gi", **more: Any) -> dict[str, Any]:
    return {"cpu": cpu, "memory": memory, **more}


def group(name: str, cpu: Any, memory: Any, **more: Any) -> dict[str, Any]:
    return {"groupName": name, "cpu": cpu, "memory": memory, **more}


CASES: list[tuple[str, dict[str, Any], tuple[float, float, float, float, int]]] = [
    # (case, spec, (cu, cuMax, vcpu, memoryGiB, gpuNodes))
    ("head only: max(2, 8/4) = 2", {"headSpec": head("2", "8Gi")}, (2, 2, 2, 8, 0)),
    ("memory-bound head: max(1, 8/4) = 2", {"headSpec": head(1, "8Gi")}, (2, 2, 1, 8, 0)),
    ("fractional: max(0.5, 1/4) = 0.5", {"headSpec": head("0.5", "1Gi")}, (0.5, 0.5, 0.5, 1, 0)),
    ("memory-bound fraction: max(1, 6/4) = 1.5", {"headSpec": head("1", "6Gi")}, (1.5, 1.5, 1, 6, 0)),
    ("Mi: 8192Mi = 8Gi, max(2, 2) = 2", {"headSpec": head("2", "8192Mi")}, (2, 2, 2, 8, 0)),
    (
        # 4 + 3 x max(2, 2) + 1 x max(8, 8) = 4 + 6 + 8 = 18 CU; vCPU 4 + 6 + 8; GiB 16 + 24 + 32; one GPU node
        "groups and a GPU group",
        {
            "headSpec": head(),
            "workerSpec": [
                group("cpu", "2", "8Gi", replica=3),
                group("gpu", "8", "32Gi", replica=1, gpuSpec="ecs.gn6i-c4g1.xlarge"),
            ],
        },
        (18, 18, 18, 72, 1),
    ),
    (
        # replicas: replica, else minReplica (2), else 1: 4 + 2 x 2 + 1 x 2 = 10
        "replicas from minReplica, else 1",
        {"headSpec": head(), "workerSpec": [group("a", 2, "8Gi", minReplica=2), group("b", 2, "8Gi")]},
        (10, 10, 10, 40, 0),
    ),
    (
        # autoscaling: cu = 4 + 1 x 2 + 2 x 1 = 8; cuMax = 4 + 5 x 2 + 2 x 1 = 16 (b has no maxReplica: its 2)
        "autoscaling up to maxReplica",
        {
            "headSpec": head(enableAutoScaling=True),
            "workerSpec": [group("a", 2, "8Gi", minReplica=1, maxReplica=5), group("b", 1, "4Gi", replica=2)],
        },
        (8, 16, 8, 32, 0),
    ),
    (
        # without autoscaling maxReplica does not count: cuMax = cu = 4 + 2 x 2 = 8
        "maxReplica without autoscaling",
        {"headSpec": head(enableAutoScaling=False), "workerSpec": [group("a", 2, "8Gi", replica=2, maxReplica=9)]},
        (8, 8, 8, 32, 0),
    ),
    (
        # a GPU head counts as a GPU node; 3 GPU workers: 1 + 3; cu 4 + 3 x max(4, 16/4) = 16
        "GPU head and workers",
        {"headSpec": head(gpuSpec="g"), "workerSpec": [group("g", 4, "16Gi", replica=3, gpuSpec="g")]},
        (16, 16, 16, 64, 4),
    ),
    ("numbers as Pulumi sends them (floats)", {"headSpec": head(2.0, 8.0)}, (2, 2, 2, 8, 0)),
]


@pytest.mark.parametrize(("case", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_capacity(case: str, spec: dict[str, Any], expected: tuple[float, float, float, float, int]) -> None:
    found = capacity_of(spec)
    assert found is not None
    keys = ["cu", "cuMax", "vcpu", "memoryGiB", "gpuNodes"]
    assert {key: found.to_json()[key] for key in keys} == dict(zip(keys, expected, strict=True))


@pytest.mark.parametrize(
    "spec",
    [
        {},  # nothing declared nor live
        {"headSpec": {"cpu": "2"}},  # no memory
        {"headSpec": head(), "workerSpec": [{"groupName": "a", "memory": "8Gi", "replica": 1}]},  # no cpu
        {"headSpec": head(), "workerSpec": [group("a", 2, "8Gi", replica="many")]},
        {"headSpec": head(enableAutoScaling=True), "workerSpec": [group("a", 2, "8Gi", maxReplica="lots")]},
    ],
)
def test_an_unknown_size_makes_the_capacity_unknown(spec: dict[str, Any]) -> None:
    assert capacity_of(spec) is None


def test_capacities_add_up_and_survive_the_plan_file() -> None:
    a, b = capacity_of({"headSpec": head("0.5", "1Gi")}), capacity_of({"headSpec": head()})
    assert a is not None and b is not None
    total = a + b
    assert total.cu == Decimal("4.5") and Capacity.from_json(total.to_json()) == total


@pytest.mark.parametrize(("value", "text"), [(18, "18"), (Decimal("2.50"), "2.5"), (1 / 3, "0.33"), (None, "?")])
def test_format_cu(value: Any, text: str) -> None:
    assert format_cu(value) == text
