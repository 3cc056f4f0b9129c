"""Declared vs live: the field changes and the minimal UpdateRayCluster body.

Only what the user declared is compared (unset = not managed), at every depth. Both sides are flattened
into leaves keyed by a tuple path, ``("headSpec", "cpu")`` or ``("workerSpec", "<groupName>", "replica")``,
after the same normalization, so that server-side formatting never shows as a change (perpetual diffs from
formatting are the first complaint against infrastructure tools). Worker groups are matched by name; a whole
group added or removed is one change. With autoscaling on, a live replica within the group's bounds is the
autoscaler's, not drift.

DeepDiff was measured for the comparison itself and left out there: the flat leaf comparison is a dict lookup
per declared field (about 0.1 ms for a whole plan of a 4-group cluster; one DeepDiff of the same two dicts
with ignore_order took about 600 us, before any mapping of its paths), and its keys are already the paths
users read. It earns its place inside ``extraParam``, an opaque JSON document, where it says which keys of
the document changed.

A declared field whose key the service leaves out of GetRayCluster (the public page lists fewer keys than the
SDK's models) is compared with the value last applied, never with "absent": otherwise it would show as drift
on every preview and fail the check after every update. What was ignored, and why, is kept on the plan
(``Plan.ignored``) so that a preview can explain itself on request.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from provider.schema.keys import (
    CPU,
    DESCRIPTION,
    ENABLE_AUTO_SCALING,
    EXTRA_PARAM,
    GFT_CONFIG,
    GFT_ENABLED,
    GROUP_NAME,
    HEAD_SPEC,
    IDLE_TIMEOUT_SECONDS,
    MAX_REPLICA,
    MEMORY,
    MIN_REPLICA,
    REPLICA,
    VOLUME_IDS,
    WORKER_SPEC,
)
from provider.schema.normalize import (
    canonical_json,
    lenient,
    normalize_bool,
    normalize_cpu,
    normalize_extra_param,
    normalize_memory,
    normalize_whole_number,
    parse_json,
    unique_sorted,
)
from provider.schema.owner import is_pulumi_managed, owner_of, without_mark, without_stack_mark
from provider.schema.paths import last_key, plan_path
from provider.schema.spec import API_FIELDS, HIDDEN_KEYS, GftConfig, HeadSpec, RayClusterInputs, WorkerGroup

Key = tuple[str, ...]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


#: ``FieldChange.previous`` when the previously deployed inputs are not known (first diff after adoption).
MISSING = _Missing.MISSING

HEAD, WORKERS, GFT = HEAD_SPEC, WORKER_SPEC, GFT_CONFIG


def _aliases(model: type[Any]) -> frozenset[str]:
    return frozenset(info.alias or name for name, info in model.model_fields.items())


# The keys UpdateRayCluster accepts inside headSpec / a worker group / gftConfig; other live keys (headSpec
# replica, anything the service adds later) are never sent back.
_HEAD_KEYS, _GROUP_KEYS, _GFT_KEYS = _aliases(HeadSpec), _aliases(WorkerGroup), _aliases(GftConfig)


def is_hidden(path: str) -> bool:
    """A path whose value never appears in a line or a plan record: secret inputs, and env (often tokens)."""
    return last_key(path) in HIDDEN_KEYS


_whole = lenient(normalize_whole_number)
_NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    CPU: lenient(normalize_cpu),
    MEMORY: lenient(normalize_memory),
    REPLICA: _whole,
    MIN_REPLICA: _whole,
    MAX_REPLICA: _whole,
    IDLE_TIMEOUT_SECONDS: _whole,
    ENABLE_AUTO_SCALING: lenient(normalize_bool),
    GFT_ENABLED: lenient(normalize_bool),
    EXTRA_PARAM: canonical_json,
    VOLUME_IDS: unique_sorted,
}


def _norm(field: str, value: Any) -> Any:
    normalizer = _NORMALIZERS.get(field)
    return normalizer(value) if normalizer else value


@dataclass(frozen=True)
class FieldChange:
    """One declared field whose live value differs, with enough history to tell a code change from drift."""

    #: "name", "headSpec.cpu", "workerSpec[gpu].replica", "workerSpec[gpu]" (group added/removed), "volumeIds"
    path: str
    #: The normalized live value (None = absent).
    live: Any
    #: The normalized declared value (None = group removed).
    declared: Any
    #: The normalized previously declared value, None if it was not declared, MISSING if unknown.
    previous: Any
    #: The live value differs from what was previously declared: it was changed out of band.
    drift: bool
    #: False when the service does not report this field: ``previous`` (the value last applied) stood for live.
    reported: bool = True

    def describe(self) -> str:
        """One line for the preview, e.g. "~ workerSpec[gpu].replica 2 -> 4 (drift: live is 5)"."""
        drift = " (drift)" if self.drift else ""
        # A whole group added or removed: one side is the group object, the other None.
        whole_group = self.path.startswith(WORKERS + "[") and isinstance(self.live or self.declared, dict)
        if whole_group and self.live is None:
            return f"+ {self.path}{drift}"
        if whole_group and self.declared is None:
            return f"- {self.path}{drift}"
        if not self.reported and self.previous not in (None, MISSING):
            return f"~ {self.path} {self._from_last_applied()} (not reported by the service: from the last applied)"
        if is_hidden(self.path):
            return f"~ {self.path} changed (value hidden){drift}"
        if self.path == EXTRA_PARAM and self.live is not None and self.declared is not None:
            return f"~ extraParam {_json_changes(self.live, self.declared)}{drift}"
        live, declared = _show(self.live), _show(self.declared)
        if not self.drift:
            return f"~ {self.path} {live} -> {declared}"
        if self.previous != self.declared:
            return f"~ {self.path} {_show(self.previous)} -> {declared} (drift: live is {live})"
        return f"~ {self.path} live {live} -> {declared} (drift)"

    def _from_last_applied(self) -> str:
        if is_hidden(self.path):
            return "changed (value hidden)"
        if self.path == EXTRA_PARAM:
            return _json_changes(self.previous, self.declared)
        return f"{_show(self.previous)} -> {_show(self.declared)}"


class Reason(enum.StrEnum):
    """Why a live difference is not a change (what ``RAY_CLUSTERS_EXPLAIN=1`` prints)."""

    NOT_DECLARED = "not declared, so not managed"
    AUTOSCALER = "the autoscaler's count"
    SPELLING = "the same value spelled differently"
    UNREPORTED = "not reported by the service; compared with the last applied value"
    OWNER_MARK = "the owner mark the provider writes, not declared"
    STACK_MARK = "a cluster made elsewhere keeps its description until the description itself changes"


@dataclass(frozen=True)
class Ignored:
    """A live value that differs from (or is missing next to) the declaration on purpose, with the reason."""

    path: str
    reason: Reason
    #: Raw live and declared values, for display only (None: not shown).
    live: Any = None
    declared: Any = None
    #: Extra words after the reason, e.g. "within [1, 5]".
    detail: str = ""

    def describe(self) -> str:
        """e.g. "ignored headSpec.memory (live 8192Mi, declared 8Gi): the same value spelled differently"."""
        values: list[str] = []
        hidden = is_hidden(self.path)
        for side, value in (("live", self.live), ("declared", self.declared)):
            if value is not None:
                values.append(f"{side} {'(hidden)' if hidden else _show(value)}")
        shown = f" ({', '.join(values)})" if values else ""
        return f"ignored {self.path}{shown}: {self.reason}{' ' + self.detail if self.detail else ''}"


_DEEPDIFF_ROOT = re.compile(r"\['([^']*)'\]")


def _json_changes(live: Any, declared: Any, limit: int = 5) -> str:
    """The differences inside two JSON documents, e.g. "tags.team 'a' -> 'b', + tags.cost".

    extraParam is opaque JSON text to the API; showing where inside it the change is beats a before/after
    of the whole document. DeepDiff walks the two parsed documents (1 and 1.0 are the same number in JSON).
    """
    from deepdiff import DeepDiff  # imported on first use: it costs ~15 ms at provider start, needed rarely

    diff = DeepDiff(parse_json(live), parse_json(declared), ignore_numeric_type_changes=True, verbose_level=2)

    def where(path: str) -> str:
        return _DEEPDIFF_ROOT.sub(r".\1", path.removeprefix("root")).lstrip(".") or "(whole document)"

    parts: list[str] = []
    for kind, entries in diff.items():
        for path, detail in entries.items():
            if kind in ("values_changed", "type_changes"):
                parts.append(f"{where(path)} {_show(detail['old_value'])} -> {_show(detail['new_value'])}")
            elif kind.endswith("_added"):
                parts.append(f"+ {where(path)}")
            elif kind.endswith("_removed"):
                parts.append(f"- {where(path)}")
    shown = ", ".join(sorted(parts)[:limit])
    return shown + (f" (+{len(parts) - limit} more)" if len(parts) > limit else "")


_PLAIN = re.compile(r"[\w.:/@+-]{1,60}")


def _show(value: Any, limit: int = 80) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return value
    if isinstance(value, tuple):
        value = list(value)
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Plan:
    """What differs and the one UpdateRayCluster body that converges it."""

    changes: tuple[FieldChange, ...]
    #: The minimal UpdateRayCluster body: only the changed top-level keys.
    body: dict[str, Any]
    #: Live differences that are not changes, with the reason (declared fields only; see ``undeclared``).
    ignored: tuple[Ignored, ...] = ()
    #: The cluster as it is after the update: live with every declared field laid over it the way the update
    #: lays it (whole objects over their live namesakes; a replica the autoscaler owns stays live).
    after: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Nothing to send: live already matches every declared field."""
        return not self.changes

    @property
    def unreported(self) -> tuple[str, ...]:
        """Declared fields the service left out of its answer (compared with the value last applied)."""
        return tuple(item.path for item in self.ignored if item.reason is Reason.UNREPORTED) + tuple(
            change.path for change in self.changes if not change.reported
        )


# -- flattening -------------------------------------------------------------------------------------------


class _View:
    """One side (declared or previous inputs) as normalized leaves plus its worker groups by name.

    ``raw`` keeps each leaf as declared (after validation), to tell "spelled differently" from "equal".
    """

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.leaves: dict[Key, Any] = {}
        self.raw: dict[Key, Any] = {}
        self.groups: dict[str, dict[str, Any]] | None = None
        for field, value in body.items():
            if field == HEAD:
                self._nested((HEAD,), value)
            elif field == WORKERS:
                self.groups = {group[GROUP_NAME]: group for group in value}
                for name, group in self.groups.items():
                    for gk, gv in group.items():
                        if gk != GROUP_NAME:
                            self._leaf((WORKERS, name, gk), gv)
            else:
                self._leaf((field,), value)

    def _leaf(self, key: Key, value: Any) -> None:
        self.raw[key] = value
        self.leaves[key] = _norm(key[-1], value)

    def _nested(self, prefix: Key, obj: Mapping[str, Any]) -> None:
        for field, value in obj.items():
            if field == GFT and isinstance(value, Mapping):
                self._nested((*prefix, GFT), value)
            else:
                self._leaf((*prefix, field), value)

    def identity(self) -> tuple[dict[Key, Any], frozenset[str] | None]:
        """What the service would be told: the normalized leaves and the set of group names."""
        return self.leaves, (frozenset(self.groups) if self.groups is not None else None)


def _live_groups(live: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    groups: dict[str, Mapping[str, Any]] = {}
    for group in live.get(WORKERS) or ():
        if isinstance(group, Mapping) and GROUP_NAME in group:
            groups.setdefault(str(group[GROUP_NAME]), group)
    return groups


def _live_raw(live: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]], key: Key) -> Any:
    """The live value at key as the service wrote it; None when the service did not report it."""
    obj: Any = groups.get(key[1]) if key[0] == WORKERS else live
    path = key[2:] if key[0] == WORKERS else key
    for part in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return obj


def _group_view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A whole group as shown in a change: updatable keys only, normalized."""
    return {k: _norm(k, v) for k, v in group.items() if k in _GROUP_KEYS and v is not None}


# -- the rules --------------------------------------------------------------------------------------------


def _autoscaling(declared: _View, live: Mapping[str, Any]) -> bool:
    """Declared enableAutoScaling wins; when not declared, the live setting tells who owns replicas."""
    if (HEAD, ENABLE_AUTO_SCALING) in declared.leaves:
        return declared.leaves[(HEAD, ENABLE_AUTO_SCALING)] is True
    head = live.get(HEAD)
    return isinstance(head, Mapping) and _norm(ENABLE_AUTO_SCALING, head.get(ENABLE_AUTO_SCALING)) is True


def _autoscaler_bounds(declared: _View, live_group: Mapping[str, Any] | None, group: str) -> tuple[int, int] | None:
    """(min, max) when the autoscaler moved the live replica within the group's bounds (not a change), else None.

    Bounds are the declared ones when declared (they are the target), else the live ones; minReplica
    defaults to the API's minimum of 1, and without any maxReplica the autoscaler's range is unknown.
    """
    if live_group is None:
        return None
    replica = _norm(REPLICA, live_group.get(REPLICA))
    low = declared.leaves.get((WORKERS, group, MIN_REPLICA), _norm(MIN_REPLICA, live_group.get(MIN_REPLICA)))
    high = declared.leaves.get((WORKERS, group, MAX_REPLICA), _norm(MAX_REPLICA, live_group.get(MAX_REPLICA)))
    if not isinstance(replica, int) or not isinstance(high, int):
        return None
    low = low if isinstance(low, int) else 1
    return (low, high) if low <= replica <= high else None


def _previous(previous: _View | None, key: Key) -> Any:
    """The previously declared value at key: MISSING (unknown), None (not declared then) or the value."""
    if previous is None:
        return MISSING
    if len(key) == 2 and key[0] == WORKERS:
        if previous.groups is None:
            return None
        group = previous.groups.get(key[1])
        return _group_view(group) if group is not None else None
    return previous.leaves.get(key)


def _drift(previous_value: Any, live_value: Any, key: Key, previous: _View | None) -> bool:
    if previous is None:
        return False
    if len(key) == 2 and key[0] == WORKERS:
        # Group membership counts as managed whenever the previous inputs declared workerSpec at all.
        was_there, is_there = previous_value is not None, live_value is not None
        return previous.groups is not None and was_there != is_there
    return previous_value is not None and previous_value != live_value


@dataclass
class _Comparison:
    """Both sides of one comparison, kept so that the body is built from the same facts as the changes."""

    #: ``declared.api_body()``, dumped once per comparison.
    body: dict[str, Any]
    want: _View
    #: The previous declaration (the value last applied), None when unknown.
    before: _View | None
    live: Mapping[str, Any]
    groups: dict[str, Mapping[str, Any]]
    autoscaling: bool
    #: Take a field the service does not report as applied when nothing is known (checks after an update).
    trust_unreported: bool
    changes: list[tuple[Key, FieldChange]]
    ignored: list[Ignored]

    def owned_replica(self, group: str) -> int | None:
        """The live replica when the autoscaler owns it (within bounds), else None."""
        if not self.autoscaling or _autoscaler_bounds(self.want, self.groups.get(group), group) is None:
            return None
        return _norm(REPLICA, self.groups[group].get(REPLICA))


@dataclass(frozen=True)
class _Leaf:
    """One declared leaf under comparison."""

    key: Key
    #: The declared value, normalized.
    wanted: Any
    #: The live value as the service wrote it; None when the service did not report it.
    raw_live: Any


class _Verdict(enum.Enum):
    #: Equal to live, nothing to say.
    EQUAL = "equal"
    #: Not compared on its own (its whole group is one change).
    WHOLE_GROUP = "whole group"
    #: Differs from live: a change, classified as code change or drift once every leaf is seen.
    DIFFERENT = "different"


#: What a rule concludes about a leaf; None means "not mine, ask the next rule".
Outcome = Ignored | FieldChange | _Verdict | None


def _whole_group_missing(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    """A leaf of a group that live lacks: the group added is one change (``+ workerSpec[x]``), not one per key."""
    if leaf.key[0] == WORKERS and leaf.key[1] not in cmp.groups:
        return _Verdict.WHOLE_GROUP
    return None


def _unreported_compared_with_last_applied(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    """A key the service leaves out of its answer is compared with the value last applied, never with absent.

    Otherwise it would show as drift on every preview and fail the check after every update. With nothing
    known to be applied (adoption, old state), it is sent, so that it is known to be applied; unless
    ``trust_unreported`` (the check after an update, the view for refresh), where it counts as applied.
    """
    if leaf.raw_live is not None:
        return None
    last = _previous(cmp.before, leaf.key)
    if last == leaf.wanted or (last is MISSING and cmp.trust_unreported):
        return Ignored(plan_path(leaf.key), Reason.UNREPORTED)
    return FieldChange(plan_path(leaf.key), *_shown(leaf.key, None, leaf.wanted, last), drift=False, reported=False)


def _owner_mark_is_the_providers(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    """The `` [owner ...]`` mark at the end of the live description is written by the provider, never declared:
    compared without it, so that it is no change, and state written before marks existed previews no change."""
    if leaf.key != (DESCRIPTION,) or owner_of(leaf.raw_live) is None:
        return None
    if without_mark(leaf.raw_live) != leaf.wanted:
        return _Verdict.DIFFERENT
    return Ignored(plan_path(leaf.key), Reason.OWNER_MARK, leaf.raw_live, leaf.wanted)


def _adopted_description_keeps_its_text(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    """A cluster made elsewhere (no mark of ours) whose description is the declared one without the stack's mark
    ("(Pulumi <project>/<stack>)", added by the program) is not rewritten just to add the mark.

    Adopting clusters made in the console (``python -m provider.export``) must write nothing; the mark is
    written with the next real change of the description.
    """
    if leaf.key != (DESCRIPTION,) or leaf.raw_live == leaf.wanted or not isinstance(leaf.raw_live, str | None):
        return None
    if is_pulumi_managed(leaf.raw_live):
        return None
    if without_stack_mark(leaf.wanted) != (leaf.raw_live or "").strip():  # no description at all: the bare mark
        return None
    return Ignored(plan_path(leaf.key), Reason.STACK_MARK, leaf.raw_live, leaf.wanted)


def _same_value(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    """Equal after normalization is no change ("8192Mi" is 8Gi, "2" is 2): server-side formatting never shows.

    Perpetual diffs from formatting are the first complaint against infrastructure tools. A value written
    differently is still said under ``RAY_CLUSTERS_EXPLAIN`` (but not 2 vs 2.0: Pulumi sends every number as a
    float).
    """
    if _norm(leaf.key[-1], leaf.raw_live) != leaf.wanted:
        return None
    declared = cmp.want.raw[leaf.key]
    if leaf.raw_live != declared and not _same_number(leaf.raw_live, declared):
        return Ignored(plan_path(leaf.key), Reason.SPELLING, leaf.raw_live, declared)
    return _Verdict.EQUAL


def _autoscaler_owns_replica(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    """With autoscaling on, a live replica within the group's bounds is the autoscaler's, not drift.

    GitOps tools fighting the autoscaler over replicas is a long-standing complaint (KubeRay, Terraform).
    """
    key = leaf.key
    if key[0] != WORKERS or key[-1] != REPLICA or cmp.owned_replica(key[1]) is None:
        return None
    low, high = _autoscaler_bounds(cmp.want, cmp.groups.get(key[1]), key[1]) or (1, 1)
    have = _norm(REPLICA, leaf.raw_live)
    return Ignored(plan_path(key), Reason.AUTOSCALER, have, leaf.wanted, f"within [{low}, {high}]")


#: The rules every declared leaf goes through, in this order; the first that concludes wins, and a leaf no rule
#: concludes on is a difference. Undeclared fields are never compared (unset = not managed; ``undeclared``
#: lists them for ``RAY_CLUSTERS_EXPLAIN``).
LEAF_RULES: tuple[Callable[[_Comparison, _Leaf], Outcome], ...] = (
    _whole_group_missing,
    _adopted_description_keeps_its_text,
    _unreported_compared_with_last_applied,
    _owner_mark_is_the_providers,
    _same_value,
    _autoscaler_owns_replica,
)


def _judge(cmp: _Comparison, leaf: _Leaf) -> Outcome:
    for rule in LEAF_RULES:
        outcome = rule(cmp, leaf)
        if outcome is not None:
            return outcome
    return _Verdict.DIFFERENT


def _group_membership(cmp: _Comparison) -> list[tuple[Key, Any, Any]]:
    """Groups are matched by name, not position: one change per group added or removed; order is spelling."""
    want = cmp.want
    if want.groups is None:
        return []
    found: list[tuple[Key, Any, Any]] = [
        ((WORKERS, n), None, _group_view(g)) for n, g in want.groups.items() if n not in cmp.groups
    ]
    found += [((WORKERS, n), _group_view(g), None) for n, g in cmp.groups.items() if n not in want.groups]
    declared_order = [n for n in want.groups if n in cmp.groups]
    live_order = [n for n in cmp.groups if n in want.groups]
    if declared_order != live_order:
        cmp.ignored.append(Ignored(WORKERS, Reason.SPELLING, live_order, declared_order, "(groups in another order)"))
    return found


def _compare(
    declared: RayClusterInputs,
    live: Mapping[str, Any],
    previous: RayClusterInputs | None,
    *,
    trust_unreported: bool = False,
) -> _Comparison:
    """Compare every declared leaf with live through ``LEAF_RULES``, then the worker groups by name.

    A difference is drift when live also differs from the previous declaration (changed out of band).
    """
    body = declared.api_body()
    want = _View(body)
    before = want if previous is declared else _View(previous.api_body()) if previous is not None else None
    groups = _live_groups(live)
    cmp = _Comparison(body, want, before, live, groups, _autoscaling(want, live), trust_unreported, [], [])
    found: list[tuple[Key, Any, Any]] = []  # (key, live, declared)
    for key, wanted in want.leaves.items():
        leaf = _Leaf(key, wanted, _live_raw(live, groups, key) if key[0] != WORKERS or key[1] in groups else None)
        outcome = _judge(cmp, leaf)
        if isinstance(outcome, Ignored):
            cmp.ignored.append(outcome)
        elif isinstance(outcome, FieldChange):
            cmp.changes.append((key, outcome))
        elif outcome is _Verdict.DIFFERENT:
            found.append((key, _norm(key[-1], leaf.raw_live), wanted))
    for key, have, wanted in [*found, *_group_membership(cmp)]:
        last = _previous(before, key)
        drift = _drift(last, have, key, before)
        cmp.changes.append((key, FieldChange(plan_path(key), *_shown(key, have, wanted, last), drift)))
    return cmp


def _shown(key: Key, live: Any, declared: Any, previous: Any) -> tuple[Any, Any, Any]:
    """Values as a change carries them: extraParam as its parsed document, the rest as compared."""
    if key != (EXTRA_PARAM,):
        return live, declared, previous
    return parse_json(live), parse_json(declared), parse_json(previous)


def _same_number(a: Any, b: Any) -> bool:
    """2 and 2.0 are one number (Pulumi sends floats): not worth a "spelled differently" line."""
    return type(a) in (int, float) and type(b) in (int, float) and a == b


# -- the body ---------------------------------------------------------------------------------------------


def _overlay(live: Any, declared: Mapping[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """The live object (updatable keys only) with the declared keys on top, so unmanaged keys survive."""
    base = {k: v for k, v in live.items() if k in keys} if isinstance(live, Mapping) else {}
    for field, value in declared.items():
        if field == GFT and isinstance(value, Mapping):
            base[field] = _overlay(base.get(GFT), value, _GFT_KEYS)
        else:
            base[field] = value
    return base


def _body(cmp: _Comparison, touched: Iterable[str]) -> dict[str, Any]:
    """The ``touched`` top-level keys; a nested object is sent whole (the live object with the declared keys
    laid over it), because the API replaces a key's whole value: the whole headSpec, the whole workerSpec."""
    touched = set(touched)
    body: dict[str, Any] = {}
    for field, value in cmp.body.items():
        if field not in touched:
            continue
        if field == HEAD:
            body[HEAD] = _overlay(cmp.live.get(HEAD), value, _HEAD_KEYS)
        elif field == WORKERS:
            body[WORKERS] = [_group_body(cmp, group) for group in value]
        else:
            body[field] = value
    return body


def _group_body(cmp: _Comparison, group: Mapping[str, Any]) -> dict[str, Any]:
    """A declared group over its live namesake (live groups not declared are dropped by the caller)."""
    name = group[GROUP_NAME]
    merged = _overlay(cmp.groups.get(name), group, _GROUP_KEYS)
    owned = cmp.owned_replica(name)
    if owned is not None:
        merged[REPLICA] = owned  # the autoscaler's current count, not the declared starting point
    return merged


# -- public -----------------------------------------------------------------------------------------------


def plan_update(declared: RayClusterInputs, live: Mapping[str, Any], previous: RayClusterInputs | None = None) -> Plan:
    """Compare the declared fields with the live GetRayCluster body; ``previous`` tells drift apart.

    ``previous`` is also the value last applied for fields the service does not report; None means nothing
    is known to be applied (adoption, state that no longer validates), and such fields are then sent.
    """
    cmp = _compare(declared, live, previous)
    changed = {key[0] for key, _ in cmp.changes}
    after = {**live, **_body(cmp, touched=cmp.body)}  # every declared key, laid over live as the update lays it
    return Plan(tuple(change for _, change in cmp.changes), _body(cmp, changed), tuple(cmp.ignored), after)


def live_matches(declared: RayClusterInputs, live: Mapping[str, Any]) -> bool:
    """True when no declared field differs from live (what an update must achieve).

    A field the service does not report cannot be checked, and counts as applied.
    """
    return not _compare(declared, live, None, trust_unreported=True).changes


def same_declaration(a: RayClusterInputs, b: RayClusterInputs) -> bool:
    """True when both declarations tell the service the same thing, however they are spelled.

    The same normalized view the plan compares with live: groups by name, volumes as a set, numbers and units
    by value, extraParam by meaning. Provider options (timeouts, run state...) compare as validated values.
    """
    if a is b or a == b:  # the common case, a Diff with no code change: no need to normalize
        return True
    return _View(a.api_body()).identity() == _View(b.api_body()).identity() and a.options() == b.options()


def undeclared(declared: RayClusterInputs, live: Mapping[str, Any]) -> list[Ignored]:
    """Live updatable values the declaration leaves out (unset = not managed), for ``RAY_CLUSTERS_EXPLAIN``.

    Whole objects are named without their values (they may hold env or a password).
    """
    body = declared.api_body()
    found: list[Ignored] = []

    def scalar(path: str, value: Any) -> None:
        if value not in (None, "", [], {}):
            shown = None if isinstance(value, Mapping | list) else value
            found.append(Ignored(path, Reason.NOT_DECLARED, shown))

    for field in API_FIELDS:
        if field not in body and field != WORKERS and field != HEAD:
            scalar(field, live.get(field))
    head, live_head = body.get(HEAD), live.get(HEAD)
    if head is None:
        scalar(HEAD, live_head)
    elif isinstance(live_head, Mapping):
        for key in sorted(_HEAD_KEYS - head.keys()):
            scalar(plan_path((HEAD, key)), live_head.get(key))
        gft, live_gft = head.get(GFT), live_head.get(GFT)
        if isinstance(gft, Mapping) and isinstance(live_gft, Mapping):
            for key in sorted(_GFT_KEYS - gft.keys()):
                scalar(plan_path((HEAD, GFT, key)), live_gft.get(key))
    groups = _live_groups(live)
    if WORKERS not in body:
        scalar(WORKERS, list(groups))
        return found
    for group in body[WORKERS]:
        live_group = groups.get(group[GROUP_NAME])
        for key in sorted(_GROUP_KEYS - group.keys()) if live_group is not None else ():
            scalar(plan_path((WORKERS, group[GROUP_NAME], key)), live_group.get(key))  # type: ignore[union-attr]
    return found


def declared_view(live: Mapping[str, Any], like: RayClusterInputs) -> dict[str, Any]:
    """The live values of exactly the API fields ``like`` declares, in input shape (for ``read()``).

    A field that matches (by the plan's rules: same value, reformatted, autoscaled replica in bounds) is
    reported as declared, so the engine's own diff of old and new inputs shows only real differences; so is
    a field the service does not report (nothing live to report instead).
    ``workspaceId`` and provider options are not live values: the caller keeps them from the old inputs.
    """
    view = like.api_body()
    for key, change in _compare(like, live, None, trust_unreported=True).changes:
        _apply(view, key, change, live)
    return view


def _apply(view: dict[str, Any], key: Key, change: FieldChange, live: Mapping[str, Any]) -> None:
    value = change.live
    if key == (VOLUME_IDS,):
        order = {v: i for i, v in enumerate(view.get(VOLUME_IDS) or ())}
        raw = [v for v in live.get(VOLUME_IDS) or () if v is not None]
        value = sorted(dict.fromkeys(raw), key=lambda v: order.get(v, len(order))) if raw else None
    elif key == (EXTRA_PARAM,) and value is not None:
        value = lenient(normalize_extra_param)(live.get(EXTRA_PARAM))  # the live document, compact
    if key[0] == WORKERS:
        groups: list[dict[str, Any]] = view[WORKERS]
        if len(key) == 2:
            groups[:] = [g for g in groups if g[GROUP_NAME] != key[1]]
            if value is not None:
                groups.append(value)
            return
        target = next(g for g in groups if g[GROUP_NAME] == key[1])
        path = key[2:]
    else:
        target, path = view, key
    for part in path[:-1]:
        target = target[part]
    if value is None:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


__all__ = [
    "MISSING",
    "FieldChange",
    "Ignored",
    "Plan",
    "Reason",
    "declared_view",
    "is_hidden",
    "live_matches",
    "plan_update",
    "same_declaration",
    "undeclared",
]
