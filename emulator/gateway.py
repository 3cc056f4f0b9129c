"""The API-gateway layer in front of the operations: route check, signature, quotas, faults, journal.

A raw ASGI middleware (not a FastAPI dependency) because it must see the whole body before the handler,
hold back or swallow the response (`lost-response`) and close the socket (`drop`), and it stays cheap on
the hot path. Requests under /_emulator/ pass straight through.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import parse_qsl

from emulator.errors import JSON_CONTENT_TYPE, ApiError, api_not_found, dump_json, new_request_id
from emulator.faults import DROP, LOST_RESPONSE, THROTTLING, close_connection, error_for
from emulator.routes import API_VERSION, resolve
from emulator.signature import header_map
from emulator.state import EmulatorState

Scope = dict[str, Any]
CONTROL_PREFIX = "/_emulator"
OPENAPI_PATH = "/openapi.json"  # the emulator's own schema (emulator/openapi.py), unsigned like the control API
RATE_LIMITED = "rate-limit"  # the journal's `fault` of a request refused by a quota (emulator/quota.py)


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Any:
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # like a client that keeps the connection open
        return {"type": "http.disconnect"}

    return receive


async def send_error(send: Any, request_id: str, error: ApiError) -> None:
    headers = [(b"content-type", JSON_CONTENT_TYPE), (b"x-acs-request-id", request_id.encode())]
    if error.retry_after_ms is not None:
        headers.append((b"x-acs-retry-after", str(error.retry_after_ms).encode()))
    payload = dump_json(error.body(request_id))
    headers.append((b"content-length", str(len(payload)).encode()))
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class Gateway:
    def __init__(self, app: Any, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX) or scope["path"] == OPENAPI_PATH:
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        method, path = scope["method"], scope["path"]
        query_string = scope.get("query_string", b"").decode("latin-1")
        body = await _read_body(receive)
        headers = header_map(scope["headers"])
        route = resolve(method, path)
        entry: dict[str, Any] = {
            "action": route.action if route else next(iter(headers.get("x-acs-action", [])), None),
            "method": method,
            "path": path,
            "query": dict(parse_qsl(query_string, keep_blank_values=True)),
            "status": 0,
            "code": None,
            "body": _json_or_none(body),
            "requestId": request_id,
            "fault": None,
            "time": time.time(),
        }
        try:
            try:
                if route is None:
                    raise api_not_found(method, path)
                raw_path = scope.get("raw_path") or path.encode()
                verified = self.state.verifier.verify(method, raw_path.decode("latin-1"), query_string, headers, body)
                if verified.action != route.action:
                    raise ApiError(
                        404,
                        "InvalidApi.NotFound",
                        f"x-acs-action {verified.action!r} does not match {method} {path} ({route.action}).",
                    )
                if verified.version != API_VERSION:
                    raise ApiError(400, "InvalidVersion", f"Specified version {verified.version!r} is not valid.")
            except ApiError as error:
                entry["status"], entry["code"] = error.status, error.code
                await send_error(send, request_id, error)
                return
            await self._serve(scope, send, body, route.action, request_id, verified.access_key_id, entry)
        finally:
            self.state.journal.record(entry)

    async def _serve(
        self,
        scope: Scope,
        send: Any,
        body: bytes,
        action: str,
        request_id: str,
        key_id: str,
        entry: dict[str, Any],
    ) -> None:
        # The quota is the gateway's, after authentication and before the backend (faults): a refused request
        # is answered at once and draws no fault; an admitted one counts whatever the faults then do.
        retry_after_ms = self.state.quota.admit(action)
        if retry_after_ms is not None:
            error = error_for(THROTTLING, retry_after_ms)
            entry["status"], entry["code"], entry["fault"] = error.status, error.code, RATE_LIMITED
            await send_error(send, request_id, error)
            return
        decision = self.state.faults.draw(action)
        entry["fault"] = decision.label
        if decision.delay_s > 0:
            await asyncio.sleep(decision.delay_s)
        if decision.kind == DROP:
            await close_connection(send)  # request not applied
            return
        if decision.kind is not None and decision.kind != LOST_RESPONSE:
            error = error_for(decision.kind, decision.retry_after_ms)
            entry["status"], entry["code"] = error.status, error.code
            await send_error(send, request_id, error)
            return
        swallow = decision.kind == LOST_RESPONSE
        captured: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            elif entry["status"] >= 400:
                captured.append(message.get("body", b""))
            if not swallow:
                await send(message)

        inner = {**scope, "state": {"request_id": request_id, "body": body, "access_key_id": key_id}}
        await self.app(inner, _replay(body), capture)
        if entry["status"] >= 400:
            entry["code"] = (_json_or_none(b"".join(captured)) or {}).get("code")
        if swallow:
            await close_connection(send)  # request applied, answer lost
