"""ACS3-HMAC-SHA256 request signing as an ``httpx.Auth``.

Reproduces the official SDK (alibabacloud-tea-openapi 0.4.6, ``Utils.get_authorization``) byte for
byte: the same canonical request, the same header set rules, the same query encoding. The one
deliberate difference is *which* headers are signed: the SDK signs every header it sets, including
``user-agent``; we sign only ``host``, ``accept``, ``content-type`` and the ``x-acs-*`` headers, so a
proxy that rewrites the user agent cannot break the signature. The server takes the list from
``SignedHeaders``, so both choices verify.

Credentials are fetched from the source on every request (not at construction), so refreshed STS keys
from the default chain are picked up, and each (re)sent request gets a fresh date and nonce.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Generator, Iterable
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from provider.client.credentials import CredentialsSource

ALGORITHM = "ACS3-HMAC-SHA256"
API_VERSION = "2023-08-08"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

#: Headers we always sign when present, besides every ``x-acs-*`` header.
_SIGNED_PLAIN_HEADERS = ("host", "accept", "content-type")


@functools.lru_cache(maxsize=1024)  # the same workspace and cluster ids are encoded on every call
def percent_encode(value: str) -> str:
    """Encode one path parameter exactly like the SDK's ``DaraURL.percent_encode``."""
    if not value:
        return ""
    return quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def utc_timestamp() -> str:
    """``x-acs-date`` format of the SDK: ISO 8601 UTC to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_nonce() -> str:
    """32 hex characters, like the SDK's md5-based nonce, but from the OS CSPRNG."""
    return secrets.token_hex(16)


def canonical_query(items: Iterable[tuple[str, str]]) -> str:
    """Sorted ``key=quote(value, safe='~')`` pairs joined by ``&``.

    Like the SDK, keys are not encoded (our keys are plain ASCII names such as ``pageSize``).
    """
    return "&".join(f"{k}={quote(v, safe='~', encoding='utf-8')}" for k, v in sorted(items))


def canonical_headers(headers: Iterable[tuple[str, str]]) -> tuple[str, str]:
    """Return (canonical header block, signed header list) for the given name/value pairs."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.lower(), []).append(value.strip())
    names = sorted(grouped)
    block = "".join(f"{n}:{','.join(sorted(grouped[n]))}\n" for n in names)
    return block, ";".join(names)


def authorization(
    *,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Iterable[tuple[str, str]],
    payload_sha256: str,
    access_key_id: str,
    access_key_secret: str,
) -> str:
    """Compute the ``Authorization`` value for an already-canonical path and the headers to sign."""
    block, signed = canonical_headers(headers)
    request = f"{method}\n{path or '/'}\n{canonical_query(query)}\n{block}\n{signed}\n{payload_sha256}"
    string_to_sign = f"{ALGORITHM}\n{hashlib.sha256(request.encode('utf-8')).hexdigest()}"
    signature = hmac.new(access_key_secret.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={access_key_id},SignedHeaders={signed},Signature={signature}"


def _is_signed(name: str) -> bool:
    return name in _SIGNED_PLAIN_HEADERS or name.startswith("x-acs-")


class AcsSigner(httpx.Auth):
    """Sign each outgoing request; ``x-acs-action`` must already be set by the caller.

    ``clock`` and ``nonce`` are injectable so tests can reproduce a signature exactly.
    """

    requires_request_body = True

    def __init__(
        self,
        credentials: CredentialsSource,
        *,
        version: str = API_VERSION,
        clock: Callable[[], str] = utc_timestamp,
        nonce: Callable[[], str] = new_nonce,
    ) -> None:
        self._credentials = credentials
        self._version = version
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        return f"AcsSigner(credentials={self._credentials!r}, version={self._version!r})"

    def sign(self, request: httpx.Request) -> None:
        """Set the x-acs headers and ``Authorization`` on ``request`` in place."""
        creds = self._credentials.get()
        headers = request.headers
        for stale in [n for n in headers if n.lower().startswith("x-acs-") and n.lower() != "x-acs-action"]:
            del headers[stale]  # a re-signed request must not keep the previous attempt's nonce/token
        headers["x-acs-version"] = self._version
        headers["x-acs-date"] = self._clock()
        headers["x-acs-signature-nonce"] = self._nonce()
        headers.setdefault("accept", "application/json")
        body = request.content
        payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
        headers["x-acs-content-sha256"] = payload
        if creds.security_token:
            headers["x-acs-accesskey-id"] = creds.access_key_id
            headers["x-acs-security-token"] = creds.security_token
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        headers["authorization"] = authorization(
            method=request.method,
            path=path,
            query=request.url.params.multi_items(),
            headers=[(n, v) for n, v in headers.multi_items() if _is_signed(n.lower())],
            payload_sha256=payload,
            access_key_id=creds.access_key_id,
            access_key_secret=creds.access_key_secret,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.sign(request)
        yield request


__all__ = [
    "ALGORITHM",
    "API_VERSION",
    "AcsSigner",
    "authorization",
    "canonical_headers",
    "canonical_query",
    "new_nonce",
    "percent_encode",
    "utc_timestamp",
]
