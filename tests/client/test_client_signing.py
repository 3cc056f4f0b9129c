"""Our ACS3-HMAC-SHA256 signer against the official SDK's own signing function.

The SDK (alibabacloud-tea-openapi 0.4.6) computes the header in ``Utils.get_authorization(request,
sign_type, payload_hash, ak, secret)`` from ``request.method/pathname/query/headers``. We build the
request with our client code path (httpx + AcsSigner), then hand the SDK the very same method, path,
query dict and signed headers and require a byte-identical ``Authorization``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import httpx
import pytest
from alibabacloud_tea_openapi.utils import Utils as SdkUtils
from darabonba.url import Url as DaraURL

from provider.client.credentials import Credentials, StaticCredentials
from provider.client.signing import EMPTY_SHA256, AcsSigner, authorization, percent_encode

AK = "demo-access-key-id"
SK = "demo-access-key-secret"
STS = "demo-sts-token/with+odd=chars"
DATE = "2026-01-02T03:04:05Z"
NONCE = "0123456789abcdef0123456789abcdef"


class CountingSource:
    """A credentials source that records how often it was asked (per-request reads)."""

    def __init__(self, creds: Credentials) -> None:
        self.creds = creds
        self.calls = 0

    def get(self) -> Credentials:
        self.calls += 1
        return self.creds


def sign(
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    body: bytes | None = None,
    token: str | None = None,
    action: str = "GetRayCluster",
) -> httpx.Request:
    """Build and sign a request exactly as RayClusterApi does, with a fixed date and nonce."""
    headers = {"x-acs-action": action, "user-agent": "test-agent"}
    if body is not None:
        headers["content-type"] = "application/json; charset=utf-8"
    request = httpx.Request(
        method,
        f"https://emr-serverless-spark.cn-hangzhou.aliyuncs.com{path}",
        params=params,
        content=body,
        headers=headers,
    )
    signer = AcsSigner(StaticCredentials(Credentials(AK, SK, token)), clock=lambda: DATE, nonce=lambda: NONCE)
    signer.sign(request)
    return request


def sdk_authorization(request: httpx.Request, query: dict[str, str] | None) -> str:
    """Feed the SDK's signer the same method/path/query/signed headers we signed."""
    signed_names = request.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    sdk_request = SimpleNamespace(
        method=request.method,
        pathname=request.url.raw_path.split(b"?")[0].decode(),
        query=query or {},
        headers={name: request.headers[name] for name in signed_names},
    )
    payload = request.headers["x-acs-content-sha256"]
    return SdkUtils.get_authorization(sdk_request, "ACS3-HMAC-SHA256", payload, AK, SK)


ODD_IDS = ["ray-k7nm8ahl5te4tg91", "a b", "x+y*z~w", "ünï/cödé", "q&r=s?t#u", "%41", "tab\tnl\n"]


def item_path(workspace: str, cluster: str) -> str:
    return f"/api/v1/workspaces/{percent_encode(workspace)}/rayCluster/{percent_encode(cluster)}"


@pytest.mark.parametrize("value", [*ODD_IDS, "", "w-d2d82aa09155"])
def test_path_params_are_encoded_like_the_sdk(value: str) -> None:
    assert percent_encode(value) == DaraURL.percent_encode(value)


@pytest.mark.parametrize("cluster_id", ODD_IDS)
def test_get_matches_sdk(cluster_id: str) -> None:
    request = sign("GET", item_path("w-1", cluster_id))
    assert request.headers["x-acs-content-sha256"] == EMPTY_SHA256
    assert request.headers["authorization"] == sdk_authorization(request, None)


@pytest.mark.parametrize(
    "query",
    [
        {"pageNum": "1", "pageSize": "20"},
        {"pageSize": "a b", "pageNum": "x+y"},
        {"k": "*~!'()", "z": "ünïcödé", "a": "&=?#/%"},
        {"empty": ""},
    ],
)
def test_list_query_strings_match_sdk(query: dict[str, str]) -> None:
    request = sign("GET", "/api/v1/workspaces/w-1/rayCluster", params=query, action="ListRayCluster")
    assert request.headers["authorization"] == sdk_authorization(request, query)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "analytics", "headSpec": {"cpu": "2", "memory": "8Gi"}, "workerSpec": []},
        {"description": "ünïcödé + * ~ & = ✓", "extraParam": '{"a": 1}'},
        {},
    ],
)
def test_post_with_json_body_matches_sdk(body: dict) -> None:
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    request = sign("POST", "/api/v1/workspaces/w-1/rayCluster", body=raw, action="CreateRayCluster")
    assert request.headers["x-acs-content-sha256"] == hashlib.sha256(raw).hexdigest()
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["authorization"] == sdk_authorization(request, None)


def test_delete_matches_sdk() -> None:
    request = sign("DELETE", item_path("w 1", "ray*1"), action="DeleteRayCluster")
    assert request.headers["authorization"] == sdk_authorization(request, None)


def test_sts_token_headers_are_set_and_signed_like_sdk() -> None:
    request = sign("GET", item_path("w-1", "ray-1"), token=STS)
    assert request.headers["x-acs-security-token"] == STS
    assert request.headers["x-acs-accesskey-id"] == AK
    signed = request.headers["authorization"].split("SignedHeaders=")[1].split(",")[0]
    assert "x-acs-security-token" in signed.split(";")
    assert request.headers["authorization"] == sdk_authorization(request, None)


def test_signed_header_set_is_the_documented_one() -> None:
    request = sign("POST", item_path("w-1", "ray-1"), body=b"{}", token=STS, action="UpdateRayCluster")
    signed = request.headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert signed == sorted(
        [
            "accept",
            "content-type",
            "host",
            "x-acs-accesskey-id",
            "x-acs-action",
            "x-acs-content-sha256",
            "x-acs-date",
            "x-acs-security-token",
            "x-acs-signature-nonce",
            "x-acs-version",
        ]
    )
    assert request.headers["x-acs-version"] == "2023-08-08"
    assert request.headers["x-acs-date"] == DATE
    assert request.headers["x-acs-signature-nonce"] == NONCE
    assert request.headers["accept"] == "application/json"


def test_sdk_disagrees_when_anything_differs() -> None:
    """Guards the comparison itself: a changed secret or nonce must change the signature."""
    request = sign("GET", item_path("w-1", "ray-1"))
    good = sdk_authorization(request, None)
    request.headers["x-acs-signature-nonce"] = "f" * 32
    assert sdk_authorization(request, None) != good


def test_each_send_reads_credentials_and_gets_a_fresh_nonce() -> None:
    """Refreshed STS keys are picked up, and a re-sent request is re-signed with a new nonce."""
    source = CountingSource(Credentials(AK, SK, "token-1"))
    nonces = (f"{i:032x}" for i in itertools.count())
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.headers["x-acs-signature-nonce"], request.headers["x-acs-security-token"]))
        return httpx.Response(200, json={})

    signer = AcsSigner(source, nonce=lambda: next(nonces))
    with httpx.Client(transport=httpx.MockTransport(handler), auth=signer) as client:
        client.get("http://127.0.0.1:1/x", headers={"x-acs-action": "GetRayCluster"})
        source.creds = Credentials(AK, SK, "token-2")  # the default chain refreshed the STS token
        client.get("http://127.0.0.1:1/x", headers={"x-acs-action": "GetRayCluster"})
    assert source.calls == 2
    assert seen[0][0] != seen[1][0]
    assert [token for _, token in seen] == ["token-1", "token-2"]


def test_signer_repr_has_no_secret() -> None:
    signer = AcsSigner(StaticCredentials(Credentials(AK, SK, STS)))
    assert SK not in repr(signer) and STS not in repr(signer) and AK not in repr(signer)


class _Capture(BaseHTTPRequestHandler):
    """Records the raw request the SDK sends and answers an empty JSON object."""

    seen: ClassVar[list[tuple[str, str, dict[str, str], bytes]]] = []

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        self.seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        payload = b'{"clusterId":"ray-1","rayClusters":[]}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = _handle

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def capture_sdk() -> Iterator[tuple[Any, list]]:
    from alibabacloud_emr_serverless_spark20230808.client import Client
    from alibabacloud_tea_openapi import models as oa

    _Capture.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Capture)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"127.0.0.1:{server.server_address[1]}"
    sdk = Client(
        oa.Config(access_key_id=AK, access_key_secret=SK, security_token=STS, endpoint=endpoint, protocol="HTTP")
    )
    yield sdk, _Capture.seen
    server.shutdown()
    server.server_close()


def test_our_canonicalization_reproduces_what_the_sdk_really_sent(capture_sdk: tuple[Any, list]) -> None:
    """End to end: the SDK's own wire requests (its nonce, date, user-agent), re-signed by our function."""
    from alibabacloud_emr_serverless_spark20230808 import models as sdk_models

    sdk, seen = capture_sdk
    sdk.get_ray_cluster("w 1", "ray*x+y~zü&=")
    sdk.list_ray_cluster("w-1", sdk_models.ListRayClusterRequest(page_num=2, page_size=50))
    sdk.create_ray_cluster("w-1", sdk_models.CreateRayClusterRequest(name="ünï + *", worker_spec=[]))
    sdk.delete_ray_cluster("w-1", "ray-1")
    assert len(seen) == 4
    for method, raw_target, headers, body in seen:
        path, _, query = raw_target.partition("?")
        signed = headers["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
        ours = authorization(
            method=method,
            path=path,
            query=parse_qsl(query, keep_blank_values=True),
            headers=[(name, headers[name]) for name in signed],
            payload_sha256=hashlib.sha256(body).hexdigest(),
            access_key_id=AK,
            access_key_secret=SK,
        )
        assert ours == headers["authorization"], (method, raw_target)
        assert headers["x-acs-content-sha256"] == hashlib.sha256(body).hexdigest()
