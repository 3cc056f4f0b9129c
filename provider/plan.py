"""Declared vs live: the field changes and the minimal UpdateRayCluster body.

Only what the user declared is compared (unset = not managed), at every depth. Both sides are flattened
into leaves keyed by a tuple path, ``("headSpec", "cpu")`` or ``("workerSpec", "<groupName>", "replica")``,
after the same normalization, so that server-side formatting never shows as a change (DESIGN.md
"Decisions" 2 and 3). Worker groups are matched by name; a whole group added or removed is one change.

DeepDiff was measured for the comparison itself and left out there: the flat leaf comparison is a dict lookup
per declared field (about 0.1 ms for a whole plan of a 4-group cluster; one DeepDiff of the same two dicts
with ignore_order took about 600 us, before any mapping of its paths), and its keys are already the paths
users read. It earns its place inside ``extraParam``, an opaque JSON document, where it says which keys of
the document changed.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from provider.normalize import (
    compact_json,
    lenient,
    normalize_bool,
    normalize_cpu,
    normalize_memory,
    normalize_whole_number,
    parse_json,
)
from provider.spec import GftConfig, HeadSpec, RayClusterInputs, WorkerGroup

Key = tuple[str, ...]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


#: ``FieldChange.previous`` when the previously deployed inputs are not known (first diff after adoption).
MISSING = _Missing.MISSING

HEAD, WORKERS, GFT = "headSpec", "workerSpec", "gftConfig"


def _aliases(model: type[Any]) -> frozenset[str]:
    return frozenset(info.alias or name for name, info in model.model_fields.items())


# The keys UpdateRayCluster accepts inside headSpec / a worker group / gftConfig; other live keys (headSpec
# replica, anything the service adds later) are never sent back.
_HEAD_KEYS, _GROUP_KEYS, _GFT_KEYS = _aliases(HeadSpec), _aliases(WorkerGroup), _aliases(GftConfig)

# Values that must not appear in diff lines: passwords, and env (environment variables often carry tokens).
_HIDDEN = frozenset({"redisPassword", "env"})
# Fields the service may not return (a password): when live is absent, what was last sent stands for it.
_WRITE_ONLY = frozenset({"redisPassword"})


def _unique_sorted(value: Any) -> Any:
    if value is None:
        return ()
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(set(value), key=str))
    return value


_whole = lenient(normalize_whole_number)
_NORMALIZERS: dict[str, Callable[[Any], Any]] = {
    "cpu": lenient(normalize_cpu),
    "memory": lenient(normalize_memory),
    "replica": _whole,
    "minReplica": _whole,
    "maxReplica": _whole,
    "idleTimeoutSeconds": _whole,
    "enableAutoScaling": lenient(normalize_bool),
    "gftEnabled": lenient(normalize_bool),
    "extraParam": parse_json,
    "volumeIds": _unique_sorted,
}


def _norm(field: str, value: Any) -> Any:
    normalizer = _NORMALIZERS.get(field)
    return normalizer(value) if normalizer else value


def render(key: Key) -> str:
    """("workerSpec", "gpu", "replica") -> "workerSpec[gpu].replica"."""
    if key[0] == WORKERS and len(key) > 1:
        return f"{WORKERS}[{key[1]}]" + "".join(f".{part}" for part in key[2:])
    return ".".join(key)


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

    def describe(self) -> str:
        """One line for the preview, e.g. "~ workerSpec[gpu].replica 2 -> 4 (drift: live is 5)"."""
        drift = " (drift)" if self.drift else ""
        # A whole group added or removed: one side is the group object, the other None.
        whole_group = self.path.startswith(WORKERS + "[") and isinstance(self.live or self.declared, dict)
        if whole_group and self.live is None:
            return f"+ {self.path}{drift}"
        if whole_group and self.declared is None:
            return f"- {self.path}{drift}"
        if self.path.rsplit(".", 1)[-1] in _HIDDEN:
            return f"~ {self.path} changed (value hidden){drift}"
        if self.path == "extraParam" and self.live is not None and self.declared is not None:
            return f"~ extraParam {_json_changes(self.live, self.declared)}{drift}"
        live, declared = _show(self.live), _show(self.declared)
        if not self.drift:
            return f"~ {self.path} {live} -> {declared}"
        if self.previous != self.declared:
            return f"~ {self.path} {_show(self.previous)} -> {declared} (drift: live is {live})"
        return f"~ {self.path} live {live} -> {declared} (drift)"


_DEEPDIFF_ROOT = re.compile(r"\['([^']*)'\]")


def _json_changes(live: Any, declared: Any, limit: int = 5) -> str:
    """The differences inside two parsed JSON documents, e.g. "tags.team 'a' -> 'b', + tags.cost".

    extraParam is opaque JSON text to the API; showing where inside it the change is beats a before/after
    of the whole document. DeepDiff walks the two documents (1 and 1.0 are the same number in JSON).
    """
    from deepdiff import DeepDiff  # imported on first use: it costs ~15 ms at provider start, needed rarely

    diff = DeepDiff(live, declared, ignore_numeric_type_changes=True, verbose_level=2)

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

    @property
    def empty(self) -> bool:
        """Nothing to send: live already matches every declared field."""
        return not self.changes


# -- flattening -------------------------------------------------------------------------------------------


class _View:
    """One side (declared or previous inputs) as normalized leaves plus its worker groups by name."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.leaves: dict[Key, Any] = {}
        self.groups: dict[str, dict[str, Any]] | None = None
        for field, value in body.items():
            if field == HEAD:
                self._nested((HEAD,), value)
            elif field == WORKERS:
                self.groups = {group["groupName"]: group for group in value}
                for name, group in self.groups.items():
                    for gk, gv in group.items():
                        if gk != "groupName":
                            self.leaves[(WORKERS, name, gk)] = _norm(gk, gv)
            else:
                self.leaves[(field,)] = _norm(field, value)

    def _nested(self, prefix: Key, obj: Mapping[str, Any]) -> None:
        for field, value in obj.items():
            if field == GFT and isinstance(value, Mapping):
                self._nested((*prefix, GFT), value)
            else:
                self.leaves[(*prefix, field)] = _norm(field, value)


def _live_groups(live: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    groups: dict[str, Mapping[str, Any]] = {}
    for group in live.get(WORKERS) or ():
        if isinstance(group, Mapping) and "groupName" in group:
            groups.setdefault(str(group["groupName"]), group)
    return groups


def _live_leaf(live: Mapping[str, Any], groups: Mapping[str, Mapping[str, Any]], key: Key) -> Any:
    obj: Any = groups.get(key[1]) if key[0] == WORKERS else live
    path = key[2:] if key[0] == WORKERS else key
    for part in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(part)
    return _norm(key[-1], obj)


def _group_view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A whole group as shown in a change: updatable keys only, normalized."""
    return {k: _norm(k, v) for k, v in group.items() if k in _GROUP_KEYS and v is not None}


# -- the rules --------------------------------------------------------------------------------------------


def _autoscaling(declared: _View, live: Mapping[str, Any]) -> bool:
    """Declared enableAutoScaling wins; when not declared, the live setting tells who owns replicas."""
    if (HEAD, "enableAutoScaling") in declared.leaves:
        return declared.leaves[(HEAD, "enableAutoScaling")] is True
    head = live.get(HEAD)
    return isinstance(head, Mapping) and _norm("enableAutoScaling", head.get("enableAutoScaling")) is True


def _autoscaler_owns_replica(declared: _View, live_group: Mapping[str, Any] | None, group: str) -> int | None:
    """The live replica when the autoscaler moved it within the group's bounds (not a change), else None.

    Bounds are the declared ones when declared (they are the target), else the live ones; minReplica
    defaults to the API's minimum of 1, and without any maxReplica the autoscaler's range is unknown.
    """
    if live_group is None:
        return None
    replica = _norm("replica", live_group.get("replica"))
    low = declared.leaves.get((WORKERS, group, "minReplica"), _norm("minReplica", live_group.get("minReplica")))
    high = declared.leaves.get((WORKERS, group, "maxReplica"), _norm("maxReplica", live_group.get("maxReplica")))
    if not isinstance(replica, int) or not isinstance(high, int):
        return None
    low = low if isinstance(low, int) else 1
    return replica if low <= replica <= high else None


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

    want: _View
    live: Mapping[str, Any]
    groups: dict[str, Mapping[str, Any]]
    autoscaling: bool
    changes: list[tuple[Key, FieldChange]]

    def owned_replica(self, group: str) -> int | None:
        return _autoscaler_owns_replica(self.want, self.groups.get(group), group) if self.autoscaling else None


def _compare(declared: RayClusterInputs, live: Mapping[str, Any], previous: RayClusterInputs | None) -> _Comparison:
    want = _View(declared.api_body())
    before = _View(previous.api_body()) if previous is not None else None
    groups = _live_groups(live)
    cmp = _Comparison(want, live, groups, _autoscaling(want, live), [])
    found: list[tuple[Key, Any, Any]] = []  # (key, live, declared)

    for key, wanted in want.leaves.items():
        if key[0] == WORKERS and key[1] not in groups:
            continue  # the whole group is missing: reported once below
        have = _live_leaf(live, groups, key)
        if have is None and key[-1] in _WRITE_ONLY:
            # The service does not show it: only a change of the declared value itself is a change.
            last = _previous(before, key)
            if last is MISSING or last == wanted:
                continue
            have = last
        if have == wanted:
            continue
        if key[0] == WORKERS and key[-1] == "replica" and cmp.owned_replica(key[1]) is not None:
            continue  # autoscaling owns replicas: a count within the bounds is the autoscaler's, not drift
        found.append((key, have, wanted))

    if want.groups is not None:
        found += [((WORKERS, n), None, _group_view(g)) for n, g in want.groups.items() if n not in groups]
        found += [((WORKERS, n), _group_view(g), None) for n, g in groups.items() if n not in want.groups]

    for key, have, wanted in found:
        last = _previous(before, key)
        cmp.changes.append((key, FieldChange(render(key), have, wanted, last, _drift(last, have, key, before))))
    return cmp


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


def _body(declared: RayClusterInputs, cmp: _Comparison) -> dict[str, Any]:
    """Only the changed top-level keys; a changed nested object is sent whole (DESIGN.md "Update")."""
    touched = {key[0] for key, _ in cmp.changes}
    body: dict[str, Any] = {}
    for field, value in declared.api_body().items():
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
    name = group["groupName"]
    merged = _overlay(cmp.groups.get(name), group, _GROUP_KEYS)
    owned = cmp.owned_replica(name)
    if owned is not None:
        merged["replica"] = owned  # the autoscaler's current count, not the declared starting point
    return merged


# -- public -----------------------------------------------------------------------------------------------


def plan_update(declared: RayClusterInputs, live: Mapping[str, Any], previous: RayClusterInputs | None = None) -> Plan:
    """Compare the declared fields with the live GetRayCluster body; ``previous`` tells drift apart."""
    cmp = _compare(declared, live, previous)
    return Plan(tuple(change for _, change in cmp.changes), _body(declared, cmp))


def live_matches(declared: RayClusterInputs, live: Mapping[str, Any]) -> bool:
    """True when no declared field differs from live (what an update must achieve)."""
    return not _compare(declared, live, None).changes


def declared_view(live: Mapping[str, Any], like: RayClusterInputs) -> dict[str, Any]:
    """The live values of exactly the API fields ``like`` declares, in input shape (for ``read()``).

    A field that matches (by the plan's rules: same value, reformatted, autoscaled replica in bounds) is
    reported as declared, so the engine's own diff of old and new inputs shows only real differences.
    ``workspaceId`` and provider options are not live values: the caller keeps them from the old inputs.
    """
    view = like.api_body()
    for key, change in _compare(like, live, None).changes:
        _apply(view, key, change, live)
    return view


def _apply(view: dict[str, Any], key: Key, change: FieldChange, live: Mapping[str, Any]) -> None:
    value = change.live
    if key == ("volumeIds",):
        order = {v: i for i, v in enumerate(view.get("volumeIds") or ())}
        raw = [v for v in live.get("volumeIds") or () if v is not None]
        value = sorted(dict.fromkeys(raw), key=lambda v: order.get(v, len(order))) if raw else None
    elif key == ("extraParam",) and value is not None and not isinstance(value, str):
        value = compact_json(value)
    if key[0] == WORKERS:
        groups: list[dict[str, Any]] = view[WORKERS]
        if len(key) == 2:
            groups[:] = [g for g in groups if g["groupName"] != key[1]]
            if value is not None:
                groups.append(value)
            return
        target = next(g for g in groups if g["groupName"] == key[1])
        path = key[2:]
    else:
        target, path = view, key
    for part in path[:-1]:
        target = target[part]
    if value is None:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value


__all__ = ["MISSING", "FieldChange", "Plan", "declared_view", "live_matches", "plan_update", "render"]
