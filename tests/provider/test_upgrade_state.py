"""Upgrades are invisible: state written by an earlier version previews unchanged, updates and deletes.

`tests/fixtures/state_v<version>.json` holds the inputs and outputs exactly as the engine stored them for one
cluster created by that version (its `_source` says how it was captured). Only the cluster id is replaced: the live
twin is created in the emulator through the official SDK, with the CreateRayCluster body that version sent when the
fixture has it (0.2.0: the owner mark in the description), else with the spec's own body (0.1.0).
"""

from __future__ import annotations

import base64
import json
import pickletools
from pathlib import Path
from typing import Any

import dill
import pytest
from alibabacloud_emr_serverless_spark20230808 import models as sdk_models

from harness.emulator import Emulator, wait_for_state
from harness.engine import ProviderServer, Secret, revealed
from provider.resource import RayClusterProvider
from provider.schema.owner import with_mark
from provider.schema.spec import check_inputs
from tests.support.provider_server import WORKSPACE, Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VERSIONS = ["0_1_0", "0_2_0"]


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__secret"}:
        return Secret(_decode(value["__secret"]))
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _stored(version: str) -> dict[str, Any]:
    return dict(json.loads((FIXTURES / f"state_v{version}.json").read_text()))


@pytest.fixture(params=VERSIONS, ids=lambda version: version.replace("_", "."))
def old_state(emulator: Emulator, request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(cluster id, old inputs, old outputs): the stored state, pointed at a live twin in the emulator."""
    stored = _stored(request.param)
    inputs, outputs = _decode(stored["inputs"]), _decode(stored["outputs"])
    model, failures = check_inputs({k: v for k, v in revealed(inputs).items() if not k.startswith("__")})
    assert model is not None, failures
    create = sdk_models.CreateRayClusterRequest().from_map(stored.get("createBody") or model.api_body())
    cluster_id = str(emulator.sdk().create_ray_cluster(WORKSPACE, create).body.cluster_id)
    wait_for_state(emulator, WORKSPACE, cluster_id, {"Running"})
    outputs["clusterId"] = cluster_id
    emulator.reset()
    return cluster_id, inputs, outputs


def test_old_state_previews_unchanged_with_one_get(engine: Engine, emulator: Emulator, old_state: Any) -> None:
    cluster_id, inputs, outputs = old_state
    program = {k: v for k, v in inputs.items() if k != "__provider"}  # the same program, run again

    diff = engine.server.diff(engine.provider, cluster_id, engine.urn, outputs, engine.check(program).inputs)

    assert diff.changes == "DIFF_NONE"
    assert [e["action"] for e in emulator.journal()] == ["GetRayCluster"]


def test_old_state_updates_with_a_minimal_body_and_deletes(engine: Engine, emulator: Emulator, old_state: Any) -> None:
    cluster_id, inputs, outputs = old_state
    program = {k: v for k, v in inputs.items() if k != "__provider"}
    program["description"] = "changed after the upgrade"
    checked = engine.check(program).inputs

    assert engine.server.diff(engine.provider, cluster_id, engine.urn, outputs, checked).changes == "DIFF_SOME"
    new_outputs = engine.update(cluster_id, outputs, checked)

    (update,) = emulator.journal("UpdateRayCluster")
    owner = inputs.get("owner")  # 0.2.0 state: the provider keeps its owner mark on what it writes
    sent = with_mark("changed after the upgrade", owner) if owner else "changed after the upgrade"
    assert update["body"] == {"description": sent}
    assert new_outputs["description"] == "changed after the upgrade"
    engine.destroy(cluster_id, outputs)  # the old outputs, as a destroy right after the upgrade sends them
    assert emulator.clusters() == []


def test_the_pickled_provider_path_is_frozen() -> None:
    """Users' state pickles `provider.resource.RayClusterProvider`: the stored blob still loads, a new one names it.

    Moving the class (or renaming the package) would make every stored `__provider` fail to unpickle, and every
    resource fail to preview or destroy.
    """

    for version in VERSIONS:
        stored = _stored(version)["inputs"]["__provider"]
        assert isinstance(dill.loads(base64.b64decode(stored)), RayClusterProvider), version

    blob = base64.b64decode(ProviderServer.serialized_provider(RayClusterProvider()))
    names = [arg for op, arg, _ in pickletools.genops(blob) if op.name in ("SHORT_BINUNICODE", "BINUNICODE")]
    assert names[:2] == ["provider.resource", "RayClusterProvider"], names
    assert isinstance(dill.loads(blob), RayClusterProvider)
