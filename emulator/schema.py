"""The one description of the Ray-cluster bodies: pydantic models of what Create/Update take and Get/List answer.

validation.py validates with these models, openapi.py generates the document's schemas from them and views.py
takes the keys a ListRayCluster item keeps from them. Each key is declared once, in the order the service checks
them (a stored spec and its Get answer keep that order), with its type, its limits and wording when refused
(emulator/fields.py) and, with `DetailOnly`, whether a List item leaves it out (emulator/listing.py), as the
official SDK's request and response models (alibabacloud-emr-serverless-spark20230808) have them. Answers
are described here, not built: the views build plain dicts, so no
pydantic runs on the GetRayCluster path.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from emulator.fields import (
    MAX_NAME,
    UNIQUE_GROUP_NAMES,
    Flag,
    JsonText,
    Memory,
    Name,
    RequiredKey,
    Text,
    VolumeIds,
    Whole,
    check_required,
    check_unique_group,
    document_required,
    refusal,
    worded,
)
from emulator.lifecycle import STATES
from emulator.listing import DetailOnly, listed

MAX_WORKER_GROUPS = 50
MAX_PAGE_SIZE = 100
INT32_MAX = 2**31 - 1  # the service's integers are 32-bit (SQLite's are 64-bit)
Replicas = Annotated[Whole, Field(ge=1)]


class Body(BaseModel):
    """A request object: unknown keys are ignored and a null key means an absent one (the service's JSON binding)."""

    model_config = ConfigDict(json_schema_extra=document_required)

    @model_validator(mode="before")
    @classmethod
    def _nulls_are_absent(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data

    @model_validator(mode="after")
    def _required(self) -> Body:
        check_required(self)  # after the values: a bad value is reported before a missing key
        return self


class GftConfig(Body):
    redisPassword: Text | None = None
    redisUrl: Text | None = None
    redisUsername: Text | None = None


class HeadSpec(Body):
    cpu: Text | None = None
    displayReleaseVersion: DetailOnly[Text | None] = None
    enableAutoScaling: Flag | None = None
    env: DetailOnly[Text | None] = None
    gftConfig: DetailOnly[GftConfig | None] = None
    gftEnabled: DetailOnly[Flag | None] = None
    gpuSpec: Text | None = None
    idleTimeoutSeconds: Whole | None = None
    memory: Memory | None = None
    queueName: Text | None = None
    rayStartParams: DetailOnly[Text | None] = None


class WorkerGroup(Body):
    """One worker group, sent and answered alike; groups are told apart by `groupName`."""

    cpu: Text | None = None
    displayReleaseVersion: DetailOnly[Text | None] = None
    env: DetailOnly[Text | None] = None
    gpuSpec: Text | None = None
    groupName: Annotated[Text | None, RequiredKey("is required.")] = None
    maxReplica: Replicas | None = None
    memory: Memory | None = None
    minReplica: Replicas | None = None
    queueName: Text | None = None
    rayStartParams: DetailOnly[Text | None] = None
    replica: Replicas | None = None
    workerType: Text | None = None

    @model_validator(mode="after")
    def _rules(self) -> WorkerGroup:
        check_unique_group(self.groupName)
        low, high = self.minReplica, self.maxReplica
        if low is not None and high is not None and low > high:
            raise refusal(f"({low}) must be <= maxReplica ({high}).", "minReplica")
        return self


class ClusterSpec(Body):
    """The UpdateRayCluster body: absent keys stay unchanged."""

    description: Text | None = None
    displayReleaseVersion: Text | None = None
    extraParam: DetailOnly[JsonText | None] = None
    name: Name | None = None
    networkServiceName: Text | None = None
    volumeIds: DetailOnly[VolumeIds | None] = None
    headSpec: HeadSpec | None = None
    workerSpec: Annotated[
        list[WorkerGroup] | None,
        Field(max_length=MAX_WORKER_GROUPS),
        worded(f"allows at most {MAX_WORKER_GROUPS} groups.", "too_long"),
        UNIQUE_GROUP_NAMES,
    ] = None


class CreateSpec(ClusterSpec):
    """The CreateRayCluster body: the Update body with a name."""

    name: Annotated[Name | None, RequiredKey(f"is required and must be 1 to {MAX_NAME} characters long.")] = None


class StartBody(Body):
    """Documented only: Start and Stop check that the body is a JSON object and read nothing from it."""

    clientToken: Text | None = None  # an idempotency token; the emulator keeps none


class StopBody(Body):
    """Documented only, like StartBody."""

    instanceId: Text | None = None


class ListQuery(BaseModel):
    """ListRayCluster's query: read by hand (validation.page_param) with these defaults and bounds."""

    pageNum: Annotated[int, Field(ge=1, le=INT32_MAX)] = 1
    pageSize: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 20


class Answer(BaseModel):
    """An answer object: the views build answers as plain dicts, these describe them (the document, tests)."""


class HeadDetail(HeadSpec):
    replica: Whole  # the number of head nodes (always 1)


class Instance(Answer):
    """One node (pod) of a cluster."""

    containerExitCode: Whole | None = None
    containerState: Text
    containerStateMessage: Text | None = None
    containerStateReason: Text
    createTime: Whole
    instanceId: Text
    message: Text
    phase: Text
    reason: Text
    startTime: Whole
    type: Text


class ClusterDetail(ClusterSpec):
    """The GetRayCluster answer: the stored spec and what the service adds."""

    headSpec: HeadDetail
    clusterId: Text
    state: Annotated[Text, Field(json_schema_extra={"enum": list(STATES)})]
    message: Text | None = None  # why, in Error
    creator: Text
    creatorName: Text
    modifier: Text
    modifierName: Text
    userId: Text
    dashboardUrl: Text
    jobUrl: DetailOnly[Text]
    jobUrlInner: DetailOnly[Text]
    grpcEndpoint: Text
    submitToken: DetailOnly[Text]
    modified: Flag
    instances: DetailOnly[list[Instance]]
    instanceId: Text
    createTime: Whole
    modifiedTime: Whole
    startTime: Whole
    requestId: DetailOnly[Text]


class ClusterPage(Answer):
    """The ListRayCluster answer before `listed` trims each cluster to its List form."""

    rayClusters: list[ClusterDetail]
    requestId: Text


class ClusterIdAnswer(Answer):
    clusterId: Text
    requestId: Text


class Acknowledged(Answer):
    requestId: Text


class ErrorAnswer(Answer):
    """Every refusal, in the format the SDK parses (emulator/errors.py)."""

    requestId: Text
    code: Text
    message: Text


ListAnswer = listed(ClusterPage, "ListAnswer")
ClusterSummary = listed(ClusterDetail)
HeadSummary = listed(HeadDetail)
WorkerGroupSummary = listed(WorkerGroup)
