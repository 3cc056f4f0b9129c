"""The seven Ray-cluster operations as FastAPI routes (signature, faults and journal are the gateway's job).

Handlers take the raw Request and answer with pre-serialized JSON: no pydantic on the hot path.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response

from emulator import lifecycle, validation, views
from emulator.errors import JSON_CONTENT_TYPE, ApiError, cluster_not_found, dump_json
from emulator.routes import ROUTES
from emulator.settings import caller_identity
from emulator.state import EmulatorState

router = APIRouter()


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def _answer(request: Request, body: dict[str, Any], status: int = 200) -> Response:
    request_id = request.state.request_id
    return Response(
        dump_json({**body, "requestId": request_id}),
        status_code=status,
        media_type=JSON_CONTENT_TYPE.decode(),
        headers={"x-acs-request-id": request_id},
    )


def _body(request: Request) -> Any:
    return validation.parse_body(request.state.body)


def _mutate(request: Request, workspace_id: str, cluster_id: str, change: Any) -> dict[str, Any]:
    done = _state(request).store.mutate(workspace_id, cluster_id, change)
    if done is None:
        raise cluster_not_found(cluster_id)
    return done[0]


async def create_ray_cluster(request: Request, workspaceId: str) -> Response:
    spec = validation.cluster_spec(_body(request), creating=True)
    state = _state(request)
    caller = caller_identity(request.state.access_key_id)
    record = lifecycle.new_record(workspaceId, spec, caller, time.time(), state.settings.timing())
    state.store.insert(record)
    return _answer(request, {"clusterId": record["clusterId"]})


async def list_ray_cluster(request: Request, workspaceId: str) -> Response:
    query = request.query_params
    size = validation.page_param(dict(query), "pageSize")
    number = validation.page_param(dict(query), "pageNum")
    records = _state(request).store.page(workspaceId, (number - 1) * size, size)
    now, omit = time.time(), _state(request).settings.omit_keys
    return _answer(request, {"rayClusters": [views.without(views.summary(r, now), omit) for r in records]})


async def get_ray_cluster(request: Request, workspaceId: str, clusterId: str) -> Response:
    record = _state(request).store.get(workspaceId, clusterId)
    if record is None:
        raise cluster_not_found(clusterId)
    return _answer(request, views.without(views.detail(record, time.time()), _state(request).settings.omit_keys))


async def update_ray_cluster(request: Request, workspaceId: str, clusterId: str) -> Response:
    changes = validation.cluster_spec(_body(request), creating=False)
    state = _state(request)
    caller = caller_identity(request.state.access_key_id)
    settings = state.settings
    now = time.time()
    _mutate(
        request,
        workspaceId,
        clusterId,
        lambda r: lifecycle.apply_update(r, changes, caller, now, settings.timing(), settings.update_mode),
    )
    return _answer(request, {"clusterId": clusterId})


async def delete_ray_cluster(request: Request, workspaceId: str, clusterId: str) -> Response:
    if not _state(request).store.delete(workspaceId, clusterId):
        raise cluster_not_found(clusterId)
    return _answer(request, {})


async def start_ray_cluster(request: Request, workspaceId: str, clusterId: str) -> Response:
    return _transition(request, workspaceId, clusterId, lifecycle.start)


async def stop_ray_cluster(request: Request, workspaceId: str, clusterId: str) -> Response:
    return _transition(request, workspaceId, clusterId, lifecycle.stop)


def _transition(request: Request, workspaceId: str, clusterId: str, step: Callable[..., Any]) -> Response:
    """Start or Stop: an optional JSON object body (clientToken / instanceId), then a lifecycle step."""
    validation.json_object(_body(request))
    timing = _state(request).settings.timing()
    now = time.time()
    _mutate(request, workspaceId, clusterId, lambda r: step(r, now, timing))
    return _answer(request, {})


_HANDLERS: dict[str, Callable[..., Awaitable[Response]]] = {
    "CreateRayCluster": create_ray_cluster,
    "ListRayCluster": list_ray_cluster,
    "GetRayCluster": get_ray_cluster,
    "UpdateRayCluster": update_ray_cluster,
    "DeleteRayCluster": delete_ray_cluster,
    "StartRayCluster": start_ray_cluster,
    "StopRayCluster": stop_ray_cluster,
}
for _route in ROUTES:
    router.add_api_route(
        _route.template, _HANDLERS[_route.action], methods=[_route.method], name=_route.action,
        include_in_schema=True,
    )  # fmt: skip


def api_error_response(request_id: str, error: ApiError) -> Response:
    headers = {"x-acs-request-id": request_id}
    if error.retry_after_ms is not None:
        headers["x-acs-retry-after"] = str(error.retry_after_ms)
    return Response(
        dump_json(error.body(request_id)),
        status_code=error.status,
        media_type=JSON_CONTENT_TYPE.decode(),
        headers=headers,
    )
