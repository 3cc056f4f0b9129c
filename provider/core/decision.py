"""The preview's decision as a value: (declared, previous, live) -> what happens to one cluster, and what to say.

``decide`` is pure: it reads the live cluster through the callback it is given (only when the answer depends on
it), never prints and never writes. ``RayClusterProvider.diff`` renders the lines, appends the record and
returns the result, so every exit of a Diff is one ``Decision`` that a test can compare with what the update
does. The order of the questions:

1. Inputs known only after apply: an update (or a replace) whose details cannot be known yet.
2. A changed ``workspaceId`` or ``adoptClusterId``: a replace, decided without an API call.
3. The cluster is gone (deleted outside Pulumi): a replace that deletes the record first.
4. Otherwise the plan against live (``plan.plan_update``), the run-state rule (``runstate.run_state_step``) and
   whether the declaration itself changed: an update, or none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provider.core.capacity import Capacity, capacity_line, capacity_of
from provider.core.plan import FieldChange, plan_update, same_declaration, undeclared
from provider.core.pricing import Price, cost_line
from provider.core.record import Action, PlanRecord
from provider.core.runstate import RunStateStep, run_state_notes, run_state_step
from provider.schema.errors import InvalidInputsError
from provider.schema.models import RayClusterDetail
from provider.schema.spec import Failure, RayClusterInputs, check_inputs

#: The resource properties that are inputs (old outputs carry inputs plus read-only fields).
INPUT_KEYS = frozenset(field.alias or name for name, field in RayClusterInputs.model_fields.items())


@dataclass(frozen=True)
class Decision:
    """Everything a Diff concludes for one cluster."""

    #: How every line names the cluster: "analytics (ray-k7...)".
    label: str
    action: Action
    #: Properties whose change replaces the cluster ("workspaceId", "adoptClusterId", "clusterId").
    replaces: tuple[str, ...]
    #: The field changes the update will send (empty for a replace or when nothing differs).
    changes: tuple[FieldChange, ...]
    #: The run-state action the update will take, if any.
    run_state: RunStateStep | None
    #: The preview's lines, each starting with the cluster's label.
    lines: tuple[str, ...]
    before: Capacity | None
    after: Capacity | None
    record: PlanRecord
    #: Delete the old record before creating (the old cluster no longer exists).
    delete_before_replace: bool = False

    @property
    def changed(self) -> bool:
        return self.action != "none"


def input_props(props: Mapping[str, Any]) -> dict[str, Any]:
    """The declared inputs inside a property bag."""
    return {key: value for key, value in props.items() if key in INPUT_KEYS}


def parsed(props: Mapping[str, Any]) -> RayClusterInputs:
    """Validated inputs, or InvalidInputsError naming every bad property (Check refused them already)."""
    inputs, failures = check_inputs(input_props(props))
    if inputs is None:
        raise invalid(failures)
    return inputs


def previous_inputs(olds: Mapping[str, Any]) -> RayClusterInputs | None:
    """The inputs of the last deployment, when they still validate (state written by an older version may not)."""
    inputs, _ = check_inputs(input_props(olds))
    return inputs


def invalid(failures: Sequence[Failure]) -> InvalidInputsError:
    reasons = "; ".join(f"{f.path}: {f.reason}" for f in failures) or "unknown values"
    return InvalidInputsError(f"invalid Ray cluster inputs: {reasons}")


def label(inputs: Mapping[str, Any], cluster_id: str) -> str:
    """How every line names its cluster: "analytics (ray-k7...)"."""
    name = inputs.get("name")
    return f"{name} ({cluster_id})" if isinstance(name, str) else cluster_id


def decide_create(props: Mapping[str, Any], declared: RayClusterInputs | None, price: Price | None = None) -> Decision:
    """A cluster about to be created (Check with no old inputs: Diff is never called for a create).

    ``declared`` is None while some inputs are known only after apply: the size is then unknown.
    """
    after = capacity_of(declared.api_body()) if declared is not None else None
    return _Draft(label(props, "new"), props.get("name"), None, "create", after=after).finished(price)


def decide(
    cluster_id: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    is_unknown: Callable[[Any], bool],
    read_live: Callable[[str], RayClusterDetail | None],
    explain: bool = False,
    price: Price | None = None,
) -> Decision:
    """The Diff of one cluster: ``olds`` are the old outputs, ``news`` the checked inputs (module docstring).

    ``read_live(workspace_id)`` is called at most once, and only when the answer depends on the live cluster.
    ``price`` (per CU-hour) adds the cost to the capacity line and the record; None shows CU only.
    """
    return _decide(cluster_id, olds, news, is_unknown, read_live, explain).finished(price)


def _decide(
    cluster_id: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    is_unknown: Callable[[Any], bool],
    read_live: Callable[[str], RayClusterDetail | None],
    explain: bool,
) -> _Draft:
    old_inputs, new_inputs = input_props(olds), input_props(news)
    here = label(new_inputs, cluster_id)
    replaces = replaced_keys(cluster_id, old_inputs, new_inputs, is_unknown)
    declared, failures = check_inputs(new_inputs, is_unknown=is_unknown)
    if declared is None:
        if failures:  # Check refused these inputs already; the engine never diffs them
            raise invalid(failures)
        unknown = sorted(k for k, v in new_inputs.items() if _contains(v, is_unknown))
        line = f"{here}: {', '.join(unknown)} known only after apply"
        action: Action = "replace" if replaces else "update"
        return _Draft(here, new_inputs.get("name"), cluster_id, action, tuple(replaces), lines=(line,))
    if replaces:
        last = previous_inputs(olds)  # no API call here: the cluster being replaced as last declared
        before = capacity_of(last.api_body()) if last is not None else None
        line = f"{here}: {', '.join(replaces)} changed: the cluster will be replaced"
        after = capacity_of(declared.api_body())
        return _Draft(here, declared.name, cluster_id, "replace", tuple(replaces), lines=(line,), before=before,
                      after=after)  # fmt: skip
    live = read_live(declared.workspace_id)
    if live is None:
        line = f"{here}: the cluster no longer exists (deleted outside Pulumi); it will be created again"
        after = capacity_of(declared.api_body())
        return _Draft(here, declared.name, cluster_id, "replace", ("clusterId",), lines=(line,), after=after,
                      delete_before_replace=True)  # fmt: skip
    # The common case (no code change) needs no second validation.
    previous = declared if old_inputs == new_inputs else previous_inputs(olds)
    return _decide_update(here, cluster_id, declared, previous, live, explain)


def _decide_update(
    here: str,
    cluster_id: str,
    declared: RayClusterInputs,
    previous: RayClusterInputs | None,
    live: RayClusterDetail,
    explain: bool,
) -> _Draft:
    live_body = live.to_api_dict()
    plan = plan_update(declared, live_body, previous)
    step = run_state_step(declared, live)
    lines = [f"{here}: {change.describe()}" for change in plan.changes]  # never shows env or password values
    if plan.unreported:
        unreported = _listing(plan.unreported)
        lines.append(f"{here}: {unreported} not reported by the service; compared with the last applied value")
    if explain:
        lines += [f"{here}: {item.describe()}" for item in (*plan.ignored, *undeclared(declared, live_body))]
    lines += [f"{here}: {step.line}"] if step else [f"{here}: {note}" for note in run_state_notes(declared, live)]
    # Inputs that tell the service the same thing however they are spelled (groups reordered, "8192Mi" for
    # "8Gi", extraParam reformatted) are no change: the engine takes a "same" step, which records the new
    # inputs and keeps the old outputs. The inputs echoed in those outputs are then the old spelling of the
    # same declaration, and stay right because every later Diff and Update reads them through this same
    # normalized view. A changed option (timeouts, restart policy...) is an update with no API write, so
    # that the option reaches the outputs; so are inputs the live cluster already matches.
    inputs_changed = previous is None or not same_declaration(previous, declared)
    action: Action = "update" if (not plan.empty or step is not None or inputs_changed) else "none"
    before, after = capacity_of(live_body), capacity_of(plan.after)
    return _Draft(here, declared.name, cluster_id, action, (), plan.changes, step, tuple(lines), before, after)


@dataclass(frozen=True)
class _Draft:
    """A decision before its price is known: ``finished`` adds the capacity line and builds the record, once."""

    here: str
    name: Any
    cluster_id: str | None
    action: Action
    replaces: tuple[str, ...] = ()
    changes: tuple[FieldChange, ...] = ()
    step: RunStateStep | None = None
    lines: tuple[str, ...] = ()
    before: Capacity | None = None
    after: Capacity | None = None
    delete_before_replace: bool = False

    def finished(self, price: Price | None) -> Decision:
        """Anything that changes ends with its capacity line (and its cost, when a price is known)."""
        lines = self.lines
        if self.action != "none":
            text = capacity_line(self.before, self.after)
            money = cost_line(self.before, self.after, price)
            lines = (*lines, f"{self.here}: {text}; {money}" if money else f"{self.here}: {text}")
        record = PlanRecord.of(self.name, self.cluster_id, self.action, self.changes, self.before, self.after, price)
        return Decision(
            self.here,
            self.action,
            self.replaces,
            self.changes,
            self.step,
            lines,
            self.before,
            self.after,
            record,
            self.delete_before_replace,
        )


def replaced_keys(
    cluster_id: str, old: Mapping[str, Any], new: Mapping[str, Any], is_unknown: Callable[[Any], bool]
) -> list[str]:
    """The properties whose change makes another cluster: the workspace, or the adopted cluster's id."""
    keys = []
    if old.get("workspaceId") != new.get("workspaceId"):
        keys.append("workspaceId")
    adopt = new.get("adoptClusterId")
    if adopt and not is_unknown(adopt) and adopt != cluster_id:
        keys.append("adoptClusterId")
    return keys


def _contains(value: Any, is_unknown: Callable[[Any], bool]) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains(v, is_unknown) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains(v, is_unknown) for v in value)
    return False


def _listing(paths: Sequence[str]) -> str:
    """ "headSpec.env is" / "headSpec.env and workerSpec[cpu].rayStartParams are"."""
    if len(paths) == 1:
        return f"{paths[0]} is"
    return f"{', '.join(paths[:-1])} and {paths[-1]} are"


__all__ = [
    "INPUT_KEYS",
    "Decision",
    "decide",
    "decide_create",
    "input_props",
    "invalid",
    "label",
    "parsed",
    "previous_inputs",
    "replaced_keys",
]
