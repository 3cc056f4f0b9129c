"""What it takes to create, converge and delete one Ray cluster, in plain Python.

The dynamic provider (``resource.py``) calls these functions, so that the same steps can back a
native provider later and can be tested without the Pulumi engine. Nothing here imports Pulumi.

How long a create can take, at worst. A create is: one name lookup, up to CREATE_ATTEMPTS CreateRayCluster calls
(each ambiguous failure followed by a lookup and a pause of CREATE_RETRY_DELAY x attempt), then the wait for
Running. All of that is owned by one budget, ``timeouts.create``: it is the operation's deadline for the client
(``retry.operation_deadline``: a throttled call is retried until it, never given up earlier), and no attempt, pause
or poll starts after it ran out, so a create ends within ``timeouts.create`` plus the one request in flight when it
ran out. If the cluster did not become Running, deleting it has its own ``timeouts.delete``; a declared
``desiredState: Stopped`` then has ``timeouts.update``. Worst case: create + delete (failure), or create + update
(stop after start). An update's and a delete's calls are bounded by their own timeouts the same way.

The name lookup reads the workspace's listing through ``namesakes.Namesakes``: the creates of one provider
process share its sweeps, and each create still sees every cluster that existed when it asked.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar

from provider.client.api import RayClusterApi
from provider.client.retry import operation_deadline
from provider.core.namesakes import Namesakes
from provider.core.plan import Plan, live_matches, plan_update
from provider.core.runstate import StepKind, run_state_step
from provider.core.waiter import Acceptor, Waiter, WaitFailed, WaitPolicy, WaitTimeout
from provider.schema.errors import (
    AmbiguousCreateError,
    ApiError,
    AuthError,
    EmrError,
    NotFoundError,
    ServerError,
    ThrottledError,
    TransportError,
)
from provider.schema.models import ClusterState, RayClusterDetail, RayClusterSummary
from provider.schema.owner import is_pulumi_managed, owner_of, resource_of, stack_of, with_mark, without_mark
from provider.schema.spec import RayClusterInputs

RUNNING, STOPPED, ERROR = ClusterState.RUNNING, ClusterState.STOPPED, ClusterState.ERROR
STARTING, STOPPING = ClusterState.STARTING, ClusterState.STOPPING
SETTLED_STATES = frozenset({RUNNING, STOPPED})

# A cluster found by name after an ambiguous create must have been created after we sent the request;
# this much clock skew between us and the service is tolerated.
CLOCK_SKEW_MS = 5 * 60 * 1000

# CreateRayCluster attempts when each one failed ambiguously and a lookup by name found nothing.
CREATE_ATTEMPTS = 4
CREATE_RETRY_DELAY = 1.0

# The first polls of a wait come this often; later ones every ~10% of the time waited so far (waiter.py).
POLL_MIN_DELAY = 0.5

# Errors that outlasted the client's retries but say nothing about the cluster: a wait keeps polling.
_API_OUTAGE = (TransportError, ServerError, ThrottledError)

#: The watched value of a delete's wait when GetRayCluster says not found.
GONE = "gone"

# The waits, as data: the state that ends each one, with success or failure (any other state: keep polling).
TO_START = Waiter("to start", {RUNNING: Acceptor.SUCCESS, ERROR: Acceptor.FAILURE})
TO_SETTLE = Waiter("to settle", {RUNNING: Acceptor.SUCCESS, STOPPED: Acceptor.SUCCESS, ERROR: Acceptor.FAILURE})
TO_REACH = {
    RUNNING: Waiter("to reach Running", {RUNNING: Acceptor.SUCCESS, ERROR: Acceptor.FAILURE}),
    STOPPED: Waiter("to reach Stopped", {STOPPED: Acceptor.SUCCESS, ERROR: Acceptor.FAILURE}),
}
TO_VANISH = Waiter("to be deleted", {GONE: Acceptor.SUCCESS})
# A refused Start/Stop is fine when the cluster is already heading to the target.
_HEADING_TO = {RUNNING: (STARTING, RUNNING), STOPPED: (STOPPING, STOPPED)}

Progress = Callable[[str], None]
P = ParamSpec("P")
R = TypeVar("R")


def _within(seconds: Callable[..., float]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a step as one operation of ``seconds(*its arguments)``: its API calls retry throttling until then."""

    def decorate(step: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(step)
        def bounded(*args: P.args, **kwargs: P.kwargs) -> R:
            with operation_deadline(seconds(*args, **kwargs)):
                return step(*args, **kwargs)

        return bounded

    return decorate


def _marked(inputs: RayClusterInputs, body: dict[str, Any]) -> dict[str, Any]:
    """The body with this resource's owner mark on the description, where a description is written anyway."""
    if inputs.owner and "description" in body:
        return {**body, "description": with_mark(body["description"], inputs.owner)}
    return body


def transfers_ownership(inputs: RayClusterInputs, live_description: str | None) -> bool:
    """An adoption of a cluster another resource of this provider marked (or an earlier version's stack mark):
    the mark moves to this resource. A cluster made elsewhere (no mark) is adopted without a write."""
    mark = owner_of(live_description)
    return bool(inputs.owner) and is_pulumi_managed(live_description) and mark != inputs.owner


def _renamed_from(inputs: RayClusterInputs, namesakes: Sequence[RayClusterSummary]) -> str | None:
    """The resource name of this stack that manages a namesake, when it is not this resource: a rename."""
    if not inputs.owner:
        return None
    for summary in namesakes:
        mark = owner_of(getattr(summary, "description", None))
        if mark and mark != inputs.owner and stack_of(mark) == stack_of(inputs.owner):
            return resource_of(mark)
    return None


def _describe_summary(summary: RayClusterSummary) -> str:
    """ "ray-abc (Running, created 2026-12-01T10:00:00Z)" for messages."""
    created = "at an unknown time"
    if summary.create_time:
        stamp = datetime.fromtimestamp(summary.create_time / 1000, UTC)
        created = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{summary.cluster_id or '(no id)'} ({summary.state or 'state unknown'}, created {created})"


class ClusterOperationError(EmrError):
    """A lifecycle step did not reach its goal; the text says what happened and what the next run does."""


class ClusterWaitError(ClusterOperationError):
    """A wait ended in state Error or at its deadline; ``reason`` is the waiter's outcome (the service's message)."""

    def __init__(self, text: str, reason: WaitFailed | WaitTimeout) -> None:
        super().__init__(text)
        self.reason = reason


@dataclass(frozen=True)
class UpdateOutcome:
    """The cluster after an update, with the plan that was applied (empty when nothing was sent)."""

    cluster: RayClusterDetail
    plan: Plan


class ClusterSteps:
    """The steps the operations are made of: read a cluster, look a name up, wait for a state, start, stop, restart.

    ``ClusterLifecycle`` builds the operations on them; apart, each class stays small enough to read whole.
    """

    def __init__(
        self,
        api: RayClusterApi,
        progress: Progress,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._api = api
        self._progress = progress
        self._sleep = sleep
        self._clock = clock
        self._wall_clock = wall_clock  # compared with the service's createTime
        self._names = Namesakes(api.list, self.get)  # one per process: every create of the deployment shares it

    def get(self, workspace_id: str, cluster_id: str) -> RayClusterDetail | None:
        """The live cluster, or None when the service says it does not exist."""
        try:
            return self._api.get(workspace_id, cluster_id)
        except NotFoundError:
            return None

    def _namesakes(self, inputs: RayClusterInputs) -> list[RayClusterSummary]:
        """The workspace's clusters named like ``inputs``, from a listing begun after this call (``namesakes.py``)."""
        return self._names.of(inputs.workspace_id, inputs.name)

    def _find_created(self, inputs: RayClusterInputs, sent_at_ms: int) -> str | None:
        candidates = [c for c in self._namesakes(inputs) if (c.create_time or 0) >= sent_at_ms - CLOCK_SKEW_MS]
        if len(candidates) > 1:
            ids = ", ".join(sorted(c.cluster_id or "?" for c in candidates))
            raise ClusterOperationError(
                f"{inputs.name}: several clusters named {inputs.name!r} were created just now ({ids}); "
                "delete the extra ones, then adopt the one to keep with adoptClusterId."
            )
        return candidates[0].cluster_id if candidates else None

    def _managed_by_another(self, workspace_id: str, cluster_id: str, owner: str, former: Sequence[str]) -> bool:
        live = self.get(workspace_id, cluster_id)
        mark = owner_of(live.description) if live is not None else None
        if mark is None or mark == owner or mark in former:
            return False
        other = resource_of(mark) if stack_of(mark) == stack_of(owner) else mark
        self._progress(
            f"{resource_of(owner)} ({cluster_id}): not deleted: the cluster is now managed by {other} (adopted); "
            "Pulumi forgets it here"
        )
        return True

    def _take_run_state_step(
        self, inputs: RayClusterInputs, cluster_id: str, live: RayClusterDetail
    ) -> RayClusterDetail:
        """Do what the one run-state rule says (``runstate.run_state_step``: the preview announced the same)."""
        step = run_state_step(inputs, live)
        if step is None:
            return live
        if step.kind is StepKind.RESTART:
            return self.restart(inputs, cluster_id)
        if step.kind is StepKind.FINISH_RESTART:
            self._progress(f"{inputs.name} ({cluster_id}): finishing a restart for pending changes that was cut short")
        return self._switch(inputs, cluster_id, step.target)

    def restart(self, inputs: RayClusterInputs, cluster_id: str) -> RayClusterDetail:
        """Stop then start, so that a stored but pending configuration takes effect."""
        self._progress(f"{inputs.name} ({cluster_id}): restarting to apply pending changes")
        self._switch(inputs, cluster_id, STOPPED)
        return self._switch(inputs, cluster_id, RUNNING)

    def _switch(self, inputs: RayClusterInputs, cluster_id: str, target: ClusterState) -> RayClusterDetail:
        """StartRayCluster or StopRayCluster, then wait for ``target``.

        A refusal (e.g. InvalidState) is not an error when the cluster is already going where we want: a
        retried request whose first answer was lost, or a change made meanwhile by someone else. A refusal
        for who we are (auth) or of a cluster that is gone is the Start/Stop's own error, raised as it is.
        """
        try:
            if target == STOPPED:
                self._api.stop(inputs.workspace_id, cluster_id)
            else:
                self._api.start(inputs.workspace_id, cluster_id, client_token=uuid.uuid4().hex)
        except (AuthError, NotFoundError):
            raise
        except ApiError:
            live = self.get(inputs.workspace_id, cluster_id)
            if live is None or live.state not in _HEADING_TO[target]:
                raise
        return self._wait(inputs, cluster_id, TO_REACH[target], inputs.timeouts.update)

    def _wait_settled(self, inputs: RayClusterInputs, cluster_id: str) -> RayClusterDetail:
        return self._wait(inputs, cluster_id, TO_SETTLE, inputs.timeouts.update)

    def _polling(self, timeout: float) -> dict[str, Any]:
        """How every wait polls: its policy and clock, where progress goes, and the API outages it outlasts."""
        return {
            "policy": WaitPolicy(timeout=timeout, min_delay=POLL_MIN_DELAY),
            "progress": self._progress,
            "clock": self._clock,
            "sleep": self._sleep,
            "transient": _API_OUTAGE,
        }

    def _require(self, inputs: RayClusterInputs, cluster_id: str) -> RayClusterDetail:
        cluster = self.get(inputs.workspace_id, cluster_id)
        if cluster is None:
            raise ClusterOperationError(
                f"{inputs.name}: cluster {cluster_id} no longer exists. Run `pulumi refresh` (or "
                "`pulumi up --refresh`) so that Pulumi forgets it and creates it again."
            )
        return cluster

    def _wait(self, inputs: RayClusterInputs, cluster_id: str, waiter: Waiter, timeout: float) -> RayClusterDetail:
        """Poll until ``waiter`` accepts the cluster's state; Error or the deadline end it with ClusterWaitError."""
        try:
            return waiter.wait(
                lambda: self._require(inputs, cluster_id),
                watch=lambda cluster: cluster.state,
                failure_reason=lambda cluster: cluster.message or "the service gave no message",
                describe=lambda cluster: f"{inputs.name} ({cluster_id}) {cluster.state}, waiting {waiter.goal}",
                **self._polling(timeout),
            )
        except WaitFailed as exc:
            text = f"{inputs.name} ({cluster_id}) went to state Error while waiting {waiter.goal}: {exc.message}"
            raise ClusterWaitError(text, exc) from None
        except WaitTimeout as exc:
            raise ClusterWaitError(f"{inputs.name} ({cluster_id}) waiting {waiter.goal} {exc}", exc) from None


class ClusterLifecycle(ClusterSteps):
    """Creates, adopts, converges and deletes clusters through the API, waiting for each step to settle."""

    def create(self, inputs: RayClusterInputs) -> RayClusterDetail:
        """Create the cluster (or adopt ``adoptClusterId``), wait until Running, then apply the run state."""
        if inputs.adopt_cluster_id:
            return self.adopt(inputs)
        deadline = self._clock() + inputs.timeouts.create  # the one budget of the create (module docstring)
        with operation_deadline(inputs.timeouts.create):
            with self._names.reserved(inputs.workspace_id, inputs.name):
                self._refuse_existing_name(inputs)
                cluster_id = self._create_once(inputs, deadline)
            try:
                cluster = self._wait(inputs, cluster_id, TO_START, max(deadline - self._clock(), 0.0))
            except ClusterWaitError as exc:
                raise self._failed_create(inputs, cluster_id, exc.reason) from None
        with operation_deadline(inputs.timeouts.update):
            return self._take_run_state_step(inputs, cluster_id, cluster)

    def _refuse_existing_name(self, inputs: RayClusterInputs) -> None:
        """Send no CreateRayCluster when the workspace already has a cluster of that name.

        CreateRayCluster is not idempotent and the service may not keep names unique. A namesake is most
        often this stack's own cluster, created by an ``up`` that was cut short before Pulumi recorded it
        (Ctrl-C, a killed CI job): creating again would leave two. The listing is shared (``_namesakes``).
        """
        namesakes = self._namesakes(inputs)
        if not namesakes:
            return
        found = "; ".join(_describe_summary(summary) for summary in namesakes)
        first = namesakes[0].cluster_id or "<id>"
        renamed = _renamed_from(inputs, namesakes)
        if renamed:
            raise ClusterOperationError(
                f"{inputs.name}: workspace {inputs.workspace_id} already has a cluster named {inputs.name!r}: {found}. "
                f"It is managed by this stack's resource {renamed!r}: if this entry was renamed from {renamed!r}, "
                f"add `aliases: [{renamed}]` to it, so that Pulumi moves the state instead of creating or deleting "
                "(not adoptClusterId). CreateRayCluster was not sent."
            )
        raise ClusterOperationError(
            f"{inputs.name}: workspace {inputs.workspace_id} already has a cluster named {inputs.name!r}: {found}. "
            "CreateRayCluster was not sent, so no duplicate was made. If it is this stack's cluster from an "
            f"interrupted `pulumi up`, set adoptClusterId: {first} to manage it; otherwise delete it "
            "(or choose another name), then run `pulumi up` again."
        )

    def _create_once(self, inputs: RayClusterInputs, deadline: float) -> str:
        """Send CreateRayCluster; after an ambiguous failure look the cluster up by name, never duplicate it.

        The client already retried what is safe to retry (throttling, connections never made). What is left
        may or may not have been applied, so each new attempt is preceded by a lookup by name. No new attempt
        starts when its pause would end past ``deadline``.
        """
        sent_at_ms = int(self._wall_clock() * 1000)
        body = _marked(inputs, inputs.api_body())
        for attempt in range(1, CREATE_ATTEMPTS + 1):
            try:
                cluster_id = self._api.create(inputs.workspace_id, body)
                return self._names.record(inputs.workspace_id, inputs.name, cluster_id, sent_at_ms)
            except AmbiguousCreateError as exc:
                self._progress(f"{inputs.name}: CreateRayCluster may have been applied ({exc}); looking it up by name")
                found = self._find_created(inputs, sent_at_ms)
                if found:
                    self._progress(f"{inputs.name}: found {found}, created by the request whose answer was lost")
                    return self._names.record(inputs.workspace_id, inputs.name, found, sent_at_ms)
                pause = CREATE_RETRY_DELAY * attempt
                if attempt == CREATE_ATTEMPTS or self._clock() + pause >= deadline:
                    raise
                # Not there: the request was not applied, so another one cannot duplicate the cluster.
                self._sleep(pause)
        raise AssertionError("unreachable")

    def _failed_create(self, inputs: RayClusterInputs, cluster_id: str, exc: Exception) -> Exception:
        reason = str(exc)
        if inputs.keep_failed_cluster:
            return ClusterOperationError(
                f"{inputs.name}: cluster {cluster_id} did not become Running: {reason}. It was kept "
                f"(keepFailedCluster); set adoptClusterId: {cluster_id} to manage it, or delete it by hand."
            )
        self._progress(f"{inputs.name}: deleting {cluster_id}, which did not become Running")
        try:
            self.delete(inputs.workspace_id, cluster_id, inputs.timeouts.delete)
        except EmrError as delete_error:
            return ClusterOperationError(
                f"{inputs.name}: cluster {cluster_id} did not become Running: {reason}. Deleting it failed too "
                f"({delete_error}); delete it by hand or adopt it with adoptClusterId: {cluster_id}."
            )
        return ClusterOperationError(
            f"{inputs.name}: cluster {cluster_id} did not become Running: {reason}. It was deleted; "
            "the next `pulumi up` starts clean."
        )

    def adopt(self, inputs: RayClusterInputs) -> RayClusterDetail:
        """Take over an existing cluster, then converge it to the declared spec like an update."""
        cluster_id = inputs.adopt_cluster_id
        assert cluster_id
        live = self.get(inputs.workspace_id, cluster_id)
        if live is None:
            raise ClusterOperationError(
                f"{inputs.name}: adoptClusterId {cluster_id} does not exist in workspace {inputs.workspace_id}; "
                "check the id with ListRayCluster or remove adoptClusterId to create a new cluster."
            )
        claim = transfers_ownership(inputs, live.description)
        if claim:
            was = owner_of(live.description) or "this stack, without a resource name (an earlier version)"
            self._progress(f"{inputs.name} ({cluster_id}): ownership moves from {was} to {inputs.owner}")
        return self.update(cluster_id, inputs, previous=None, claim=claim).cluster

    def update(
        self, cluster_id: str, inputs: RayClusterInputs, previous: RayClusterInputs | None, *, claim: bool = False
    ) -> UpdateOutcome:
        """Send one UpdateRayCluster with only the changed keys, wait until settled, verify, restart if asked.

        ``claim``: also write this resource's owner mark (an adoption that takes the cluster from another owner).
        """
        live = self._require(inputs, cluster_id)
        plan = plan_update(inputs, live.to_api_dict(), previous)
        body = dict(plan.body)
        if claim and "description" not in body:
            body["description"] = without_mark(live.description)
        body = _marked(inputs, body)
        if body:
            self._api.update(inputs.workspace_id, cluster_id, body)
        if body or live.state not in SETTLED_STATES:
            # Also after an earlier update whose wait was cut short: the cluster may still be Starting.
            live = self._wait_settled(inputs, cluster_id)
        if plan.body and not live_matches(inputs, live.to_api_dict()):
            remaining = plan_update(inputs, live.to_api_dict(), previous)
            lines = "; ".join(change.describe() for change in remaining.changes)
            raise ClusterOperationError(
                f"{inputs.name} ({cluster_id}): UpdateRayCluster was accepted but the cluster still differs: "
                f"{lines}. The next `pulumi up` retries from the live state."
            )
        return UpdateOutcome(self._take_run_state_step(inputs, cluster_id, live), plan)

    def delete(
        self,
        workspace_id: str,
        cluster_id: str,
        timeout: float,
        *,
        owner: str | None = None,
        former: Sequence[str] = (),
    ) -> None:
        """Delete and wait until GetRayCluster says not found; a cluster already gone is success.

        With ``owner`` (this resource), a cluster whose mark names another resource is not deleted but forgotten:
        that resource adopted it, and deleting would take it from under it (issue 17).
        """
        if owner and self._managed_by_another(workspace_id, cluster_id, owner, former):
            return
        self._names.forget(workspace_id, cluster_id)
        try:
            self._api.delete(workspace_id, cluster_id)
        except NotFoundError:
            return
        TO_VANISH.wait(
            lambda: self.get(workspace_id, cluster_id),
            watch=lambda cluster: GONE if cluster is None else cluster.state,
            failure_reason=str,
            describe=lambda cluster: f"{cluster_id} {cluster.state if cluster else GONE}",
            **self._polling(timeout),
        )
