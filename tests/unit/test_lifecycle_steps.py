"""ClusterLifecycle in-process, over an in-memory API and a virtual clock: each path of a create, start/stop,
restart and delete.

Milliseconds per test: no emulator, no provider server, no real waiting. What the fake cannot show (wire
formats, signatures, the engine) is covered through the real gRPC server in tests/provider/.
"""

from __future__ import annotations

from typing import Any

import pytest

from provider.core.lifecycle import CLOCK_SKEW_MS, CREATE_ATTEMPTS, ClusterLifecycle, ClusterOperationError
from provider.schema.errors import AmbiguousCreateError, AuthError, InvalidParameterError, NotFoundError
from tests.support.in_memory_api import WORKSPACE, InMemoryClusterApi, VirtualClock, inputs


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def api(clock: VirtualClock) -> InMemoryClusterApi:
    return InMemoryClusterApi(clock)


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def lifecycle(api: InMemoryClusterApi, clock: VirtualClock, lines: list[str]) -> ClusterLifecycle:
    return ClusterLifecycle(
        api,  # type: ignore[arg-type]
        lines.append,
        sleep=clock.sleep,
        clock=clock.monotonic,
        wall_clock=clock.time,
    )


def ambiguous() -> AmbiguousCreateError:
    return AmbiguousCreateError("CreateRayCluster", message="ReadTimeout: the answer was lost")


# -- the pre-create lookup ----------------------------------------------------------------------------------


def test_a_free_name_costs_one_list_before_the_create(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    cluster = lifecycle.create(inputs())
    assert cluster.state == "Running"
    assert api.calls[:2] == ["ListRayCluster", "CreateRayCluster"] and api.calls.count("ListRayCluster") == 1


def test_a_namesake_is_refused_with_its_id_state_and_time(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    existing = api.add("analytics", "Starting")
    with pytest.raises(ClusterOperationError) as refused:
        lifecycle.create(inputs())
    text = str(refused.value)
    assert f"{existing} (Starting, created 2025-11-24T" in text and f"adoptClusterId: {existing}" in text
    assert "CreateRayCluster" not in api.calls


# -- ambiguous creates --------------------------------------------------------------------------------------


def test_ambiguous_create_found_by_name_is_not_sent_again(
    lifecycle: ClusterLifecycle, api: InMemoryClusterApi, lines: list[str]
) -> None:
    api.fail["CreateRayCluster"] = [ambiguous()]
    api.applied_even_if_failed = True
    (cluster_id,) = [lifecycle.create(inputs()).cluster_id]
    assert api.calls.count("CreateRayCluster") == 1 and cluster_id in api.clusters
    assert any(f"found {cluster_id}" in line for line in lines)


def test_ambiguous_create_not_found_is_sent_again_after_a_pause(
    lifecycle: ClusterLifecycle, api: InMemoryClusterApi, clock: VirtualClock
) -> None:
    api.fail["CreateRayCluster"] = [ambiguous(), ambiguous()]
    started = clock.now
    lifecycle.create(inputs())
    assert api.calls.count("CreateRayCluster") == 3 and len(api.clusters) == 1
    creates_and_lookups = [c for c in api.calls if c in ("CreateRayCluster", "ListRayCluster")]
    assert creates_and_lookups == ["ListRayCluster", *["CreateRayCluster", "ListRayCluster"] * 2, "CreateRayCluster"]
    assert clock.now - started >= 1.0 + 2.0  # CREATE_RETRY_DELAY x attempt, before the wait's own polls


def test_ambiguous_create_gives_up_after_its_attempts(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    api.fail["CreateRayCluster"] = [ambiguous() for _ in range(CREATE_ATTEMPTS)]
    with pytest.raises(AmbiguousCreateError):
        lifecycle.create(inputs())
    assert api.calls.count("CreateRayCluster") == CREATE_ATTEMPTS and api.clusters == {}


def test_several_namesakes_after_an_ambiguous_create_are_refused(
    lifecycle: ClusterLifecycle, api: InMemoryClusterApi
) -> None:
    api.fail["CreateRayCluster"] = [ambiguous()]
    api.applied_even_if_failed = True
    now_ms = int(api.clock.wall * 1000)
    api.listed_after_create = [
        {"clusterId": "ray-other", "name": "analytics", "state": "Starting", "createTime": now_ms}
    ]
    with pytest.raises(ClusterOperationError, match="several clusters named 'analytics'"):
        lifecycle.create(inputs())


def test_a_namesake_older_than_the_skew_bound_is_not_taken_for_ours(
    lifecycle: ClusterLifecycle, api: InMemoryClusterApi
) -> None:
    api.fail["CreateRayCluster"] = [ambiguous()]
    old_ms = int(api.clock.wall * 1000) - CLOCK_SKEW_MS - 1
    # Listed only once the create was sent (an eventually consistent list), and created long before it.
    api.listed_after_create = [{"clusterId": "ray-old", "name": "analytics", "state": "Running", "createTime": old_ms}]
    cluster = lifecycle.create(inputs())
    assert cluster.cluster_id != "ray-old" and api.calls.count("CreateRayCluster") == 2


def test_the_create_budget_stops_further_attempts(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    api.fail["CreateRayCluster"] = [ambiguous() for _ in range(CREATE_ATTEMPTS)]
    with pytest.raises(AmbiguousCreateError):
        lifecycle.create(inputs(timeouts={"create": 2.5}))  # the second pause (2 s) would end past 2.5 s
    assert api.calls.count("CreateRayCluster") == 2


# -- failed creates -----------------------------------------------------------------------------------------


def test_a_cluster_that_fails_to_start_is_deleted(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    original = api.create

    def create_failing(workspace_id: str, body: dict[str, Any]) -> str:
        cluster_id = original(workspace_id, body)
        api.clusters[cluster_id].update(script=["Starting", "Error"], message="quota exceeded")
        return cluster_id

    api.create = create_failing  # type: ignore[method-assign]
    with pytest.raises(ClusterOperationError) as failed:
        lifecycle.create(inputs())
    assert "quota exceeded" in str(failed.value) and "It was deleted" in str(failed.value)
    assert api.clusters == {} and api.calls.count("DeleteRayCluster") == 1


def test_a_failing_cleanup_says_so_and_how_to_recover(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    original = api.create

    def create_failing(workspace_id: str, body: dict[str, Any]) -> str:
        cluster_id = original(workspace_id, body)
        api.clusters[cluster_id].update(script=["Error"], message="image pull failed")
        return cluster_id

    api.create = create_failing  # type: ignore[method-assign]
    api.fail["DeleteRayCluster"] = [InvalidParameterError("DeleteRayCluster", status=400, code="InvalidState")]
    with pytest.raises(ClusterOperationError) as failed:
        lifecycle.create(inputs())
    (cluster_id,) = api.clusters
    assert "Deleting it failed too" in str(failed.value) and f"adoptClusterId: {cluster_id}" in str(failed.value)


# -- start, stop, restart -----------------------------------------------------------------------------------


def test_a_refused_start_while_already_starting_is_fine(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    cluster_id = api.add("analytics", "Stopped")
    api.fail["StartRayCluster"] = [InvalidParameterError("StartRayCluster", status=400, code="InvalidState")]
    api.clusters[cluster_id]["script"] = ["Starting", "Running"]  # someone else started it meanwhile
    cluster = lifecycle.update(cluster_id, inputs(desiredState="Running"), previous=None).cluster
    assert cluster.state == "Running"


def test_a_start_refused_for_auth_is_its_own_error_and_not_a_get_error(
    lifecycle: ClusterLifecycle, api: InMemoryClusterApi
) -> None:
    cluster_id = api.add("analytics", "Stopped")
    api.fail["StartRayCluster"] = [AuthError("StartRayCluster", status=403, code="Forbidden.RAM")]
    with pytest.raises(AuthError) as refused:
        lifecycle.update(cluster_id, inputs(desiredState="Running"), previous=None)
    assert refused.value.operation == "StartRayCluster"
    assert api.calls[-1] == "StartRayCluster"  # no GetRayCluster after the refusal: its error is the Start's


def test_pending_changes_are_restarted_when_asked(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    cluster_id = api.add("analytics", "Running", modified=True)
    cluster = lifecycle.update(cluster_id, inputs(restartOnPendingChanges=True), previous=None).cluster
    assert [c for c in api.calls if c in ("StopRayCluster", "StartRayCluster")] == ["StopRayCluster", "StartRayCluster"]
    assert cluster.state == "Running" and cluster.modified is False


def test_a_restart_cut_short_after_its_stop_is_finished(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    cluster_id = api.add("analytics", "Stopped", modified=True)
    cluster = lifecycle.update(cluster_id, inputs(restartOnPendingChanges=True), previous=None).cluster
    assert [c for c in api.calls if c in ("StopRayCluster", "StartRayCluster")] == ["StartRayCluster"]
    assert cluster.state == "Running"


def test_a_stopped_cluster_with_pending_changes_stays_stopped_when_declared(
    lifecycle: ClusterLifecycle, api: InMemoryClusterApi
) -> None:
    cluster_id = api.add("analytics", "Stopped", modified=True)
    declared = inputs(restartOnPendingChanges=True, desiredState="Stopped")
    assert lifecycle.update(cluster_id, declared, previous=None).cluster.state == "Stopped"
    assert "StartRayCluster" not in api.calls


def test_deleting_a_cluster_already_gone_is_success(lifecycle: ClusterLifecycle, api: InMemoryClusterApi) -> None:
    api.fail["DeleteRayCluster"] = [NotFoundError("DeleteRayCluster", status=404, code="RayClusterNotFound")]
    lifecycle.delete(WORKSPACE, "ray-gone", timeout=60)
    assert api.calls == ["DeleteRayCluster"]
