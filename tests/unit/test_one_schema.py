"""spec.py is the one schema: what the Pulumi face declares again by hand must agree with it."""

from __future__ import annotations

import dataclasses

from pydantic.alias_generators import to_snake

from provider.resource import SECRET_OUTPUTS, RayCluster, RayClusterArgs
from provider.schema.spec import OUTPUTS, SECRET_INPUT_PATHS, RayClusterInputs


def test_args_have_exactly_the_declared_inputs_under_their_wire_names() -> None:
    assert [f.name for f in dataclasses.fields(RayClusterArgs)] == list(RayClusterInputs.model_fields)
    args = RayClusterArgs(workspace_id="w-1", name="a", head_spec={"cpu": "2"}, restart_on_pending_changes=True)
    assert args.to_props() == {
        "workspaceId": "w-1",
        "name": "a",
        "headSpec": {"cpu": "2"},
        "restartOnPendingChanges": True,
    }
    assert RayClusterArgs.from_props(args.to_props()) == args


def test_the_resource_exposes_every_output_with_a_snake_case_reader() -> None:
    assert set(RayCluster.__annotations__) == {to_snake(name) for name in OUTPUTS}
    assert all(
        isinstance(getattr(RayCluster, to_snake(name), None), property) for name in OUTPUTS if to_snake(name) != name
    )


def test_secret_outputs_and_inputs_come_from_the_schema() -> None:
    assert set(SECRET_OUTPUTS) == {"submitToken", "dashboardUrl"}
    assert SECRET_INPUT_PATHS == (("headSpec", "gftConfig", "redisPassword"),)
