"""The declared Ray cluster: pydantic models that validate and normalize resource inputs.

Inputs use the API's camelCase names (``headSpec``, ``workerSpec``...) so that diff paths match the API
docs; Python code reads the snake_case attributes. Validation happens once, in ``check_inputs``, which turns
pydantic errors into one ``Failure(path, reason)`` per bad property with a sentence a person can act on.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from functools import lru_cache, partial
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from provider.schema import paths
from provider.schema.keys import (
    DESCRIPTION,
    DISPLAY_RELEASE_VERSION,
    ENV,
    EXTRA_PARAM,
    GFT_CONFIG,
    GROUP_NAME,
    HEAD_SPEC,
    MIN_REPLICA,
    NAME,
    NETWORK_SERVICE_NAME,
    OWNER,
    OWNER_ALIASES,
    REDIS_PASSWORD,
    REPLICA,
    TIMEOUTS,
    VOLUME_IDS,
    WORKER_SPEC,
    WORKSPACE_ID,
)
from provider.schema.normalize import (
    normalize_bool,
    normalize_cpu,
    normalize_extra_param,
    normalize_memory,
    normalize_seconds,
    normalize_whole_number,
    normalize_worker_type,
    short,
)

MAX_TEXT = 4096
MAX_WORKER_GROUPS = 50
MAX_VOLUMES = 100
DEFAULT_TIMEOUTS = {"create": 1800.0, "update": 1800.0, "delete": 1200.0}

#: Inputs that are secret: stored encrypted wherever the provider hands them back to the engine.
SECRET_INPUT_PATHS: tuple[tuple[str, ...], ...] = ((HEAD_SPEC, GFT_CONFIG, REDIS_PASSWORD),)
#: Keys whose values never appear in a diff line: the secret inputs, and env (it often carries tokens).
HIDDEN_KEYS = frozenset({path[-1] for path in SECRET_INPUT_PATHS} | {ENV})
#: Keys whose values never appear in a failure either: a mistyped gftConfig may be the password itself.
SENSITIVE_KEYS = HIDDEN_KEYS | {GFT_CONFIG}


class LiveField(NamedTuple):
    """A read-only field of a GetRayCluster answer (the service sets it; never an input)."""

    #: Its JSON type as the answer model parses it.
    type: Any
    #: Every RayCluster resource exposes it as an output.
    output: bool = True
    #: Stored as a Pulumi secret (the dashboard URL carries a token).
    secret: bool = False


#: The read-only fields of GetRayCluster, declared once: the answer models, the outputs and the secret outputs
#: are derived from this table (``models``, ``resource``).
READ_ONLY: dict[str, LiveField] = {
    "clusterId": LiveField(str),
    "state": LiveField(str),
    "modified": LiveField(bool),
    "message": LiveField(str),
    "dashboardUrl": LiveField(str, secret=True),
    "jobUrl": LiveField(str),
    "jobUrlInner": LiveField(str),
    "grpcEndpoint": LiveField(str),
    "submitToken": LiveField(str, secret=True),
    "createTime": LiveField(int),
    "modifiedTime": LiveField(int),
    # Not an output: a copy of every node made each resource's state grow by ~290 bytes per node (see DERIVED_OUTPUTS).
    "instances": LiveField(list[dict[str, Any]], output=False),
    "creator": LiveField(str, output=False),
    "creatorName": LiveField(str, output=False),
    "modifier": LiveField(str, output=False),
    "modifierName": LiveField(str, output=False),
    "userId": LiveField(str, output=False),
    "instanceId": LiveField(str, output=False),
    "startTime": LiveField(int, output=False),
}
#: Read-only inside headSpec: the number of head nodes.
HEAD_READ_ONLY: dict[str, LiveField] = {REPLICA: LiveField(int, output=False)}
#: Outputs copied from GetRayCluster as they are.
LIVE_OUTPUTS = tuple(name for name, live in READ_ONLY.items() if live.output)
#: Outputs the provider derives from the answer: ``nodes`` counts the nodes per phase (``{"Running": 3}``) where
#: 0.2 copied every node (``instances``), so that state does not grow with the cluster (README: outputs).
DERIVED_OUTPUTS = ("nodes",)
OUTPUTS = LIVE_OUTPUTS + DERIVED_OUTPUTS
SECRET_OUTPUTS = tuple(name for name, live in READ_ONLY.items() if live.secret)


def _strict(normalizer: Callable[[Any], Any]) -> BeforeValidator:
    """Run a normalizer before pydantic's own checks; its ValueError text becomes the failure reason."""

    def run(value: Any) -> Any:
        if value is None:
            return None
        try:
            return normalizer(value)
        except ValueError as exc:
            raise PydanticCustomError("invalid_value", str(exc)) from None

    return BeforeValidator(run)


Text = Annotated[str, StringConstraints(max_length=MAX_TEXT)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Cpu = Annotated[str, _strict(normalize_cpu)]
Memory = Annotated[str, _strict(normalize_memory)]
Flag = Annotated[bool, _strict(normalize_bool)]
WorkerType = Annotated[str, _strict(normalize_worker_type)]
Replicas = Annotated[int, _strict(partial(normalize_whole_number, minimum=1))]
Seconds = Annotated[int, _strict(partial(normalize_whole_number, minimum=0))]
ExtraParam = Annotated[str, _strict(normalize_extra_param), StringConstraints(max_length=65536)]
Timeout = Annotated[float, _strict(normalize_seconds)]


class _Model(BaseModel):
    """camelCase on the wire, snake_case in Python, unknown keys refused, instances immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        extra="forbid",
        frozen=True,
    )


class GftConfig(_Model):
    """GCS fault tolerance: where the head keeps its state in Redis."""

    redis_url: Text | None = None
    redis_username: Text | None = None
    # Kept out of repr so that logging a model never prints the password.
    redis_password: Annotated[Text | None, Field(repr=False)] = None


class HeadSpec(_Model):
    """The head node. ``replica`` is read-only in the API and therefore not an input."""

    queue_name: Text | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    gpu_spec: Text | None = None
    enable_auto_scaling: Flag | None = None
    idle_timeout_seconds: Seconds | None = None
    env: Text | None = None
    ray_start_params: Text | None = None
    gft_enabled: Flag | None = None
    gft_config: GftConfig | None = None
    display_release_version: Text | None = None


class WorkerGroup(_Model):
    """One worker group; groups are matched by ``groupName``, so it is required and unique."""

    group_name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    worker_type: WorkerType | None = None
    replica: Replicas | None = None
    min_replica: Replicas | None = None
    max_replica: Replicas | None = None
    queue_name: Text | None = None
    cpu: Cpu | None = None
    memory: Memory | None = None
    gpu_spec: Text | None = None
    display_release_version: Text | None = None
    env: Text | None = None
    ray_start_params: Text | None = None

    @model_validator(mode="after")
    def _replica_bounds(self) -> WorkerGroup:
        low, high, replica = self.min_replica, self.max_replica, self.replica
        if low is not None and high is not None and low > high:
            raise PydanticCustomError(
                "replica_bounds",
                "minReplica ({low}) is more than maxReplica ({high}); lower minReplica or raise maxReplica",
                {"low": low, "high": high, "field": MIN_REPLICA},
            )
        if low is not None and high is not None and replica is not None and not low <= replica <= high:
            raise PydanticCustomError(
                "replica_bounds",
                "replica ({replica}) is outside [minReplica, maxReplica] = [{low}, {high}]; pick a value in that range",
                {"replica": replica, "low": low, "high": high, "field": REPLICA},
            )
        return self


class Timeouts(_Model):
    """How long create, update and delete may wait (customTimeouts never reach a dynamic provider)."""

    create: Timeout = DEFAULT_TIMEOUTS["create"]
    update: Timeout = DEFAULT_TIMEOUTS["update"]
    delete: Timeout = DEFAULT_TIMEOUTS["delete"]


#: The fields sent to CreateRayCluster/UpdateRayCluster (everything else is a provider option).
API_FIELDS = (
    DESCRIPTION,
    DISPLAY_RELEASE_VERSION,
    EXTRA_PARAM,
    HEAD_SPEC,
    NAME,
    NETWORK_SERVICE_NAME,
    VOLUME_IDS,
    WORKER_SPEC,
)


class RayClusterInputs(_Model):
    """A declared cluster: the API's fields plus provider options (adoption, timeouts, run state)."""

    workspace_id: NonEmptyText
    name: Name
    description: Text | None = None
    display_release_version: Text | None = None
    network_service_name: Text | None = None
    head_spec: HeadSpec | None = None
    worker_spec: Annotated[list[WorkerGroup], Field(max_length=MAX_WORKER_GROUPS)] | None = None
    volume_ids: Annotated[list[NonEmptyText], Field(max_length=MAX_VOLUMES)] | None = None
    extra_param: ExtraParam | None = None
    # Provider options: never sent to the API.
    adopt_cluster_id: NonEmptyText | None = None
    timeouts: Timeouts = Timeouts()
    desired_state: Literal["Running", "Stopped"] | None = None
    restart_on_pending_changes: Flag = False
    keep_failed_cluster: Flag = False
    #: Who manages the cluster (``project/stack/resource``, set by RayCluster) and the names it had before
    #: (its aliases): the owner mark the provider writes in the description (schema/owner.py). Never compared:
    #: state written before they existed must still preview no change.
    owner: NonEmptyText | None = None
    owner_aliases: list[NonEmptyText] | None = None

    @field_validator("worker_spec")
    @classmethod
    def _unique_group_names(cls, groups: list[WorkerGroup] | None) -> list[WorkerGroup] | None:
        seen: dict[str, int] = {}
        for index, group in enumerate(groups or ()):
            if group.group_name in seen:
                first = seen[group.group_name]
                raise PydanticCustomError(
                    "duplicate",
                    f"groupName {short(group.group_name)} is already used by {paths.render((WORKER_SPEC, first))}; "
                    "give each group its own name",
                    {"field": paths.render((index, GROUP_NAME))},
                )
            seen[group.group_name] = index
        return groups

    @field_validator("volume_ids")
    @classmethod
    def _unique_volumes(cls, volumes: list[str] | None) -> list[str] | None:
        seen: dict[str, int] = {}
        for index, volume in enumerate(volumes or ()):
            if volume in seen:
                raise PydanticCustomError(
                    "duplicate",
                    f"volume {short(volume)} is already listed at {paths.render((VOLUME_IDS, seen[volume]))}; "
                    "list each volume once",
                    {"field": paths.render((index,))},
                )
            seen[volume] = index
        return volumes

    def api_body(self) -> dict[str, Any]:
        """Exactly a CreateRayCluster body: declared API fields only, normalized, None dropped."""
        return self.model_dump(by_alias=True, exclude_none=True, include=_API_ATTRS)

    def options(self) -> dict[str, Any]:
        """The provider options (everything not sent to the API), as validated values."""
        return self.model_dump(exclude=_API_ATTRS | _IDENTITY_ATTRS)


_API_ATTRS = {name for name, info in RayClusterInputs.model_fields.items() if info.alias in API_FIELDS}
#: The resource's identity: an input so that the provider knows it, never a difference (see ``owner``).
_IDENTITY_ATTRS = {"owner", "owner_aliases"}
#: Their property names, left out wherever inputs are compared.
IDENTITY_INPUTS = (OWNER, OWNER_ALIASES)


# -- check_inputs: pydantic errors -> one actionable Failure per property ---------------------------------


class Failure(NamedTuple):
    """One bad property: ``path`` like ``workerSpec[1].minReplica`` (the index syntax of ``paths``: the position a
    person edits) and a sentence saying what to do."""

    path: str
    reason: str


Loc = paths.Loc

# Which model describes the object at a location (every list position written as _ANY), for "did you mean?".
_ANY = -1
_MODELS_AT: dict[Loc, type[_Model]] = {
    (): RayClusterInputs,
    (HEAD_SPEC,): HeadSpec,
    (HEAD_SPEC, GFT_CONFIG): GftConfig,
    (WORKER_SPEC, _ANY): WorkerGroup,
    (TIMEOUTS,): Timeouts,
}
# Output-only fields of GetRayCluster (and headSpec.replica) that people copy into inputs by mistake.
_READ_ONLY = frozenset({*READ_ONLY, *HEAD_READ_ONLY, "requestId"})
_EXAMPLES = {WORKSPACE_ID: "w-d2d82aa09155", NAME: "analytics", GROUP_NAME: "cpu-workers"}


def _model_at(loc: Loc) -> type[_Model] | None:
    return _MODELS_AT.get(tuple(_ANY if isinstance(part, int) else part for part in loc))


def _known_keys(loc: Loc) -> list[str]:
    model = _model_at(loc)
    return [info.alias or name for name, info in model.model_fields.items()] if model else []


def _reason(error: Mapping[str, Any]) -> str:
    """Rewrite a pydantic error into one sentence: what is wrong and what to do."""
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    field = str(loc[-1]) if loc and isinstance(loc[-1], str) else "value"
    value = "(hidden)" if SENSITIVE_KEYS.intersection(map(str, loc)) else short(error.get("input"))
    if kind == "extra_forbidden" and field in _READ_ONLY:
        return f"{field} is read-only (the service sets it); remove it from the inputs."
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known properties: {', '.join(known)}."
        return f"unknown property {field!r}: {hint} Remove it or fix the spelling."
    if kind == "missing":
        example = f" (for example {_EXAMPLES[field]!r})" if field in _EXAMPLES else ""
        return f"{field} is required: set it{example}."
    if kind == "string_type":
        return f"must be text, got {value}; quote the value."
    if kind == "string_too_short":
        return "must not be empty."
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters are allowed; shorten it."
    if kind == "too_long":
        what = "worker groups" if field == WORKER_SPEC else "items"
        return f"has too many {what}: at most {ctx.get('max_length')} are allowed; remove some."
    if kind == "list_type":
        return f"must be a list like [...], got {value}."
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        keys = ", ".join(_known_keys(loc)[:4])
        return f"must be an object with keys like {keys}, got {value}."
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, got {value}; leave it unset to not manage it."
    if kind in {"invalid_value", "replica_bounds", "duplicate"}:
        return str(error["msg"]).rstrip(".") + "."
    return f"{error['msg']}; got {value}."


def _error_loc(error: Mapping[str, Any]) -> Loc:
    """The location of the property at fault (cross-field rules name it in ctx['field'])."""
    loc: Loc = tuple(error["loc"])
    sub = (error.get("ctx") or {}).get("field")
    return loc + paths.parse(str(sub)) if sub else loc


class _Unknowns:
    """Removes Pulumi unknowns before validation and remembers where they were."""

    def __init__(self, is_unknown: Callable[[Any], bool]) -> None:
        self.is_unknown = is_unknown
        self.locs: list[Loc] = []
        # For each list that lost unknown elements: original index of every kept element.
        self.kept: dict[Loc, list[int]] = {}

    def strip(self, value: Any, loc: Loc = ()) -> Any:
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                if self.is_unknown(item):
                    self.locs.append((*loc, key))
                else:
                    out[key] = self.strip(item, (*loc, key))
            return out
        if isinstance(value, list | tuple):
            kept = [i for i, item in enumerate(value) if not self.is_unknown(item)]
            self.locs.extend((*loc, i) for i, item in enumerate(value) if self.is_unknown(item))
            if len(kept) < len(value):
                self.kept[loc] = kept
            return [self.strip(value[i], (*loc, i)) for i in kept]
        return value

    def original(self, loc: Loc) -> Loc:
        """Map a location in the stripped value back to the caller's indexes."""
        out: list[str | int] = []
        for part in loc:
            prefix = tuple(out)
            if isinstance(part, int) and prefix in self.kept and part < len(self.kept[prefix]):
                part = self.kept[prefix][part]
            out.append(part)
        return tuple(out)

    def covers(self, loc: Loc) -> bool:
        return any(loc[: len(unknown)] == unknown for unknown in self.locs)


def _validate(cleaned: Any) -> RayClusterInputs:
    return RayClusterInputs.model_validate(cleaned, by_alias=True, by_name=False)


@lru_cache(maxsize=1024)
def _validated(text: str) -> RayClusterInputs:
    """The model of inputs given as their JSON text, remembered: the engine's Diff sends again the very inputs its
    Check validated, and every preview repeats the last one's. The model is frozen, so sharing it is safe; a refusal
    raises every time (it is not remembered)."""
    return _validate(json.loads(text))


def _as_json(value: Any) -> str | None:
    """JSON text of plain inputs that tells apart what validation tells apart (2 and 2.0, true and 1, key order; keys
    are strings in every property bag), or None for a value JSON cannot write (validated, not remembered)."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_not_json)
    except (TypeError, ValueError):
        return None


def _not_json(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def check_inputs(
    props: Mapping[str, Any], *, is_unknown: Callable[[Any], bool] = lambda v: False
) -> tuple[RayClusterInputs | None, list[Failure]]:
    """Validate declared inputs; return the model (None if anything is unknown or wrong) and the failures.

    Keys starting with ``__`` (the engine's ``__provider``) are ignored. Unknown values (preview) are
    accepted and the rules that need them are skipped. An unknown is a value of a type of its own (Pulumi's
    ``Unknown``), never plain JSON: inputs that are all plain JSON are validated once per distinct text and the model
    remembered (``_validated``), because the engine's Diff sends again the very inputs its Check validated.
    """
    unknowns = _Unknowns(is_unknown)
    if is_unknown(props):
        return None, []
    declared = {k: v for k, v in props.items() if not str(k).startswith("__")}
    text = _as_json(declared)  # None for anything JSON cannot say, an unknown value first of all
    try:
        model = _validated(text) if text is not None else _validate(unknowns.strip(declared))
    except ValidationError as exc:
        failures: dict[str, Failure] = {}
        for error in exc.errors():
            loc = unknowns.original(_error_loc(error))
            if unknowns.covers(loc):
                continue
            path = paths.render(loc)
            failures.setdefault(path, Failure(path, _reason(error)))
        return None, list(failures.values())
    return (None if unknowns.locs else model), []


__all__ = [
    "API_FIELDS",
    "DERIVED_OUTPUTS",
    "HIDDEN_KEYS",
    "LIVE_OUTPUTS",
    "OUTPUTS",
    "READ_ONLY",
    "SECRET_INPUT_PATHS",
    "SECRET_OUTPUTS",
    "SENSITIVE_KEYS",
    "Failure",
    "GftConfig",
    "HeadSpec",
    "LiveField",
    "RayClusterInputs",
    "Timeouts",
    "WorkerGroup",
    "check_inputs",
]
