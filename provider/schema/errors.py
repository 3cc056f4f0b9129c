"""The project's exception tree: what callers branch on, documented once for every layer.

Every exception the project raises derives from ``EmrError``. The classes of the bottom layer are defined here;
a class that belongs to a higher layer is defined there (it needs that layer's types) and listed here::

    EmrError                       base: ``except EmrError`` catches every failure the project raises
    ├── CredentialsError           no usable access key pair was found (lists every place looked in)
    ├── EndpointError              no region/endpoint, or an endpoint that is unsafe (plain http off-loopback)
    ├── InvalidInputsError         inputs that Check refused reached another call (or state lacks a key it needs)
    ├── InvalidValueError          a value no normalizer accepts, or a setting out of its range (also a ValueError)
    ├── ApiError                   one API operation failed; carries operation, cluster_id, status, code, ...
    │   ├── NotFoundError          RayClusterNotFound (or a bare 404): "already gone" for Delete
    │   ├── ThrottledError         Throttling* codes, any HTTP status (retried)
    │   ├── InvalidParameterError  InvalidParameter* / MissingParameter* (the request itself is wrong)
    │   ├── AuthError              signature, access key, STS token, timestamp, nonce, Forbidden* (never retried)
    │   ├── ServerError            HTTP 5xx (retried, except on Create)
    │   ├── TransportError         connection failures / timeouts that outlived the retries
    │   ├── MalformedResponseError the server answered something that is not the documented JSON
    │   └── AmbiguousCreateError   CreateRayCluster may or may not have been applied: look it up by name
    ├── WaitError                  core/waiter.py: a wait ended short of its goal; ``last`` is the last value seen
    │   ├── WaitTimeout            the deadline passed first
    │   └── WaitFailed             the resource reached a failure state; ``message`` is the service's reason
    ├── ClusterOperationError      core/lifecycle.py: a create, update or delete step did not reach its goal
    │   └── ClusterWaitError       one of its waits ended in state Error or at its deadline
    ├── RateLimitError             client/pacing.py: an API rate limit (emr:apiRateLimit) that cannot be read
    ├── PriceError                 core/pricing.py: a configured price or currency cannot be used; ``key`` names it
    ├── StackConfigError           stack/config.py: the stack config cannot become clusters (also a ValueError)
    ├── StackFileError             stack/files.py: Pulumi.yaml or a stack file is not a YAML map (also a ValueError)
    ├── MissingStackFileError      stack/files.py: the stack has no file (also a FileNotFoundError)
    ├── ExportError                stack/export.py: no workspace or base to export with, or a cluster the schema refuses
    ├── PlanFileError              reporting/report.py: a plan file is missing or not JSON lines of plan records
    └── SchemaTypeError            codegen.py: a schema type has no typed-input form (also a TypeError)

A class that is also a builtin exception (``also a ValueError``) keeps the callers that catch the builtin
working: pydantic turns a validator's ValueError into a failure, and ``lenient`` tolerates one. Only Python's
own protocols get a bare builtin: ``AttributeError`` from a module's ``__getattr__``, ``TypeError`` from a JSON
``default`` hook or for a wrong call of the Python API (an unknown keyword argument), as Python's own calls do.

Texts never contain credentials: the client redacts known secret values from any server text it
embeds, and none of these classes carries headers.
"""

from __future__ import annotations

from typing import Any


class EmrError(Exception):
    """Base class: ``except EmrError`` catches every failure the project raises (the tree is above)."""


class CredentialsError(EmrError):
    """No access key pair could be resolved; the message names every place that was looked in."""


class EndpointError(EmrError):
    """The endpoint cannot be derived (no region) or is refused (plain HTTP to a non-loopback host)."""


class InvalidInputsError(EmrError):
    """Inputs the provider cannot act on: Check would have refused them, or state lacks a key it needs."""


class InvalidValueError(EmrError, ValueError):
    """A value that no normalizer accepts, or a setting out of its range; the text says what to write instead.

    Also a ValueError: pydantic validators must raise one (it becomes the input's failure reason).
    """


class ApiError(EmrError):
    """An API operation failed.

    Attributes mirror the Alibaba error body so callers can branch on ``code`` without parsing text;
    ``status`` is None when no HTTP answer was received (transport failures).
    """

    def __init__(
        self,
        operation: str,
        *,
        cluster_id: str | None = None,
        status: int | None = None,
        code: str | None = None,
        message: str = "",
        request_id: str | None = None,
    ) -> None:
        self.operation = operation
        self.cluster_id = cluster_id
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        super().__init__(self._render())

    def _render(self) -> str:
        # e.g. "GetRayCluster ray-abc: RayClusterNotFound (HTTP 404): The ... [requestId 1A2B]"
        head = f"{self.operation} {self.cluster_id}" if self.cluster_id else self.operation
        what = self.code or type(self).__name__
        if self.status is not None:
            what = f"{what} (HTTP {self.status})"
        text = f"{head}: {what}"
        if self.message:
            text = f"{text}: {self.message}"
        if self.request_id:
            text = f"{text} [requestId {self.request_id}]"
        return text

    def __str__(self) -> str:
        return self._render()


class NotFoundError(ApiError):
    """The cluster does not exist (code RayClusterNotFound, or HTTP 404 without a more specific code)."""


class ThrottledError(ApiError):
    """Flow control (code Throttling*); ``retry_after`` is the server's hint in seconds, if it sent one."""

    def __init__(self, operation: str, *, retry_after: float | None = None, **context: Any) -> None:
        #: The server's ``x-acs-retry-after`` hint in seconds (None when absent).
        self.retry_after = retry_after
        super().__init__(operation, **context)


class InvalidParameterError(ApiError):
    """The request was rejected as invalid (InvalidParameter*, MissingParameter*): fix the input."""


class AuthError(ApiError):
    """Authentication or authorization failed: bad signature, unknown/disabled key, skew, nonce, Forbidden."""


class ServerError(ApiError):
    """HTTP 5xx from the service (or a 5xx page that is not JSON, e.g. from a load balancer)."""


class TransportError(ApiError):
    """No usable HTTP answer (connect error, timeout, connection dropped) after all retries."""


class MalformedResponseError(ApiError):
    """The answer is not the documented JSON object; ``message`` holds a short excerpt of the body."""


class AmbiguousCreateError(ApiError):
    """CreateRayCluster reached the server but its outcome is unknown (timeout, dropped answer, 5xx).

    Retrying blindly could create a duplicate cluster, so the caller must look the cluster up by name
    (ListRayCluster) before creating again. ``cause`` is the underlying failure.
    """

    def __init__(self, operation: str, *, cause: BaseException | None = None, **context: Any) -> None:
        #: The underlying failure (an httpx exception, a ServerError...); the raiser also chains it.
        self.cause = cause
        super().__init__(operation, **context)


__all__ = [
    "AmbiguousCreateError",
    "ApiError",
    "AuthError",
    "CredentialsError",
    "EmrError",
    "EndpointError",
    "InvalidInputsError",
    "InvalidParameterError",
    "InvalidValueError",
    "MalformedResponseError",
    "NotFoundError",
    "ServerError",
    "ThrottledError",
    "TransportError",
]
