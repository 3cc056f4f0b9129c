"""Export: the Ray clusters of a workspace as stack-file entries that adopt them (``python -m provider.export``).

Teams start with clusters made in the console, and Pulumi's ``import`` does not work with dynamic providers. This
reads every cluster of a workspace (ListRayCluster, every page, then GetRayCluster each) and writes one
``rayClusters`` entry per cluster: ``adoptClusterId`` and every field the service reports that the schema accepts
(``spec.RayClusterInputs`` decides, nothing is listed by hand), normalized by the schema itself, so that the first
``pulumi up`` sends nothing but what a comment says it will.

Left out, and so not managed (unset = the live value stays): ``env`` (it often carries tokens; a stack file is no
place for them), the Redis password (never reported), the run state, and the replica of a group the autoscaler
owns. A value the schema refuses is left out too, with a comment saying why. With ``--against-base`` an entry holds
only what differs from the project's ``clusterBase``, by the merge rules of ``provider.stack.inherit``.

Pulumi-free: the export talks to the API through ``provider.client`` and validates with ``provider.schema``.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import textwrap
import typing
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings
from provider.schema import paths
from provider.schema.errors import EmrError, NotFoundError
from provider.schema.keys import (
    ADOPT_CLUSTER_ID,
    CPU,
    DESCRIPTION,
    ENABLE_AUTO_SCALING,
    ENV,
    EXTRA_PARAM,
    GFT_CONFIG,
    GROUP_NAME,
    HEAD_SPEC,
    MAX_REPLICA,
    MEMORY,
    NAME,
    REPLICA,
    VOLUME_IDS,
    WORKER_SPEC,
    WORKSPACE_ID,
)
from provider.schema.models import RayClusterDetail
from provider.schema.normalize import lenient, normalize_cpu, normalize_memory, parse_json
from provider.schema.owner import split_stack_mark
from provider.schema.paths import Group, Part, parse
from provider.schema.spec import API_FIELDS, HIDDEN_KEYS, RayClusterInputs, check_inputs
from provider.stack.config import (
    _RESOURCE_NAME,  # the one rule of a safe resource name
    CLUSTERS_KEY,
    WORKSPACE_KEY,
    StackConfigError,
    stack_description,
)
from provider.stack.files import PROJECT_FILE, project_config, stack_config
from provider.stack.inherit import BASE_KEY, REMOVE

DEFAULT_PROJECT = "ray-clusters"
#: Live values compared by meaning when an entry is reduced to its differences from the base.
_SAME_BY: dict[str, Any] = {
    CPU: lenient(normalize_cpu),
    MEMORY: lenient(normalize_memory),
    VOLUME_IDS: lambda value: sorted(map(str, value)) if isinstance(value, list) else value,
}


class ExportError(EmrError, ValueError):
    """The export cannot be made: no workspace or an unusable base, or a cluster that cannot be written as an entry
    at all (its name or workspace is refused by the schema)."""


@dataclass
class Entry:
    """One exported cluster: its resource name (the map key), the entry, and the comments written above it."""

    key: str
    #: The stack-file entry; None writes ``key: null`` (a base cluster this workspace does not have).
    spec: dict[str, Any] | None
    comments: list[str] = field(default_factory=list)
    #: The entry before it was reduced to its differences from the base (the entry itself without a base).
    full: dict[str, Any] | None = None


# -- which live values the schema accepts --------------------------------------------------------------------


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """(the declared object model inside an annotation, whether it is a list of them); (None, False) for a leaf."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is list:
        return _nested(args[0])[0], True
    if args and origin is not None:  # Optional[...], X | None, Annotated[...]
        for arg in args:
            model, many = _nested(arg)
            if model is not None:
                return model, many
    return None, False


def _accepted(
    model: type[BaseModel], live: Mapping[str, Any], path: tuple[Part, ...], found: list[str]
) -> dict[str, Any]:
    """The live keys ``model`` declares, in its order; hidden ones (env, the password) are named in ``found``."""
    picked: dict[str, Any] = {}
    for attr, info in model.model_fields.items():
        key, value = info.alias or attr, live.get(info.alias or attr)
        if value is None or value == "":
            continue
        if key in HIDDEN_KEYS:
            found.append(paths.render((*path, key)))
            continue
        inner, many = _nested(info.annotation)
        if inner is not None and many and isinstance(value, list):
            picked[key] = [
                _accepted(inner, item, (*path, key, Group(_group(item))), found) if isinstance(item, Mapping) else item
                for item in value
            ]
        elif inner is not None and isinstance(value, Mapping):
            nested = _accepted(inner, value, (*path, key), found)
            if nested:
                picked[key] = nested
        else:
            picked[key] = copy.deepcopy(value)
    return picked


def _group(item: Any) -> str:
    return str(item.get(GROUP_NAME)) if isinstance(item, Mapping) else "?"


def _drop(candidate: dict[str, Any], path: str) -> str:
    """Remove what the schema refused at ``path``: a leaf of a group or of headSpec, else the whole top-level key.

    A refused ``groupName`` or list item drops the whole list: a partial ``workerSpec`` would remove the groups it
    leaves out, a partial ``volumeIds`` would unmount volumes.
    """
    parts = parse(path)
    top = str(parts[0])
    if top == WORKER_SPEC and len(parts) > 2 and parts[2] != GROUP_NAME:
        group = candidate[WORKER_SPEC][int(parts[1])]
        group.pop(str(parts[2]), None)
        return paths.render((WORKER_SPEC, Group(_group(group)), parts[2]))
    if top == HEAD_SPEC and len(parts) > 1 and isinstance(candidate.get(HEAD_SPEC), dict):
        head = candidate[HEAD_SPEC]
        if parts[1] == GFT_CONFIG and len(parts) > 2 and isinstance(head.get(GFT_CONFIG), dict):
            head[GFT_CONFIG].pop(str(parts[2]), None)
            return paths.render((HEAD_SPEC, GFT_CONFIG, parts[2]))
        head.pop(str(parts[1]), None)
        return paths.render((HEAD_SPEC, parts[1]))
    candidate.pop(top, None)
    return top


def validated(candidate: dict[str, Any]) -> tuple[RayClusterInputs, list[str]]:
    """The schema's model of ``candidate`` after leaving out every value it refuses, and a comment for each."""
    comments: list[str] = []
    for _ in range(1000):  # each round removes one key (after it, another failure's path may be gone)
        inputs, failures = check_inputs(candidate)
        if inputs is not None:
            return inputs, comments
        failure = failures[0]
        if parse(failure.path)[:1] in ((NAME,), (WORKSPACE_ID,), (ADOPT_CLUSTER_ID,)):
            raise ExportError(f"{failure.path}: {failure.reason}")
        removed = _drop(candidate, failure.path)
        comments.append(f"{removed}: not exported, the schema refuses the live value: {failure.reason}")
    raise ExportError("the schema keeps refusing the live values")  # pragma: no cover - bounded by the keys


# -- one cluster -------------------------------------------------------------------------------------------


def user_description(live: str | None, owner: str | None) -> tuple[str | None, str | None]:
    """(the user's part of a live description, a comment when the first ``up`` will rewrite the description: only
    when it carries another stack's mark).

    The program sends ``<description> (Pulumi <project>/<stack>)``, or ``Managed by Pulumi <project>/<stack>``
    without one (``config.stack_description``): that mark is the program's, so only the part before it is
    exported. When the live description carries the mark of ``owner`` (``project/stack``), it is sent unchanged.
    """
    text, marked_for = split_stack_mark(live)  # the owner mark (`` [owner p/s/r]``) is the provider's: never exported
    user = text or None
    if marked_for is None or marked_for == owner:
        # Made elsewhere (no mark): the plan does not rewrite a description only to add the mark
        # (plan._adopted_description_keeps_its_text); or it carries this stack's mark already.
        return user, None
    if owner is None:
        return user, (
            "description: the program adds the owning stack's mark to it (Pulumi <project>/<stack>): unless it is "
            "there already, the first `pulumi up` sends one UpdateRayCluster of the description only"
        )
    project, _, stack = owner.partition("/")
    wanted = stack_description(user, project, stack)
    was = f" (it is marked for Pulumi {marked_for})"
    return user, (
        f"description{was}: the first `pulumi up` sends one UpdateRayCluster of the description only, "
        f"to mark it as this stack's: {json.dumps(wanted, ensure_ascii=False)}"
    )


def _extra_param(text: str) -> Any:
    """extraParam as an object when it is a JSON object or list without nulls (Pulumi drops null members of an
    object input, so such a document stays JSON text)."""
    parsed = parse_json(text)
    return parsed if isinstance(parsed, dict | list) and not _has_null(parsed) else text


def _has_null(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_null(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_null(item) for item in value)
    return value is None


def _without_autoscaled_replicas(body: dict[str, Any]) -> None:
    """With autoscaling on, a group's replica is the autoscaler's current count: declaring it would pin nothing."""
    if not (body.get(HEAD_SPEC) or {}).get(ENABLE_AUTO_SCALING):
        return
    for group in body.get(WORKER_SPEC) or ():
        if MAX_REPLICA in group:
            group.pop(REPLICA, None)


def shape_cluster(
    live: Mapping[str, Any], *, workspace_id: str, owner: str | None, resource_name: str, write_workspace: bool
) -> Entry:
    """The entry that adopts one cluster: every accepted live field, normalized by the schema, no secret.

    ``live`` is the GetRayCluster body (``RayClusterDetail.to_api_dict()``); ``owner`` is ``project/stack``
    (None: unknown); ``write_workspace``: the entry names its workspace (it is not the stack's default).
    """
    hidden: list[str] = []
    candidate = _accepted(RayClusterInputs, {k: v for k, v in live.items() if k in API_FIELDS}, (), hidden)
    user, description_note = user_description(live.get(DESCRIPTION), owner)
    candidate.pop(DESCRIPTION, None)
    if user is not None:
        candidate[DESCRIPTION] = user
    cluster_id = str(live.get("clusterId"))
    inputs, comments = validated({**candidate, WORKSPACE_ID: workspace_id, ADOPT_CLUSTER_ID: cluster_id})
    body = inputs.api_body()
    _without_autoscaled_replicas(body)
    if isinstance(body.get(EXTRA_PARAM), str):
        body[EXTRA_PARAM] = _extra_param(body[EXTRA_PARAM])
    entry: dict[str, Any] = {ADOPT_CLUSTER_ID: cluster_id}
    if body.get(NAME) != resource_name:
        entry[NAME] = body[NAME]
    if write_workspace:
        entry[WORKSPACE_ID] = workspace_id
    entry.update((k, v) for k, v in body.items() if k != NAME)
    if description_note:
        comments.insert(0, description_note)
    if hidden:
        comments.append(f"not exported, so not managed (the live values stay): {', '.join(hidden)}{_why(hidden)}")
    return Entry(resource_name, entry, comments, entry)


def _why(hidden: Iterable[str]) -> str:
    reasons = []
    if any(path.endswith(ENV) for path in hidden):
        reasons.append("env may hold tokens: declare it yourself from a secret source to manage it")
    if any(not path.endswith(ENV) for path in hidden):
        reasons.append(
            "a Redis password belongs in `pulumi config set --secret`, named by gftConfig.redisPasswordSecret"
        )
    return f" ({'; '.join(reasons)})"


# -- resource names -----------------------------------------------------------------------------------------


def _slug(name: str) -> str:
    """A safe resource name from any cluster name: accents folded, other characters as '-'; '' when none is left."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", folded).lstrip("._-")[:64].rstrip("-")


def resource_names(clusters: Sequence[tuple[str, str]], reserved: Iterable[str] = ()) -> dict[str, str]:
    """cluster id -> a unique resource name, for (cluster id, cluster name) pairs.

    A name that is a safe resource name names its resource (first come, first served); any other gets a slug of
    itself, else the cluster id, made unique with ``-2``, ``-3``... ``reserved`` names are never given out.
    """
    taken = set(reserved)
    names: dict[str, str] = {}
    for cluster_id, name in clusters:
        if _RESOURCE_NAME.match(name) and name not in taken:
            names[cluster_id] = name
            taken.add(name)
    for cluster_id, name in clusters:
        if cluster_id in names:
            continue
        stem = _slug(name) or (cluster_id if _RESOURCE_NAME.match(cluster_id) else "cluster")
        candidate, number = stem, 1
        while candidate in taken:
            number += 1
            candidate = f"{stem[: 64 - len(str(number)) - 1]}-{number}"
        names[cluster_id] = candidate
        taken.add(candidate)
    return names


# -- against the base ---------------------------------------------------------------------------------------


def _same(key: str, a: Any, b: Any) -> bool:
    by = _SAME_BY.get(key)
    return by(a) == by(b) if by else bool((a == b and type(a) is type(b)) or _numbers_equal(a, b))


def _numbers_equal(a: Any, b: Any) -> bool:
    return type(a) in (int, float) and type(b) in (int, float) and a == b


def reduce(base: Mapping[str, Any], full: Mapping[str, Any], *, minimal: bool = True) -> dict[str, Any]:
    """A map that, laid over ``base`` by the rules of ``inherit.effective_clusters``, gives ``full``.

    Maps are reduced key by key, worker groups by ``groupName`` (a base group ``full`` lacks is removed with
    ``remove: true``), other values are written whole; a base key ``full`` lacks is ``null``. ``minimal``: only
    what differs is written; else every value of ``full`` is, so that the entry reads whole.
    """
    out: dict[str, Any] = {}
    for key, value in full.items():
        have = base.get(key)
        if key == WORKER_SPEC and isinstance(value, list) and isinstance(have, list):
            groups = _reduce_groups(have, value, minimal)
            if groups or not minimal:
                out[key] = groups
        elif isinstance(value, Mapping) and isinstance(have, Mapping):
            nested = reduce(have, value, minimal=minimal)
            if nested or not minimal:
                out[key] = nested
        elif key not in base or not minimal or not _same(key, have, value):
            out[key] = copy.deepcopy(value)
    out.update((key, None) for key in base if key not in full)
    return out


def _reduce_groups(base: list[Any], full: list[dict[str, Any]], minimal: bool) -> list[dict[str, Any]]:
    by_name = {group.get(GROUP_NAME): group for group in base if isinstance(group, Mapping)}
    out: list[dict[str, Any]] = []
    for group in full:
        name = group[GROUP_NAME]
        rest = reduce(_without_name(by_name.get(name) or {}), _without_name(group), minimal=minimal)
        if rest or name not in by_name or not minimal:
            out.append({GROUP_NAME: name, **rest})
    names = {group[GROUP_NAME] for group in full}
    out += [{GROUP_NAME: name, REMOVE: True} for name in by_name if name not in names]
    return out


def _without_name(group: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in group.items() if key != GROUP_NAME}


def _kept_from_base(base: Mapping[str, Any], live: Mapping[str, Any], comments: list[str]) -> dict[str, Any]:
    """The base's provider options (timeouts, run state, restart policy, protect...): not live values, so kept,
    unless adopting the cluster with them would start, stop or restart it."""
    kept: dict[str, Any] = {}
    for key, value in base.items():
        if key in API_FIELDS or key in (WORKSPACE_ID, ADOPT_CLUSTER_ID):
            continue
        if key == "desiredState" and value is not None and value != live.get("state"):
            comments.append(
                f"desiredState: null, the base's {value} is not the cluster's state ({live.get('state')}): adopting "
                "it would start or stop it"
            )
            continue
        if key == "restartOnPendingChanges" and str(value).lower() == "true" and live.get("modified"):
            comments.append(
                "restartOnPendingChanges: null, the cluster has changes pending (modified): adopting it with the "
                "base's true would restart it"
            )
            continue
        kept[key] = copy.deepcopy(value)
    return kept


def over_base(entry: Entry, base: Mapping[str, Any], live: Mapping[str, Any], *, minimal: bool) -> Entry:
    """``entry`` as it must be written over its base entry (the program merges the two); ``full`` is the merge.

    The base's provider options are inherited unless they would act on the cluster; a base key the cluster lacks
    is ``null``. ``minimal``: only what differs from the base is written.
    """
    assert entry.spec is not None
    comments = list(entry.comments)
    full = {**entry.spec, **_kept_from_base(base, live, comments)}
    reduced = reduce(base, full, minimal=minimal)
    if _has_null(reduced):
        comments.append("null: unsets what the base declares and this cluster has not (or the service does not report)")
    return Entry(entry.key, reduced, comments, full)


# -- the workspace ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where the entries go: the project (the mark in descriptions, the base) and, when known, the stack."""

    project: str = DEFAULT_PROJECT
    stack: str | None = None
    #: The stack's ``emr:workspaceId``: entries of that workspace do not repeat it.
    default_workspace: str | None = None
    #: The project's ``clusterBase`` (resource name -> spec): the program lays every entry over it.
    base: Mapping[str, Any] | None = None
    #: Write only what differs from the base (``--against-base``); else whole entries (with nulls over the base).
    minimal: bool = False


@dataclass
class Export:
    """Every entry of one workspace, and what could not be exported (written as comments at the top)."""

    workspace_id: str
    target: Target
    entries: list[Entry]
    notes: list[str] = field(default_factory=list)


def fetch(api: RayClusterApi, workspace_id: str) -> list[RayClusterDetail]:
    """Every cluster of the workspace: ListRayCluster (every page), then GetRayCluster each.

    A cluster deleted between the two calls is left out: it no longer exists to be adopted.
    """
    details = []
    for summary in api.list(workspace_id):
        if not summary.cluster_id:
            continue
        try:
            details.append(api.get(workspace_id, summary.cluster_id))
        except NotFoundError:
            continue
    return details


def _base_matches(details: Sequence[Mapping[str, Any]], base: Mapping[str, Any]) -> dict[str, str]:
    """cluster id -> the base's resource name of the same cluster name (first cluster of a name wins)."""
    by_name = {str(spec.get(NAME) or key): key for key, spec in base.items() if isinstance(spec, Mapping)}
    matched: dict[str, str] = {}
    for live in details:
        key = by_name.pop(str(live.get(NAME)), None)
        if key is not None:
            matched[str(live.get("clusterId"))] = key
    return matched


def export_entries(details: Sequence[Mapping[str, Any]], workspace_id: str, target: Target) -> Export:
    """The entries of every cluster (GetRayCluster bodies), sorted by resource name."""
    owner = f"{target.project}/{target.stack}" if target.stack else None
    base = target.base or {}
    matched = _base_matches(details, base)
    unmatched = [(str(d.get("clusterId")), str(d.get(NAME))) for d in details if d.get("clusterId") not in matched]
    names = {**resource_names(unmatched, reserved=base), **matched}
    result = Export(workspace_id, target, [])
    for live in details:
        cluster_id = str(live.get("clusterId"))
        try:
            entry = shape_cluster(
                live,
                workspace_id=workspace_id,
                owner=owner,
                resource_name=names[cluster_id],
                write_workspace=workspace_id != target.default_workspace,
            )
        except ExportError as exc:
            result.notes.append(f"not exported: {cluster_id} {_quoted(live.get(NAME))}: {exc}")
            continue
        if cluster_id in matched:
            entry = over_base(entry, base[matched[cluster_id]], live, minimal=target.minimal)
        result.entries.append(entry)
    for key in base:
        if key not in matched.values():
            note = f"in the base, not in workspace {workspace_id}: null here, so that `pulumi up` does not create it"
            result.entries.append(Entry(key, None, [note]))
    _note_namesakes(details, result)
    result.entries.sort(key=lambda entry: entry.key)
    return result


def _note_namesakes(details: Sequence[Mapping[str, Any]], result: Export) -> None:
    """Two clusters of one name: the program refuses them (names must be unique per workspace); say so."""
    ids: dict[str, list[str]] = {}
    for live in details:
        ids.setdefault(str(live.get(NAME)), []).append(str(live.get("clusterId")))
    for entry in result.entries:
        spec = entry.full or {}
        same = ids.get(str(spec.get(NAME, entry.key)), [])
        if len(same) > 1:
            entry.comments.append(
                f"{len(same)} clusters are named {_quoted(spec.get(NAME, entry.key))} ({', '.join(same)}): the "
                "program refuses two clusters of one name in a workspace; rename all but one, or drop their entries"
            )


def _quoted(value: Any) -> str:
    return json.dumps(str(value), ensure_ascii=False)


# -- the YAML -----------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """As the stack files write YAML: lists indented under their key, quoted text in double quotes ("2")."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        return '"' if style == "'" else style


def _yaml(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=4096)


def _comment(text: str, indent: str) -> list[str]:
    """Comment lines; whitespace is folded first, so that a name holding a newline cannot end the comment."""
    return [f"{indent}# {line}" for line in textwrap.wrap(" ".join(text.split()), width=116 - len(indent))]


def render(export: Export) -> str:
    """The stack-file YAML: ``config:`` with the ``rayClusters`` key, a comment above each entry."""
    target, count = export.target, sum(entry.spec is not None for entry in export.entries)
    where = f"stacks/Pulumi.{target.stack}.yaml" if target.stack else "the stack file"
    lines = [
        f"# The Ray clusters of workspace {export.workspace_id} ({count}), exported by `python -m provider.export`.",
        f"# Paste the {target.project}:{CLUSTERS_KEY} key under `config:` of {where}. Each entry adopts its cluster",
        "# (adoptClusterId): `pulumi up` creates nothing and changes nothing the comments do not name.",
        "# Not exported, so not managed (the live values stay): env (it may hold tokens), Redis passwords (never",
        "# reported), the run state (desiredState), the replica of a group the autoscaler owns.",
    ]
    if target.base is not None:
        what = "Only what differs from" if target.minimal else "Whole entries, written over"
        lines.append(f"# {what} {BASE_KEY} in Pulumi.yaml, which the program merges in (null unsets a base key).")
    lines += [line for note in export.notes for line in _comment(note, "")]
    lines += ["config:", f"  {target.project}:{CLUSTERS_KEY}:" + ("" if export.entries else " {}")]
    for entry in export.entries:
        for text in [f"{entry.key}: {_header(entry)}", *entry.comments]:
            lines += _comment(text, "    ")
        lines += ["    " + line for line in _yaml({entry.key: entry.spec}).splitlines()]
    return "\n".join(lines) + "\n"


def _header(entry: Entry) -> str:
    spec = entry.full or {}
    if entry.spec is None:
        return "not in this workspace"
    return f"{spec.get(ADOPT_CLUSTER_ID)}" + (f" named {_quoted(spec[NAME])}" if NAME in spec else "")


# -- the command --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m provider.export",
        description="Write the Ray clusters of a workspace as stack-file entries that adopt them (adoptClusterId).",
    )
    parser.add_argument("--stack", help="the stack the entries are for: its emr:workspaceId, endpoint and region")
    parser.add_argument("--workspace", help="the workspace (w-...); default: the stack's emr:workspaceId")
    parser.add_argument("--endpoint", help="API base URL (emr:endpoint); default: the stack's, else by region")
    parser.add_argument("--region", help="region (alicloud:region); default: the stack's, else ALIBABA_CLOUD_REGION_ID")
    parser.add_argument("--network", choices=("public", "vpc"), help="emr:network; default: the stack's, else public")
    parser.add_argument("--against-base", action="store_true", help=f"write only what differs from {BASE_KEY}")
    parser.add_argument("--output", type=Path, help="write the YAML to this file (default: stdout)")
    parser.add_argument("--project-dir", type=Path, help="where Pulumi.yaml is (default: the current directory)")
    return parser


def _setting(flag: str | None, config: Mapping[str, Any], key: str) -> str | None:
    """A flag, else the stack config's plain value (an encrypted `secure:` value is not a setting here)."""
    value = flag if flag is not None else config.get(key)
    return value if isinstance(value, str) and value else None


def _plan(args: argparse.Namespace, root: Path) -> tuple[str, Target, ClientSettings]:
    """(workspace, target, client settings) from the flags and, with --stack, the stack's files."""
    has_project = (root / PROJECT_FILE).exists()
    project, project_values = project_config(root) if has_project else (DEFAULT_PROJECT, {})
    config = stack_config(root, args.stack) if args.stack else project_values
    workspace = _setting(args.workspace, config, WORKSPACE_KEY)
    if workspace is None:
        raise ExportError("no workspace: give --workspace w-..., or --stack NAME whose file sets emr:workspaceId")
    base = config.get(f"{project}:{BASE_KEY}")
    if base is None and args.against_base:
        raise ExportError(f"--against-base: Pulumi.yaml has no {BASE_KEY} (config: {BASE_KEY}: value: ...)")
    if base is not None and not isinstance(base, Mapping):
        raise ExportError(f"Pulumi.yaml: {BASE_KEY} must be a map of resource name -> cluster spec")
    default_workspace = _setting(None, config, WORKSPACE_KEY) if args.stack else None
    target = Target(project, args.stack, default_workspace, base, minimal=args.against_base)
    network = _setting(args.network, config, "emr:network") or "public"
    settings = ClientSettings(
        region=_setting(args.region, config, "alicloud:region"),
        endpoint=_setting(args.endpoint, config, "emr:endpoint"),
        network="vpc" if network == "vpc" else "public",
    )
    return workspace, target, settings


def main(argv: Sequence[str] | None = None, root: Path | None = None) -> int:
    """Exit 0 with the YAML written; 2 with one line on stderr (API errors name code, message and request id)."""
    args = _parser().parse_args(argv)
    try:
        workspace, target, settings = _plan(args, root or args.project_dir or Path.cwd())
        with RayClusterApi.from_settings(settings) as api:
            export = export_entries([d.to_api_dict() for d in fetch(api, workspace)], workspace, target)
    except (EmrError, StackConfigError, FileNotFoundError, ValueError) as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    text = render(export)
    for note in export.notes:
        print(f"warning: {note}", file=sys.stderr)
    if args.output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


__all__ = [
    "Entry",
    "Export",
    "ExportError",
    "Target",
    "export_entries",
    "fetch",
    "main",
    "over_base",
    "reduce",
    "render",
    "resource_names",
    "shape_cluster",
    "user_description",
    "validated",
]
