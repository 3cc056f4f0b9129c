"""Pydantic models of the Ray-cluster API answers (GetRayCluster §3, ListRayCluster §4), derived from ``spec``.

The declared models in ``spec`` are the one schema: an answer object has the same keys as its declared
counterpart plus the read-only fields of ``spec.READ_ONLY``. Here each key is optional and kept as the service
wrote it (``cpu`` may be ``2`` or ``"2.0"``: the plan compares by value), and unknown keys are kept
(``extra="allow"``): a provider that crashes on a new key is worse than one that ignores it. Secret values
(``submitToken``, ``dashboardUrl``, ``gftConfig.redisPassword``) are hidden from repr.
"""

from __future__ import annotations

import types
import typing
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, create_model
from pydantic.alias_generators import to_camel, to_snake
from pydantic.fields import FieldInfo

from provider.schema import spec
from provider.schema.normalize import number_text


class ClusterState(StrEnum):
    """The documented values of ``state``. A state the service adds later is kept as plain text."""

    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    ERROR = "Error"


class ApiModel(BaseModel):
    """Common configuration: camelCase aliases, unknown keys kept, populate by either name."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)

    def to_api_dict(self) -> dict[str, Any]:
        """The API-shaped camelCase dict with None dropped (what the plan compares)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


#: Text the service may send as a number (``cpu: 2``): kept as its text, compared by value in the plan.
ScalarStr = Annotated[str, BeforeValidator(number_text)]


def _answer_type(annotation: Any, answers: dict[type[BaseModel], type[ApiModel]]) -> Any:
    """The answer's type for a declared field: a nested declared object maps to its answer model, a scalar
    to its plain JSON type without the input rules (ranges, units), text also accepting a number."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return answers[annotation]
    if annotation in (int, bool, float):
        return annotation
    if annotation is str:
        return ScalarStr
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Annotated:
        return _answer_type(args[0], answers)
    if origin in (typing.Union, types.UnionType):
        kinds = [_answer_type(a, answers) for a in args if a is not type(None)]
        return kinds[0] if len(kinds) == 1 else Any
    if origin is list:
        return list[_answer_type(args[0], answers)]  # type: ignore[misc]
    return Any


def _answer_model(
    name: str,
    declared: type[BaseModel],
    answers: dict[type[BaseModel], type[ApiModel]],
    read_only: dict[str, spec.LiveField] | None = None,
    keys: tuple[str, ...] | None = None,
) -> type[ApiModel]:
    """The answer form of a declared object: its keys (or only ``keys``), each optional, plus read-only ones."""
    fields: dict[str, Any] = {}
    for attr, info in declared.model_fields.items():
        if keys is None or info.alias in keys:
            shown = info.repr and info.alias not in spec.HIDDEN_KEYS  # env often carries tokens
            fields[attr] = (_answer_type(info.annotation, answers) | None, FieldInfo(default=None, repr=shown))
    for key, live in (read_only or {}).items():
        fields[to_snake(key)] = (live.type | None, Field(default=None, repr=not live.secret))
    model: type[ApiModel] = create_model(name, __base__=ApiModel, __module__=__name__, **fields)
    answers[declared] = model
    return model


_ANSWERS: dict[type[BaseModel], type[ApiModel]] = {}
GftConfig = _answer_model("GftConfig", spec.GftConfig, _ANSWERS)
HeadSpec = _answer_model("HeadSpec", spec.HeadSpec, _ANSWERS, spec.HEAD_READ_ONLY)
WorkerSpec = _answer_model("WorkerSpec", spec.WorkerGroup, _ANSWERS)
_ClusterFields = _answer_model("_ClusterFields", spec.RayClusterInputs, _ANSWERS, spec.READ_ONLY, spec.API_FIELDS)


def _typed_state(value: Any) -> Any:
    """A documented state as ClusterState; any other text unchanged (a state added after this version)."""
    return ClusterState(value) if value in ClusterState.__members__.values() else value


NonEmpty = Annotated[str, StringConstraints(min_length=1)]
TypedState = Annotated[ClusterState | NonEmpty, BeforeValidator(_typed_state)]


class RayClusterSummary(_ClusterFields):  # type: ignore[misc,valid-type]
    """One item of ListRayCluster (the service leaves the heavy and secret fields out of it)."""

    state: TypedState | None = None

    if typing.TYPE_CHECKING:  # derived fields that code reads, spelled out for the type checker
        cluster_id: str | None
        name: str | None
        create_time: int | None


class RayClusterDetail(RayClusterSummary):
    """GetRayCluster. Its id and state are required: planning against an answer without them would
    rewrite every declared field, so such an answer is refused as malformed.

    ``request_id`` identifies the call, not the cluster, so ``to_api_dict`` leaves it out.
    """

    cluster_id: NonEmpty
    state: TypedState
    request_id: str | None = None

    if typing.TYPE_CHECKING:
        modified: bool | None
        message: str | None

    def to_api_dict(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, exclude={"request_id"}, mode="json")


class RayClusterList(ApiModel):
    """ListRayCluster response body."""

    ray_clusters: list[RayClusterSummary] | None = None
    request_id: str | None = None


class ClusterIdResponse(ApiModel):
    """Create/Update response body."""

    cluster_id: str | None = None
    request_id: str | None = None


__all__ = [
    "ClusterIdResponse",
    "ClusterState",
    "GftConfig",
    "HeadSpec",
    "RayClusterDetail",
    "RayClusterList",
    "RayClusterSummary",
    "WorkerSpec",
]
