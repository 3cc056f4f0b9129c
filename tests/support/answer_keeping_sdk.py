"""The official SDK client, keeping every answer body as it arrived.

The SDK's response models drop keys they do not know and ``to_map()`` shows only what they kept; a contract check
needs the answer as sent: every key, every JSON type. ``call_api`` is the one method all the SDK's operations go
through and returns the decoded JSON body, so recording there changes nothing else about the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alibabacloud_emr_serverless_spark20230808 import models
from alibabacloud_emr_serverless_spark20230808.client import Client
from alibabacloud_tea_openapi import models as open_api_models


@dataclass(frozen=True)
class RawAnswer:
    """One answer of the service: the action and its JSON body as decoded, nothing reshaped."""

    action: str
    body: dict[str, Any]


class AnswerKeepingClient(Client):
    """``Client`` that appends each answer to ``answers`` (the newest last)."""

    def __init__(self, config: open_api_models.Config) -> None:
        super().__init__(config)
        self.answers: list[RawAnswer] = []

    def call_api(self, params: Any, request: Any, runtime: Any) -> Any:
        result = super().call_api(params, request, runtime)
        body = result.get("body") if isinstance(result, dict) else None
        self.answers.append(RawAnswer(str(params.action), body if isinstance(body, dict) else {}))
        return result

    def raw_get(self, workspace_id: str, cluster_id: str) -> dict[str, Any]:
        """GetRayCluster, answered as sent."""
        self.get_ray_cluster(workspace_id, cluster_id)
        return self.answers[-1].body

    def raw_list(self, workspace_id: str, page_size: int = 100) -> dict[str, Any]:
        """The first page of ListRayCluster, answered as sent."""
        self.list_ray_cluster(workspace_id, models.ListRayClusterRequest(page_num=1, page_size=page_size))
        return self.answers[-1].body
