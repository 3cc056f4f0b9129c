"""The preview's run-state line is exactly what the update does, in every combination.

For each live state x desiredState x restartOnPendingChanges x modified, the preview's decision
(``core.decision.decide``) is compared with the Start/Stop calls ``ClusterLifecycle.update`` then makes against a
fake API whose cluster settles where it is heading (Starting -> Running, Stopping -> Stopped). The case through
the real gRPC server and the emulator is in tests/provider/test_preview_matches_update.py.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from provider.core.decision import decide
from provider.core.lifecycle import ClusterLifecycle
from provider.core.runstate import StepKind
from provider.schema.models import RayClusterDetail
from tests.support.in_memory_api import WORKSPACE, InMemoryClusterApi, VirtualClock, inputs

SETTLES_TO = {"Starting": "Running", "Running": "Running", "Stopping": "Stopped", "Stopped": "Stopped"}
CASES = list(itertools.product(SETTLES_TO, (None, "Running", "Stopped"), (False, True), (False, True)))


def _props(desired: str | None, restart: bool) -> dict[str, Any]:
    props: dict[str, Any] = {"workspaceId": WORKSPACE, "name": "analytics", "restartOnPendingChanges": restart}
    if desired is not None:
        props["desiredState"] = desired
    return props


def _expected_calls(kind: StepKind | None, target: str | None) -> list[str]:
    if kind is None:
        return []
    if kind is StepKind.RESTART:
        return ["StopRayCluster", "StartRayCluster"]
    return ["StartRayCluster"] if target == "Running" else ["StopRayCluster"]


@pytest.mark.parametrize(("state", "desired", "restart", "modified"), CASES)
def test_the_preview_announces_exactly_the_run_state_calls_of_the_update(
    state: str, desired: str | None, restart: bool, modified: bool
) -> None:
    clock = VirtualClock()
    api = InMemoryClusterApi(clock)
    cluster_id = api.add("analytics", state, modified=modified, script=[state, SETTLES_TO[state]])
    seen = {k: v for k, v in api.clusters[cluster_id].items() if k != "script"}
    props = _props(desired, restart)

    decision = decide(
        cluster_id,
        props,
        props,
        is_unknown=lambda _: False,
        read_live=lambda _: RayClusterDetail.model_validate(seen),
    )
    lifecycle = ClusterLifecycle(api, lambda _: None, sleep=clock.sleep, clock=clock.monotonic, wall_clock=clock.time)  # type: ignore[arg-type]
    lifecycle.update(cluster_id, inputs(**props), inputs(**props))

    step = decision.run_state
    calls = [call for call in api.calls if call in ("StartRayCluster", "StopRayCluster", "UpdateRayCluster")]
    assert calls == _expected_calls(step.kind if step else None, step.target if step else None)
    assert decision.changed == bool(calls)  # nothing else differs: a change is a run-state change
    if step is not None:
        assert f"~ {'restart' if step.kind is StepKind.RESTART else 'state ' + state}" in step.line


def test_a_starting_cluster_declared_stopped_is_announced_and_stopped() -> None:
    """The case that used to differ: the update stopped a Starting cluster that the preview said nothing about."""
    clock = VirtualClock()
    api = InMemoryClusterApi(clock)
    cluster_id = api.add("analytics", "Starting", script=["Starting", "Running"])
    seen = {k: v for k, v in api.clusters[cluster_id].items() if k != "script"}
    props = _props("Stopped", restart=False)

    decision = decide(
        cluster_id, props, props, is_unknown=lambda _: False, read_live=lambda _: RayClusterDetail.model_validate(seen)
    )

    assert decision.changed and decision.run_state is not None
    assert f"analytics ({cluster_id}): ~ state Starting -> Stopped" in decision.lines
