"""The emulator as a target: fuzzed requests (schemathesis) never get a 5xx, and a wrong secret, a replayed
request, an old timestamp or a tampered body is refused (a replay is applied once).

The schema is the one the emulator serves at /openapi.json (emulator/openapi.py: FastAPI's document completed with
the bodies its handlers read by hand). Every generated request is signed with the official SDK's signer
(harness/emulator.py), so fuzzing reaches the handlers.
Bounded: 20 examples per operation, positive and negative modes, no deadline.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from emulator.app import create_fastapi
from harness.emulator import Emulator, sdk_signed_headers
from provider.client.api import RayClusterApi
from provider.schema.errors import AuthError


def api_schema() -> dict[str, Any]:
    """The document the emulator serves at /openapi.json, built here without a running server."""
    return create_fastapi(None).openapi()  # type: ignore[arg-type]  # the schema needs no state


schema = schemathesis.openapi.from_dict(api_schema())


class AcsAuth(requests.auth.AuthBase):
    """Sign each generated request like the official SDK (the same headers, the SDK's own signing code)."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(request.url or "")
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        action = request.headers.get("x-acs-action", "")
        signed = sdk_signed_headers(
            request.method or "GET",
            url.path,
            action,
            self.emulator.endpoint,
            body,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            self.emulator.access_key_id,
            self.emulator.access_key_secret,
        )
        if not body:
            request.headers.pop("content-type", None)
        request.headers.update(signed)
        return request


@pytest.fixture
def signed(emulator: Emulator) -> requests.Session:
    session = requests.Session()
    session.auth = AcsAuth(emulator)
    return session


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_fuzzed_requests_never_get_a_server_error(case: Any, emulator: Emulator, signed: requests.Session) -> None:
    action = case.operation.definition.raw["operationId"]
    response = case.call(base_url=emulator.url, session=signed, headers={"x-acs-action": action}, timeout=10)
    case.validate_response(response, checks=[not_a_server_error])
    content_type = response.headers.get("content-type") or [""]  # schemathesis keeps every value of a header
    assert content_type[0].startswith("application/json"), content_type
    assert isinstance(json.loads(response.content), dict)  # every answer, error or not, is JSON the SDK can parse


def test_emulator_serves_the_schema_that_is_fuzzed(emulator: Emulator) -> None:
    response = httpx.get(f"{emulator.url}/openapi.json")
    assert response.status_code == 200
    served = response.json()
    assert served["paths"] == api_schema()["paths"]
    create = served["paths"]["/api/v1/workspaces/{workspaceId}/rayCluster"]["post"]
    assert create["operationId"] == "CreateRayCluster" and "requestBody" in create


# -- signature checks, re-checked at the level of our own client and hand-made requests ------------------------


def test_wrong_secret_is_refused_and_nothing_applied(emulator: Emulator) -> None:
    from provider.client.credentials import Credentials, StaticCredentials

    creds = StaticCredentials(Credentials(emulator.access_key_id, "not-the-secret"))
    with RayClusterApi(emulator.url, creds) as api, pytest.raises(AuthError) as refused:
        api.create("w-1", {"name": "x"})
    assert refused.value.code == "SignatureDoesNotMatch"
    assert [e["code"] for e in emulator.journal()] == ["SignatureDoesNotMatch"]  # refused once, not retried
    assert emulator.clusters() == []


def _create(emulator: Emulator, body: bytes, **sign: Any) -> httpx.Response:
    request = emulator.signed_request("POST", "/api/v1/workspaces/w-1/rayCluster", "CreateRayCluster", body, **sign)
    return emulator.http.send(request)


def test_replayed_request_is_refused_and_applied_once(emulator: Emulator) -> None:
    request = emulator.signed_request("POST", "/api/v1/workspaces/w-1/rayCluster", "CreateRayCluster", b'{"name":"a"}')
    first, again = emulator.http.send(request), emulator.http.send(request)
    assert first.status_code == 200
    assert again.status_code == 400 and again.json()["code"] == "SignatureNonceUsed"
    assert len(emulator.clusters()) == 1


def test_old_timestamp_is_refused(emulator: Emulator) -> None:
    response = _create(emulator, b'{"name":"a"}', date=datetime.now(UTC) - timedelta(minutes=20))
    assert response.status_code == 400 and response.json()["code"].startswith("InvalidTimeStamp")
    assert emulator.clusters() == []


def test_tampered_body_is_refused(emulator: Emulator) -> None:
    request = emulator.signed_request("POST", "/api/v1/workspaces/w-1/rayCluster", "CreateRayCluster", b'{"name":"a"}')
    tampered = emulator.http.build_request("POST", request.url, content=b'{"name":"b"}', headers=dict(request.headers))
    response = emulator.http.send(tampered)
    assert response.status_code == 400 and response.json()["code"] in ("ContentSHA256Mismatch", "SignatureDoesNotMatch")
    assert emulator.clusters() == []
