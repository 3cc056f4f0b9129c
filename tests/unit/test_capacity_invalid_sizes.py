"""A size the input rules refuse (an odd live value) makes a cluster's capacity unknown, never a wrong number."""

from __future__ import annotations

from typing import Any

import pytest

from provider.core.capacity import capacity_of

HEAD = {"cpu": "2", "memory": "8Gi"}


@pytest.mark.parametrize(
    "spec",
    [
        {"headSpec": {"cpu": "two", "memory": "8Gi"}},
        {"headSpec": {"cpu": "-1", "memory": "8Gi"}},
        {"headSpec": {"cpu": "2", "memory": "1.5Gi"}},
        {"headSpec": HEAD, "workerSpec": [{"groupName": "a", "cpu": "2", "memory": "8Gi", "replica": -1}]},
        {"headSpec": HEAD, "workerSpec": [{"groupName": "a", "cpu": "2", "memory": "8Gi", "replica": True}]},
        {
            "headSpec": {**HEAD, "enableAutoScaling": True},
            "workerSpec": [{"groupName": "a", "cpu": "2", "memory": "8Gi", "maxReplica": "many"}],
        },
    ],
)
def test_a_refused_size_is_unknown(spec: dict[str, Any]) -> None:
    assert capacity_of(spec) is None


def test_sizes_the_rules_accept_are_counted_however_spelled() -> None:
    spec = {"headSpec": {"cpu": 2.0, "memory": "8192Mi"}, "workerSpec": [{"cpu": "4", "memory": 16, "replica": "3"}]}
    capacity = capacity_of(spec)
    assert capacity is not None
    assert capacity == capacity_of(
        {"headSpec": {"cpu": "2", "memory": "8Gi"}, "workerSpec": [{"cpu": "4", "memory": "16Gi", "replica": 3}]}
    )
    assert (capacity.cu, capacity.vcpu, capacity.memory_gib) == (14, 14, 56)
    assert str(capacity.cu) == "14"  # the plain form, as the normalized text would read
