"""Signature checking (ACS3-HMAC-SHA256): requests signed by the official SDK's signer, then broken."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from harness.emulator import Emulator

WS = "w-sig"
BASE = f"/api/v1/workspaces/{WS}/rayCluster"
CREATE = json.dumps({"name": "signed"}, separators=(",", ":")).encode()


def _code(response: Any) -> str:
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["requestId"]
    return str(response.json()["code"])


def test_sdk_signed_request_passes_and_reference_signer_agrees(emulator: Emulator) -> None:
    emulator.sdk().list_ray_cluster(WS, m.ListRayClusterRequest(page_num=1, page_size=5))
    response = emulator.http.send(emulator.signed_request("POST", BASE, "CreateRayCluster", body=CREATE))
    assert response.status_code == 200, response.text
    assert response.json()["clusterId"].startswith("ray-")


def test_wrong_secret_is_signature_does_not_match(emulator: Emulator) -> None:
    client = emulator.sdk(access_key_secret="not-the-secret")
    with pytest.raises(ClientException) as err:
        client.create_ray_cluster(WS, m.CreateRayClusterRequest(name="x"))
    assert err.value.code == "SignatureDoesNotMatch" and err.value.status_code == 400
    assert "not-the-secret" not in str(err.value)
    assert emulator.clusters() == []
    assert emulator.journal()[-1]["code"] == "SignatureDoesNotMatch"


def test_unknown_access_key(emulator: Emulator) -> None:
    with pytest.raises(ClientException) as err:
        emulator.sdk(access_key_id="nobody").get_ray_cluster(WS, "ray-x")
    assert err.value.code == "InvalidAccessKeyId.NotFound"


def test_replayed_nonce_is_refused_and_applied_once(emulator: Emulator) -> None:
    request = emulator.signed_request("POST", BASE, "CreateRayCluster", body=CREATE)
    first = emulator.http.send(request)
    replay = emulator.http.send(request)  # byte-identical re-send, same nonce
    assert first.status_code == 200
    assert replay.status_code == 400 and _code(replay) == "SignatureNonceUsed"
    assert len(emulator.clusters()) == 1


def test_reset_with_clusters_forgets_nonces(emulator: Emulator) -> None:
    request = emulator.signed_request("GET", BASE, "ListRayCluster")
    assert emulator.http.send(request).status_code == 200
    emulator.reset(clusters=True)
    assert emulator.http.send(request).status_code == 200


@pytest.mark.parametrize("skew", [timedelta(minutes=-16), timedelta(minutes=16)], ids=["past", "future"])
def test_timestamp_outside_15_minutes_is_expired(emulator: Emulator, skew: timedelta) -> None:
    request = emulator.signed_request("GET", BASE, "ListRayCluster", date=datetime.now(UTC) + skew)
    response = emulator.http.send(request)
    assert response.status_code == 400 and _code(response) == "InvalidTimeStamp.Expired"


def test_timestamp_inside_window_is_accepted(emulator: Emulator) -> None:
    request = emulator.signed_request("GET", BASE, "ListRayCluster", date=datetime.now(UTC) - timedelta(minutes=14))
    assert emulator.http.send(request).status_code == 200


def test_tampered_body_is_content_sha256_mismatch(emulator: Emulator) -> None:
    request = emulator.signed_request("POST", BASE, "CreateRayCluster", body=CREATE)
    tampered = emulator.http.build_request(
        "POST", BASE, content=CREATE.replace(b"signed", b"hacked"), headers=dict(request.headers)
    )
    response = emulator.http.send(tampered)
    assert response.status_code == 400 and _code(response) == "ContentSHA256Mismatch"
    assert emulator.clusters() == []


def test_tampered_body_hash_header_breaks_the_signature(emulator: Emulator) -> None:
    request = emulator.signed_request("POST", BASE, "CreateRayCluster", body=CREATE)
    other = CREATE.replace(b"signed", b"hacked")
    headers = {**request.headers, "x-acs-content-sha256": hashlib.sha256(other).hexdigest()}
    response = emulator.http.send(emulator.http.build_request("POST", BASE, content=other, headers=headers))
    assert response.status_code == 400 and _code(response) == "SignatureDoesNotMatch"


def test_tampered_query_breaks_the_signature(emulator: Emulator) -> None:
    request = emulator.signed_request("GET", BASE, "ListRayCluster", query={"pageSize": "5"})
    forged = emulator.http.build_request("GET", BASE, params={"pageSize": "6"}, headers=dict(request.headers))
    assert _code(emulator.http.send(forged)) == "SignatureDoesNotMatch"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda h: h.pop("authorization"),
        lambda h: h.__setitem__("authorization", "Bearer abc"),
        lambda h: h.__setitem__("authorization", "ACS3-HMAC-SHA256 Credential=demo-access-key-id"),
        lambda h: h.pop("x-acs-signature-nonce"),
        lambda h: h.pop("x-acs-date"),
        lambda h: h.pop("x-acs-content-sha256"),
    ],
    ids=["no-auth", "other-scheme", "no-signature", "no-nonce", "no-date", "no-content-hash"],
)
def test_missing_or_malformed_parts_are_incomplete_signature(emulator: Emulator, mutate: Any) -> None:
    headers = {k.lower(): v for k, v in emulator.signed_request("GET", BASE, "ListRayCluster").headers.items()}
    mutate(headers)
    response = emulator.http.send(emulator.http.build_request("GET", BASE, headers=headers))
    assert response.status_code == 400 and _code(response) == "IncompleteSignature"


def test_action_header_must_match_the_route(emulator: Emulator) -> None:
    response = emulator.http.send(emulator.signed_request("GET", BASE, "GetRayCluster"))
    assert response.status_code == 404 and _code(response) == "InvalidApi.NotFound"


def test_security_token_must_match_when_configured(make_emulator: Any) -> None:
    emu = make_emulator(security_token="demo-sts-token")
    with pytest.raises(ClientException) as err:
        emu.sdk(security_token=None).list_ray_cluster(WS, m.ListRayClusterRequest())
    assert err.value.code == "MissingSecurityToken"
    with pytest.raises(ClientException) as err:
        emu.sdk(security_token="other-token").list_ray_cluster(WS, m.ListRayClusterRequest())
    assert err.value.code == "InvalidSecurityToken.MismatchWithAccessKey"
    assert emu.sdk().list_ray_cluster(WS, m.ListRayClusterRequest()).status_code == 200


def test_any_security_token_is_accepted_when_not_configured(emulator: Emulator) -> None:
    client = emulator.sdk(security_token="some-sts-token")
    assert client.list_ray_cluster(WS, m.ListRayClusterRequest()).status_code == 200
