"""The one run-state rule: what an update does to the cluster's run state, and what the preview says of it.

The preview and the update both ask ``run_state_step``, so the preview's ``~ state`` line is exactly what the
update will do. The update first waits until a Starting or Stopping cluster settles, so the rule judges a
cluster by where it is heading (Starting -> Running, Stopping -> Stopped), and says where it is now.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from provider.schema.models import ClusterState, RayClusterDetail
from provider.schema.spec import RayClusterInputs

RUNNING, STOPPED = ClusterState.RUNNING, ClusterState.STOPPED

#: Where a cluster settles on its own, which is what an update finds after its wait.
HEADING: dict[str, ClusterState] = {
    ClusterState.STARTING: RUNNING,
    RUNNING: RUNNING,
    ClusterState.STOPPING: STOPPED,
    STOPPED: STOPPED,
}


class StepKind(enum.Enum):
    """What the update does after the cluster settled."""

    #: Stop then start a Running cluster whose changes are pending (``restartOnPendingChanges``).
    RESTART = "restart"
    #: Start a cluster stopped by a restart that was cut short between its Stop and its Start.
    FINISH_RESTART = "finish-restart"
    #: StartRayCluster or StopRayCluster to reach the declared ``desiredState``.
    SWITCH = "switch"


@dataclass(frozen=True)
class RunStateStep:
    """One run-state action of an update, and the line that announces it in the preview."""

    kind: StepKind
    #: The state the step ends in.
    target: ClusterState
    #: The preview's line, without the cluster's label.
    line: str


def run_state_step(declared: RayClusterInputs, live: RayClusterDetail) -> RunStateStep | None:
    """The run-state action the update takes on ``live`` (None: nothing to do, or the state is not managed).

    Pending changes with ``restartOnPendingChanges``: a Running cluster is restarted, unless it is declared
    Stopped (then it is stopped; the changes apply at its next start). A Stopped one with no declared run
    state is taken as a restart cut short after its Stop, and started. Otherwise a declared ``desiredState``
    that differs from where the cluster is heading is switched to. Error and unknown states are left to the
    update's wait, which fails with the service's message.
    """
    heading = HEADING.get(live.state) if live.state is not None else None
    if heading is None:
        return None
    desired = ClusterState(declared.desired_state) if declared.desired_state else None
    if declared.restart_on_pending_changes and live.modified:
        if heading == RUNNING and desired != STOPPED:
            pending = "configuration changes are pending (modified)"
            return RunStateStep(StepKind.RESTART, RUNNING, f"~ restart: {pending}; restartOnPendingChanges restarts")
        if heading == STOPPED and desired is None:
            return RunStateStep(
                StepKind.FINISH_RESTART,
                RUNNING,
                f"~ state {live.state} -> Running: a restart to apply pending changes was cut short after its "
                "Stop; it will be finished (set desiredState: Stopped to keep the cluster stopped)",
            )
    if desired is not None and heading != desired:
        return RunStateStep(StepKind.SWITCH, desired, f"~ state {live.state} -> {desired}")
    return None


def run_state_notes(declared: RayClusterInputs, live: RayClusterDetail) -> list[str]:
    """What the preview says of a run state it will not change (a Stopped cluster not managed, an Error)."""
    notes = []
    if declared.desired_state is None and live.state == STOPPED:
        notes.append("the cluster is Stopped (not managed: set desiredState to start it)")
    if live.state == ClusterState.ERROR:
        notes.append(f"the cluster is in state Error: {live.message or 'no message'}")
    return notes


__all__ = ["HEADING", "RunStateStep", "StepKind", "run_state_notes", "run_state_step"]
