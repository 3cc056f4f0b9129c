"""Pydantic models of the Ray-cluster API responses (GetRayCluster §3, ListRayCluster §4).

Secret outputs (``submitToken``, ``dashboardUrl``, ``gftConfig.redisPassword``) are hidden from repr.

Every field is optional and unknown keys are kept (``extra="allow"``): the service may add fields or
omit them, and a provider that crashes on a new key is worse than one that ignores it. Field names are
snake_case in Python and camelCase on the wire (``alias_generator=to_camel``).

``cpu`` and ``memory`` are documented as strings, but a number from the server is accepted and turned
into its string form, since the plan compares them by value anyway.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel


class ClusterState(StrEnum):
    """The documented values of ``state``; ``RayClusterDetail.state`` stays a plain str for unknown ones."""

    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    ERROR = "Error"


def _number_to_str(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # let pydantic reject it: True is not a CPU count
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


ScalarStr = Annotated[str, BeforeValidator(_number_to_str)]


class ApiModel(BaseModel):
    """Common configuration: camelCase aliases, unknown keys kept, populate by either name."""

    model_config = ConfigDict(extra="allow", alias_generator=to_camel, populate_by_name=True)

    def to_api_dict(self) -> dict[str, Any]:
        """The API-shaped camelCase dict with None dropped (what the plan compares)."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class GftConfig(ApiModel):
    """GCS fault tolerance: where the Redis lives (``redis_password`` is a secret output)."""

    redis_password: str | None = Field(default=None, repr=False)
    redis_url: str | None = None
    redis_username: str | None = None


class HeadSpec(ApiModel):
    """Head node; ``replica`` is read-only (number of head nodes)."""

    cpu: ScalarStr | None = None
    display_release_version: str | None = None
    enable_auto_scaling: bool | None = None
    env: str | None = None
    gft_config: GftConfig | None = None
    gft_enabled: bool | None = None
    gpu_spec: str | None = None
    idle_timeout_seconds: int | None = None
    memory: ScalarStr | None = None
    queue_name: str | None = None
    ray_start_params: str | None = None
    replica: int | None = None


class WorkerSpec(ApiModel):
    """One worker group, matched by ``group_name``."""

    cpu: ScalarStr | None = None
    display_release_version: str | None = None
    env: str | None = None
    gpu_spec: str | None = None
    group_name: str | None = None
    max_replica: int | None = None
    memory: ScalarStr | None = None
    min_replica: int | None = None
    queue_name: str | None = None
    ray_start_params: str | None = None
    replica: int | None = None
    worker_type: str | None = None


class Instance(ApiModel):
    """One node (pod) of the cluster."""

    container_exit_code: int | None = None
    container_state: str | None = None
    container_state_message: str | None = None
    container_state_reason: str | None = None
    create_time: int | None = None
    instance_id: str | None = None
    message: str | None = None
    phase: str | None = None
    reason: str | None = None
    start_time: int | None = None
    type: str | None = None


class RayClusterSummary(ApiModel):
    """One item of ListRayCluster (the Get body minus the heavy and secret fields)."""

    cluster_id: str | None = None
    create_time: int | None = None
    creator: str | None = None
    creator_name: str | None = None
    dashboard_url: str | None = Field(default=None, repr=False)  # carries a token
    description: str | None = None
    display_release_version: str | None = None
    grpc_endpoint: str | None = None
    head_spec: HeadSpec | None = None
    instance_id: str | None = None
    message: str | None = None
    modified: bool | None = None
    modified_time: int | None = None
    modifier: str | None = None
    modifier_name: str | None = None
    name: str | None = None
    network_service_name: str | None = None
    start_time: int | None = None
    state: str | None = None
    user_id: str | None = None
    worker_spec: list[WorkerSpec] | None = None


class RayClusterDetail(RayClusterSummary):
    """GetRayCluster: the summary fields plus the ones only Get returns.

    ``request_id`` identifies the call, not the cluster, so ``to_api_dict`` leaves it out.
    """

    extra_param: str | None = None
    instances: list[Instance] | None = None
    job_url: str | None = None
    job_url_inner: str | None = None
    submit_token: str | None = Field(default=None, repr=False)
    volume_ids: list[str] | None = None
    request_id: str | None = None

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
    "Instance",
    "RayClusterDetail",
    "RayClusterList",
    "RayClusterSummary",
    "WorkerSpec",
]
