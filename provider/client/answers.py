"""Reading what the service answered: typed models or typed errors, with secrets kept out of every text.

Pure functions: no I/O, no client state. ``api.RayClusterApi`` sends requests and hands each response here;
what may be retried is decided here too, because it depends only on what came back (or what failed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pydantic

from provider.schema.errors import (
    ApiError,
    AuthError,
    InvalidParameterError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    ThrottledError,
)

EXCERPT_CHARS = 200

M = TypeVar("M", bound=pydantic.BaseModel)

# Codes that mean "who you are / what you may do", checked before the generic 404 and Invalid*/Missing* rules:
# InvalidAccessKeyId.NotFound is a 404 and must never read as "cluster already gone", and MissingSecurityToken
# is a credentials problem, not a wrong request.
_AUTH_CODES = ("SignatureDoesNotMatch", "IncompleteSignature", "SignatureNonceUsed", "InvalidCredentials")
_AUTH_PREFIXES = (
    "InvalidAccessKeyId",
    "InvalidTimeStamp",
    "InvalidSecurityToken",
    "MissingSecurityToken",
    "Forbidden",
    "NoPermission",
)


@dataclass(frozen=True)
class Context:
    """Which call an answer belongs to: named in every error."""

    action: str
    cluster_id: str | None = None


@dataclass(frozen=True)
class Answer:
    """A successful answer: its status (kept for error texts) and its JSON object."""

    status: int
    data: dict[str, Any]


def error_class(status: int, code: str | None) -> type[ApiError]:
    """Map an error answer to its exception class (order matters, see _AUTH_CODES)."""
    c = code or ""
    if c.startswith("Throttling") or status == 429:
        return ThrottledError
    if c in _AUTH_CODES or c.startswith(_AUTH_PREFIXES) or status in (401, 403):
        return AuthError
    if c == "RayClusterNotFound" or (status == 404 and not c.startswith("InvalidApi")):
        return NotFoundError
    if c.startswith(("InvalidParameter", "MissingParameter", "Missing")):
        return InvalidParameterError
    if status >= 500:
        return ServerError
    return ApiError


def retryable(error: BaseException) -> bool:
    """Idempotent operations: throttling, 5xx, and any timeout or dropped connection."""
    return isinstance(
        error,
        ThrottledError | ServerError | httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError,
    )


def never_sent(error: BaseException) -> bool:
    """Transport failures that happen before a single byte of the request left this process."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def create_retryable(error: BaseException) -> bool:
    """CreateRayCluster: only when the server surely did not act (refused or never reached)."""
    return isinstance(error, ThrottledError) or never_sent(error)


def decode(context: Context, response: httpx.Response, secrets: Iterable[str]) -> Answer:
    """The JSON object of a 2xx answer; for any other answer raise its typed error (server text redacted)."""
    status = response.status_code
    try:
        data: Any = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        data = _NOT_JSON
    if 200 <= status < 300:
        if isinstance(data, dict):
            return Answer(status, data)
        raise malformed(context, response, "expected a JSON object", secrets)
    where: dict[str, Any] = {"cluster_id": context.cluster_id, "status": status}
    if not isinstance(data, dict):
        # An HTML 502 page from a load balancer or a bare 429 from a proxy: transient, retry it.
        if status >= 500:
            raise ServerError(context.action, **where, message=excerpt(response, secrets))
        if status == 429:
            hint = retry_after_seconds(response)
            raise ThrottledError(context.action, **where, message=excerpt(response, secrets), retry_after=hint)
        raise malformed(context, response, "error answer is not a JSON object", secrets)
    code = _text(data.get("Code", data.get("code")))
    fields: dict[str, Any] = {
        **where,
        "code": code,
        "message": redact(_text(data.get("Message", data.get("message"))) or "", secrets),
        "request_id": _text(data.get("RequestId", data.get("requestId"))),
    }
    kind = error_class(status, code)
    if kind is ThrottledError:
        raise ThrottledError(context.action, **fields, retry_after=retry_after_seconds(response))
    raise kind(context.action, **fields)


def parse(context: Context, answer: Answer, model: type[M]) -> M:
    """Validate an answer against its model; a wrong type becomes a short MalformedResponseError."""
    try:
        return model.model_validate(answer.data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise MalformedResponseError(
            context.action,
            cluster_id=context.cluster_id,
            status=answer.status,
            message=f"{exc.error_count()} invalid field(s), first {where}: {first['msg']}",
            request_id=_text(answer.data.get("requestId")),
        ) from None


def malformed(context: Context, response: httpx.Response, why: str, secrets: Iterable[str]) -> MalformedResponseError:
    content_type = response.headers.get("content-type", "no content-type")
    return MalformedResponseError(
        context.action,
        cluster_id=context.cluster_id,
        status=response.status_code,
        message=f"{why}; got {content_type}: {excerpt(response, secrets)!r}",
    )


def excerpt(response: httpx.Response, secrets: Iterable[str]) -> str:
    """The start of a body, on one line, redacted: enough to recognise an HTML error page."""
    text = " ".join(response.content[: EXCERPT_CHARS * 4].decode("utf-8", "replace").split())
    text = text[:EXCERPT_CHARS] + ("..." if len(text) > EXCERPT_CHARS else "")
    return redact(text, secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Remove secret values (the access key secret, the STS token) from server text before it lands in an error."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The server's ``x-acs-retry-after`` hint (milliseconds on the wire) in seconds, if usable."""
    raw = response.headers.get("x-acs-retry-after")
    try:
        ms = int(raw) if raw is not None else 0
    except ValueError:
        return None
    return ms / 1000.0 if ms > 0 else None


def describe_transport(error: httpx.TransportError) -> str:
    """A transport failure on one line: its type and a bounded detail."""
    detail = " ".join(str(error).split())[:EXCERPT_CHARS]
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


_NOT_JSON = object()


def _text(value: object) -> str | None:
    return None if value is None else str(value)


__all__ = [
    "Answer",
    "Context",
    "create_retryable",
    "decode",
    "describe_transport",
    "error_class",
    "excerpt",
    "malformed",
    "never_sent",
    "parse",
    "redact",
    "retry_after_seconds",
    "retryable",
]
