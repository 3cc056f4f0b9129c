"""Many creates in one `pulumi up` share the workspace's listing, and still never duplicate a cluster.

Through the real provider server (one process, as the engine starts it for a deployment) against a private emulator
whose workspace already holds M clusters: N creates sent together, as the engine does with --parallel. The
emulator's journal counts the ListRayCluster calls; the aim (issue 18) is at most N + ceil(M / 100), where one
lookup per create on its own costs N x (M // 100 + 1). The latency makes a sweep of the pages take a while, as on
the real service, so that creates arrive while one runs (the case the sharing is for); the exact interleavings are
tested step by step in tests/unit/test_shared_listing.py.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderError
from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings
from provider.client.pacing import UNPACED
from provider.schema.spec import check_inputs
from tests.support.provider_server import WORKSPACE, Engine, private_engine, small_cluster

PRESENT = 250  # M: three pages of 100
CREATES = 20  # N
LATENCY_MS = 50
PAGE = 100


def fill(emulator: Emulator, names: list[str]) -> None:
    """Create clusters directly (not through the provider): what other stacks and people made before."""
    settings = ClientSettings(emulator.access_key_id, emulator.access_key_secret, endpoint=emulator.url)
    model, failures = check_inputs(small_cluster())
    assert model is not None, failures
    with RayClusterApi.from_settings(settings, pacer=UNPACED) as api, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: api.create(WORKSPACE, {**model.api_body(), "name": name}), names))


def create_all(engine: Engine, names: list[str]) -> list[tuple[str, Any]]:
    """Check + Create of every name at once, like the engine's parallel walk: (name, cluster id or the error)."""

    def one(name: str) -> tuple[str, Any]:
        resource = Engine(engine.server, engine.provider, name)
        try:
            return name, resource.up_create(small_cluster(name=name))[0]
        except ProviderError as error:
            return name, error

    with ThreadPoolExecutor(len(names)) as pool:
        return list(pool.map(one, names))


@pytest.fixture
def full_workspace(make_emulator) -> Emulator:
    emulator = make_emulator()
    fill(emulator, [f"other-{i:03d}" for i in range(PRESENT)])
    emulator.reset()  # journal only
    emulator.set_faults([], latency_ms=LATENCY_MS)
    return emulator


def test_concurrent_creates_share_sweeps_within_the_bound_and_make_no_duplicate(full_workspace: Emulator) -> None:
    names = [f"new-{i:02d}" for i in range(CREATES)]

    with private_engine(full_workspace) as engine:
        results = create_all(engine, names)

    assert [name for name, outcome in results if isinstance(outcome, ProviderError)] == []
    lists = len(full_workspace.journal("ListRayCluster"))
    alone = CREATES * (PRESENT // PAGE + 1)  # every create sweeping on its own (0.2.0): 80
    assert lists <= CREATES + math.ceil(PRESENT / PAGE), f"{lists} ListRayCluster calls (alone: {alone})"
    stored = Counter(c["name"] for c in full_workspace.clusters())
    assert all(stored[name] == 1 for name in names) and len(stored) == PRESENT + CREATES
    assert len(full_workspace.journal("CreateRayCluster")) == CREATES


def test_a_namesake_among_many_creates_is_still_refused(full_workspace: Emulator) -> None:
    names = [f"new-{i:02d}" for i in range(CREATES)] + ["other-123"]  # made before by someone else

    with private_engine(full_workspace) as engine:
        outcomes = dict(create_all(engine, names))

    refused = outcomes.pop("other-123")
    assert isinstance(refused, ProviderError) and "already has a cluster named 'other-123'" in refused.message
    assert not any(isinstance(outcome, ProviderError) for outcome in outcomes.values())
    stored = Counter(c["name"] for c in full_workspace.clusters())
    assert stored["other-123"] == 1 and len(full_workspace.journal("CreateRayCluster")) == CREATES


def test_a_cluster_made_elsewhere_after_a_sweep_is_seen_by_the_next_create(full_workspace: Emulator) -> None:
    # The first create's sweep is over when another process makes "late"; a create of "late" must not trust it.
    with private_engine(full_workspace) as engine:
        create_all(engine, ["first"])
        fill(full_workspace, ["late"])
        (outcome,) = dict(create_all(engine, ["late"])).values()

    assert isinstance(outcome, ProviderError) and "already has a cluster named 'late'" in outcome.message
    assert Counter(c["name"] for c in full_workspace.clusters())["late"] == 1
