"""The typed inputs: generated from the one schema, snake_case in Python, camelCase on the wire, checked by mypy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import BaseModel, BeforeValidator

from provider import args as typed
from provider import codegen
from provider.resource import RayCluster, RayClusterArgs
from provider.schema import spec
from provider.schema.spec import check_inputs
from tests.support.installed_wheel import InstalledWheel
from tests.support.program_under_mocks import SECRET_SIG, SIG_KEY, run_program

BLOCKS: dict[type[BaseModel], type] = {
    spec.GftConfig: typed.GftConfigArgsDict,
    spec.HeadSpec: typed.HeadSpecArgsDict,
    spec.WorkerGroup: typed.WorkerGroupArgsDict,
    spec.Timeouts: typed.TimeoutsArgsDict,
    spec.RayClusterInputs: typed.RayClusterArgsDict,
}


# -- derived from the schema, never a third hand-written list ----------------------------------------------------


def test_the_committed_args_module_is_what_the_generator_makes_of_spec_py() -> None:
    assert codegen.TARGET.read_text() == codegen.render(), "provider/args.py is stale: run `python -m provider.codegen`"
    assert codegen.main(["--check"]) == 0


def test_the_check_fails_on_a_stale_file_and_a_run_rewrites_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "args.py"
    stale.write_text(codegen.render().replace("    gpu_spec: NotRequired[pulumi.Input[str]]\n", "", 1))
    monkeypatch.setattr(codegen, "TARGET", stale)

    assert codegen.main(["--check"]) == 1
    assert "+    gpu_spec: NotRequired[pulumi.Input[str]]" in capsys.readouterr().err
    assert codegen.main([]) == 0
    assert stale.read_text() == codegen.render()


@pytest.mark.parametrize("model", list(BLOCKS), ids=lambda model: model.__name__)
def test_each_typed_dict_has_the_model_s_properties_in_snake_case_and_its_required_ones(model: type[BaseModel]) -> None:
    typed_dict = BLOCKS[model]
    assert list(typed_dict.__annotations__) == list(model.model_fields)
    assert typed_dict.__required_keys__ == {n for n, info in model.model_fields.items() if info.is_required()}  # type: ignore[attr-defined]


def test_the_args_class_declares_the_same_properties_and_the_block_names_are_one_type() -> None:
    assert list(RayClusterArgs.__dataclass_fields__) == list(spec.RayClusterInputs.model_fields)
    assert typed.HeadSpecArgs is typed.HeadSpecArgsDict
    assert typed.WorkerGroupArgs(group_name="cpu", min_replica=1) == {"group_name": "cpu", "min_replica": 1}


def test_a_normalized_type_the_generator_does_not_know_stops_it_instead_of_being_typed_narrowly() -> None:
    new_kind = Annotated[str, BeforeValidator(lambda value: value)]
    with pytest.raises(codegen.SchemaTypeError, match="SCALARS"):
        codegen.input_type(new_kind | None)


# -- to the wire ----------------------------------------------------------------------------------------------------


def test_snake_case_keys_become_the_schema_s_camel_case_names_at_every_level_and_only_there() -> None:
    args = RayClusterArgs(
        workspace_id="w-1",
        name="a",
        head_spec=typed.HeadSpecArgs(queue_name="q", gft_config=typed.GftConfigArgs(redis_url="redis://r")),
        worker_spec=[typed.WorkerGroupArgs(group_name="cpu", min_replica=1, ray_start_params="--num-cpus=2")],
        timeouts=typed.TimeoutsArgs(create=60),
        extra_param={"owner_team": "ml"},
        restart_on_pending_changes=True,
    )
    assert args.to_props() == {
        "workspaceId": "w-1",
        "name": "a",
        "headSpec": {"queueName": "q", "gftConfig": {"redisUrl": "redis://r"}},
        "workerSpec": [{"groupName": "cpu", "minReplica": 1, "rayStartParams": "--num-cpus=2"}],
        "timeouts": {"create": 60},
        "extraParam": {"owner_team": "ml"},  # the user's own keys are not the schema's: never renamed
        "restartOnPendingChanges": True,
    }


def test_a_stack_file_s_camel_case_entry_passes_unchanged() -> None:
    entry = {
        "workspaceId": "w-1",
        "name": "a",
        "headSpec": {"queueName": "q", "gftConfig": {"redisUrl": "redis://r"}, "env": '{"A_B": "1"}'},
        "workerSpec": [{"groupName": "cpu", "minReplica": 1, "maxReplica": 2}],
        "extraParam": '{"owner_team": "ml"}',
        "desiredState": "Running",
    }
    assert RayClusterArgs.from_props(entry).to_props() == entry


def test_a_misspelled_key_reaches_check_which_names_the_fix_and_one_property_given_twice_is_refused() -> None:
    props = RayClusterArgs(workspace_id="w-1", name="a", head_spec={"cpuu": "2"}).to_props()  # type: ignore[typeddict-unknown-key]
    _, failures = check_inputs(props)
    assert [(f.path, "did you mean 'cpu'?" in f.reason) for f in failures] == [("headSpec.cpuu", True)]
    with pytest.raises(ValueError, match="'queue_name' and 'queueName' both set the property 'queueName'"):
        RayClusterArgs(workspace_id="w-1", name="a", head_spec={"queue_name": "a", "queueName": "b"}).to_props()  # type: ignore[typeddict-unknown-key]


def test_the_call_forms_are_exclusive_and_the_required_arguments_are_checked_at_run_time() -> None:
    args = RayClusterArgs(workspace_id="w-1", name="a")
    with pytest.raises(TypeError, match="not both"):
        RayCluster("a", args, name="b")
    with pytest.raises(TypeError, match="needs a RayClusterArgs or keyword arguments"):
        RayCluster("a")
    with pytest.raises(TypeError, match="needs name"):
        RayCluster("a", workspace_id="w-1")
    with pytest.raises(TypeError, match="unknown argument 'head_specs': did you mean 'head_spec'"):
        RayCluster("a", workspace_id="w-1", name="a", head_specs={})  # type: ignore[call-arg]


CALL_FORMS = """
import pulumi
from provider import GftConfigArgs, HeadSpecArgs, RayCluster, RayClusterArgs

password = pulumi.Output.secret("pw")
head = HeadSpecArgs(queue_name="q", gft_config=GftConfigArgs(redis_password=password))
RayCluster("args", RayClusterArgs(workspace_id="w-1", name="args", head_spec=head))
RayCluster("keywords", workspace_id="w-1", name="keywords", head_spec=head, opts=pulumi.ResourceOptions(protect=True))
RayCluster(
    "outputs",
    workspace_id="w-1",
    name="outputs",
    head_spec=pulumi.Output.from_input({"queue_name": "q"}),
    worker_spec=pulumi.Output.from_input([{"group_name": "cpu", "min_replica": 1}]),
)
"""


def test_both_call_forms_and_whole_blocks_as_outputs_reach_the_engine_in_camel_case_with_secrets_kept(
    tmp_path: Path,
) -> None:
    program = tmp_path / "program.py"
    program.write_text(CALL_FORMS)

    run = run_program({}, program=program)

    assert run.error is None, run.error
    head = {"queueName": "q", "gftConfig": {"redisPassword": "pw"}}
    for name in ("args", "keywords"):
        resource = run.resource(name)
        assert resource.declared() == {"workspaceId": "w-1", "name": name, "headSpec": head}
        secret = resource.wire["headSpec"]["gftConfig"]["redisPassword"]
        assert secret[SIG_KEY] == SECRET_SIG
    assert run.resource("keywords").protect and not run.resource("args").protect
    assert run.resource("outputs").declared() == {
        "workspaceId": "w-1",
        "name": "outputs",
        "headSpec": {"queueName": "q"},
        "workerSpec": [{"groupName": "cpu", "minReplica": 1}],
    }


# -- mypy, on programs that use the installed wheel ------------------------------------------------------------------

GOOD = """
import pulumi
from provider import GftConfigArgs, HeadSpecArgs, RayCluster, RayClusterArgs, WorkerGroupArgs

config = pulumi.Config()
analytics = RayCluster(
    "analytics",
    RayClusterArgs(
        workspace_id=config.require("workspaceId"),
        name="analytics",
        head_spec={"queue_name": "root_queue", "cpu": 2, "memory": "8Gi", "env": '{"A": "1"}'},
        worker_spec=[WorkerGroupArgs(group_name="cpu", min_replica=1, max_replica=4)],
        timeouts={"create": 1800},
        extra_param={"owner": "ml"},
        desired_state="Running",
    ),
)
inference = RayCluster(
    "inference",
    workspace_id="w-1",
    name="inference",
    head_spec=HeadSpecArgs(cpu="4", gft_config=GftConfigArgs(redis_password=config.require_secret("redisPassword"))),
    extra_param='{"owner": "ml"}',
    opts=pulumi.ResourceOptions(protect=True),
)
reveal_type(analytics.job_url)
reveal_type(inference.create_time)
pulumi.export("jobUrl", analytics.job_url)
"""

#: Each line of the bad program and what mypy must say about it.
BAD = [
    (
        'RayClusterArgs(workspace_id="w", name="a", head_spec={"cpuu": "2"})',
        'Extra key "cpuu" for TypedDict "HeadSpecArgsDict"',
    ),
    ('RayCluster("b", workspace_id="w", name="b", head_spec={"cpu": "2", "memroy": 8})', 'Extra key "memroy"'),
    ('HeadSpecArgs(gft_config={"redis_pasword": "x"})', 'Extra key "redis_pasword" for TypedDict "GftConfigArgsDict"'),
    (
        'RayClusterArgs(workspace_id="w", name="a", worker_spec=[{"group_name": "g", "min_replicas": 1}])',
        'Extra key "min_replicas" for TypedDict "WorkerGroupArgsDict"',
    ),
    ("WorkerGroupArgs(min_replica=1)", 'Missing key "group_name" for TypedDict "WorkerGroupArgsDict"'),
    ('RayClusterArgs(workspace_id="w", name="a", timeouts=TimeoutsArgs(craete=60))', 'Extra key "craete"'),
    ('RayClusterArgs(workspace_id="w", name="a", extra_param=3)', 'Argument "extra_param" to "RayClusterArgs"'),
    ('RayClusterArgs(workspace_id="w", name="a", desired_state="Runing")', 'Argument "desired_state"'),
    ('RayClusterArgs(name="a")', 'Missing named argument "workspace_id"'),
]
BAD_HEADER = "from provider import HeadSpecArgs, RayCluster, RayClusterArgs, TimeoutsArgs, WorkerGroupArgs\n"


def _mypy(installed: InstalledWheel, cwd: Path, *files: str) -> dict[str, list[str]]:
    """mypy --strict as a user runs it on their program (the installed package found through its py.typed)."""
    (cwd / "mypy.ini").write_text("[mypy]\n")
    command = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--strict", "--no-error-summary"]
    command += ["--python-executable", str(installed.python), "--cache-dir", str(cwd / ".mypy_cache"), *files]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, 1), done.stderr
    by_file: dict[str, list[str]] = {name: [] for name in files}
    for line in done.stdout.splitlines():
        by_file[line.split(":", 1)[0]].append(line)
    return by_file


@pytest.mark.package
def test_mypy_passes_a_correct_program_and_names_each_misspelled_nested_key(
    installed_wheel: InstalledWheel, tmp_path: Path
) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "bad.py").write_text(BAD_HEADER + "".join(f"{line}\n" for line, _ in BAD))

    reports = _mypy(installed_wheel, tmp_path, "good.py", "bad.py")

    reveals = GOOD.splitlines().index("reveal_type(analytics.job_url)") + 1
    assert reports["good.py"] == [
        f'good.py:{reveals}: note: Revealed type is "pulumi.output.Output[str]"',
        f'good.py:{reveals + 1}: note: Revealed type is "pulumi.output.Output[float]"',
    ]
    errors = [line for line in reports["bad.py"] if ": error: " in line]
    for number, (_, expected) in enumerate(BAD, start=2):
        on_line = [line for line in errors if line.startswith(f"bad.py:{number}:")]
        assert any(expected in line for line in on_line), f"line {number}: expected {expected!r} in {on_line}"
