"""The README's example program runs as written (under mocks: the engine cannot run here)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support.paths import ROOT
from tests.support.program_under_mocks import RESOURCE_TYPE, run_program


def readme_python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.DOTALL)


def test_the_readme_example_declares_one_cluster_with_camel_case_properties(tmp_path: Path) -> None:
    [example] = readme_python_blocks()
    program = tmp_path / "example.py"
    program.write_text(example)

    run = run_program({"alicloud:region": "cn-hangzhou"}, stack="dev", program=program)

    assert run.error is None, run.error
    resource = run.resource("analytics")
    assert resource.type == RESOURCE_TYPE
    assert resource.declared() == {
        "workspaceId": "w-d2d82aa09155",
        "name": "analytics",
        "headSpec": {"cpu": "2", "memory": "8Gi", "queueName": "root_queue"},
        "workerSpec": [{"groupName": "cpu", "workerType": "CPU", "cpu": "2", "memory": "8Gi", "replica": 2}],
        "timeouts": {"create": 1800},
    }
    assert run.exports["jobUrl"] == "https://gateway.example/analytics"
    assert run.secret_paths["submitToken"] == {""}
