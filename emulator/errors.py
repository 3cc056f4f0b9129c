"""Alibaba-style API errors: one exception type and the JSON body the official SDK parses.

The SDK reads `requestId`/`code`/`message` from any 4xx/5xx JSON body and raises ClientException (4xx),
ServerException (5xx) or ThrottlingException (when `x-acs-retry-after` is present), so every refusal the
emulator makes goes through this one shape.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

JSON_CONTENT_TYPE = b"application/json;charset=utf-8"


class ApiError(Exception):
    """A refusal with an HTTP status, an Alibaba error code and a human message."""

    def __init__(self, status: int, code: str, message: str, retry_after_ms: int | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after_ms = retry_after_ms

    def body(self, request_id: str) -> dict[str, Any]:
        return {"requestId": request_id, "code": self.code, "message": self.message}


def invalid_parameter(message: str) -> ApiError:
    return ApiError(400, "InvalidParameter", message)


def cluster_not_found(cluster_id: str) -> ApiError:
    return ApiError(404, "RayClusterNotFound", f"The specified Ray cluster {cluster_id} does not exist.")


def api_not_found(method: str, path: str) -> ApiError:
    return ApiError(404, "InvalidApi.NotFound", f"Specified api is not found: {method} {path}.")


def new_request_id() -> str:
    """Request ids look like the service's (upper-case UUID)."""
    return str(uuid.uuid4()).upper()


def dump_json(body: Any) -> bytes:
    """Compact UTF-8 JSON, the way the service answers."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
