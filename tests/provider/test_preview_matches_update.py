"""Through the real gRPC server and the emulator: what the preview says of the run state is what the update does.

The unit test over every combination is tests/unit/test_preview_says_what_the_update_does.py; this is the case
that used to differ, end to end: a cluster still Starting, declared ``desiredState: Stopped``, with another field
changed. The update waits for it to settle (Running), then stops it; the preview must say so.
"""

from __future__ import annotations

import copy

from harness.emulator import Emulator
from tests.support.provider_server import Engine, small_cluster

WRITES = ("CreateRayCluster", "UpdateRayCluster", "DeleteRayCluster", "StartRayCluster", "StopRayCluster")


def test_a_starting_cluster_declared_stopped_is_previewed_as_the_stop_the_update_makes(
    engine: Engine, emulator: Emulator
) -> None:
    cluster_id, outs = engine.up_create(small_cluster())
    emulator.force_state(cluster_id, "Starting")
    declared = small_cluster(desiredState="Stopped")
    declared["workerSpec"] = copy.deepcopy(declared["workerSpec"])
    declared["workerSpec"][0]["replica"] = 2  # another field changed: the update rolls the cluster, then stops it
    emulator.reset()

    diff = engine.preview(cluster_id, outs, declared)
    stderr = engine.server.stderr_text()
    assert diff.changes == "DIFF_SOME"
    assert f"analytics ({cluster_id}): ~ state Starting -> Stopped" in stderr
    assert f"analytics ({cluster_id}): ~ workerSpec[cpu].replica 1 -> 2" in stderr

    after = engine.update(cluster_id, outs, declared)

    assert [e["action"] for e in emulator.journal() if e["action"] in WRITES] == ["UpdateRayCluster", "StopRayCluster"]
    assert after["state"] == "Stopped"
