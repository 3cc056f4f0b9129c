"""Where the access keys, the region and the endpoint come from.

Resolution order for keys (first complete source wins):

1. explicit values: what the provider read from stack config (``alicloud:accessKey``,
   ``alicloud:secretKey``, ``alicloud:securityToken``);
2. the environment: ``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``_SECRET`` / ``ALIBABA_CLOUD_SECURITY_TOKEN``;
3. the ``alibabacloud-credentials`` default chain (OIDC, CLI/ini profiles, ECS RAM role, credentials URI),
   built lazily on the first request and asked again on every request, so refreshed STS keys are used.

Secrets live only in ``Credentials`` objects handed to the signer per request; no repr shows them.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import httpx

from provider.schema.errors import CredentialsError, EndpointError

ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"  # noqa: S105 - an env var name, not a secret
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"  # noqa: S105 - an env var name, not a secret
ENV_REGION = "ALIBABA_CLOUD_REGION_ID"
#: Where the region is read from the environment, in this order: ours, then the names the Alibaba Cloud CLI and
#: SDKs (ALIBABA_CLOUD_REGION) and pulumi-alicloud / Terraform (ALICLOUD_REGION) users already set.
ENV_REGIONS = (ENV_REGION, "ALIBABA_CLOUD_REGION", "ALICLOUD_REGION")


def region_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The first region set in ``ENV_REGIONS``, or None."""
    env = os.environ if env is None else env
    return next((env[name] for name in ENV_REGIONS if env.get(name)), None)


PLACES_LOOKED_IN = (
    "stack config alicloud:accessKey + alicloud:secretKey (+ alicloud:securityToken)",
    f"environment {ENV_ACCESS_KEY_ID} + {ENV_ACCESS_KEY_SECRET} (+ {ENV_SECURITY_TOKEN})",
    "the alibabacloud-credentials default chain: OIDC (ALIBABA_CLOUD_ROLE_ARN, "
    "ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE), CLI profile ~/.aliyun/config.json, "
    "ini profile ~/.alibabacloud/credentials.ini (ALIBABA_CLOUD_CREDENTIALS_FILE), ECS RAM role "
    "(unless ALIBABA_CLOUD_ECS_METADATA_DISABLED=true), ALIBABA_CLOUD_CREDENTIALS_URI",
)

_REGION_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _mask(value: str | None) -> str:
    return "None" if value is None else "'***'"


@dataclass(frozen=True, repr=False)
class Credentials:
    """One access key pair (plus STS token) as used to sign a single request."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    #: Where the keys came from ("config", "env", "default/..."): safe to log.
    source: str = "config"

    def __repr__(self) -> str:
        token = _mask(self.security_token)
        return (
            f"Credentials(access_key_id='***', access_key_secret='***', security_token={token}, source={self.source!r})"
        )


class CredentialsSource(Protocol):
    """Anything that hands out current credentials; called once per signed request."""

    def get(self) -> Credentials: ...


class StaticCredentials:
    """Fixed keys (stack config or environment)."""

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def get(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticCredentials(source={self._credentials.source!r})"


class DefaultChainCredentials:
    """The alibabacloud-credentials default chain, created on first use.

    Creation is deferred because the chain reads environment variables at import time and may probe
    the ECS metadata service; we only want that when explicit keys and env vars gave nothing.
    The chain caches and refreshes STS keys itself, so asking it per request is cheap and correct.
    """

    def __init__(self, provider_factory: Any = None) -> None:
        self._factory = provider_factory
        self._provider: Any = None
        self._lock = threading.Lock()

    def _chain(self) -> Any:
        with self._lock:
            if self._provider is None:
                _quiet_credentials_library()
                if self._factory is not None:
                    self._provider = self._factory()
                else:
                    from alibabacloud_credentials.provider import DefaultCredentialsProvider

                    self._provider = DefaultCredentialsProvider()
            return self._provider

    def get(self) -> Credentials:
        try:
            found = self._chain().get_credentials()
            key_id, secret = found.get_access_key_id(), found.get_access_key_secret()
        except Exception as exc:  # the chain raises CredentialException, or anything its providers raise
            raise missing_credentials_error(reason=_short(str(exc))) from None
        if not key_id or not secret:
            raise missing_credentials_error(reason="the default chain returned an empty access key")
        return Credentials(
            access_key_id=key_id,
            access_key_secret=secret,
            security_token=found.get_security_token() or None,
            source=str(found.get_provider_name() or "default"),
        )

    def __repr__(self) -> str:
        return "DefaultChainCredentials()"


def _quiet_credentials_library() -> None:
    """Keep the credentials library's own log lines (each provider of its chain that found nothing, about 45 lines
    with tracebacks) off stderr: the one error names every place looked in, and the engine shows stderr in every
    preview. The library attaches its own stderr handler to the logger ``credentials`` when imported, so the
    logger is disabled (which survives that) rather than given a handler."""
    logging.getLogger("credentials").disabled = True


def _short(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def missing_credentials_error(reason: str | None = None) -> CredentialsError:
    """The one error for "no keys anywhere", naming every place that was looked in."""
    places = "; ".join(f"({i}) {p}" for i, p in enumerate(PLACES_LOOKED_IN, 1))
    text = f"No Alibaba Cloud credentials found. Looked in: {places}."
    if reason:
        text = f"{text} Default chain said: {_short(reason, 200)}"
    # The action last and whole: it is what the user reads first.
    return CredentialsError(
        f"{text} Set keys: `pulumi config set --secret alicloud:accessKey <id>` and `alicloud:secretKey <secret>`, "
        f"or export {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}."
    )


@dataclass(frozen=True, repr=False)
class ClientSettings:
    """Plain settings the provider reads from stack config; all optional, resolved lazily.

    Safe to pickle into Pulumi state only when the secret fields are None: the provider keeps this
    object out of state and builds it in ``configure()``.
    """

    access_key_id: str | None = None
    access_key_secret: str | None = None
    security_token: str | None = None
    region: str | None = None
    endpoint: str | None = None
    network: Literal["public", "vpc"] = "public"

    def __repr__(self) -> str:
        return (
            f"ClientSettings(access_key_id={_mask(self.access_key_id)}, "
            f"access_key_secret={_mask(self.access_key_secret)}, "
            f"security_token={_mask(self.security_token)}, region={self.region!r}, "
            f"endpoint={self.endpoint!r}, network={self.network!r})"
        )


def _pair(
    key_id: str | None, secret: str | None, token: str | None, names: tuple[str, str], source: str
) -> Credentials | None:
    key_id, secret, token = key_id or None, secret or None, token or None
    if key_id is None and secret is None:
        if token is not None:
            raise CredentialsError(f"{source}: a security token is set but {names[0]} and {names[1]} are not.")
        return None
    if key_id is None or secret is None:
        have, lack = (names[0], names[1]) if key_id else (names[1], names[0])
        raise CredentialsError(f"{source}: {have} is set but {lack} is not; set both or neither.")
    return Credentials(key_id, secret, token, source=source)


def resolve_credentials(settings: ClientSettings, environ: Mapping[str, str] | None = None) -> CredentialsSource:
    """Pick the first complete source: explicit settings, then env vars, then the lazy default chain.

    A half-set pair (id without secret) is an error rather than a silent fall-through, because it is
    almost always a typo in the stack config or the shell.
    """
    env = os.environ if environ is None else environ
    explicit = _pair(
        settings.access_key_id,
        settings.access_key_secret,
        settings.security_token,
        ("alicloud:accessKey", "alicloud:secretKey"),
        "config",
    )
    if explicit is not None:
        return StaticCredentials(explicit)
    from_env = _pair(
        env.get(ENV_ACCESS_KEY_ID),
        env.get(ENV_ACCESS_KEY_SECRET),
        env.get(ENV_SECURITY_TOKEN),
        (ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET),
        "env",
    )
    if from_env is not None:
        return StaticCredentials(from_env)
    return DefaultChainCredentials()


def is_loopback_host(host: str) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1: the only hosts plain HTTP may reach."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_endpoint(raw: str) -> str:
    """Validate an endpoint URL or bare host and return ``scheme://host[:port]`` (bare host -> https)."""
    text = raw.strip()
    if "://" not in text:
        text = f"https://{text}"  # a bare host means the real service: always TLS
    try:
        url = httpx.URL(text)
    except Exception as exc:
        raise EndpointError(f"emr:endpoint {raw!r} is not a valid URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise EndpointError(f"emr:endpoint {raw!r} must be http(s)://host[:port] or a bare host name.")
    if url.userinfo or url.query or url.fragment or url.path not in ("", "/"):
        raise EndpointError(f"emr:endpoint {raw!r} must be only scheme://host[:port], without path or query.")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise EndpointError(
            f"emr:endpoint {raw!r} uses plain http to a non-loopback host; only https is allowed there "
            "(plain http is accepted for 127.0.0.0/8, localhost and ::1 only)."
        )
    host = f"[{url.host}]" if ":" in url.host else url.host
    port = f":{url.port}" if url.port is not None else ""
    return f"{url.scheme}://{host}{port}"


def resolve_endpoint(settings: ClientSettings, environ: Mapping[str, str] | None = None) -> str:
    """Base URL of the API: explicit endpoint, else the regional (or VPC) endpoint of the region."""
    if settings.endpoint:
        return normalize_endpoint(settings.endpoint)
    env = os.environ if environ is None else environ
    region = settings.region or region_from_env(env)
    if region is None:
        raise EndpointError(
            f"No endpoint and no region: set emr:endpoint, or alicloud:region, or {' / '.join(ENV_REGIONS)}."
        )
    if not _REGION_RE.match(region):
        raise EndpointError(f"Region {region!r} is not a valid region id (e.g. cn-hangzhou).")
    if settings.network not in ("public", "vpc"):
        raise EndpointError(f"network must be 'public' or 'vpc', not {settings.network!r}.")
    suffix = "-vpc" if settings.network == "vpc" else ""
    return f"https://emr-serverless-spark{suffix}.{region}.aliyuncs.com"


__all__ = [
    "PLACES_LOOKED_IN",
    "ClientSettings",
    "Credentials",
    "CredentialsSource",
    "DefaultChainCredentials",
    "StaticCredentials",
    "is_loopback_host",
    "missing_credentials_error",
    "normalize_endpoint",
    "resolve_credentials",
    "resolve_endpoint",
]
