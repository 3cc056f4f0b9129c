"""HTTP client of the seven Ray-cluster operations (EMR Serverless Spark 2023-08-08).

One ``httpx.Client`` per instance (keep-alive: one TCP connection for serial calls), signed with
``AcsSigner``, every answer turned into a typed model or a typed error (see ``provider.errors``).

Retries follow ``RetryPolicy``. Create is special: CreateRayCluster is not idempotent, so once the
request may have reached the server (read timeout, connection dropped after sending, 5xx) it is not
repeated; ``AmbiguousCreateError`` tells the caller to look the cluster up by name instead. A connect
failure (nothing sent) or a throttling answer (request refused) is safe to repeat and is repeated.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
import pydantic

from .credentials import (
    ClientSettings,
    CredentialsSource,
    normalize_endpoint,
    resolve_credentials,
    resolve_endpoint,
)
from .errors import (
    AmbiguousCreateError,
    ApiError,
    AuthError,
    InvalidParameterError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    ThrottledError,
    TransportError,
)
from .models import ClusterIdResponse, RayClusterDetail, RayClusterList, RayClusterSummary
from .retry import RetryPolicy, call_with_retries
from .signing import AcsSigner, percent_encode

logger = logging.getLogger("provider.api")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "ray-clusters/0.1 (python-httpx)"
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"
_EXCERPT_CHARS = 200
_MAX_PAGES = 10_000  # bound on pagination even if the server ignores pageNum

M = TypeVar("M", bound=pydantic.BaseModel)

# Codes that mean "who you are / what you may do", checked before the generic 404 and Invalid* rules:
# InvalidAccessKeyId.NotFound is a 404, and must never read as "cluster already gone".
_AUTH_CODES = ("SignatureDoesNotMatch", "IncompleteSignature", "SignatureNonceUsed", "InvalidCredentials")
_AUTH_PREFIXES = (
    "InvalidAccessKeyId",
    "InvalidTimeStamp",
    "InvalidSecurityToken",
    "Forbidden",
    "NoPermission",
)


@dataclass(frozen=True)
class _Call:
    """One operation to perform: what, where, with which body; built once, sent per attempt."""

    action: str
    method: str
    path: str
    cluster_id: str | None = None
    body: bytes | None = None
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Answer:
    """A successful answer: its status (kept for error texts) and its JSON object."""

    status: int
    data: dict[str, Any]


def _error_class(status: int, code: str | None) -> type[ApiError]:
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


def _retryable(error: BaseException) -> bool:
    """Idempotent operations: throttling, 5xx, and any timeout or dropped connection."""
    return isinstance(
        error,
        ThrottledError | ServerError | httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError,
    )


def _never_sent(error: BaseException) -> bool:
    """Transport failures that happen before a single byte of the request left this process."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def _create_retryable(error: BaseException) -> bool:
    """CreateRayCluster: only when the server surely did not act (refused or never reached)."""
    return isinstance(error, ThrottledError) or _never_sent(error)


def _dumps(body: Mapping[str, Any]) -> bytes:
    """Serialize exactly what the caller passed, compact and raw UTF-8, like the SDK."""

    def plain(value: object) -> object:
        if isinstance(value, Mapping):
            return dict(value)
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    return json.dumps(dict(body), ensure_ascii=False, separators=(",", ":"), default=plain).encode("utf-8")


def _retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("x-acs-retry-after")
    try:
        ms = int(raw) if raw is not None else 0
    except ValueError:
        return None
    return ms / 1000.0 if ms > 0 else None


class RayClusterApi:
    """The seven Ray-cluster operations over one keep-alive HTTP client.

    ``base_url`` is ``scheme://host[:port]`` (see ``credentials.resolve_endpoint``); ``credentials`` is
    asked for keys on every request. ``transport`` is for tests (``httpx.MockTransport``).
    """

    def __init__(
        self,
        base_url: str,
        credentials: CredentialsSource,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        trust_env: bool = True,
    ) -> None:
        self._base_url = normalize_endpoint(base_url)  # refuses plain http off-loopback here too
        self._credentials = credentials
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=self._base_url,
            auth=AcsSigner(credentials),
            timeout=timeout,
            transport=transport,
            headers={"user-agent": USER_AGENT},
            follow_redirects=False,
            trust_env=trust_env,
            verify=True,  # never configurable: TLS verification is always on
        )

    @classmethod
    def from_settings(cls, settings: ClientSettings, **kw: Any) -> RayClusterApi:
        """Resolve endpoint and credentials from settings (+ env, + lazy default chain)."""
        base_url = resolve_endpoint(settings)
        # Proxies from the environment must not capture calls to a local emulator.
        kw.setdefault("trust_env", not base_url.startswith("http://"))
        return cls(base_url, resolve_credentials(settings), **kw)

    def __repr__(self) -> str:
        return f"RayClusterApi(base_url={self._base_url!r}, credentials={self._credentials!r})"

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- the seven operations --------------------------------------------------------------------

    def create(self, workspace_id: str, body: Mapping[str, Any]) -> str:
        """CreateRayCluster; returns the new clusterId. May raise AmbiguousCreateError (see module doc)."""
        call = _Call("CreateRayCluster", "POST", self._path(workspace_id), body=_dumps(body))
        try:
            answer = self._execute(call)
            created = self._parse(call, answer, ClusterIdResponse)
            if not created.cluster_id:
                raise MalformedResponseError(call.action, status=answer.status, message="answer has no clusterId")
        except MalformedResponseError as exc:
            if not (exc.status and 200 <= exc.status < 300):
                raise
            # A 2xx means the cluster was created; only its id is unreadable, so the caller must look it up.
            ambiguous = AmbiguousCreateError(
                call.action,
                status=exc.status,
                message=f"the service accepted the request but its answer is unreadable: {exc.message}",
                request_id=exc.request_id,
            )
            ambiguous.cause = exc
            raise ambiguous from exc
        return created.cluster_id

    def get(self, workspace_id: str, cluster_id: str) -> RayClusterDetail:
        """GetRayCluster. Raises NotFoundError when the cluster does not exist."""
        call = _Call("GetRayCluster", "GET", self._path(workspace_id, cluster_id), cluster_id)
        # The model requires clusterId and state: an answer without them is refused as malformed.
        return self._parse(call, self._execute(call), RayClusterDetail)

    def list(self, workspace_id: str, page_size: int = 100) -> Iterator[RayClusterSummary]:
        """ListRayCluster, page by page (pageNum from 1) until a short page; lazily."""
        if not 1 <= page_size <= 100:
            raise ValueError("page_size must be between 1 and 100")
        seen: set[str] = set()
        for page_num in range(1, _MAX_PAGES + 1):
            params = (("pageNum", str(page_num)), ("pageSize", str(page_size)))
            call = _Call("ListRayCluster", "GET", self._path(workspace_id), params=params)
            items = self._parse(call, self._execute(call), RayClusterList).ray_clusters or []
            fresh = [c for c in items if c.cluster_id is None or c.cluster_id not in seen]
            yield from fresh
            seen.update(c.cluster_id for c in fresh if c.cluster_id)
            # A short page ends the list; so does a page of only repeats (a server ignoring pageNum).
            if len(items) < page_size or not fresh:
                return

    def update(self, workspace_id: str, cluster_id: str, body: Mapping[str, Any]) -> None:
        """UpdateRayCluster with exactly ``body`` (only the keys to change)."""
        call = _Call("UpdateRayCluster", "POST", self._path(workspace_id, cluster_id), cluster_id, _dumps(body))
        self._parse(call, self._execute(call), ClusterIdResponse)

    def delete(self, workspace_id: str, cluster_id: str) -> None:
        """DeleteRayCluster. Raises NotFoundError when already gone (the caller decides if that is fine)."""
        call = _Call("DeleteRayCluster", "DELETE", self._path(workspace_id, cluster_id), cluster_id)
        self._execute(call)

    def start(self, workspace_id: str, cluster_id: str, client_token: str | None = None) -> None:
        """StartRayCluster; ``client_token`` is the service's idempotency token (sent only when given)."""
        body = {} if client_token is None else {"clientToken": client_token}
        path = self._path(workspace_id, cluster_id) + "/start"
        self._execute(_Call("StartRayCluster", "POST", path, cluster_id, _dumps(body)))

    def stop(self, workspace_id: str, cluster_id: str, instance_id: str | None = None) -> None:
        """StopRayCluster (``instance_id`` is the optional node id the API accepts; sent only when given)."""
        body = {} if instance_id is None else {"instanceId": instance_id}
        path = self._path(workspace_id, cluster_id) + "/stop"
        self._execute(_Call("StopRayCluster", "POST", path, cluster_id, _dumps(body)))

    # -- plumbing --------------------------------------------------------------------------------

    @staticmethod
    def _path(workspace_id: str, cluster_id: str | None = None) -> str:
        path = f"/api/v1/workspaces/{percent_encode(workspace_id)}/rayCluster"
        return path if cluster_id is None else f"{path}/{percent_encode(cluster_id)}"

    def _execute(self, call: _Call) -> _Answer:
        """Send with retries; translate transport failures; enforce the Create ambiguity rule."""
        is_create = call.action == "CreateRayCluster"
        started = time.monotonic()
        try:
            return call_with_retries(
                lambda: self._attempt(call, started),
                policy=self._retry,
                retryable=_create_retryable if is_create else _retryable,
                on_retry=lambda error, attempt, sleep: self._log_retry(call, error, attempt, sleep),
            )
        except httpx.TransportError as exc:
            cls = AmbiguousCreateError if is_create and not _never_sent(exc) else TransportError
            error = cls(call.action, cluster_id=call.cluster_id, message=_describe_transport(exc))
            if isinstance(error, AmbiguousCreateError):
                error.cause = exc
            raise error from exc
        except ServerError as exc:
            if not is_create:
                raise
            ambiguous = AmbiguousCreateError(
                call.action,
                status=exc.status,
                code=exc.code,
                message=f"the request reached the server, which then failed: {exc.message or 'no message'}",
                request_id=exc.request_id,
            )
            ambiguous.cause = exc
            raise ambiguous from exc

    def _attempt(self, call: _Call, started: float) -> _Answer:
        """One signed request (fresh date and nonce) and its decoded answer."""
        headers = {"x-acs-action": call.action}
        if call.body is not None:
            headers["content-type"] = _JSON_CONTENT_TYPE
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params or None,
            content=call.body,
            headers=headers,
            timeout=self._attempt_timeout(started),
        )
        sent = time.monotonic()
        response = self._http.send(request)
        logger.debug(
            "%s%s -> HTTP %d in %.0f ms",
            call.action,
            f" {call.cluster_id}" if call.cluster_id else "",
            response.status_code,
            (time.monotonic() - sent) * 1000,
        )
        return self._decode(call, response)

    def _attempt_timeout(self, started: float) -> httpx.Timeout:
        """The configured timeout, shortened so that one attempt cannot outlive the deadline."""
        remaining = max(self._retry.deadline - (time.monotonic() - started), 0.1)
        t = self._timeout
        if all(value is not None and value <= remaining for value in (t.connect, t.read, t.write, t.pool)):
            return t  # the common case: the deadline is far away

        def clip(value: float | None) -> float:
            return remaining if value is None else min(value, remaining)

        return httpx.Timeout(connect=clip(t.connect), read=clip(t.read), write=clip(t.write), pool=clip(t.pool))

    def _decode(self, call: _Call, response: httpx.Response) -> _Answer:
        """JSON object of a 2xx answer, or the typed error of any other answer."""
        status = response.status_code
        try:
            data: Any = json.loads(response.content) if response.content else None
        except (ValueError, UnicodeDecodeError):
            data = _NOT_JSON
        if 200 <= status < 300:
            if isinstance(data, dict):
                return _Answer(status, data)
            raise self._malformed(call, response, "expected a JSON object")
        if not isinstance(data, dict):
            # An HTML 502 page from a load balancer or a bare 429 from a proxy: transient, retry it.
            transient: type[ServerError | ThrottledError] | None = (
                ServerError if status >= 500 else ThrottledError if status == 429 else None
            )
            if transient is not None:
                unreadable = transient(
                    call.action, cluster_id=call.cluster_id, status=status, message=self._excerpt(response)
                )
                if isinstance(unreadable, ThrottledError):
                    unreadable.retry_after = _retry_after_seconds(response)
                raise unreadable
            raise self._malformed(call, response, "error answer is not a JSON object")
        code = _text(data.get("Code", data.get("code")))
        error = _error_class(status, code)(
            call.action,
            cluster_id=call.cluster_id,
            status=status,
            code=code,
            message=self._redact(_text(data.get("Message", data.get("message"))) or ""),
            request_id=_text(data.get("RequestId", data.get("requestId"))),
        )
        if isinstance(error, ThrottledError):
            error.retry_after = _retry_after_seconds(response)
        raise error

    def _parse(self, call: _Call, answer: _Answer, model: type[M]) -> M:
        """Validate an answer against its model; a wrong type becomes a short MalformedResponseError."""
        try:
            return model.model_validate(answer.data)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise MalformedResponseError(
                call.action,
                cluster_id=call.cluster_id,
                status=answer.status,
                message=f"{exc.error_count()} invalid field(s), first {where}: {first['msg']}",
                request_id=_text(answer.data.get("requestId")),
            ) from None

    def _malformed(self, call: _Call, response: httpx.Response, why: str) -> MalformedResponseError:
        return MalformedResponseError(
            call.action,
            cluster_id=call.cluster_id,
            status=response.status_code,
            message=f"{why}; got {response.headers.get('content-type', 'no content-type')}: "
            f"{self._excerpt(response)!r}",
        )

    def _excerpt(self, response: httpx.Response) -> str:
        text = " ".join(response.content[: _EXCERPT_CHARS * 4].decode("utf-8", "replace").split())
        text = text[:_EXCERPT_CHARS] + ("..." if len(text) > _EXCERPT_CHARS else "")
        return self._redact(text)

    def _redact(self, text: str) -> str:
        """Remove the current secret and token from server text before it lands in an exception."""
        try:
            creds = self._credentials.get()
        except Exception:  # no credentials means nothing to redact
            return text
        for secret in (creds.access_key_secret, creds.security_token):
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text

    def _log_retry(self, call: _Call, error: BaseException, attempt: int, sleep: float) -> None:
        what = (
            f"{error.code or type(error).__name__} (HTTP {error.status})"
            if isinstance(error, ApiError)
            else type(error).__name__
        )
        logger.info(
            "%s%s: attempt %d/%d failed with %s; retrying in %.3f s",
            call.action,
            f" {call.cluster_id}" if call.cluster_id else "",
            attempt,
            self._retry.max_attempts,
            what,
            sleep,
        )


_NOT_JSON = object()


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _describe_transport(error: httpx.TransportError) -> str:
    detail = " ".join(str(error).split())[:_EXCERPT_CHARS]
    return f"{type(error).__name__}: {detail}" if detail else type(error).__name__


__all__ = ["DEFAULT_TIMEOUT", "RayClusterApi"]
