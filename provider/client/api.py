"""HTTP client of the seven Ray-cluster operations (EMR Serverless Spark 2023-08-08).

One ``httpx.Client`` per instance (keep-alive: one TCP connection for serial calls), signed with
``AcsSigner``, every answer turned into a typed model or a typed error (see ``provider.schema.errors``).

Retries follow ``RetryPolicy`` (``retry.py``): throttling is retried until the operation's deadline, other
transient failures a bounded number of times. Create is special: CreateRayCluster is not idempotent, so once the
request may have reached the server (read timeout, connection dropped after sending, 5xx) it is not
repeated; ``AmbiguousCreateError`` tells the caller to look the cluster up by name instead. A connect
failure (nothing sent) or a throttling answer (request refused) is safe to repeat and is repeated.

Every attempt first takes a slot from the process-wide ``Pacer`` (``pacing.py``): a token bucket per action, so
that many threads stay under the account's API quota together.

``RAY_CLUSTERS_REQUEST_LOG=<file>`` (opt-in, read when the client is built) appends one JSON line per request
sent: action, cluster id, body, HTTP status (null when no answer came). The acceptance tests use it as their
journal against the real service. Headers are never written, and neither are secret values: body keys in
``spec.HIDDEN_KEYS`` (``redisPassword``, ``env``) and the current access key secret and token are replaced.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from provider.client import answers
from provider.client.credentials import (
    ClientSettings,
    CredentialsSource,
    normalize_endpoint,
    resolve_credentials,
    resolve_endpoint,
)
from provider.client.pacing import Pacer, shared_pacer
from provider.client.retry import RetryPolicy, call_budget, call_with_retries
from provider.client.signing import AcsSigner, percent_encode
from provider.schema import spec
from provider.schema.errors import (
    AmbiguousCreateError,
    ApiError,
    InvalidValueError,
    MalformedResponseError,
    ServerError,
    ThrottledError,
    TransportError,
)
from provider.schema.models import ClusterIdResponse, RayClusterDetail, RayClusterList, RayClusterSummary

# Named before the layers existed, and kept: logging configs (and the tests) select this name.
logger = logging.getLogger("provider.api")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = "ray-clusters/0.2 (python-httpx)"
_JSON_CONTENT_TYPE = "application/json; charset=utf-8"
#: The shortest timeout of one attempt, however close the deadline: enough for a request on a normal network.
MIN_ATTEMPT_SECONDS = 5.0
_MAX_PAGES = 10_000  # bound on pagination even if the server ignores pageNum
REQUEST_LOG_ENV = "RAY_CLUSTERS_REQUEST_LOG"
_REQUEST_LOG_LOCK = threading.Lock()


@dataclass(frozen=True)
class _Call:
    """One operation to perform: what, where, with which body; built once, sent per attempt."""

    action: str
    method: str
    path: str
    cluster_id: str | None = None
    body: bytes | None = None
    params: tuple[tuple[str, str], ...] = ()

    @property
    def context(self) -> answers.Context:
        return answers.Context(self.action, self.cluster_id)


def _dumps(body: Mapping[str, Any]) -> bytes:
    """Serialize exactly what the caller passed, compact and raw UTF-8, like the SDK."""

    def plain(value: object) -> object:
        if isinstance(value, Mapping):
            return dict(value)
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    return json.dumps(dict(body), ensure_ascii=False, separators=(",", ":"), default=plain).encode("utf-8")


def _path(workspace_id: str, cluster_id: str | None = None) -> str:
    """The resource path of the workspace's clusters, or of one cluster."""
    path = f"/api/v1/workspaces/{percent_encode(workspace_id)}/rayCluster"
    return path if cluster_id is None else f"{path}/{percent_encode(cluster_id)}"


class RayClusterApi:
    """The seven Ray-cluster operations over one keep-alive HTTP client.

    ``base_url`` is ``scheme://host[:port]`` (see ``credentials.resolve_endpoint``); ``credentials`` is
    asked for keys on every request. ``pacer`` defaults to the process's one (``pacing.shared_pacer``).
    ``transport``, ``clock`` and ``sleep`` are for tests (``httpx.MockTransport``, a clock that moves only when
    the client sleeps).
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
        pacer: Pacer | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base_url = normalize_endpoint(base_url)  # refuses plain http off-loopback here too
        self._credentials = credentials
        self._timeout = timeout
        self._retry = retry or RetryPolicy()
        self._pacer = pacer or shared_pacer()
        self._clock, self._sleep = clock, sleep
        self._request_log = os.environ.get(REQUEST_LOG_ENV) or None
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
        call = _Call("CreateRayCluster", "POST", _path(workspace_id), body=_dumps(body))
        try:
            answer = self._execute(call)
            created = answers.parse(call.context, answer, ClusterIdResponse)
            if not created.cluster_id:
                raise MalformedResponseError(call.action, status=answer.status, message="answer has no clusterId")
        except MalformedResponseError as exc:
            if not (exc.status and 200 <= exc.status < 300):
                raise
            # A 2xx means the cluster was created; only its id is unreadable, so the caller must look it up.
            raise AmbiguousCreateError(
                call.action,
                status=exc.status,
                message=f"the service accepted the request but its answer is unreadable: {exc.message}",
                request_id=exc.request_id,
                cause=exc,
            ) from exc
        return created.cluster_id

    def get(self, workspace_id: str, cluster_id: str) -> RayClusterDetail:
        """GetRayCluster. Raises NotFoundError when the cluster does not exist."""
        call = _Call("GetRayCluster", "GET", _path(workspace_id, cluster_id), cluster_id)
        # The model requires clusterId and state: an answer without them is refused as malformed.
        return answers.parse(call.context, self._execute(call), RayClusterDetail)

    def list(self, workspace_id: str, page_size: int = 100) -> Iterator[RayClusterSummary]:
        """ListRayCluster, page by page (pageNum from 1) until a short page; lazily."""
        if not 1 <= page_size <= 100:
            raise InvalidValueError("page_size must be between 1 and 100")
        seen: set[str] = set()
        for page_num in range(1, _MAX_PAGES + 1):
            params = (("pageNum", str(page_num)), ("pageSize", str(page_size)))
            call = _Call("ListRayCluster", "GET", _path(workspace_id), params=params)
            items = answers.parse(call.context, self._execute(call), RayClusterList).ray_clusters or []
            fresh = [c for c in items if c.cluster_id is None or c.cluster_id not in seen]
            yield from fresh
            seen.update(c.cluster_id for c in fresh if c.cluster_id)
            # A short page ends the list; so does a page of only repeats (a server ignoring pageNum).
            if len(items) < page_size or not fresh:
                return

    def update(self, workspace_id: str, cluster_id: str, body: Mapping[str, Any]) -> None:
        """UpdateRayCluster with exactly ``body`` (only the keys to change)."""
        call = _Call("UpdateRayCluster", "POST", _path(workspace_id, cluster_id), cluster_id, _dumps(body))
        answers.parse(call.context, self._execute(call), ClusterIdResponse)

    def delete(self, workspace_id: str, cluster_id: str) -> None:
        """DeleteRayCluster. Raises NotFoundError when already gone (the caller decides if that is fine)."""
        call = _Call("DeleteRayCluster", "DELETE", _path(workspace_id, cluster_id), cluster_id)
        self._execute(call)

    def start(self, workspace_id: str, cluster_id: str, client_token: str | None = None) -> None:
        """StartRayCluster; ``client_token`` is the service's idempotency token (sent only when given)."""
        body = {} if client_token is None else {"clientToken": client_token}
        path = _path(workspace_id, cluster_id) + "/start"
        self._execute(_Call("StartRayCluster", "POST", path, cluster_id, _dumps(body)))

    def stop(self, workspace_id: str, cluster_id: str, instance_id: str | None = None) -> None:
        """StopRayCluster (``instance_id`` is the optional node id the API accepts; sent only when given)."""
        body = {} if instance_id is None else {"instanceId": instance_id}
        path = _path(workspace_id, cluster_id) + "/stop"
        self._execute(_Call("StopRayCluster", "POST", path, cluster_id, _dumps(body)))

    # -- plumbing --------------------------------------------------------------------------------

    def _execute(self, call: _Call) -> answers.Answer:
        """Send with retries; translate transport failures; enforce the Create ambiguity rule."""
        is_create = call.action == "CreateRayCluster"
        deadline = self._clock() + call_budget(self._retry)
        try:
            return call_with_retries(
                lambda: self._attempt(call, deadline),
                policy=self._retry,
                retryable=answers.create_retryable if is_create else answers.retryable,
                on_retry=lambda error, attempt, sleep: self._on_retry(call, error, attempt, sleep),
                deadline=deadline,
                clock=self._clock,
                sleep=self._sleep,
            )
        except httpx.TransportError as exc:
            where: dict[str, Any] = {"cluster_id": call.cluster_id, "message": answers.describe_transport(exc)}
            if is_create and not answers.never_sent(exc):
                raise AmbiguousCreateError(call.action, **where, cause=exc) from exc
            raise TransportError(call.action, **where) from exc
        except ServerError as exc:
            if not is_create:
                raise
            raise AmbiguousCreateError(
                call.action,
                status=exc.status,
                code=exc.code,
                message=f"the request reached the server, which then failed: {exc.message or 'no message'}",
                request_id=exc.request_id,
                cause=exc,
            ) from exc

    def _attempt(self, call: _Call, deadline: float) -> answers.Answer:
        """One paced, signed request (fresh date and nonce) and its decoded answer."""
        # A free slot is taken even at the deadline: the first attempt is always made.
        self._pacer.wait(call.action, max(deadline - self._clock(), 0.0), self._sleep, call.cluster_id)
        headers = {"x-acs-action": call.action}
        if call.body is not None:
            headers["content-type"] = _JSON_CONTENT_TYPE
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params or None,
            content=call.body,
            headers=headers,
            timeout=_clipped(self._timeout, max(deadline - self._clock(), MIN_ATTEMPT_SECONDS)),
        )
        sent = time.monotonic()
        status: int | None = None
        try:
            response = self._http.send(request)
            status = response.status_code
        finally:
            if self._request_log is not None:
                _log_request(self._request_log, call, status, _secret_values(self._credentials))
        where, took = f" {call.cluster_id}" if call.cluster_id else "", (time.monotonic() - sent) * 1000
        logger.debug("%s%s -> HTTP %d in %.0f ms", call.action, where, response.status_code, took)
        return answers.decode(call.context, response, _SecretValues(self._credentials))

    def _on_retry(self, call: _Call, error: BaseException, attempt: int, sleep: float) -> None:
        """Log the retry; a throttle with the server's hint holds back this action on every thread too."""
        if isinstance(error, ThrottledError) and error.retry_after is not None and error.status is not None:
            self._pacer.pause(call.action, error.retry_after)
        _log_retry(call, error, attempt, sleep)


def _log_retry(call: _Call, error: BaseException, attempt: int, sleep: float) -> None:
    """One INFO line per retry: which call, which attempt, what failed, how long until the next."""
    what = f"{error.code or type(error).__name__} (HTTP {error.status})" if isinstance(error, ApiError) else None
    where = f" {call.cluster_id}" if call.cluster_id else ""
    message = "%s%s: attempt %d failed with %s; retrying in %.3f s"
    logger.info(message, call.action, where, attempt, what or type(error).__name__, sleep)


class _SecretValues:
    """The current secret values, read only when a text is redacted: a successful answer needs none, and asking
    the default credentials chain on every answer would cost as much again as the signer's own ask."""

    def __init__(self, credentials: CredentialsSource) -> None:
        self._credentials = credentials

    def __iter__(self) -> Iterator[str]:
        return iter(_secret_values(self._credentials))


def _secret_values(credentials: CredentialsSource) -> tuple[str, ...]:
    """The current secret values, to redact from server text (none when credentials cannot be read)."""
    try:
        creds = credentials.get()
    except Exception:  # no credentials means nothing to redact
        return ()
    return tuple(secret for secret in (creds.access_key_secret, creds.security_token) if secret)


def _clipped(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """``timeout``, shortened so that one attempt cannot outlive the call's deadline by more than MIN_ATTEMPT_SECONDS
    (``remaining`` is never less: the first attempt is always made, also by an operation whose time ran out)."""
    t = timeout
    if all(value is not None and value <= remaining for value in (t.connect, t.read, t.write, t.pool)):
        return t  # the common case: the deadline is far away

    def clip(value: float | None) -> float:
        return remaining if value is None else min(value, remaining)

    return httpx.Timeout(connect=clip(t.connect), read=clip(t.read), write=clip(t.write), pool=clip(t.pool))


def _log_request(path: str, call: _Call, status: int | None, secrets: tuple[str, ...]) -> None:
    """One line of the opt-in request log (see the module doc): no headers, secret values replaced."""

    def hide(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "[redacted]" if k in spec.HIDDEN_KEYS else hide(v) for k, v in value.items()}
        return [hide(v) for v in value] if isinstance(value, list) else value

    body = hide(json.loads(call.body)) if call.body else None
    entry = {"action": call.action, "clusterId": call.cluster_id, "body": body, "status": status}
    line = answers.redact(json.dumps(entry, ensure_ascii=False), secrets)
    with _REQUEST_LOG_LOCK, open(path, "a", encoding="utf-8") as log:
        log.write(line + "\n")


__all__ = ["DEFAULT_TIMEOUT", "REQUEST_LOG_ENV", "RayClusterApi"]
