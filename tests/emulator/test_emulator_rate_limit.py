"""Quotas (`--rate-limit ACTION=N/s|N/min`, `rateLimits`): Throttling.User with x-acs-retry-after beyond N.

Through real HTTP with the official SDK. No test waits for a window to pass by the clock: the HTTP tests use
per-minute limits (a window cannot expire during a test), the window arithmetic is checked on the RateLimiter with
an injected clock, and the one test that lets a slot free waits exactly the retry-after the emulator gave.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from darabonba.policy.retry import RetryOptions

from emulator.cli import parse_args
from emulator.quota import Limit, RateLimiter, check_rate_limits
from harness.emulator import PROJECT_ROOT, Emulator
from harness.waiting import wait_for

WS = "w-quota"
MINUTE_MS = 60_000
FLOW_CONTROL = "Request was denied due to user flow control."


@pytest.fixture
def limited(emulator: Emulator) -> Iterator[Emulator]:
    """The session emulator; its quotas removed afterwards (the shared fixture resets the rest of the config)."""
    yield emulator
    emulator.configure(rateLimits=None)


def _list(client: Any) -> Any:
    return client.list_ray_cluster(WS, m.ListRayClusterRequest())


def _get(client: Any, cluster_id: str = "ray-missing") -> Any:
    return client.get_ray_cluster(WS, cluster_id)


def _create(client: Any) -> str:
    return str(client.create_ray_cluster(WS, m.CreateRayClusterRequest(name="q")).body.cluster_id)


def _outcomes(emulator: Emulator, action: str) -> list[tuple[int, str | None, str | None]]:
    return [(e["status"], e["code"], e["fault"]) for e in emulator.journal(action)]


# -- through the SDK ---------------------------------------------------------------------------------------------


def test_fourth_call_within_a_minute_of_a_3_per_minute_quota_is_throttled(limited: Emulator) -> None:
    limited.configure(rateLimits={"ListRayCluster": "3/min"})
    client = limited.sdk()
    for _ in range(3):
        _list(client)
    with pytest.raises(ThrottlingException) as err:  # the SDK's class for an answer with x-acs-retry-after
        _list(client)
    assert err.value.code == "Throttling.User" and err.value.status_code == 400
    assert 0 < err.value.retry_after <= MINUTE_MS
    assert FLOW_CONTROL in err.value.message
    assert _outcomes(limited, "ListRayCluster") == [(200, None, None)] * 3 + [(400, "Throttling.User", "rate-limit")]


def test_the_throttled_answer_on_the_wire(limited: Emulator) -> None:
    limited.configure(rateLimits={"GetRayCluster": "1/min"})
    path = f"/api/v1/workspaces/{WS}/rayCluster/ray-missing"
    first = limited.http.send(limited.signed_request("GET", path, "GetRayCluster"))
    assert first.status_code == 404  # admitted (and counted) even though the cluster does not exist
    answer = limited.http.send(limited.signed_request("GET", path, "GetRayCluster"))
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json;charset=utf-8"
    retry_after = answer.headers["x-acs-retry-after"]
    assert retry_after.isdigit() and 0 < int(retry_after) <= MINUTE_MS
    body = answer.json()
    assert body == {"requestId": answer.headers["x-acs-request-id"], "code": "Throttling.User", "message": FLOW_CONTROL}
    (_, throttled) = limited.journal("GetRayCluster")
    assert throttled["requestId"] == body["requestId"] and throttled["status"] == 400


def test_each_action_has_its_own_window(limited: Emulator) -> None:
    limited.configure(rateLimits={"ListRayCluster": "1/min", "GetRayCluster": "1/min"})
    client = limited.sdk()
    _list(client)
    with pytest.raises(ClientException) as err:
        _get(client)
    assert err.value.code == "RayClusterNotFound"  # Get's window is not List's
    for call in (_list, _get):
        with pytest.raises(ThrottlingException):
            call(client)
    created = [_create(client) for _ in range(5)]  # no limit for CreateRayCluster
    assert len(created) == 5
    assert [e["status"] for e in limited.journal("ListRayCluster")] == [200, 400]
    assert [e["status"] for e in limited.journal("GetRayCluster")] == [404, 400]


def test_star_limits_every_action_in_its_own_window_and_an_own_limit_wins(limited: Emulator) -> None:
    limited.configure(rateLimits={"*": "1/min", "GetRayCluster": "2/min"})
    client = limited.sdk()
    cluster_id = _create(client)
    _list(client)
    for call in (_create, _list):
        with pytest.raises(ThrottlingException):
            call(client)
    _get(client, cluster_id)
    _get(client, cluster_id)
    with pytest.raises(ThrottlingException):
        _get(client, cluster_id)
    client.delete_ray_cluster(WS, cluster_id)  # 1/min from "*" too, but its own window: admitted
    with pytest.raises(ThrottlingException):
        client.delete_ray_cluster(WS, cluster_id)
    assert [e["status"] for e in limited.journal()] == [200, 200, 400, 400, 200, 200, 400, 200, 400]


def test_a_refused_request_is_not_counted_and_honouring_retry_after_gets_through(limited: Emulator) -> None:
    limited.configure(rateLimits={"ListRayCluster": "1/s"})
    client = limited.sdk()

    def refused() -> ThrottlingException | None:
        try:
            _list(client)  # the window is one second: on a slow machine a call may land after it and pass
        except ThrottlingException as err:
            return err
        return None

    retry_after = wait_for(refused, "a ListRayCluster refused by the 1/s quota").retry_after
    assert 0 < retry_after <= 1000
    time.sleep(retry_after / 1000)  # honour it: the slot it names is free by then (the refusal took none)
    assert _list(client).status_code == 200
    # The SDK's own retry honours x-acs-retry-after too (delay = min(retry_after, maxDelay)): whether this call is
    # refused first or not, a retrying client gets through.
    retrying = limited.sdk(
        retry_options=RetryOptions(
            {"retryable": True, "retryCondition": [{"maxAttempts": 2, "errorCode": ["Throttling.User"]}]}
        )
    )
    assert _list(retrying).status_code == 200
    statuses = [e["status"] for e in limited.journal("ListRayCluster")]
    assert statuses[-1] == 200 and 400 in statuses


def test_an_admitted_request_counts_whatever_the_faults_do_and_a_refused_one_draws_no_fault(limited: Emulator) -> None:
    limited.configure(rateLimits={"ListRayCluster": "1/min"})
    limited.set_faults([{"action": "ListRayCluster", "kind": "InternalError", "count": 2}])
    client = limited.sdk()
    with pytest.raises(ServerException):
        _list(client)  # admitted by the quota, then failed by the fault
    with pytest.raises(ThrottlingException):
        _list(client)  # the quota comes first: no fault drawn
    assert limited.faults()["rules"][0]["count"] == 1
    assert _outcomes(limited, "ListRayCluster") == [
        (500, "InternalError", "InternalError"),
        (400, "Throttling.User", "rate-limit"),
    ]


def test_a_request_failing_authentication_is_not_counted(limited: Emulator) -> None:
    limited.configure(rateLimits={"GetRayCluster": "1/min"})
    with pytest.raises(ClientException) as err:
        _get(limited.sdk(access_key_secret="wrong"))
    assert err.value.code == "SignatureDoesNotMatch"
    client = limited.sdk()
    with pytest.raises(ClientException) as err:
        _get(client)
    assert err.value.code == "RayClusterNotFound"
    with pytest.raises(ThrottlingException):
        _get(client)


# -- the config API ----------------------------------------------------------------------------------------------


def test_patch_config_sets_shows_and_clears_the_limits(limited: Emulator) -> None:
    assert limited.config()["rateLimits"] == {}
    limited.configure(rateLimits={"ListRayCluster": "20/s", "*": "0200/min"})
    assert limited.config()["rateLimits"] == {"ListRayCluster": "20/s", "*": "200/min"}
    limited.configure(startupSeconds=0.3)  # a patch without rateLimits leaves them
    assert limited.config()["rateLimits"] == {"ListRayCluster": "20/s", "*": "200/min"}
    limited.configure(rateLimits={"GetRayCluster": "1/min"})  # the map replaces the previous one
    assert limited.config()["rateLimits"] == {"GetRayCluster": "1/min"}
    client = limited.sdk()
    with pytest.raises(ClientException):
        _get(client)
    with pytest.raises(ThrottlingException):
        _get(client)
    limited.configure(rateLimits={})
    assert limited.config()["rateLimits"] == {}
    with pytest.raises(ClientException) as err:
        _get(client)
    assert err.value.code == "RayClusterNotFound"
    limited.configure(rateLimits={"GetRayCluster": "1/min"})
    limited.configure(rateLimits=None)  # null clears too
    assert limited.config()["rateLimits"] == {}


def test_setting_limits_or_reset_empties_the_windows(limited: Emulator) -> None:
    limited.configure(rateLimits={"ListRayCluster": "1/min"})
    client = limited.sdk()
    _list(client)
    with pytest.raises(ThrottlingException):
        _list(client)
    limited.configure(rateLimits={"ListRayCluster": "1/min"})  # the same limit again: a fresh window
    _list(client)
    with pytest.raises(ThrottlingException):
        _list(client)
    limited.reset()  # the windows go with the journal; the limits stay
    assert limited.config()["rateLimits"] == {"ListRayCluster": "1/min"}
    _list(client)
    with pytest.raises(ThrottlingException):
        _list(client)


@pytest.mark.parametrize(
    "limits",
    [
        {"ListRayCluster": "0/s"},
        {"ListRayCluster": "100001/s"},
        {"ListRayCluster": "-1/s"},
        {"ListRayCluster": "1.5/s"},
        {"ListRayCluster": "3/hour"},
        {"ListRayCluster": "3"},
        {"ListRayCluster": " 3/s"},
        {"ListRayCluster": 3},
        {"ListRayClusters": "3/s"},
        {"": "3/s"},
        ["ListRayCluster=3/s"],
    ],
)
def test_patch_config_refuses_a_bad_limit_and_changes_nothing(limited: Emulator, limits: Any) -> None:
    limited.configure(rateLimits={"GetRayCluster": "5/min"}, stopSeconds=0.5)
    answer = limited.http.patch("/_emulator/config", json={"rateLimits": limits, "stopSeconds": 9})
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidParameter" and "rateLimits" in answer.json()["message"]
    assert limited.config()["rateLimits"] == {"GetRayCluster": "5/min"} and limited.config()["stopSeconds"] == 0.5


# -- the command line --------------------------------------------------------------------------------------------


def test_rate_limit_flags(make_emulator: Any) -> None:
    emu = make_emulator(rate_limit=["ListRayCluster=2/min", "*=5/min", "ListRayCluster=1/min"])
    assert emu.config()["rateLimits"] == {"ListRayCluster": "1/min", "*": "5/min"}  # a later flag wins
    client = emu.sdk()
    _list(client)
    with pytest.raises(ThrottlingException):
        _list(client)
    emu.configure(rateLimits=None)
    _list(client)


@pytest.mark.parametrize(
    ("flag", "message"),
    [
        ("ListRayCluster", "--rate-limit must be ACTION=N/s or ACTION=N/min"),
        ("ListRayCluster=3/hour", "the rate limit of ListRayCluster must be N/s or N/min"),
        ("ListRayCluster=0/min", "the rate limit of ListRayCluster must be N/s or N/min"),
        ("Nope=3/s", "a rate limit names an action"),
    ],
)
def test_a_bad_rate_limit_flag_is_one_line_of_error(
    capsys: pytest.CaptureFixture[str], flag: str, message: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(["--db", "x.db", "--rate-limit", flag])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("python -m emulator: error: argument --rate-limit: ") and message in error


def test_the_emulator_process_exits_2_on_a_bad_rate_limit(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "emulator", "--db", str(tmp_path / "e.db"), "--rate-limit", "GetRayCluster=5/hour"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2 and done.stdout == ""
    assert "error: argument --rate-limit: the rate limit of GetRayCluster must be" in done.stderr
    assert not (tmp_path / "e.db").exists()


# -- the sliding window, on an injected clock --------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_frees_a_slot_when_the_oldest_admitted_request_leaves_it() -> None:
    clock = _Clock()
    limiter = RateLimiter(check_rate_limits({"ListRayCluster": "3/min"}), clock=clock)
    for at in (0.0, 10.0, 20.0):
        clock.now = 1000.0 + at
        assert limiter.admit("ListRayCluster") is None
    clock.now = 1030.0
    assert limiter.admit("ListRayCluster") == 30_000  # the one of t=0 leaves at t=60
    clock.now = 1059.9995
    assert limiter.admit("ListRayCluster") == 1  # rounded up, never 0
    clock.now = 1060.0
    assert limiter.admit("ListRayCluster") is None  # refused ones took no slot: t=0's slot is free
    clock.now = 1061.0
    assert limiter.admit("ListRayCluster") == 9_000  # now t=10 is the oldest
    assert limiter.admit("GetRayCluster") is None  # no limit for it


def test_per_second_windows_star_and_forgetting() -> None:
    clock = _Clock()
    limiter = RateLimiter({"*": Limit(2, "s"), "GetRayCluster": Limit(1, "min")}, clock=clock)
    assert [limiter.admit("ListRayCluster") for _ in range(3)] == [None, None, 1000]
    assert [limiter.admit("CreateRayCluster") for _ in range(3)] == [None, None, 1000]  # its own window
    assert [limiter.admit("GetRayCluster") for _ in range(2)] == [None, 60_000]
    clock.now += 0.25
    assert limiter.admit("ListRayCluster") == 750
    limiter.forget()
    assert limiter.admit("ListRayCluster") is None and limiter.admit("GetRayCluster") is None
    limiter.replace({})
    assert all(limiter.admit("GetRayCluster") is None for _ in range(10))


def test_concurrent_callers_get_exactly_the_quota() -> None:
    limiter = RateLimiter({"GetRayCluster": Limit(250, "min")}, clock=_Clock())  # the clock stands still
    results: list[int | None] = []
    lock = threading.Lock()

    def hammer() -> None:
        mine = [limiter.admit("GetRayCluster") for _ in range(100)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(None) == 250 and len(results) == 800
