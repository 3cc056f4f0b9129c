"""Every cluster of every stack file creates through the real provider server on the emulator, then previews
unchanged.

The program tests check what the stack files declare; this checks that what they declare works end to end
(staging and prod point at a real region, so here their clusters go to the emulator instead).
"""

from __future__ import annotations

import pytest

from harness.emulator import Emulator
from provider.stack.config import parse_clusters
from provider.stack.files import stacks
from tests.support.paths import ROOT
from tests.support.program_under_mocks import effective, load_stack_config
from tests.support.provider_server import Engine


@pytest.mark.parametrize("stack", stacks(ROOT))
def test_every_declared_cluster_creates_and_then_previews_unchanged(
    engine: Engine, emulator: Emulator, stack: str
) -> None:
    config = load_stack_config(stack)
    entries = parse_clusters(
        effective(config),
        project="ray-clusters",
        stack=stack,
        default_workspace_id=config.get("emr:workspaceId"),
    )
    assert entries
    for entry in entries:
        props = {**entry.props, "timeouts": {"create": 30, "update": 30, "delete": 30}}
        one = Engine(engine.server, engine.provider, entry.resource_name)
        cluster_id, outs = one.up_create(props)
        assert outs["state"] == ("Stopped" if props.get("desiredState") == "Stopped" else "Running")
        assert one.preview(cluster_id, outs, props).changes == "DIFF_NONE", entry.resource_name
    assert len(emulator.clusters()) == len(entries)
