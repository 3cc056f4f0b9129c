"""The ``rayClusters`` stack config, parsed and validated into resource properties before any is declared.

Pure Python (no Pulumi import) so that the program can fail fast with every problem at once, each named by
the key a person edits in ``stacks/Pulumi.<stack>.yaml`` (``ray-clusters:rayClusters[1].workerSpec[0]
.minReplica``), and so that these rules are unit-testable without the engine. Validation itself is the
provider's own: ``spec.check_inputs``, so the program and the provider can never disagree.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from provider.core.pricing import CURRENCY_KEY, PRICE_KEY
from provider.schema.normalize import compact_json, normalize_bool
from provider.schema.spec import SECRET_INPUT_PATHS, RayClusterInputs, check_inputs

#: Stack config key names (the cluster key is in the project's namespace).
CLUSTERS_KEY = "rayClusters"
WORKSPACE_KEY = "emr:workspaceId"
#: Optional stack config: the most compute units the stack's clusters may grow to (their autoscaling maximum).
BUDGET_KEY = "capacityBudgetCu"
#: Optional stack config: the most the stack's clusters may cost per hour at their autoscaling maximum.
COST_BUDGET_KEY = "costBudgetPerHour"
#: The namespace of the provider's own settings.
EMR_NAMESPACE = "emr"
#: Every key the program or the provider reads in the project's namespace (besides the Redis password keys the
#: entries name) and in ``emr:``: any other key there is a typo, which must fail rather than be ignored.
PROJECT_KEYS = (
    CLUSTERS_KEY,
    "clusterBase",
    BUDGET_KEY,
    COST_BUDGET_KEY,
    PRICE_KEY,
    CURRENCY_KEY,
    "protect",
    "retainOnDelete",
)
EMR_KEYS = ("workspaceId", "endpoint", "network", "apiRateLimit")

#: Per-cluster keys (and stack-wide defaults of the same names) that become Pulumi resource options, never inputs:
#: ``protect`` (Pulumi refuses to delete the cluster) and ``retainOnDelete`` (Pulumi forgets it, no delete call).
RESOURCE_OPTION_KEYS = {"protect": "protect", "retainOnDelete": "retain_on_delete"}

#: Per-cluster key: the entry's former resource names, passed to Pulumi as the ``aliases`` resource option.
ALIASES_KEY = "aliases"

#: Inside ``headSpec.gftConfig``: the name of a secret config key holding the Redis password.
PASSWORD_REF_KEY = "redisPasswordSecret"  # noqa: S105 - a property name, not a password
(_PASSWORD_PATH,) = SECRET_INPUT_PATHS  # the one secret input: headSpec.gftConfig.redisPassword
# Stands in for the secret while the spec is validated; never sent anywhere.
_PASSWORD_PLACEHOLDER = "<secret>"  # noqa: S105 - a placeholder, not a password

# Resource names end up in URNs and in `pulumi stack output`: keep them plain.
_RESOURCE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_CONFIG_KEY = re.compile(r"^(?:[A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in the stack file: the full key to edit and what to do about it."""

    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}"


class StackConfigError(ValueError):
    """The stack config cannot be turned into clusters; the text lists every problem, one per line."""

    def __init__(self, problems: list[ConfigProblem], stack_file: str | None = None) -> None:
        self.problems = list(problems)
        where = f" in {stack_file}" if stack_file else ""
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid stack config{where} ({len(self.problems)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class ClusterEntry:
    """One validated cluster of the stack: its resource name, properties and where its secrets come from."""

    #: The Pulumi resource name: the map key, or the cluster name in the list form (never the index).
    resource_name: str
    #: The stack-file key of the entry, for messages (``ray-clusters:rayClusters.analytics``).
    config_key: str
    #: camelCase resource properties, validated, with stack-derived values applied; no secret in them.
    props: dict[str, Any]
    #: The validated model (the Redis password, if referenced, is a placeholder here).
    inputs: RayClusterInputs = field(repr=False)
    #: Full config key (``ray-clusters:analyticsRedisPassword``) of the secret Redis password, if any.
    redis_password_key: str | None = None
    #: Resource options from the entry (``protect``, ``retainOnDelete``); None = the stack's default.
    protect: bool | None = None
    retain_on_delete: bool | None = None
    #: Former resource names (``aliases:``): Pulumi moves their state to this one instead of deleting.
    aliases: tuple[str, ...] = ()


def stack_description(description: str | None, project: str, stack: str) -> str:
    """The description sent to the API: says which Pulumi stack owns the cluster (seen in the console)."""
    owner = f"{project}/{stack}"
    return f"{description} (Pulumi {owner})" if description else f"Managed by Pulumi {owner}"


def with_redis_password(props: Mapping[str, Any], password: Any) -> dict[str, Any]:
    """A copy of ``props`` with ``headSpec.gftConfig.redisPassword`` set (the program passes an Output)."""
    result = copy.deepcopy(dict(props))
    head, gft, key = _PASSWORD_PATH
    head_spec = dict(result.get(head) or {})
    head_spec[gft] = {**(head_spec.get(gft) or {}), key: password}
    result[head] = head_spec
    return result


def _member(parent: str, key: str) -> str:
    """The `pulumi config set --path` spelling of a map member."""
    return f"{parent}.{key}" if _IDENTIFIER.match(key) else f'{parent}["{key}"]'


def _join(entry_key: str, path: str) -> str:
    if not path:
        return entry_key
    return f"{entry_key}{path}" if path.startswith("[") else f"{entry_key}.{path}"


class _EntryParser:
    """Turns one raw entry into props, collecting problems instead of stopping at the first."""

    def __init__(self, project: str, stack: str, default_workspace_id: str | None, note: Note | None = None) -> None:
        self.project = project
        self.stack = stack
        self.default_workspace_id = default_workspace_id
        self.note = note
        self.problems: list[ConfigProblem] = []

    def problem(self, key: str, reason: str) -> None:
        self.problems.append(ConfigProblem(key, reason))

    def parse(self, entry_key: str, resource_name: str | None, raw: Any) -> ClusterEntry | None:
        if not isinstance(raw, Mapping):
            self.problem(entry_key, f"must be an object with name, headSpec, workerSpec..., got {type(raw).__name__}.")
            return None
        props: dict[str, Any] = copy.deepcopy(dict(raw))
        if resource_name is None:  # list form: the cluster name names the resource
            name = props.get("name")
            if not isinstance(name, str) or not name:
                self.problem(
                    f"{entry_key}.name",
                    "is required in the list form (it names the Pulumi resource); "
                    "set it, or write rayClusters as a map of resource name -> spec.",
                )
                return None
            resource_name = name
        else:
            props.setdefault("name", resource_name)
        if not _RESOURCE_NAME.match(resource_name):
            self.problem(
                entry_key if "name" not in raw else f"{entry_key}.name",
                f"{resource_name!r} cannot name a Pulumi resource: use 1-64 letters, digits, '.', '_' "
                "or '-', starting with a letter or digit.",
            )
            return None
        if "workspaceId" not in props:
            if not self.default_workspace_id:
                self.problem(
                    f"{entry_key}.workspaceId",
                    f"no workspace: set {WORKSPACE_KEY} for the stack (pulumi config set {WORKSPACE_KEY} "
                    "w-...) or workspaceId on this cluster.",
                )
                return None
            props["workspaceId"] = self.default_workspace_id
        if isinstance(props.get("extraParam"), dict | list):
            props["extraParam"] = compact_json(props["extraParam"])
        description = props.get("description")
        if description is None or isinstance(description, str):  # anything else is for check_inputs to report
            props["description"] = stack_description(description or None, self.project, self.stack)
        options = {attr: self._take_flag(entry_key, props, key) for key, attr in RESOURCE_OPTION_KEYS.items()}
        aliases = self._take_aliases(entry_key, props)
        password_key = self._take_password_ref(entry_key, props)
        checked = with_redis_password(props, _PASSWORD_PLACEHOLDER) if password_key else props
        inputs, failures = check_inputs(checked)
        for failure in failures:
            key = _join(entry_key, failure.path)
            note = self.note(resource_name, failure.path) if self.note else None
            self.problem(f"{key} ({note})" if note else key, failure.reason)
        if inputs is None or failures:
            return None
        return ClusterEntry(resource_name, entry_key, props, inputs, password_key, **options, aliases=aliases)

    def _take_flag(self, entry_key: str, props: dict[str, Any], key: str) -> bool | None:
        """Pop a resource-option flag (``protect``...) from the entry: true/false, or absent."""
        if key not in props:
            return None
        value = props.pop(key)
        flag = parse_flag(value)
        if flag is None:
            self.problem(f"{entry_key}.{key}", f"must be true or false, got {value!r}.")
        return flag

    def _take_aliases(self, entry_key: str, props: dict[str, Any]) -> tuple[str, ...]:
        """Pop ``aliases`` (the entry's former resource names): a resource option, never an input."""
        value = props.pop(ALIASES_KEY, None)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and _RESOURCE_NAME.match(v) for v in value):
            self.problem(
                f"{entry_key}.{ALIASES_KEY}",
                f"must be a list of former resource names like [analytics], got {value!r}.",
            )
            return ()
        return tuple(value)

    def _take_password_ref(self, entry_key: str, props: dict[str, Any]) -> str | None:
        """Pop ``redisPasswordSecret`` from gftConfig; refuse a password written in the stack file."""
        head, gft, password = _PASSWORD_PATH
        head_spec = props.get(head)
        if not isinstance(head_spec, Mapping) or not isinstance(head_spec.get(gft), Mapping):
            return None
        gft_config = dict(head_spec[gft])
        key_path = f"{entry_key}.{head}.{gft}"
        if password in gft_config:
            del gft_config[password]
            self.problem(
                f"{key_path}.{password}",
                "a password must not be written in the stack file: store it with "
                f"`pulumi config set --secret {self.project}:<name>Password <value>` and set "
                f"{PASSWORD_REF_KEY}: <name>Password here instead.",
            )
        ref = gft_config.pop(PASSWORD_REF_KEY, None)
        props[head] = {**head_spec, gft: gft_config}
        if ref is None:
            return None
        if not isinstance(ref, str) or not _CONFIG_KEY.match(ref):
            self.problem(
                f"{key_path}.{PASSWORD_REF_KEY}",
                f"must name a secret config key like analyticsRedisPassword, got {ref!r}.",
            )
            return None
        return ref if ":" in ref else f"{self.project}:{ref}"


def parse_flag(value: Any) -> bool | None:
    """true/false, or the words "true"/"false" (stack config values may arrive as text); None for anything else."""
    try:
        return normalize_bool(value)  # the rule spec applies to boolean inputs
    except ValueError:
        return None


#: Says where a failing property was set, e.g. "set in the base, Pulumi.yaml clusterBase"; None: the stack file.
Note = Callable[[str, str], str | None]


def parse_clusters(
    raw: Any,
    *,
    project: str,
    stack: str,
    default_workspace_id: str | None,
    stack_file: str | None = None,
    note: Note | None = None,
) -> list[ClusterEntry]:
    """Validate the ``<project>:rayClusters`` value (a list of specs or a map name -> spec).

    Raises ``StackConfigError`` listing every problem; returns the clusters in declaration order otherwise.
    ``note(resource_name, property_path)`` may add where an inherited property was set.
    """
    root = f"{project}:{CLUSTERS_KEY}"
    parser = _EntryParser(project, stack, default_workspace_id, note)
    entries: list[ClusterEntry | None] = []
    if raw is None:
        parser.problem(root, "is not set: declare the clusters of this stack (a map name -> spec), or [] for none.")
    elif isinstance(raw, str):
        parser.problem(root, f"must be a list of cluster specs or a map name -> spec, got the text {raw!r}.")
    elif isinstance(raw, Mapping):
        for key, spec in raw.items():
            entries.append(parser.parse(_member(root, str(key)), str(key), spec))
    elif isinstance(raw, list):
        for index, spec in enumerate(raw):
            entries.append(parser.parse(f"{root}[{index}]", None, spec))
    else:
        parser.problem(root, f"must be a list of cluster specs or a map name -> spec, got {type(raw).__name__}.")
    clusters = [entry for entry in entries if entry is not None]
    _check_unique(parser, clusters)
    if parser.problems:
        raise StackConfigError(parser.problems, stack_file)
    return clusters


def unknown_keys(keys: Iterable[str], *, project: str, also_known: Iterable[str] = ()) -> list[ConfigProblem]:
    """A problem for every key of the project's or the ``emr:`` namespace that nothing reads, with a did-you-mean.

    ``also_known``: the Redis password keys the entries name. Other namespaces (``alicloud:``) belong to others.
    """
    known = {f"{project}:{key}" for key in PROJECT_KEYS} | {f"{EMR_NAMESPACE}:{key}" for key in EMR_KEYS}
    known |= set(also_known)
    problems = []
    for key in sorted(set(keys) - known):
        namespace = key.partition(":")[0]
        if namespace not in (project, EMR_NAMESPACE):
            continue
        peers = {name.lower(): name for name in known if name.startswith(f"{namespace}:")}
        close = difflib.get_close_matches(key.lower(), list(peers), n=1, cutoff=0.6)
        hint = f"did you mean {peers[close[0]]}?" if close else f"known keys: {', '.join(sorted(peers.values()))}."
        problems.append(ConfigProblem(key, f"is not a key this program reads (a typo is never ignored); {hint}"))
    return problems


def password_refs(raw: Any, project: str) -> set[str]:
    """The full config keys every ``redisPasswordSecret`` in a raw clusters value names, however malformed the rest."""
    found: set[str] = set()
    if isinstance(raw, Mapping):
        ref = raw.get(PASSWORD_REF_KEY)
        if isinstance(ref, str) and _CONFIG_KEY.match(ref):
            found.add(ref if ":" in ref else f"{project}:{ref}")
        for value in raw.values():
            found |= password_refs(value, project)
    elif isinstance(raw, list):
        for value in raw:
            found |= password_refs(value, project)
    return found


def _check_unique(parser: _EntryParser, clusters: list[ClusterEntry]) -> None:
    """Two entries may share neither a resource name nor a cluster name in one workspace.

    CreateRayCluster is not idempotent: after a lost answer the provider finds its cluster by name, which is
    only sound when names are unique per workspace.
    """
    by_resource: dict[str, str] = {}
    by_name: dict[tuple[str, str], str] = {}
    for entry in clusters:
        first = by_resource.setdefault(entry.resource_name, entry.config_key)
        if first != entry.config_key:
            parser.problem(entry.config_key, f"resource name {entry.resource_name!r} is already used by {first}.")
            continue
        name_key = (entry.inputs.workspace_id, entry.inputs.name)
        first = by_name.setdefault(name_key, entry.config_key)
        if first != entry.config_key:
            parser.problem(
                f"{entry.config_key}.name",
                f"cluster name {entry.inputs.name!r} is already used by {first} in workspace "
                f"{entry.inputs.workspace_id}; cluster names must be unique per workspace.",
            )


__all__ = [
    "BUDGET_KEY",
    "CLUSTERS_KEY",
    "COST_BUDGET_KEY",
    "EMR_KEYS",
    "PASSWORD_REF_KEY",
    "PROJECT_KEYS",
    "RESOURCE_OPTION_KEYS",
    "WORKSPACE_KEY",
    "ClusterEntry",
    "ConfigProblem",
    "StackConfigError",
    "parse_clusters",
    "parse_flag",
    "password_refs",
    "stack_description",
    "unknown_keys",
    "with_redis_password",
]
