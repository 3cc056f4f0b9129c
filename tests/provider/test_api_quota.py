"""Under the account's API quota: throttled creates and previews all succeed, and the pacing is what it is set to.

Through the real provider server against an emulator that plays the quota (`--rate-limit`: a sliding window per
action, `Throttling.User` with `x-acs-retry-after` beyond it, see emulator/README.md). Where a test must see the
retries at work, the provider's own pacing is turned off (`emr:apiRateLimit: off`), so that it sends faster than
the quota and is refused; the unit tests of the rules themselves are in tests/client/test_client_throttling.py.
"""

from __future__ import annotations

import itertools
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from alibabacloud_emr_serverless_spark20230808 import models

from harness.emulator import Emulator
from harness.engine import ProviderError, ProviderServer
from provider.client.pacing import CONFIG_KEY, RATE_LIMIT_ENV
from provider.resource import RayClusterProvider
from tests.support.paths import ROOT
from tests.support.provider_server import WORKSPACE, Engine, private_engine, provider_config, small_cluster

CREATES = 50
PREVIEWS = 100
QUOTA = ["ListRayCluster=20/s", "CreateRayCluster=20/s"]


def refused(emulator: Emulator, action: str) -> int:
    return sum(e["fault"] == "rate-limit" for e in emulator.journal(action))


def test_fifty_creates_over_a_20_per_second_quota_all_succeed_without_a_duplicate(make_emulator) -> None:
    emulator = make_emulator(rate_limit=QUOTA)
    names = [f"q-{i:02d}" for i in range(CREATES)]

    with private_engine(emulator, config={**provider_config(emulator), CONFIG_KEY: "off"}) as engine:

        def create(name: str) -> str:
            cluster_id, outputs = Engine(engine.server, engine.provider, name).up_create(small_cluster(name=name))
            assert outputs["state"] == "Running"
            return cluster_id

        with ThreadPoolExecutor(CREATES) as pool:
            ids = list(pool.map(create, names))

    assert refused(emulator, "CreateRayCluster") > 0  # the quota was hit: the retries were needed
    assert len(set(ids)) == CREATES
    assert Counter(c["name"] for c in emulator.clusters()) == Counter(names)  # 0 duplicates, none missing
    applied = [e for e in emulator.journal("CreateRayCluster") if e["status"] == 200]
    assert len(applied) == CREATES


def test_a_preview_over_the_get_quota_reads_every_cluster(make_emulator) -> None:
    emulator = make_emulator(rate_limit=["GetRayCluster=20/s"])
    client = emulator.sdk()
    head = models.CreateRayClusterRequestHeadSpec(cpu="2", memory="8Gi")
    requests = [models.CreateRayClusterRequest(name=f"p-{i}", head_spec=head) for i in range(PREVIEWS)]
    ids = [str(client.create_ray_cluster(WORKSPACE, request).body.cluster_id) for request in requests]
    declared = {"workspaceId": WORKSPACE, "headSpec": {"cpu": 2, "memory": "8Gi"}}

    with private_engine(emulator, config={**provider_config(emulator), CONFIG_KEY: "off"}) as engine:

        def preview(index: int) -> str:
            resource = Engine(engine.server, engine.provider, f"p-{index}")
            state = {**declared, "name": f"p-{index}", "clusterId": ids[index]}
            return str(resource.preview(ids[index], state, {**declared, "name": f"p-{index}"}).changes)

        with ThreadPoolExecutor(16) as pool:
            changes = list(pool.map(preview, range(PREVIEWS)))

    assert refused(emulator, "GetRayCluster") > 0
    assert changes == ["DIFF_NONE"] * PREVIEWS
    assert len([e for e in emulator.journal("GetRayCluster") if e["status"] == 200]) == PREVIEWS


def test_the_configured_rate_spaces_the_calls_of_one_action(make_emulator) -> None:
    emulator = make_emulator()
    with private_engine(emulator, config={**provider_config(emulator), CONFIG_KEY: "GetRayCluster=10/s"}) as engine:

        def read(index: int) -> None:
            resource = Engine(engine.server, engine.provider, f"r-{index}")
            resource.refresh(f"ray-missing-{index}", {**small_cluster(name=f"r-{index}")})

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(read, range(8)))

    times = sorted(e["time"] for e in emulator.journal("GetRayCluster"))
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 8 and min(gaps) >= 0.09, gaps  # one every 100 ms (a lower bound: the pacing's own)


@pytest.mark.parametrize(("where", "value"), [("config", "lots"), ("env", "20/hour")])
def test_a_bad_rate_limit_fails_the_first_call_in_one_line_naming_the_setting(
    emulator: Emulator, where: str, value: str
) -> None:
    config = provider_config(emulator)
    env = {RATE_LIMIT_ENV: value} if where == "env" else {}
    if where == "config":
        config[CONFIG_KEY] = value
    named = CONFIG_KEY if where == "config" else RATE_LIMIT_ENV

    # The SDK's server runs configure() on the first call that unpickles the provider: here Check.
    with ProviderServer(ROOT, env=env) as server, pytest.raises(ProviderError) as failed:
        server.configure(config)
        Engine(server, RayClusterProvider()).check(small_cluster())

    assert failed.value.message.endswith(
        f"{named}: {value!r} is not a rate limit; write N/s or N/min, per action Action=N/s joined by commas, "
        'or "off" (e.g. "20/s" or "ListRayCluster=5/s,GetRayCluster=50/s")'
    )
    assert emulator.journal() == []
