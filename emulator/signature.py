"""ACS3-HMAC-SHA256 verification, written from the public recipe (it shares no code with the provider).

Order of checks: Authorization shape -> required x-acs headers -> timestamp format -> access key ->
signature -> body hash -> timestamp window -> security token -> nonce. The nonce is consumed only once the
signature is proven, so nobody can burn someone else's nonces.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote

from emulator.errors import ApiError

ALGORITHM = "ACS3-HMAC-SHA256"
TIME_WINDOW_SECONDS = 15 * 60
REQUIRED_HEADERS = (
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-action",
    "x-acs-version",
)
# Headers that must be covered by the signature (the official SDK signs them all, plus accept/content-type).
MUST_SIGN = ("host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256", "x-acs-action")


@dataclass(frozen=True)
class Credentials:
    """The one key pair (and optional STS token) the emulator accepts."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def __repr__(self) -> str:  # never print the secret
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret=***)"


@dataclass(frozen=True)
class Verified:
    """Who signed the request (the caller's access key id) and what it claims to call."""

    access_key_id: str
    action: str
    version: str


class NonceCache:
    """Used signature nonces, kept for the 15-minute window only (bounded memory), thread-safe."""

    def __init__(self, window: float = TIME_WINDOW_SECONDS) -> None:
        self._window = window
        self._seen: set[str] = set()
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def use(self, nonce: str, now: float) -> bool:
        """Record the nonce; False when it was already used inside the window."""
        with self._lock:
            while self._order and self._order[0][0] <= now:
                self._seen.discard(self._order.popleft()[1])
            if nonce in self._seen:
                return False
            self._seen.add(nonce)
            self._order.append((now + self._window, nonce))
            return True

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._order.clear()

    def __len__(self) -> int:
        return len(self._seen)


def _incomplete(message: str) -> ApiError:
    return ApiError(400, "IncompleteSignature", message)


def parse_authorization(value: str | None) -> tuple[str, list[str], str]:
    """Split `ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..` into its three parts."""
    if not value:
        raise _incomplete("The request is missing the Authorization header.")
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise _incomplete(f"The signature algorithm {algorithm!r} is not supported; use {ALGORITHM}.")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if sep:
            fields[key] = val
    credential, signed, signature = (
        fields.get("Credential"),
        fields.get("SignedHeaders"),
        fields.get("Signature"),
    )
    if not credential or not signed or not signature:
        raise _incomplete("The Authorization header must carry Credential, SignedHeaders and Signature.")
    return credential, signed.split(";"), signature


def canonical_query(query_string: str) -> str:
    """Decode the wire query, re-encode values as the signer did: sorted keys, quote(v, safe='~')."""
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return "&".join(f"{k}={quote(v, safe='~')}" for k, v in sorted(pairs))


def canonical_headers(headers: dict[str, list[str]], names: Iterable[str]) -> str:
    return "".join(f"{n}:{','.join(sorted(v.strip() for v in headers.get(n, [])))}\n" for n in names)


def string_to_sign(
    method: str,
    raw_path: str,
    query_string: str,
    headers: dict[str, list[str]],
    signed: list[str],
    payload: str,
) -> str:
    request = "\n".join(
        [
            method,
            raw_path or "/",
            canonical_query(query_string),
            canonical_headers(headers, signed),
            ";".join(signed),
            payload,
        ]
    )
    return f"{ALGORITHM}\n{hashlib.sha256(request.encode('utf-8')).hexdigest()}"


def parse_acs_date(value: str) -> float:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise ApiError(
            400,
            "InvalidTimeStamp.Format",
            f"Specified time stamp or date value {value!r} is not well formatted.",
        ) from None


class Verifier:
    """Checks one request against the configured credentials and the nonce cache."""

    def __init__(self, credentials: Credentials, nonces: NonceCache) -> None:
        self.credentials = credentials
        self.nonces = nonces

    def verify(
        self,
        method: str,
        raw_path: str,
        query_string: str,
        headers: dict[str, list[str]],
        body: bytes,
        now: float | None = None,
    ) -> Verified:
        now = time.time() if now is None else now
        credential, signed, signature = parse_authorization(_one(headers, "authorization"))
        for name in REQUIRED_HEADERS:
            if not _one(headers, name):
                raise _incomplete(f"The request is missing the required header {name}.")
        for name in MUST_SIGN:
            if name not in signed:
                raise _incomplete(f"The header {name} must be included in SignedHeaders.")
        missing = [n for n in signed if n not in headers]
        if missing:
            raise _incomplete(f"SignedHeaders names headers that were not sent: {', '.join(missing)}.")
        sent_at = parse_acs_date(_one(headers, "x-acs-date") or "")
        if credential != self.credentials.access_key_id:
            raise ApiError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        declared_hash = _one(headers, "x-acs-content-sha256") or ""
        expected = string_to_sign(method, raw_path, query_string, headers, signed, declared_hash)
        computed = hmac.new(
            self.credentials.access_key_secret.encode("utf-8"), expected.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(computed, signature.lower()):
            raise ApiError(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:"
                + expected.replace("\n", "\\n"),
            )
        if hashlib.sha256(body).hexdigest() != declared_hash.lower():
            raise ApiError(
                400,
                "ContentSHA256Mismatch",
                "The x-acs-content-sha256 header does not match the SHA-256 of the request body.",
            )
        if abs(now - sent_at) > TIME_WINDOW_SECONDS:
            raise ApiError(
                400,
                "InvalidTimeStamp.Expired",
                "Specified time stamp or date value is expired (more than 15 minutes from the server time).",
            )
        self._check_token(_one(headers, "x-acs-security-token"))
        if not self.nonces.use(_one(headers, "x-acs-signature-nonce") or "", now):
            raise ApiError(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        return Verified(credential, _one(headers, "x-acs-action") or "", _one(headers, "x-acs-version") or "")

    def _check_token(self, token: str | None) -> None:
        """With --security-token the caller must present exactly that token; without it any is accepted."""
        wanted = self.credentials.security_token
        if wanted is None:
            return
        if not token:
            raise ApiError(400, "MissingSecurityToken", "The STS security token is required for this access key.")
        if not hmac.compare_digest(token, wanted):
            raise ApiError(
                400,
                "InvalidSecurityToken.MismatchWithAccessKey",
                "The specified security token does not match the access key.",
            )


def _one(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def header_map(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    """ASGI header pairs -> lower-case name to list of values (repeated headers are kept, as signed)."""
    out: dict[str, list[str]] = {}
    for name, value in raw:
        out.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    return out
