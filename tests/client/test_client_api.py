"""RayClusterApi against the emulator process over real HTTP: operations, errors, retries, create safety.

The emulator journals every request it received (including faulted and rejected ones), so the tests
assert what actually went over the wire: attempt counts, exact bodies, a single Create.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from harness.emulator import Emulator
from harness.waiting import wait_for
from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings, Credentials, StaticCredentials
from provider.client.pacing import UNPACED
from provider.client.retry import RetryPolicy
from provider.schema.errors import (
    AmbiguousCreateError,
    ApiError,
    AuthError,
    EndpointError,
    InvalidParameterError,
    NotFoundError,
    ServerError,
    ThrottledError,
    TransportError,
)
from provider.schema.models import ClusterState, RayClusterDetail

WS = "w-d2d82aa09155"
HOUR = 3600
FAST = RetryPolicy(max_attempts=4, initial=0.01, cap=0.05, deadline=10.0)
BODY = {
    "name": "analytics",
    "description": "Ray Cluster for dev. ünïcödé",
    "headSpec": {"cpu": "2", "memory": "8Gi", "queueName": "root_queue"},
    "workerSpec": [{"groupName": "cpu", "workerType": "CPU", "cpu": "2", "memory": "8Gi", "replica": 2}],
    "extraParam": "{}",
}


def make_api(emu: Emulator, *, secret: str | None = None, retry: RetryPolicy = FAST, **kw: object) -> RayClusterApi:
    settings = ClientSettings(
        access_key_id=emu.access_key_id,
        access_key_secret=secret or emu.access_key_secret,
        security_token=emu.security_token,
        endpoint=emu.url,
    )
    return RayClusterApi.from_settings(settings, retry=retry, **kw)


@pytest.fixture
def api(emulator: Emulator) -> Iterator[RayClusterApi]:
    with make_api(emulator) as client:
        yield client


def retry_sleeps(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The sleeps the client announced before each retry (logged by provider.api before the sleep starts)."""
    records = [r for r in caplog.records if r.name == "provider.api" and "retrying in" in r.getMessage()]
    return [float(r.args[-1]) for r in records]  # type: ignore[index]


class FakeClock:
    """Monotonic time that moves only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def fault(action: str, kind: str, count: int | None = None, **extra: object) -> dict:
    return {"action": action, "kind": kind, "rate": 1.0, "count": count, **extra}


# -- every operation --------------------------------------------------------------------------------


def test_create_get_update_delete(api: RayClusterApi, emulator: Emulator) -> None:
    cluster_id = api.create(WS, BODY)
    assert cluster_id.startswith("ray-")
    assert emulator.journal("CreateRayCluster")[0]["body"] == BODY  # exactly what we passed, no extra keys

    detail = api.get(WS, cluster_id)
    assert isinstance(detail, RayClusterDetail)
    assert (detail.cluster_id, detail.name, detail.description) == (
        cluster_id,
        "analytics",
        BODY["description"],
    )
    assert detail.head_spec is not None and detail.head_spec.memory == "8Gi"
    assert detail.worker_spec and detail.worker_spec[0].group_name == "cpu" and detail.worker_spec[0].replica == 2
    assert detail.state in {ClusterState.STARTING, ClusterState.RUNNING}
    as_api = detail.to_api_dict()
    assert as_api["workerSpec"][0]["groupName"] == "cpu" and "requestId" not in as_api
    assert all(v is not None for v in as_api.values())

    api.update(WS, cluster_id, {"description": "changed"})
    assert emulator.journal("UpdateRayCluster")[-1]["body"] == {"description": "changed"}
    assert api.get(WS, cluster_id).description == "changed"

    api.delete(WS, cluster_id)
    with pytest.raises(NotFoundError) as info:
        api.get(WS, cluster_id)
    error = info.value
    assert (error.operation, error.cluster_id, error.status, error.code) == (
        "GetRayCluster",
        cluster_id,
        404,
        "RayClusterNotFound",
    )
    assert error.request_id and error.request_id == emulator.journal("GetRayCluster")[-1]["requestId"]
    assert str(error).startswith(f"GetRayCluster {cluster_id}: RayClusterNotFound (HTTP 404): ")
    assert str(error).endswith(f"[requestId {error.request_id}]")


def test_stop_and_start(api: RayClusterApi, emulator: Emulator) -> None:
    emulator.configure(startupSeconds=HOUR, stopSeconds=HOUR)  # each state read below is certainly the transition
    cluster_id = api.create(WS, BODY)
    emulator.force_state(cluster_id, "Running")
    api.stop(WS, cluster_id)
    assert api.get(WS, cluster_id).state == ClusterState.STOPPING
    emulator.force_state(cluster_id, "Stopped")
    api.start(WS, cluster_id, client_token="tok-1")
    assert api.get(WS, cluster_id).state == ClusterState.STARTING
    assert emulator.journal("StopRayCluster")[-1]["body"] == {}
    assert emulator.journal("StartRayCluster")[-1]["body"] == {"clientToken": "tok-1"}
    assert emulator.journal("StartRayCluster")[-1]["path"].endswith(f"/rayCluster/{cluster_id}/start")


def test_start_without_token_sends_empty_object(api: RayClusterApi, emulator: Emulator) -> None:
    cluster_id = api.create(WS, BODY)
    emulator.force_state(cluster_id, "Stopped")
    api.start(WS, cluster_id)
    assert emulator.journal("StartRayCluster")[-1]["body"] == {}


def test_list_paginates_until_a_short_page(api: RayClusterApi, emulator: Emulator) -> None:
    created = {api.create(WS, {**BODY, "name": f"c{i}"}) for i in range(5)}
    api.create("w-other", {**BODY, "name": "elsewhere"})
    listed = list(api.list(WS, page_size=2))
    assert {c.cluster_id for c in listed} == created
    assert len(listed) == 5
    pages = [(e["query"]["pageNum"], e["query"]["pageSize"]) for e in emulator.journal("ListRayCluster")]
    assert pages == [("1", "2"), ("2", "2"), ("3", "2")]


def test_list_of_an_exact_multiple_stops_on_the_empty_page(api: RayClusterApi, emulator: Emulator) -> None:
    for i in range(4):
        api.create(WS, {**BODY, "name": f"c{i}"})
    assert len(list(api.list(WS, page_size=2))) == 4
    assert len(emulator.journal("ListRayCluster")) == 3


def test_list_is_lazy(api: RayClusterApi, emulator: Emulator) -> None:
    for i in range(3):
        api.create(WS, {**BODY, "name": f"c{i}"})
    first = next(iter(api.list(WS, page_size=1)))
    assert first.name in {"c0", "c1", "c2"}
    assert len(emulator.journal("ListRayCluster")) == 1


def test_path_ids_are_percent_encoded(api: RayClusterApi, emulator: Emulator) -> None:
    """The emulator verifies the signature over the raw (encoded) path: NotFound, not an AuthError."""
    with pytest.raises(NotFoundError) as info:
        api.get("w 1", "ray*x+y~zü")
    assert info.value.cluster_id == "ray*x+y~zü"
    assert emulator.journal("GetRayCluster")[-1]["path"] == "/api/v1/workspaces/w 1/rayCluster/ray*x+y~zü"


# -- errors -------------------------------------------------------------------------------------------


def test_invalid_parameter(api: RayClusterApi, emulator: Emulator) -> None:
    bad = {**BODY, "workerSpec": [{"groupName": "g", "replica": 0}]}
    with pytest.raises(InvalidParameterError) as info:
        api.create(WS, bad)
    assert info.value.code == "InvalidParameter" and info.value.status == 400
    assert len(emulator.journal("CreateRayCluster")) == 1  # a 400 is never retried


def test_wrong_secret_is_signature_mismatch_and_not_retried(emulator: Emulator) -> None:
    with make_api(emulator, secret="not-the-right-secret") as api, pytest.raises(AuthError) as info:
        api.get(WS, "ray-x")
    assert info.value.code == "SignatureDoesNotMatch"
    assert "not-the-right-secret" not in str(info.value)
    assert len(emulator.journal("GetRayCluster")) == 1


def test_persistent_5xx_gives_server_error_after_all_attempts(api: RayClusterApi, emulator: Emulator) -> None:
    emulator.set_faults([fault("GetRayCluster", "InternalError")])
    with pytest.raises(ServerError) as info:
        api.get(WS, "ray-x")
    assert info.value.status == 500 and info.value.code == "InternalError"
    assert len(emulator.journal("GetRayCluster")) == FAST.max_attempts


def test_persistent_throttling_gives_throttled_error_at_the_deadline(emulator: Emulator) -> None:
    # Throttling is retried until the call's deadline, not max_attempts times: a clock that moves only when the
    # client sleeps shows it without waiting (tests/client/test_client_throttling.py has the rest).
    clock = FakeClock()
    emulator.set_faults([fault("*", "Throttling.User")])
    with (
        make_api(emulator, clock=clock.monotonic, sleep=clock.sleep, pacer=UNPACED) as api,
        pytest.raises(ThrottledError) as info,
    ):
        api.delete(WS, "ray-x")
    assert info.value.code == "Throttling.User" and info.value.status == 400
    assert len(emulator.journal("DeleteRayCluster")) > FAST.max_attempts
    assert FAST.deadline - FAST.cap <= clock.slept <= FAST.deadline


def test_persistent_drop_gives_transport_error(api: RayClusterApi, emulator: Emulator) -> None:
    emulator.set_faults([fault("GetRayCluster", "drop")])
    with pytest.raises(TransportError) as info:
        api.get(WS, "ray-x")
    assert info.value.status is None and info.value.operation == "GetRayCluster"
    assert len(emulator.journal("GetRayCluster")) == FAST.max_attempts


def test_connection_refused_gives_transport_error(emulator: Emulator) -> None:
    settings = ClientSettings("id", "secret", endpoint="http://127.0.0.1:9")  # discard port: nobody listens
    with RayClusterApi.from_settings(settings, retry=FAST) as api, pytest.raises(TransportError) as info:
        api.get(WS, "ray-x")
    assert "ConnectError" in str(info.value)


# -- retries ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["Throttling.User", "ServiceUnavailable", "drop", "InternalError"])
def test_two_faults_then_success(api: RayClusterApi, emulator: Emulator, kind: str) -> None:
    cluster_id = api.create(WS, BODY)
    emulator.reset()
    emulator.set_faults([fault("GetRayCluster", kind, count=2)])
    assert api.get(WS, cluster_id).cluster_id == cluster_id
    entries = emulator.journal("GetRayCluster")
    assert len(entries) == 3
    assert [e["fault"] is not None for e in entries] == [True, True, False]
    # Accepted after faults: each attempt was re-signed (the emulator refuses a reused nonce).
    assert entries[-1]["status"] == 200 and entries[-1]["code"] is None


@pytest.mark.parametrize("action", ["UpdateRayCluster", "DeleteRayCluster", "StopRayCluster"])
def test_mutations_other_than_create_are_retried(api: RayClusterApi, emulator: Emulator, action: str) -> None:
    cluster_id = api.create(WS, BODY)
    emulator.force_state(cluster_id, "Running")
    emulator.set_faults([fault(action, "ServiceUnavailable", count=1)])
    {
        "UpdateRayCluster": lambda: api.update(WS, cluster_id, {"description": "x"}),
        "DeleteRayCluster": lambda: api.delete(WS, cluster_id),
        "StopRayCluster": lambda: api.stop(WS, cluster_id),
    }[action]()
    assert [e["status"] for e in emulator.journal(action)] == [503, 200]


def test_retry_after_is_honoured(api: RayClusterApi, emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    cluster_id = api.create(WS, BODY)
    emulator.set_faults([fault("GetRayCluster", "Throttling.User", count=1, retryAfterMs=400)])
    caplog.set_level(logging.INFO, logger="provider.api")
    started = time.monotonic()
    api.get(WS, cluster_id)
    elapsed = time.monotonic() - started
    first, second = emulator.journal("GetRayCluster")
    assert first["code"] == "Throttling.User" and second["status"] == 200
    assert retry_sleeps(caplog) == [0.4]  # the server's hint, not FAST's jittered backoff (at most 0.01 s)
    assert second["time"] - first["time"] >= 0.4 and elapsed >= 0.4  # lower bounds: the sleep happened


def test_retry_after_longer_than_the_deadline_gives_up_at_once(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    policy = RetryPolicy(max_attempts=5, initial=0.01, cap=0.05, deadline=1.0)
    emulator.set_faults([fault("GetRayCluster", "Throttling.User", retryAfterMs=5000)])
    caplog.set_level(logging.INFO, logger="provider.api")
    with make_api(emulator, retry=policy) as api, pytest.raises(ThrottledError) as info:
        api.get(WS, "ray-x")
    assert info.value.retry_after == 5.0
    assert retry_sleeps(caplog) == []  # "at once": no sleep was even started (each is logged before it begins)
    assert len(emulator.journal("GetRayCluster")) == 1


def test_deadline_bounds_the_whole_call(emulator: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    # A clock that moves only when the client sleeps: the bound holds whatever the machine's load (no wall time).
    policy = RetryPolicy(max_attempts=1000, initial=0.05, cap=0.1, deadline=0.6)
    clock = FakeClock()
    emulator.set_faults([fault("GetRayCluster", "ServiceUnavailable")])
    caplog.set_level(logging.INFO, logger="provider.api")
    api_under_test = make_api(emulator, retry=policy, clock=clock.monotonic, sleep=clock.sleep, pacer=UNPACED)
    with api_under_test as api, pytest.raises(ServerError):
        api.get(WS, "ray-x")
    sleeps = retry_sleeps(caplog)
    attempts = len(emulator.journal("GetRayCluster"))
    assert attempts == len(sleeps) + 1 and 1 < attempts < 1000  # it stopped retrying long before max_attempts
    # No retry starts unless its sleep ends before the deadline, so the sleeps alone never add up to it
    # (without the deadline, ~1000 sleeps of up to 0.1 s would be ~50 s); the time the attempts take counts too.
    assert sum(sleeps) < policy.deadline and clock.slept == pytest.approx(sum(sleeps))


def test_read_timeout_is_retried_for_get(emulator: Emulator) -> None:
    emulator.set_faults([fault("GetRayCluster", "slow", count=1, delayMs=800)])
    with make_api(emulator, timeout=httpx.Timeout(0.3)) as api, pytest.raises(NotFoundError):
        api.get(WS, "ray-x")  # the retry reaches the handler, which says not found
    # The slow first attempt is journaled when the emulator finishes it.
    wait_for(lambda: len(emulator.journal("GetRayCluster")) >= 2, "the slow attempt in the journal")
    entries = emulator.journal("GetRayCluster")
    assert len(entries) == 2 and [e["fault"] is not None for e in entries].count(True) == 1


def test_retries_are_logged_without_secrets(
    emulator: Emulator, make_emulator, caplog: pytest.LogCaptureFixture
) -> None:
    secret, token = "private-secret-9f8e7d", "private-sts-token-6c5b4a"
    emu = make_emulator(access_key_secret=secret, security_token=token)
    caplog.set_level(logging.DEBUG)
    with make_api(emu) as api:
        emu.set_faults([fault("GetRayCluster", "Throttling.User", count=1)])
        with pytest.raises(NotFoundError) as info:
            api.get(WS, "ray-x")
        text = f"{caplog.text}\n{info.value}\n{info.value!r}\n{api!r}"
    retries = [r for r in caplog.records if r.name == "provider.api" and "retrying" in r.getMessage()]
    assert len(retries) == 1 and "Throttling.User" in retries[0].getMessage()
    assert retries[0].levelno == logging.INFO
    assert emu.journal("GetRayCluster")[-1]["status"] == 404  # the STS-signed request was accepted
    assert secret not in text and token not in text


# -- create safety ------------------------------------------------------------------------------------


def test_lost_response_on_create_is_ambiguous_and_never_repeated(api: RayClusterApi, emulator: Emulator) -> None:
    emulator.set_faults([fault("CreateRayCluster", "lost-response", count=1)])
    with pytest.raises(AmbiguousCreateError) as info:
        api.create(WS, BODY)
    assert info.value.operation == "CreateRayCluster" and info.value.cause is not None
    assert [c["name"] for c in emulator.clusters()] == ["analytics"]  # applied exactly once
    assert len(emulator.journal("CreateRayCluster")) == 1


def test_dropped_create_is_ambiguous_too(api: RayClusterApi, emulator: Emulator) -> None:
    """From the client's side a drop looks like a lost response: it must not guess."""
    emulator.set_faults([fault("CreateRayCluster", "drop", count=1)])
    with pytest.raises(AmbiguousCreateError):
        api.create(WS, BODY)
    assert emulator.clusters() == []
    assert len(emulator.journal("CreateRayCluster")) == 1


def test_5xx_on_create_is_ambiguous(api: RayClusterApi, emulator: Emulator) -> None:
    emulator.set_faults([fault("CreateRayCluster", "ServiceUnavailable", count=1)])
    with pytest.raises(AmbiguousCreateError) as info:
        api.create(WS, BODY)
    assert info.value.status == 503 and info.value.code == "ServiceUnavailable"
    assert isinstance(info.value.cause, ServerError)
    assert len(emulator.journal("CreateRayCluster")) == 1


def test_read_timeout_on_create_is_ambiguous(emulator: Emulator) -> None:
    emulator.set_faults([fault("CreateRayCluster", "slow", count=1, delayMs=600)])
    with make_api(emulator, timeout=httpx.Timeout(0.2)) as api, pytest.raises(AmbiguousCreateError) as info:
        api.create(WS, BODY)
    assert "ReadTimeout" in str(info.value)
    wait_for(emulator.clusters, "the emulator to finish the slow create")  # after we gave up on it
    assert len(emulator.clusters()) == 1
    assert len(emulator.journal("CreateRayCluster")) == 1


def test_throttled_create_is_retried(api: RayClusterApi, emulator: Emulator) -> None:
    emulator.set_faults([fault("CreateRayCluster", "Throttling.User", count=2)])
    cluster_id = api.create(WS, BODY)
    assert [c["clusterId"] for c in emulator.clusters()] == [cluster_id]
    assert [e["status"] for e in emulator.journal("CreateRayCluster")] == [400, 400, 200]


class RefuseFirstConnects(httpx.BaseTransport):
    """Raises ConnectError for the first N requests, then forwards to a real transport.

    A mock because the emulator cannot refuse a TCP connect on demand while staying up; the
    requests that do go through hit the real emulator.
    """

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.refusals > 0:
            self.refusals -= 1
            raise httpx.ConnectError("connection refused (simulated)", request=request)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def test_connect_error_on_create_is_retried(emulator: Emulator) -> None:
    with make_api(emulator, transport=RefuseFirstConnects(2)) as api:
        cluster_id = api.create(WS, BODY)
    assert [c["clusterId"] for c in emulator.clusters()] == [cluster_id]
    assert len(emulator.journal("CreateRayCluster")) == 1


def test_endpoint_with_plain_http_off_loopback_is_refused() -> None:
    with pytest.raises(EndpointError):
        RayClusterApi.from_settings(ClientSettings("id", "secret", endpoint="http://192.0.2.10:8080"))


def test_keep_alive_survives_an_emulator_restart(make_emulator) -> None:
    emu = make_emulator()
    with make_api(emu) as api:
        cluster_id = api.create(WS, BODY)
        emu.restart()  # the pooled connection is now dead; the next call must still work
        assert api.get(WS, cluster_id).cluster_id == cluster_id


def test_api_error_is_the_common_base(api: RayClusterApi) -> None:
    with pytest.raises(ApiError):
        api.get(WS, "ray-missing")


def test_static_credentials_object_can_be_passed_directly(emulator: Emulator) -> None:
    creds = StaticCredentials(Credentials(emulator.access_key_id, emulator.access_key_secret))
    with RayClusterApi(emulator.url, creds, retry=FAST) as api:
        assert api.create(WS, BODY).startswith("ray-")
