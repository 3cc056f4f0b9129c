"""The distribution another infra repo installs: only the package `provider`, typed, usable outside this repo."""

from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.support.installed_wheel import InstalledWheel, run_python
from tests.support.paths import ROOT

pytestmark = pytest.mark.package

#: Declares two clusters under Pulumi's mocks, one per call form, and prints the inputs the engine received.
PROGRAM = """
import json

import pulumi
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from provider import (
    GftConfigArgs, GftConfigArgsDict, HeadSpecArgs, HeadSpecArgsDict, RayCluster, RayClusterArgs,
    RayClusterArgsDict, TimeoutsArgs, TimeoutsArgsDict, WorkerGroupArgs, WorkerGroupArgsDict,
)

registered = {}


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        registered[args.name] = {k: v for k, v in args.inputs.items() if k != "__provider" and v is not None}
        return f"ray-{args.name}", {**args.inputs, "clusterId": f"ray-{args.name}"}

    def call(self, args):
        raise AssertionError(args.token)


def program():
    RayCluster(
        "typed",
        RayClusterArgs(
            workspace_id="w-1",
            name="typed",
            head_spec=HeadSpecArgs(queue_name="root_queue", cpu=2, gft_config=GftConfigArgs(redis_url="redis://r")),
            worker_spec=[WorkerGroupArgs(group_name="cpu", min_replica=1, max_replica=4)],
            timeouts=TimeoutsArgs(create=600),
            extra_param={"owner_team": "ml"},
        ),
    )
    RayCluster("keywords", workspace_id="w-1", name="keywords", head_spec={"queue_name": "root_queue"})


pulumi.runtime.set_mocks(Mocks(), project="infra", stack="dev", preview=False)
_sync_await(run_pulumi_func(program))
print(json.dumps(registered, sort_keys=True))
"""


def _pyproject_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def test_the_wheel_installs_only_the_provider_package_with_its_type_marker(installed_wheel: InstalledWheel) -> None:
    names = zipfile.ZipFile(installed_wheel.wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"provider"}
    assert {"provider/py.typed", "provider/args.py", "provider/resource.py"} <= set(names)
    assert (installed_wheel.site_packages / "provider" / "py.typed").is_file()
    [dist_info] = installed_wheel.site_packages.glob("ray_clusters-*.dist-info")
    assert dist_info.name == f"ray_clusters-{_pyproject_version()}.dist-info"
    assert (dist_info / "top_level.txt").read_text().split() == ["provider"]


def test_the_installed_package_is_imported_from_the_venv_and_nothing_generic_comes_with_it(
    installed_wheel: InstalledWheel, tmp_path: Path
) -> None:
    probe = (
        "import importlib.metadata, importlib.util, json, provider, provider.resource; "
        "print(json.dumps({'file': provider.__file__, 'version': importlib.metadata.version('ray-clusters'), "
        "'others': [n for n in ('emulator', 'harness', 'tests', 'bench') if importlib.util.find_spec(n)]}))"
    )
    done = run_python(installed_wheel, tmp_path, "-c", probe)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["file"]).is_relative_to(installed_wheel.site_packages)
    assert found["version"] == _pyproject_version()
    assert found["others"] == []


def test_a_program_outside_the_repo_declares_clusters_with_the_typed_inputs(
    installed_wheel: InstalledWheel, tmp_path: Path
) -> None:
    (tmp_path / "program.py").write_text(PROGRAM)

    done = run_python(installed_wheel, tmp_path, "program.py")

    assert done.returncode == 0, done.stderr
    registered = json.loads(done.stdout)
    assert registered["typed"] == {
        "workspaceId": "w-1",
        "name": "typed",
        "headSpec": {"queueName": "root_queue", "cpu": 2, "gftConfig": {"redisUrl": "redis://r"}},
        "workerSpec": [{"groupName": "cpu", "minReplica": 1, "maxReplica": 4}],
        "timeouts": {"create": 600},
        "extraParam": {"owner_team": "ml"},
        "owner": "infra/dev/typed",  # the resource's identity, for the owner mark (README: Renames and ownership)
    }
    assert registered["keywords"] == {
        "workspaceId": "w-1",
        "name": "keywords",
        "headSpec": {"queueName": "root_queue"},
        "owner": "infra/dev/keywords",
    }
