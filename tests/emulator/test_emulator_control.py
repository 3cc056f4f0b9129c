"""The control API itself (config, store view, forced states) and the bounded nonce memory."""

from __future__ import annotations

from alibabacloud_emr_serverless_spark20230808 import models as m

from emulator.signature import NonceCache
from harness.emulator import Emulator
from tests.support.emulator_defaults import DEFAULT_CONFIG

# What the fixture PATCHed, plus the quotas it leaves alone (none unless a test sets some and clears them again).
CONFIG = {**DEFAULT_CONFIG, "rateLimits": {}}


def test_config_get_and_patch(emulator: Emulator) -> None:
    assert emulator.config() == CONFIG  # what the fixture PATCHed, read back
    emulator.configure(stopSeconds=1.5, updateMode="restart-required")
    assert emulator.config() == {**CONFIG, "stopSeconds": 1.5, "updateMode": "restart-required"}
    bad = emulator.http.patch("/_emulator/config", json={"updateMode": "sometimes"})
    assert bad.status_code == 400 and emulator.config()["updateMode"] == "restart-required"


def test_clusters_view_and_force_state(emulator: Emulator) -> None:
    client = emulator.sdk()
    cluster_id = client.create_ray_cluster("w-a", m.CreateRayClusterRequest(name="a")).body.cluster_id
    (view,) = emulator.clusters()
    assert view["workspaceId"] == "w-a" and view["clusterId"] == cluster_id and view["submitToken"]
    emulator.force_state(cluster_id, "Stopping")
    assert client.get_ray_cluster("w-a", cluster_id).body.state == "Stopping"  # sticky, out of band
    assert emulator.http.post("/_emulator/clusters/ray-nope/state", json={"state": "Error"}).status_code == 404
    assert emulator.http.post(f"/_emulator/clusters/{cluster_id}/state", json={"state": "Weird"}).status_code == 400
    assert (
        emulator.journal()
        == [  # control calls are not journaled; the two SDK calls are
            e for e in emulator.journal() if e["action"] in ("CreateRayCluster", "GetRayCluster")
        ]
        and len(emulator.journal()) == 2
    )


def test_nonce_cache_forgets_after_the_window_and_stays_bounded() -> None:
    cache = NonceCache(window=900)
    assert cache.use("a", now=1000.0) and not cache.use("a", now=1899.0)
    assert cache.use("a", now=1900.0)  # expired from memory: the timestamp check rejects such old requests
    for i in range(1000):
        cache.use(f"n{i}", now=5000.0 + i)
    assert len(cache) <= 1000
    cache.use("late", now=10_000.0)
    assert len(cache) == 1
