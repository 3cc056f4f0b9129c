"""The control API under /_emulator/ (no signature): journal, reset, faults, config, store, forced states.

Not part of the Alibaba API; tests and benchmarks use it to arrange and to assert.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from emulator import lifecycle, views
from emulator.faults import KINDS, FaultRule
from emulator.quota import Limit, check_rate_limits
from emulator.settings import UPDATE_MODES, check_omit_keys
from emulator.state import EmulatorState

router = APIRouter(prefix="/_emulator")


class _Camel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class FaultRuleIn(_Camel):
    action: str = "*"
    kind: str
    rate: float = Field(1.0, ge=0, le=1)
    count: int | None = Field(None, ge=0)
    retry_after_ms: int | None = Field(None, alias="retryAfterMs", ge=1)
    delay_ms: int | None = Field(None, alias="delayMs", ge=0)


class FaultsIn(_Camel):
    latency_ms: int = Field(0, alias="latencyMs", ge=0)
    rules: list[FaultRuleIn] = []


class ConfigPatch(_Camel):
    startup_seconds: float | None = Field(None, alias="startupSeconds", ge=0)
    stop_seconds: float | None = Field(None, alias="stopSeconds", ge=0)
    update_mode: Literal["immediate", "restart-required"] | None = Field(None, alias="updateMode")
    startup_failure_message: str | None = Field(None, alias="startupFailureMessage")
    omit_keys: list[str] | None = Field(None, alias="omitKeys")
    rate_limits: dict[str, str] | None = Field(None, alias="rateLimits")

    @field_validator("omit_keys")
    @classmethod
    def _paths(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else check_omit_keys(value)

    @field_validator("rate_limits")
    @classmethod
    def _limits(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None:
            check_rate_limits(value)
        return value

    def limits(self) -> dict[str, Limit]:
        return check_rate_limits(self.rate_limits or {})


class ForcedState(_Camel):
    state: Literal["Starting", "Running", "Stopping", "Stopped", "Error"]
    message: str | None = None


class ResetIn(_Camel):
    clusters: bool = False


def _state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/requests")
async def requests(request: Request, action: str | None = None) -> dict[str, Any]:
    return {"requests": _state(request).journal.entries(action)}


@router.post("/reset")
async def reset(request: Request, body: ResetIn | None = Body(None)) -> dict[str, bool]:  # noqa: B008
    state = _state(request)
    state.journal.clear()
    state.faults.clear()
    state.quota.forget()  # the quotas' windows start empty; the limits (config) stay
    if body is not None and body.clusters:
        state.store.wipe()
        state.nonces.clear()
    return {"ok": True}


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    return _state(request).faults.to_json()


@router.put("/faults")
async def put_faults(request: Request, body: FaultsIn) -> dict[str, Any]:
    bad = [r.kind for r in body.rules if r.kind not in KINDS]
    if bad:
        raise HTTPException(400, f"unknown fault kind(s) {bad}; known: {', '.join(KINDS)}")
    rules = [FaultRule(r.action, r.kind, r.rate, r.count, r.retry_after_ms, r.delay_ms) for r in body.rules]
    state = _state(request)
    state.faults.replace(rules, body.latency_ms)
    return state.faults.to_json()


@router.delete("/faults")
async def delete_faults(request: Request) -> dict[str, Any]:
    state = _state(request)
    state.faults.clear()
    return state.faults.to_json()


@router.get("/config")
async def get_config(request: Request) -> dict[str, Any]:
    return _state(request).settings.config_json()


@router.patch("/config")
async def patch_config(request: Request, body: ConfigPatch) -> dict[str, Any]:
    state = _state(request)
    settings = state.settings
    given = body.model_fields_set
    if "startup_seconds" in given and body.startup_seconds is not None:
        settings.startup_seconds = body.startup_seconds
    if "stop_seconds" in given and body.stop_seconds is not None:
        settings.stop_seconds = body.stop_seconds
    if "update_mode" in given and body.update_mode is not None:
        assert body.update_mode in UPDATE_MODES
        settings.update_mode = body.update_mode
    if "startup_failure_message" in given:  # explicit null clears it
        settings.startup_failure_message = body.startup_failure_message
    if "omit_keys" in given:  # the list replaces the previous one; [] or null clears it
        settings.omit_keys = list(body.omit_keys or [])
    if "rate_limits" in given:  # the map replaces the previous one ({} or null clears it); windows start empty
        settings.rate_limits = body.limits()
        state.quota.replace(settings.rate_limits)
    return settings.config_json()


@router.get("/clusters")
async def clusters(request: Request) -> dict[str, Any]:
    now = time.time()
    return {
        "clusters": [{**views.detail(r, now), "workspaceId": r["workspaceId"]} for r in _state(request).store.all()]
    }


@router.post("/clusters/{cluster_id}/state")
async def force_state(request: Request, cluster_id: str, body: ForcedState) -> dict[str, Any]:
    store = _state(request).store
    record = store.find(cluster_id)
    if record is None:
        raise HTTPException(404, f"cluster {cluster_id} not found")
    store.mutate(record["workspaceId"], cluster_id, lambda r: lifecycle.force(r, body.state, body.message))
    return {"clusterId": cluster_id, "state": body.state}
