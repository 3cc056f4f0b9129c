"""Run the real ``__main__.py`` under ``pulumi.runtime.set_mocks`` with a stack's config.

Mocked: only the engine (the resource monitor), which cannot run here without the Pulumi CLI. The program,
the config parsing, the validation and the RayCluster resource class are the real ones. Each run happens in
a fresh ``contextvars.Context`` so that config, root stack and settings never leak between tests.
"""

from __future__ import annotations

import contextvars
import json
import runpy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from provider.schema.spec import IDENTITY_INPUTS, OUTPUTS
from provider.stack.files import stack_config
from provider.stack.inherit import effective_clusters
from tests.support.paths import ROOT

MAIN = ROOT / "__main__.py"
PROJECT = "ray-clusters"
RESOURCE_TYPE = "pulumi-python:dynamic/emr:RayCluster"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # pulumi.runtime.rpc: marks a secret value on the wire
SIG_KEY = "4dabf18193072939515e22adb298388d"


def load_stack_config(stack: str) -> dict[str, Any]:
    """The config the program of ``stack`` sees: Pulumi.yaml's project config under stacks/Pulumi.<stack>.yaml."""
    return stack_config(ROOT, stack)


def effective(config: Mapping[str, Any]) -> dict[str, Any]:
    """The clusters of a stack's config: its rayClusters laid over the base, as the program merges them."""
    merged = effective_clusters(
        config.get(f"{PROJECT}:clusterBase"),
        config.get(f"{PROJECT}:rayClusters"),
        base_key=f"{PROJECT}:clusterBase",
        stack_key=f"{PROJECT}:rayClusters",
        stack_file="(test)",
    )
    return dict(merged)


def fake_outputs(name: str) -> dict[str, Any]:
    """What a created cluster would report; distinct per resource so that mix-ups show."""
    return {
        "clusterId": f"ray-{name}-0001",
        "state": "Running",
        "modified": False,
        "message": "",
        "dashboardUrl": f"https://gateway.example/{name}/dashboard?token=tok-{name}",
        "jobUrl": f"https://gateway.example/{name}",
        "jobUrlInner": f"https://gateway-internal.example/{name}",
        "grpcEndpoint": f"ray://gateway-internal.example:80/{name}",
        "submitToken": f"submit-{name}",
        "createTime": 1735870116167,
        "modifiedTime": 1735870116167,
        "nodes": {"Running": 2},
    }


@dataclass
class Registration:
    """One RegisterResource call as the engine would receive it."""

    type: str
    name: str
    inputs: dict[str, Any]
    #: The wire form (protobuf Struct as JSON), where secrets still carry their signature.
    wire: dict[str, Any]
    #: Resource options the engine would apply: Pulumi refuses to delete / forgets without deleting.
    protect: bool = False
    retain_on_delete: bool = False

    def declared(self) -> dict[str, Any]:
        """The inputs the program declared: no provider blob, no unset output placeholders, no identity (owner)."""
        return {
            k: v
            for k, v in self.inputs.items()
            if k != "__provider" and k not in IDENTITY_INPUTS and not (k in OUTPUTS and v is None)
        }


class _Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = {**args.inputs, **fake_outputs(args.name)}
        return outputs["clusterId"], outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        raise AssertionError(f"the program made an unexpected invoke: {args.token}")


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            wire = json_format.MessageToDict(request.object)
            # Plain values for comparisons; secrecy is asserted on `wire`, where the engine sees it.
            inputs, _ = pulumi.runtime.rpc.deserialize_properties_unwrap_secrets(request.object)
            registration = Registration(
                request.type, request.name, dict(inputs), wire, bool(request.protect), bool(request.retainOnDelete)
            )
            self.registrations.append(registration)
        return response


@dataclass
class ProgramRun:
    resources: list[Registration]
    #: Stack outputs, resolved to plain values.
    exports: dict[str, Any]
    #: For each export, the paths inside it that are secret ("" = the whole export).
    secret_paths: dict[str, set[str]] = field(default_factory=dict)
    error: BaseException | None = None

    def resource(self, name: str) -> Registration:
        matches = [r for r in self.resources if r.name == name]
        assert len(matches) == 1, f"expected one resource named {name!r}, got {[r.name for r in self.resources]}"
        return matches[0]


async def _resolve(value: Any, path: str, secrets: set[str]) -> Any:
    """Await every Output inside an export, noting which ones are secret."""
    if isinstance(value, pulumi.Output):
        if await value.is_secret():
            secrets.add(path)
        return await _resolve(await value.future(), path, secrets)
    if isinstance(value, Mapping):
        return {k: await _resolve(v, f"{path}.{k}" if path else k, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [await _resolve(v, f"{path}[{i}]", secrets) for i, v in enumerate(value)]
    return value


def _config_strings(config: Mapping[str, Any]) -> dict[str, str]:
    # The engine hands structured config values to the program as JSON text; do the same.
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def _run(config: Mapping[str, Any], stack: str, secret_keys: Iterable[str], program: Path) -> ProgramRun:
    mocks = _Mocks()
    monitor = _RecordingMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(_config_strings(config), list(secret_keys))
    error: BaseException | None = None
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(program), run_name="__main__") and None))
    except Exception as exc:
        error = exc
    root = pulumi.runtime.get_root_resource()
    raw_exports: dict[str, Any] = dict(getattr(root, "outputs", {}) or {})
    exports: dict[str, Any] = {}
    secret_paths: dict[str, set[str]] = {}
    for name, value in raw_exports.items():
        secret_paths[name] = set()
        exports[name] = _sync_await(_resolve(value, "", secret_paths[name]))
    return ProgramRun(monitor.registrations, exports, secret_paths, error)


RunProgram = Callable[..., ProgramRun]


def run_program(
    config: Mapping[str, Any], stack: str = "dev", secret_keys: Iterable[str] = (), program: Path = MAIN
) -> ProgramRun:
    """Run a program (our __main__.py by default) once with this config, isolated in a fresh contextvars.Context."""
    return contextvars.Context().run(_run, config, stack, tuple(secret_keys), program)
