"""Where keys, region and endpoint come from, and that no repr or error text shows a secret."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from provider.client.credentials import (
    ClientSettings,
    Credentials,
    DefaultChainCredentials,
    StaticCredentials,
    is_loopback_host,
    resolve_credentials,
    resolve_endpoint,
)
from provider.schema.errors import CredentialsError, EndpointError

SECRET = "s3cr3t-value-never-shown"
TOKEN = "sts-token-never-shown"
ROOT = Path(__file__).resolve().parents[2]


def test_settings_repr_hides_every_secret() -> None:
    settings = ClientSettings("key-id-1234", SECRET, TOKEN, region="cn-hangzhou", endpoint="https://x.y")
    text = repr(settings)
    assert SECRET not in text and TOKEN not in text and "key-id-1234" not in text
    assert "cn-hangzhou" in text and "https://x.y" in text
    assert SECRET not in str(settings)


def test_credentials_repr_hides_every_secret() -> None:
    creds = Credentials("key-id-1234", SECRET, TOKEN, source="env")
    assert SECRET not in repr(creds) and TOKEN not in repr(creds) and "key-id-1234" not in repr(creds)
    assert "env" in repr(creds)


def test_explicit_keys_win_over_env() -> None:
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret"}
    source = resolve_credentials(ClientSettings("cfg-id", "cfg-secret", "cfg-token"), env)
    creds = source.get()
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token) == (
        "cfg-id",
        "cfg-secret",
        "cfg-token",
    )
    assert creds.source == "config"


def test_env_used_when_nothing_explicit() -> None:
    env = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID": "env-id",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "env-secret",
        "ALIBABA_CLOUD_SECURITY_TOKEN": "env-token",
    }
    creds = resolve_credentials(ClientSettings(), env).get()
    assert (creds.access_key_id, creds.access_key_secret, creds.security_token, creds.source) == (
        "env-id",
        "env-secret",
        "env-token",
        "env",
    )


def test_default_chain_only_when_nothing_else_and_lazily() -> None:
    source = resolve_credentials(ClientSettings(), {})
    assert isinstance(source, DefaultChainCredentials)
    assert isinstance(resolve_credentials(ClientSettings("a", "b"), {}), StaticCredentials)


def test_default_chain_is_built_on_first_use_and_asked_every_time() -> None:
    built: list[int] = []

    class FakeChainCredentials:  # stands in for the chain's result object; its API is 4 getters
        def __init__(self, n: int) -> None:
            self.n = n

        def get_access_key_id(self) -> str:
            return "chain-id"

        def get_access_key_secret(self) -> str:
            return "chain-secret"

        def get_security_token(self) -> str:
            return f"token-{self.n}"

        def get_provider_name(self) -> str:
            return "default/fake"

    class FakeChain:  # the real chain would probe ECS metadata; a fake one shows the call pattern
        calls = 0

        def get_credentials(self) -> FakeChainCredentials:
            FakeChain.calls += 1
            return FakeChainCredentials(FakeChain.calls)

    source = DefaultChainCredentials(provider_factory=lambda: built.append(1) or FakeChain())
    assert built == []
    assert source.get().security_token == "token-1"
    assert source.get().security_token == "token-2"
    assert built == [1]
    assert source.get().source == "default/fake"


@pytest.mark.parametrize(
    ("settings", "env", "fragment"),
    [
        (ClientSettings(access_key_id="x"), {}, "alicloud:secretKey is not"),
        (ClientSettings(access_key_secret=SECRET), {}, "alicloud:accessKey is not"),
        (ClientSettings(security_token=TOKEN), {}, "security token is set"),
        (ClientSettings(), {"ALIBABA_CLOUD_ACCESS_KEY_ID": "x"}, "ALIBABA_CLOUD_ACCESS_KEY_SECRET is not"),
    ],
)
def test_half_set_pairs_are_an_error(settings: ClientSettings, env: dict, fragment: str) -> None:
    with pytest.raises(CredentialsError, match=fragment) as info:
        resolve_credentials(settings, env)
    assert SECRET not in str(info.value) and TOKEN not in str(info.value)


def test_missing_credentials_names_every_place(tmp_path: Path) -> None:
    """Real default chain in a clean process: empty HOME, no env keys, ECS metadata disabled.

    A subprocess because alibabacloud_credentials reads its env vars at import time.
    """
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "PYTHONPATH": str(ROOT),
    }
    script = textwrap.dedent(
        """
        from provider.client.credentials import ClientSettings, resolve_credentials
        from provider.schema.errors import CredentialsError
        try:
            resolve_credentials(ClientSettings()).get()
        except CredentialsError as exc:
            print(exc)
        else:
            print("NO ERROR")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for place in (
        "alicloud:accessKey",
        "alicloud:secretKey",
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "default chain",
        "~/.aliyun/config.json",
        "credentials.ini",
        "ECS RAM role",
        "OIDC",
    ):
        assert place in text, (place, text)


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.5.6.7:1/", "http://127.5.6.7:1"),
        ("http://localhost:9", "http://localhost:9"),
        ("http://[::1]:9", "http://[::1]:9"),
        ("https://emr.example.com", "https://emr.example.com"),
        ("emr.example.com", "https://emr.example.com"),
        ("emr.example.com:8443", "https://emr.example.com:8443"),
    ],
)
def test_explicit_endpoint(endpoint: str, expected: str) -> None:
    assert resolve_endpoint(ClientSettings(endpoint=endpoint, region="cn-beijing"), {}) == expected


@pytest.mark.parametrize(
    "endpoint",
    ["http://10.0.0.1:80", "http://emr.example.com", "http://128.0.0.1", "http://localhost.evil.com"],
)
def test_plain_http_to_non_loopback_is_refused(endpoint: str) -> None:
    with pytest.raises(EndpointError, match="plain http"):
        resolve_endpoint(ClientSettings(endpoint=endpoint), {})


@pytest.mark.parametrize("endpoint", ["ftp://x.y", "https://x.y/path", "https://user:pw@x.y", "https://x.y?a=1"])
def test_odd_endpoints_are_refused(endpoint: str) -> None:
    with pytest.raises(EndpointError):
        resolve_endpoint(ClientSettings(endpoint=endpoint), {})


def test_regional_endpoints() -> None:
    assert (
        resolve_endpoint(ClientSettings(region="cn-hangzhou"), {})
        == "https://emr-serverless-spark.cn-hangzhou.aliyuncs.com"
    )
    assert (
        resolve_endpoint(ClientSettings(region="ap-southeast-1", network="vpc"), {})
        == "https://emr-serverless-spark-vpc.ap-southeast-1.aliyuncs.com"
    )
    assert (
        resolve_endpoint(ClientSettings(), {"ALIBABA_CLOUD_REGION_ID": "eu-central-1"})
        == "https://emr-serverless-spark.eu-central-1.aliyuncs.com"
    )
    assert (
        resolve_endpoint(ClientSettings(region="cn-shanghai"), {"ALIBABA_CLOUD_REGION_ID": "eu-central-1"})
        == "https://emr-serverless-spark.cn-shanghai.aliyuncs.com"
    )


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"ALIBABA_CLOUD_REGION": "cn-beijing"}, "cn-beijing"),
        ({"ALICLOUD_REGION": "us-east-1"}, "us-east-1"),
        ({"ALICLOUD_REGION": "us-east-1", "ALIBABA_CLOUD_REGION_ID": "eu-central-1"}, "eu-central-1"),
    ],
)
def test_the_region_names_other_alibaba_cloud_tools_use_are_read_too(env: dict[str, str], region: str) -> None:
    assert resolve_endpoint(ClientSettings(), env) == f"https://emr-serverless-spark.{region}.aliyuncs.com"


def test_no_region_no_endpoint_is_a_clear_error() -> None:
    with pytest.raises(EndpointError, match=r"emr:endpoint.*alicloud:region.*ALIBABA_CLOUD_REGION_ID"):
        resolve_endpoint(ClientSettings(), {})


def test_region_cannot_inject_into_the_host() -> None:
    with pytest.raises(EndpointError):
        resolve_endpoint(ClientSettings(region="evil.com/x"), {})


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("0.0.0.0", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_the_client_constructor_refuses_plain_http_off_loopback_too() -> None:
    from provider.client.api import RayClusterApi

    with pytest.raises(EndpointError, match="plain http"):
        RayClusterApi("http://203.0.113.5:80", StaticCredentials(Credentials("a", "b")))
