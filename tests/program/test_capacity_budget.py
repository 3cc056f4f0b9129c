"""The capacity budget (`ray-clusters:capacityBudgetCu`): under and at it the stack deploys, over it nothing is.

The spec below can grow to 4 + 2 x 5 = 14 CU: head max(4, 16/4) = 4, group max(2, 8/4) = 2 x maxReplica 5.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from tests.support.program_under_mocks import PROJECT, ProgramRun

KEY = f"{PROJECT}:rayClusters"
BUDGET = f"{PROJECT}:capacityBudgetCu"


def spec(**head: Any) -> dict[str, Any]:
    return {
        "headSpec": {"cpu": "4", "memory": "16Gi", "enableAutoScaling": True, **head},
        "workerSpec": [{"groupName": "cpu", "cpu": "2", "memory": "8Gi", "minReplica": 1, "maxReplica": 5}],
    }


def config(budget: str | None, **clusters: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"emr:workspaceId": "w-1", KEY: clusters}
    if budget is not None:
        values[BUDGET] = budget
    return values


@pytest.mark.parametrize("budget", [None, "28", "28.0", "100"])
def test_under_or_at_the_budget_every_cluster_is_declared(run_program, budget: str | None) -> None:
    run: ProgramRun = run_program(config(budget, analytics=spec(), batch=spec()))  # 14 + 14 = 28 CU
    assert run.error is None, run.error
    assert len(run.resources) == 2


def test_over_the_budget_nothing_is_declared_and_each_share_is_named(run_program) -> None:
    run: ProgramRun = run_program(config("27", analytics=spec(), batch=spec(cpu="8", memory="32Gi")), stack="prod")

    assert isinstance(run.error, pulumi.RunError) and run.resources == []
    text = str(run.error)
    # batch: head max(8, 32/4) = 8 + 10 = 18 CU; analytics 14 CU; 32 in all
    assert "can grow to 32 CU, over the capacity budget of 27 CU" in text and BUDGET in text
    assert "batch 18 CU, analytics 14 CU" in text and "stacks/Pulumi.prod.yaml" in text


def test_a_cluster_without_declared_sizes_is_named_not_counted(run_program) -> None:
    unsized = {"headSpec": {"queueName": "root_queue"}}
    run: ProgramRun = run_program(config("10", analytics=spec(), other=unsized))
    assert "Not counted (sizes not declared): other" in str(run.error)


def test_a_budget_that_is_not_a_number_points_at_its_key(run_program) -> None:
    run: ProgramRun = run_program(config("lots", analytics=spec()))
    assert f"{BUDGET}: must be a number of compute units" in str(run.error) and run.resources == []
