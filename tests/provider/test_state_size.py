"""State that does not grow with nodes: a cluster's outputs count its nodes per phase instead of copying each one.

Pulumi rewrites the whole state on every step, so outputs that grow with a cluster's nodes slow every deployment of
a large stack (0.2.0 copied every node: ~290 bytes each). Measured through the real provider server: the outputs
the engine would store for a cluster of 2 nodes and of 42 nodes. Aim (issue 18): at most 64 bytes per extra node.
"""

from __future__ import annotations

import json
from typing import Any

from harness.emulator import Emulator
from harness.engine import revealed
from tests.support.provider_server import Engine, small_cluster

SMALL, LARGE = 1, 41  # worker replicas: 2 and 42 nodes with the head
AIM_BYTES_PER_NODE = 64


def stored_bytes(outputs: dict[str, Any]) -> int:
    """Size of the outputs as JSON (compact), the way they sit in the state file."""
    return len(json.dumps(revealed(outputs), separators=(",", ":")).encode())


def one_group(replica: int, name: str) -> dict[str, Any]:
    return small_cluster(name=name, workerSpec=[{"groupName": "w", "workerType": "CPU", "replica": replica}])


def test_outputs_grow_by_at_most_64_bytes_per_node_and_count_the_nodes(engine: Engine, emulator: Emulator) -> None:
    _, small = engine.up_create(one_group(SMALL, "size-small"))
    _, large = Engine(engine.server, engine.provider, "size-large").up_create(one_group(LARGE, "size-large"))

    per_node = (stored_bytes(large) - stored_bytes(small)) / (LARGE - SMALL)

    assert per_node <= AIM_BYTES_PER_NODE, f"{per_node:.1f} bytes of outputs per extra node"
    assert small["nodes"] == {"Running": SMALL + 1} and large["nodes"] == {"Running": LARGE + 1}
    assert "instances" not in large
    # What 0.2.0 stored instead: every node as GetRayCluster answers it (the test would catch its return).
    nodes = {c["name"]: c["instances"] for c in emulator.clusters()}
    copied = (len(json.dumps(nodes["size-large"])) - len(json.dumps(nodes["size-small"]))) / (LARGE - SMALL)
    assert copied > 4 * AIM_BYTES_PER_NODE


def test_a_refresh_of_state_written_with_every_node_drops_the_copy(engine: Engine, emulator: Emulator) -> None:
    cluster_id, outputs = engine.up_create(one_group(3, "size-old"))
    (live,) = emulator.clusters()
    old_outputs = {**{k: v for k, v in outputs.items() if k != "nodes"}, "instances": live["instances"]}

    _, refreshed, _ = engine.refresh(cluster_id, old_outputs)

    assert "instances" not in refreshed and refreshed["nodes"] == {"Running": 4}
    assert stored_bytes(refreshed) < stored_bytes(old_outputs)
