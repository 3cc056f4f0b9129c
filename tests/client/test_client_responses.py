"""Answers the emulator never gives: HTML pages, non-object JSON, wrong types, odd error codes.

httpx.MockTransport stands in for the server here because the emulator only speaks the documented
API; every other path of these tests (signing, retries, decoding) is the real client code.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from provider.client import answers
from provider.client.api import RayClusterApi
from provider.client.credentials import Credentials, StaticCredentials
from provider.client.retry import RetryPolicy
from provider.schema.errors import (
    AmbiguousCreateError,
    ApiError,
    AuthError,
    InvalidParameterError,
    MalformedResponseError,
    NotFoundError,
    ServerError,
    ThrottledError,
)

SECRET = "mock-secret-abcdef"
FAST = RetryPolicy(max_attempts=3, initial=0.001, cap=0.002, deadline=5.0)


def client(handler: Callable[[httpx.Request], httpx.Response], retry: RetryPolicy = FAST) -> RayClusterApi:
    creds = StaticCredentials(Credentials("mock-id", SECRET))
    return RayClusterApi("https://emr.example.com", creds, retry=retry, transport=httpx.MockTransport(handler))


def answer(status: int, body: bytes | str, content_type: str = "application/json", **headers: str):
    raw = body.encode() if isinstance(body, str) else body

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=raw, headers={"content-type": content_type, **headers})

    return handler


HTML = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 5000 + "</body></html>"


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (200, HTML, "text/html"),
        (200, "[1, 2, 3]", "application/json"),
        (200, '"just a string"', "application/json"),
        (200, "", "application/json"),
        (200, b"\xff\xfe not utf-8", "application/json"),
        (404, HTML, "text/html"),
        (400, "null", "application/json"),
    ],
)
def test_not_a_json_object_is_malformed(status: int, body: str | bytes, content_type: str) -> None:
    with client(answer(status, body, content_type)) as api, pytest.raises(MalformedResponseError) as info:
        api.get("w-1", "ray-1")
    error = info.value
    assert (error.operation, error.status, error.cluster_id) == ("GetRayCluster", status, "ray-1")
    assert len(str(error)) < 400  # a short excerpt, not the whole page
    assert error.__cause__ is None  # no chained decoder traceback


def test_html_5xx_is_a_retried_server_error() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers["x-acs-signature-nonce"])
        return httpx.Response(502, text=HTML, headers={"content-type": "text/html"})

    with client(handler) as api, pytest.raises(ServerError) as info:
        api.get("w-1", "ray-1")
    assert info.value.status == 502 and "502 Bad Gateway" in info.value.message
    assert len(calls) == FAST.max_attempts and len(set(calls)) == len(calls)  # re-signed each time


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"clusterId": "ray-1", "state": 123}, "state"),
        ({"clusterId": "ray-1", "state": "Running", "headSpec": "not-an-object"}, "headSpec"),
        ({"clusterId": "ray-1", "state": "Running", "workerSpec": [{"replica": "many"}]}, "workerSpec.0.replica"),
        ({"clusterId": "ray-1", "state": "Running", "createTime": "yesterday"}, "createTime"),
    ],
)
def test_wrong_types_are_malformed(body: dict, where: str) -> None:
    with client(answer(200, json.dumps(body))) as api, pytest.raises(MalformedResponseError) as info:
        api.get("w-1", "ray-1")
    assert where in str(info.value) and info.value.status == 200
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_create_answered_2xx_without_cluster_id_is_ambiguous() -> None:
    # A 2xx means the cluster exists: the caller must look it up by name rather than create another.
    with client(answer(200, '{"requestId": "r"}')) as api, pytest.raises(AmbiguousCreateError) as raised:
        api.create("w-1", {"name": "x"})
    assert isinstance(raised.value.cause, MalformedResponseError)


def test_numbers_for_cpu_and_memory_are_tolerated() -> None:
    body = {"clusterId": "ray-1", "headSpec": {"cpu": 2, "memory": "8Gi"}, "newField": {"a": 1}, "state": "Resizing"}
    with client(answer(200, json.dumps(body))) as api:
        detail = api.get("w-1", "ray-1")
    assert detail.head_spec is not None and detail.head_spec.cpu == "2"
    assert detail.state == "Resizing"  # unknown states are kept, not rejected
    assert detail.to_api_dict()["newField"] == {"a": 1}


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (404, "RayClusterNotFound", NotFoundError),
        (404, None, NotFoundError),
        (404, "InvalidAccessKeyId.NotFound", AuthError),
        (404, "InvalidApi.NotFound", ApiError),
        (400, "SignatureDoesNotMatch", AuthError),
        (400, "InvalidTimeStamp.Expired", AuthError),
        (400, "SignatureNonceUsed", AuthError),
        (403, "Forbidden.RAM", AuthError),
        (400, "InvalidParameter", InvalidParameterError),
        (400, "InvalidParameter.Name", InvalidParameterError),
        (400, "MissingParameter", InvalidParameterError),
        (400, "Throttling.User", ThrottledError),
        (429, "Throttling.Api", ThrottledError),
        (503, "ServiceUnavailable", ServerError),
        (500, "InternalError", ServerError),
        (400, "InvalidState", ApiError),
    ],
)
def test_error_codes_map_to_classes(status: int, code: str | None, expected: type[ApiError]) -> None:
    body = {"RequestId": "RID-1", "Message": "boom"} | ({"Code": code} if code else {})
    single = RetryPolicy(max_attempts=1)
    with client(answer(status, json.dumps(body)), retry=single) as api, pytest.raises(ApiError) as info:
        api.delete("w-1", "ray-1")
    assert type(info.value) is expected
    assert (info.value.code, info.value.request_id, info.value.message) == (code, "RID-1", "boom")


def test_server_text_echoing_the_secret_is_redacted() -> None:
    body = {"code": "SignatureDoesNotMatch", "message": f"server saw secret {SECRET}", "requestId": "r"}
    with client(answer(400, json.dumps(body))) as api, pytest.raises(AuthError) as info:
        api.get("w-1", "ray-1")
    assert SECRET not in str(info.value) and "***" in str(info.value)


def test_retry_after_header_sets_the_hint() -> None:
    body = json.dumps({"code": "Throttling.User", "message": "slow down"})
    handler = answer(400, body, **{"x-acs-retry-after": "250"})
    with client(handler, retry=RetryPolicy(max_attempts=1)) as api, pytest.raises(ThrottledError) as info:
        api.get("w-1", "ray-1")
    assert info.value.retry_after == 0.25


def test_request_shape() -> None:
    """Method, path, query, content-type and compact raw-UTF-8 body, as the SDK sends them."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"clusterId": "ray-1", "rayClusters": []})

    with client(handler) as api:
        api.create("w-1", {"name": "ü", "workerSpec": []})
        api.update("w-1", "ray-1", {"description": "d"})
        list(api.list("w-1", page_size=7))
        api.delete("w-1", "ray-1")
        api.start("w-1", "ray-1")
        api.stop("w-1", "ray-1")
    shapes = [(r.method, r.url.path, str(r.url.query, "ascii"), r.headers["x-acs-action"]) for r in seen]
    assert shapes == [
        ("POST", "/api/v1/workspaces/w-1/rayCluster", "", "CreateRayCluster"),
        ("POST", "/api/v1/workspaces/w-1/rayCluster/ray-1", "", "UpdateRayCluster"),
        ("GET", "/api/v1/workspaces/w-1/rayCluster", "pageNum=1&pageSize=7", "ListRayCluster"),
        ("DELETE", "/api/v1/workspaces/w-1/rayCluster/ray-1", "", "DeleteRayCluster"),
        ("POST", "/api/v1/workspaces/w-1/rayCluster/ray-1/start", "", "StartRayCluster"),
        ("POST", "/api/v1/workspaces/w-1/rayCluster/ray-1/stop", "", "StopRayCluster"),
    ]
    assert seen[0].content == '{"name":"ü","workerSpec":[]}'.encode()
    assert seen[0].headers["content-type"] == "application/json; charset=utf-8"
    assert "content-type" not in seen[2].headers and "content-type" not in seen[3].headers
    assert seen[4].content == b"{}"


def test_list_stops_when_the_server_ignores_page_num() -> None:
    """A server that returns the same full page forever must not loop forever."""
    page = {"rayClusters": [{"clusterId": "ray-1"}, {"clusterId": "ray-2"}]}
    with client(answer(200, json.dumps(page))) as api:
        assert [c.cluster_id for c in api.list("w-1", page_size=2)] == ["ray-1", "ray-2"]


def test_page_size_is_bounded() -> None:
    with client(answer(200, "{}")) as api, pytest.raises(ValueError):
        next(api.list("w-1", page_size=101))


def test_a_bare_429_from_a_proxy_is_throttling_and_retried() -> None:
    answers = iter([httpx.Response(429, text="<html>Too Many Requests</html>", headers={"x-acs-retry-after": "1"})])

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, httpx.Response(200, json={"clusterId": "ray-1", "state": "Running"}))

    with client(handler) as api:
        assert api.get("w-1", "ray-1").state == "Running"
    once = RetryPolicy(max_attempts=1)
    with client(answer(429, "<html>busy</html>"), retry=once) as api, pytest.raises(ThrottledError) as raised:
        api.get("w-1", "ray-1")
    assert raised.value.status == 429 and "busy" in (raised.value.message or "")


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "MissingSecurityToken", AuthError),  # a credentials problem, not a wrong request
        (400, "InvalidSecurityToken.Expired", AuthError),
        (404, "InvalidAccessKeyId.NotFound", AuthError),  # never "cluster already gone"
        (400, "MissingParameter", InvalidParameterError),
        (404, "RayClusterNotFound", NotFoundError),
    ],
)
def test_error_codes_are_classified_by_what_to_do(status: int, code: str, kind: type) -> None:
    assert answers.error_class(status, code) is kind
