"""The opt-in request log (RAY_CLUSTERS_REQUEST_LOG): the journal of the acceptance tests against the real service.

What it promises: one line per request sent (retries included) with action, cluster id, body and status, in the
order sent; never a header, never a secret value (Redis password, env, the access key secret or STS token).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from provider.client.api import REQUEST_LOG_ENV, RayClusterApi
from provider.client.credentials import Credentials, StaticCredentials
from provider.client.retry import RetryPolicy

SECRET = "s3cr3t-access-key-secret"
TOKEN = "sts-token-value-1234"
PASSWORD = "redis-pass-5678"
WS = "w-d2d82aa09155"


def api(transport: httpx.MockTransport) -> RayClusterApi:
    credentials = StaticCredentials(Credentials("key-id-0001", SECRET, TOKEN))
    retry = RetryPolicy(max_attempts=3, initial=0.0, cap=0.0, deadline=10.0)
    return RayClusterApi("https://emr.example.com", credentials, transport=transport, retry=retry)


def test_each_request_is_one_line_without_headers_or_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv(REQUEST_LOG_ENV, str(log))
    answers = iter([httpx.Response(503, json={"Code": "ServiceUnavailable"}), httpx.Response(200, json={})])

    def serve(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/start"):
            return next(answers)
        return httpx.Response(200, json={"clusterId": "ray-1", "requestId": "r"})

    body = {
        "description": f"mentions {SECRET} by mistake",
        "headSpec": {"env": "TOKEN=abc", "gftConfig": {"redisUrl": "10.0.0.1:6379", "redisPassword": PASSWORD}},
        "workerSpec": [{"groupName": "cpu", "replica": 2, "env": "X=1"}],
    }
    with api(httpx.MockTransport(serve)) as client:
        client.update(WS, "ray-1", body)
        client.start(WS, "ray-1")  # 503, then retried

    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert [(e["action"], e["clusterId"], e["status"]) for e in lines] == [
        ("UpdateRayCluster", "ray-1", 200),
        ("StartRayCluster", "ray-1", 503),
        ("StartRayCluster", "ray-1", 200),
    ]
    assert lines[0]["body"] == {
        "description": "mentions *** by mistake",
        "headSpec": {"env": "[redacted]", "gftConfig": {"redisUrl": "10.0.0.1:6379", "redisPassword": "[redacted]"}},
        "workerSpec": [{"groupName": "cpu", "replica": 2, "env": "[redacted]"}],
    }
    assert lines[1]["body"] == {}
    for secret in (SECRET, TOKEN, PASSWORD, "TOKEN=abc", "key-id-0001", "ACS3-HMAC-SHA256"):
        assert secret not in text


def test_a_request_without_an_answer_is_logged_with_no_status(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "requests.jsonl"
    monkeypatch.setenv(REQUEST_LOG_ENV, str(log))

    def drop(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset", request=request)

    with api(httpx.MockTransport(drop)) as client, pytest.raises(Exception, match="connection reset"):
        client.get(WS, "ray-1")

    assert [json.loads(line)["status"] for line in log.read_text().splitlines()] == [None, None, None]


def test_nothing_is_written_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUEST_LOG_ENV, raising=False)
    monkeypatch.chdir(tmp_path)

    with api(httpx.MockTransport(lambda r: httpx.Response(200, json={"clusterId": "ray-1"}))) as client:
        client.update(WS, "ray-1", {"name": "x"})

    assert list(tmp_path.iterdir()) == []
