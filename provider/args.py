"""The typed inputs of RayCluster, generated from provider/schema/spec.py (the one schema): do not edit.

Regenerate with ``python -m provider.codegen`` after changing spec.py (``--check`` says whether this file is current).
A nested block is a TypedDict with snake_case keys under two names: ``HeadSpecArgs(cpu="2")`` (a keyword call, like a
Pulumi Args class) and the literal ``{"cpu": "2"}`` typed ``HeadSpecArgsDict`` build the same dict, and mypy names a
misspelled key in either. The resource sends the API's camelCase names (provider.wire); camelCase dicts (the stack
files' form) are accepted as they are.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict, Unpack

import pulumi

from provider.schema import spec
from provider.wire import WireArgs


class GftConfigArgsDict(TypedDict):
    """GCS fault tolerance: where the head keeps its state in Redis. From ``spec.GftConfig``."""

    redis_url: NotRequired[pulumi.Input[str]]
    redis_username: NotRequired[pulumi.Input[str]]
    redis_password: NotRequired[pulumi.Input[str]]


GftConfigArgs = GftConfigArgsDict
"""``GftConfigArgs(...)`` builds a ``GftConfigArgsDict`` (one type: keyword call or dict literal)."""


class HeadSpecArgsDict(TypedDict):
    """The head node. ``replica`` is read-only in the API and therefore not an input. From ``spec.HeadSpec``."""

    queue_name: NotRequired[pulumi.Input[str]]
    cpu: NotRequired[pulumi.Input[str | float]]
    memory: NotRequired[pulumi.Input[str | int]]
    gpu_spec: NotRequired[pulumi.Input[str]]
    enable_auto_scaling: NotRequired[pulumi.Input[bool]]
    idle_timeout_seconds: NotRequired[pulumi.Input[int]]
    env: NotRequired[pulumi.Input[str]]
    ray_start_params: NotRequired[pulumi.Input[str]]
    gft_enabled: NotRequired[pulumi.Input[bool]]
    gft_config: NotRequired[GftConfigArgsDict]
    display_release_version: NotRequired[pulumi.Input[str]]


HeadSpecArgs = HeadSpecArgsDict
"""``HeadSpecArgs(...)`` builds a ``HeadSpecArgsDict`` (one type: keyword call or dict literal)."""


class WorkerGroupArgsDict(TypedDict):
    """One worker group; groups are matched by ``groupName``, so it is required and unique. From
    ``spec.WorkerGroup``.
    """

    group_name: pulumi.Input[str]
    worker_type: NotRequired[pulumi.Input[str]]
    replica: NotRequired[pulumi.Input[int]]
    min_replica: NotRequired[pulumi.Input[int]]
    max_replica: NotRequired[pulumi.Input[int]]
    queue_name: NotRequired[pulumi.Input[str]]
    cpu: NotRequired[pulumi.Input[str | float]]
    memory: NotRequired[pulumi.Input[str | int]]
    gpu_spec: NotRequired[pulumi.Input[str]]
    display_release_version: NotRequired[pulumi.Input[str]]
    env: NotRequired[pulumi.Input[str]]
    ray_start_params: NotRequired[pulumi.Input[str]]


WorkerGroupArgs = WorkerGroupArgsDict
"""``WorkerGroupArgs(...)`` builds a ``WorkerGroupArgsDict`` (one type: keyword call or dict literal)."""


class TimeoutsArgsDict(TypedDict):
    """How long create, update and delete may wait (customTimeouts never reach a dynamic provider). From
    ``spec.Timeouts``.
    """

    create: NotRequired[pulumi.Input[float]]
    update: NotRequired[pulumi.Input[float]]
    delete: NotRequired[pulumi.Input[float]]


TimeoutsArgs = TimeoutsArgsDict
"""``TimeoutsArgs(...)`` builds a ``TimeoutsArgsDict`` (one type: keyword call or dict literal)."""


class RayClusterArgsDict(TypedDict):
    """A declared cluster: the API's fields plus provider options (adoption, timeouts, run state). From
    ``spec.RayClusterInputs``.
    """

    workspace_id: pulumi.Input[str]
    name: pulumi.Input[str]
    description: NotRequired[pulumi.Input[str]]
    display_release_version: NotRequired[pulumi.Input[str]]
    network_service_name: NotRequired[pulumi.Input[str]]
    head_spec: NotRequired[HeadSpecArgsDict]
    worker_spec: NotRequired[pulumi.Input[Sequence[WorkerGroupArgsDict]]]
    volume_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    extra_param: NotRequired[pulumi.Input[str | Mapping[str, Any]]]
    adopt_cluster_id: NotRequired[pulumi.Input[str]]
    timeouts: NotRequired[TimeoutsArgsDict]
    desired_state: NotRequired[pulumi.Input[Literal["Running", "Stopped"]]]
    restart_on_pending_changes: NotRequired[pulumi.Input[bool]]
    keep_failed_cluster: NotRequired[pulumi.Input[bool]]
    owner: NotRequired[pulumi.Input[str]]
    owner_aliases: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]


class RayClusterKeywordArgs(TypedDict, total=False):
    """The keyword form ``RayCluster(name, workspace_id=..., ...)``: RayClusterArgsDict's keys, all optional to the
    type checker because the same call may pass a RayClusterArgs instead; the required ones are checked at run
    time.
    """

    workspace_id: pulumi.Input[str]
    name: pulumi.Input[str]
    description: pulumi.Input[str]
    display_release_version: pulumi.Input[str]
    network_service_name: pulumi.Input[str]
    head_spec: HeadSpecArgsDict
    worker_spec: pulumi.Input[Sequence[WorkerGroupArgsDict]]
    volume_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    extra_param: pulumi.Input[str | Mapping[str, Any]]
    adopt_cluster_id: pulumi.Input[str]
    timeouts: TimeoutsArgsDict
    desired_state: pulumi.Input[Literal["Running", "Stopped"]]
    restart_on_pending_changes: pulumi.Input[bool]
    keep_failed_cluster: pulumi.Input[bool]
    owner: pulumi.Input[str]
    owner_aliases: pulumi.Input[Sequence[pulumi.Input[str]]]


@dataclass(init=False)
class RayClusterArgs(WireArgs):
    """The inputs of a RayCluster (``spec.RayClusterInputs``); ``to_props()`` gives the camelCase properties."""

    MODEL = spec.RayClusterInputs

    workspace_id: pulumi.Input[str]
    name: pulumi.Input[str]
    description: pulumi.Input[str] | None = None
    display_release_version: pulumi.Input[str] | None = None
    network_service_name: pulumi.Input[str] | None = None
    head_spec: HeadSpecArgsDict | None = field(default=None, repr=False)
    worker_spec: pulumi.Input[Sequence[WorkerGroupArgsDict]] | None = field(default=None, repr=False)
    volume_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None
    extra_param: pulumi.Input[str | Mapping[str, Any]] | None = None
    adopt_cluster_id: pulumi.Input[str] | None = None
    timeouts: TimeoutsArgsDict | None = None
    desired_state: pulumi.Input[Literal["Running", "Stopped"]] | None = None
    restart_on_pending_changes: pulumi.Input[bool] | None = None
    keep_failed_cluster: pulumi.Input[bool] | None = None
    owner: pulumi.Input[str] | None = None
    owner_aliases: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None

    def __init__(self, **kwargs: Unpack[RayClusterArgsDict]) -> None:
        super().__init__(**kwargs)
