"""No ordinary action deletes a cluster another resource manages (issue 17), played through the real provider
server: A creates, B adopts (the owner mark moves), A's delete forgets instead of deleting, B's destroy deletes.
Once with one provider process for both resources (one `pulumi up`), once with a second process (a later one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderError, ProviderServer
from tests.support.paths import ROOT
from tests.support.provider_server import Engine, provider_config, small_cluster

OWNER_A, OWNER_B = "ray-clusters/dev/analytics", "ray-clusters/dev/analytics-v2"


@pytest.fixture
def second_server(emulator: Emulator) -> Iterator[ProviderServer]:
    with ProviderServer(ROOT) as server:
        server.configure(provider_config(emulator), secret_keys=["alicloud:secretKey"])
        yield server


def _description(emulator: Emulator, cluster_id: str) -> str:
    (cluster,) = [c for c in emulator.clusters() if c["clusterId"] == cluster_id]
    return str(cluster["description"])


@pytest.mark.parametrize("processes", ["one", "two"])
def test_adopted_cluster_survives_the_old_resources_delete(
    provider_server: ProviderServer, provider: Any, emulator: Emulator, request: pytest.FixtureRequest, processes: str
) -> None:
    a = Engine(provider_server, provider, "analytics")
    b_server = provider_server if processes == "one" else request.getfixturevalue("second_server")
    b = Engine(b_server, provider, "analytics-v2")

    cluster_id, a_outputs = a.up_create(small_cluster(owner=OWNER_A))
    assert _description(emulator, cluster_id).endswith(f"[owner {OWNER_A}]")
    emulator.reset()

    b_id, b_outputs = b.up_create(small_cluster(owner=OWNER_B, adoptClusterId=cluster_id))
    assert b_id == cluster_id
    assert _description(emulator, cluster_id).endswith(f"[owner {OWNER_B}]")  # the ownership moved
    assert b_server.wait_for_stderr(f"ownership moves from {OWNER_A} to {OWNER_B}")
    emulator.reset()

    a.destroy(cluster_id, a_outputs)

    assert provider_server.wait_for_stderr(
        f"analytics ({cluster_id}): not deleted: the cluster is now managed by analytics-v2 (adopted); "
        "Pulumi forgets it here"
    )
    assert emulator.journal("DeleteRayCluster") == []
    assert _description(emulator, cluster_id).endswith(f"[owner {OWNER_B}]")
    assert b.preview(cluster_id, b_outputs, small_cluster(owner=OWNER_B, adoptClusterId=cluster_id)).changes == (
        "DIFF_NONE"
    )

    b.destroy(cluster_id, b_outputs)

    assert len(emulator.journal("DeleteRayCluster")) == 1
    assert [c for c in emulator.clusters() if c["clusterId"] == cluster_id] == []


def test_adopting_a_console_cluster_writes_nothing(engine: Engine, emulator: Emulator) -> None:
    cluster_id, _ = engine.up_create(small_cluster())  # no owner: as made outside this provider's marks
    emulator.reset()

    engine.up_create(small_cluster(owner=OWNER_B, adoptClusterId=cluster_id))

    assert emulator.journal("UpdateRayCluster") == []


def test_a_create_refused_for_a_renamed_entry_says_aliases(engine: Engine, emulator: Emulator) -> None:
    engine.up_create(small_cluster(owner=OWNER_A))
    renamed = Engine(engine.server, engine.provider, "analytics-v2")

    emulator.reset()

    with pytest.raises(
        ProviderError, match=r"if this entry was renamed from 'analytics', add `aliases: \[analytics\]`"
    ):
        renamed.up_create(small_cluster(owner=OWNER_B))

    assert emulator.journal("CreateRayCluster") == []


def test_the_owner_mark_is_no_change_and_old_state_without_it_still_deletes(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outputs = engine.up_create(small_cluster(owner=OWNER_A))

    assert engine.preview(cluster_id, outputs, small_cluster(owner=OWNER_A)).changes == "DIFF_NONE"
    # The program's identity is no declaration: a resource that gains one (an upgrade) previews no change.
    assert engine.preview(cluster_id, outputs, small_cluster(owner=OWNER_B)).changes == "DIFF_NONE"

    engine.destroy(cluster_id, {k: v for k, v in outputs.items() if k != "owner"})
    assert len(emulator.journal("DeleteRayCluster")) == 1
