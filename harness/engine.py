"""Play the Pulumi engine against the SDK's own dynamic-provider gRPC server.

The Pulumi CLI cannot be installed here, so tests start `python -u -m pulumi.dynamic` themselves and call it
with the SDK's generated stubs, marshalling properties the way the engine does (pulumi 3.272; engine sources
`sdk/go/common/resource/plugin/provider_plugin.go` and `pkg/resource/deploy/target.go`):

- Configure: `args` is a Struct of the *whole* stack config with namespaced keys (`alicloud:accessKey`,
  `emr:endpoint`), every value a string, secret values wrapped in the secret signature object (the engine
  marshals Configure with KeepSecrets); `variables` repeats them as `pulumi-python:config:<key>` strings. The
  SDK reads only `args` and unwraps secrets, so `configure()` sees plain strings.
- The server answers Configure with acceptSecrets=False and supportsPreview=False. The engine therefore strips
  secret wrappers from everything it sends afterwards and re-marks outputs as secret when the same-named
  input was secret ("annotateSecrets"); and in a preview it never calls Create/Update (it uses the inputs as
  the planned state). This harness does the same, so `secret()` inputs come back as `Secret` outputs only
  where the engine would mark them.
- Numbers travel as protobuf doubles: `1` arrives in the provider as `1.0`. `None` values vanish (the SDK
  drops null properties). `UNKNOWN` arrives as `pulumi.output.Unknown` in Check and Diff and as a missing
  key in Create/Update/Read/Delete.
- `__provider` (the dill-pickled provider, base64) rides in every property bag: news from Check, old outputs
  in Diff/Update/Read/Delete. `Resource` marks it secret unless `serialize_as_secret_always = False`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime._serialization import _serialize
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

__all__ = [
    "DYNAMIC_TYPE",
    "UNKNOWN",
    "CheckResult",
    "DiffResult",
    "EngineError",
    "ProviderError",
    "ProviderServer",
    "Secret",
    "apply_additional_secret_outputs",
    "secret",
]

DYNAMIC_TYPE = "pulumi-python:dynamic:Resource"
"""Type token of a `pulumi.dynamic.Resource` subclass declared without `module=`/`name=`."""

_SECRET_SIG = rpc._special_secret_sig
_SIG_KEY = rpc._special_sig_key


class _Unknown:
    """Marker for a value not known during preview (an output of a resource not yet created)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()
"""Send as a property value to get `pulumi.runtime.rpc.UNKNOWN` on the wire; decoded results use it too."""


@dataclass(frozen=True)
class Secret:
    """A value the engine holds as secret (input you mark, or an output the engine marks)."""

    value: Any

    def __repr__(self) -> str:
        # Never print the wrapped value: fixtures may hold (demo) credentials.
        return "Secret([secret])"


def secret(value: Any) -> Secret:
    """Mark an input or a Configure value secret (like `pulumi.Output.secret`, `config set --secret`)."""
    return value if isinstance(value, Secret) else Secret(value)


class ProviderError(Exception):
    """The provider server failed a call. `details` is the whole text it sent (a traceback for the SDK)."""

    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self.code = code
        self.details = details
        super().__init__(f"{code.name}: {self.message}")

    @property
    def message(self) -> str:
        """The last line of the traceback, e.g. `RuntimeError: boom` (what a person reads first)."""
        lines = [line for line in self.details.strip().splitlines() if line.strip()]
        return lines[-1].strip() if lines else ""


class EngineError(Exception):
    """The engine itself would reject the provider's answer (e.g. an empty id from Create)."""


@dataclass
class CheckResult:
    """Decoded CheckResponse: the inputs the engine keeps and the failures it reports."""

    inputs: dict[str, Any]
    failures: list[tuple[str, str]]


@dataclass
class DiffResult:
    """Decoded DiffResponse; `changes` is the enum name: DIFF_SOME, DIFF_NONE or DIFF_UNKNOWN."""

    changes: str
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    diffs: list[str] = field(default_factory=list)
    has_detailed_diff: bool = False


# --- property marshalling ----------------------------------------------------------------------------


def _contains_secret(value: Any) -> bool:
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(_contains_secret(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_secret(v) for v in value)
    return False


def to_value(value: Any, keep_secrets: bool) -> struct_pb2.Value:
    """One property value as the engine marshals it (numbers become doubles)."""
    if value is UNKNOWN:
        return struct_pb2.Value(string_value=rpc.UNKNOWN)
    if isinstance(value, Secret):
        if not keep_secrets:
            return to_value(value.value, keep_secrets)
        return struct_pb2.Value(struct_value=to_struct({_SIG_KEY: _SECRET_SIG, "value": value.value}, keep_secrets))
    if value is None:
        return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)
    if isinstance(value, bool):
        return struct_pb2.Value(bool_value=value)
    if isinstance(value, (int, float)):
        return struct_pb2.Value(number_value=float(value))
    if isinstance(value, str):
        return struct_pb2.Value(string_value=value)
    if isinstance(value, Mapping):
        return struct_pb2.Value(struct_value=to_struct(value, keep_secrets))
    if isinstance(value, (list, tuple)):
        return struct_pb2.Value(list_value=struct_pb2.ListValue(values=[to_value(v, keep_secrets) for v in value]))
    raise TypeError(f"cannot marshal {type(value).__name__} as a Pulumi property value")


def to_struct(props: Mapping[str, Any], keep_secrets: bool) -> struct_pb2.Struct:
    """A property bag as a protobuf Struct."""
    struct = struct_pb2.Struct()
    for key, value in props.items():
        struct.fields[key].CopyFrom(to_value(value, keep_secrets))
    return struct


def from_value(value: struct_pb2.Value) -> Any:
    """Decode what the provider sent back: secret signature objects become `Secret`, unknowns `UNKNOWN`."""
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return from_struct(value.struct_value)
    if kind == "list_value":
        return [from_value(v) for v in value.list_value.values]
    if kind == "string_value":
        return UNKNOWN if value.string_value == rpc.UNKNOWN else value.string_value
    if kind == "number_value":
        return value.number_value
    if kind == "bool_value":
        return value.bool_value
    return None


def from_struct(struct: struct_pb2.Struct) -> Any:
    """Decode a Struct; a secret signature object becomes `Secret(value)`."""
    if _SIG_KEY in struct.fields:
        if struct.fields[_SIG_KEY].string_value == _SECRET_SIG:
            return Secret(from_value(struct.fields["value"]))
        raise ValueError(f"unsupported signature object {struct.fields[_SIG_KEY].string_value!r}")
    return {key: from_value(v) for key, v in struct.fields.items()}


def annotate_secrets(outs: dict[str, Any], ins: Mapping[str, Any]) -> dict[str, Any]:
    """Engine's `annotateSecrets`: an output is secret when the same-named input contained a secret.

    Objects on both sides are walked key by key; any other shape taints the whole output value.
    """
    for key, in_value in ins.items():
        if key not in outs:
            continue
        out_value = outs[key]
        in_plain = in_value.value if isinstance(in_value, Secret) else in_value
        if isinstance(out_value, dict) and isinstance(in_plain, Mapping) and not isinstance(in_value, Secret):
            annotate_secrets(out_value, in_plain)
        elif not isinstance(out_value, Secret) and _contains_secret(in_value):
            outs[key] = Secret(out_value)
    return outs


def apply_additional_secret_outputs(outputs: dict[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """What the engine's step executor does with `additional_secret_outputs` after a step is applied.

    Purely engine-side: the provider is never told. Listed outputs present in the result become secret in
    the state and in what the program sees; missing keys are ignored; `id` can never be secret. In a preview
    a dynamic provider's planned outputs are just its inputs, so computed outputs are not there to mark.
    """
    for key in keys:
        if key != "id" and key in outputs and not isinstance(outputs[key], Secret):
            outputs[key] = Secret(outputs[key])
    return outputs


_SERIALIZE_LOCK = threading.Lock()


def _serialize_once(provider: object) -> tuple[str, bool]:
    """The SDK's serializer under a lock: it swaps `pickle.Pickler` process-wide while it runs."""
    with _SERIALIZE_LOCK:
        return _serialize(True, serialize_provider, provider)


def _urn_parts(urn: str) -> tuple[str, str]:
    """(name, type) from `urn:pulumi:stack::project::[parent$]type::name`."""
    parts = urn.split("::")
    if len(parts) < 4 or not parts[0].startswith("urn:pulumi:"):
        raise ValueError(f"not a Pulumi URN: {urn!r}")
    return parts[-1], parts[2].split("$")[-1]


# --- the server process ---------------------------------------------------------------------------------


class ProviderServer:
    """One `python -u -m pulumi.dynamic` process plus a gRPC client that behaves like the engine.

    One process serves every dynamic resource of a deployment (any provider class), with 4 worker threads.
    Methods are thread-safe (tests call them from several threads to reproduce `--parallel`).
    """

    def __init__(
        self,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        project: str = "ray-clusters",
        stack: str = "test",
        python: str = sys.executable,
        start_timeout: float = 30.0,
        call_timeout: float = 120.0,
    ) -> None:
        self.cwd = Path(cwd)
        self.project = project
        self.stack = stack
        self.call_timeout = call_timeout
        # The engine launches the plugin with its own environment plus PULUMI_PROJECT (and PULUMI_RUNTIME_*
        # runtime options); it does not set PULUMI_STACK for providers, so neither do we.
        proc_env = dict(os.environ)
        proc_env["PULUMI_PROJECT"] = project
        proc_env.pop("PULUMI_STACK", None)
        proc_env.update(env or {})
        self._stderr: list[str] = []
        self._stdout: list[str] = []
        self._lock = threading.Lock()
        self._configured: tuple[bool, bool] | None = None  # (accept_secrets, supports_preview)
        self._config_lock = threading.Lock()
        self._provider_cache: dict[int, tuple[object, Any]] = {}
        self._proc = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
            [python, "-u", "-m", "pulumi.dynamic"],
            cwd=self.cwd,
            env=proc_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.pid = self._proc.pid
        self._stderr_thread = threading.Thread(target=self._drain, args=(self._proc.stderr, self._stderr), daemon=True)
        self._stderr_thread.start()
        try:
            self.port = self._read_port(start_timeout)
            self._channel = grpc.insecure_channel(f"127.0.0.1:{self.port}", options=_GRPC_CHANNEL_OPTIONS)
            grpc.channel_ready_future(self._channel).result(timeout=start_timeout)
        except BaseException:
            self.close()
            raise
        self.stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        """Raw stub, for tests that need to send what the engine never would."""

    # -- lifecycle

    def _drain(self, stream: Any, sink: list[str]) -> None:
        for raw in iter(stream.readline, b""):
            with self._lock:
                sink.append(raw.decode("utf-8", "replace"))
        stream.close()

    def _read_port(self, timeout: float) -> int:
        """The server's first stdout line is its port; later stdout (provider prints) is drained."""
        first: list[bytes] = []
        reader = threading.Thread(target=lambda: first.append(self._proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        line = first[0].decode().strip() if first else ""
        if not line.isdigit():
            problem = f"no port line within {timeout:.0f} s" if reader.is_alive() else f"first stdout line was {line!r}"
            self._proc.poll()
            self._stderr_thread.join(1.0)
            raise RuntimeError(
                f"pulumi.dynamic server did not start ({problem}; exit code {self._proc.returncode}); "
                f"stderr:\n{self.stderr_text()}"
            )
        threading.Thread(target=self._drain, args=(self._proc.stdout, self._stdout), daemon=True).start()
        return int(line)

    def close(self) -> None:
        """Stop the server (the engine kills provider plugins when the deployment ends)."""
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(5)
        self._stderr_thread.join(2.0)

    def __enter__(self) -> ProviderServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- observation

    def stderr_text(self, settle: float = 0.05) -> str:
        """Everything the server wrote to stderr so far (the engine shows these lines as diagnostics).

        A thread drains the pipe, so lines written just before a call returned may not be read yet: wait
        until nothing new arrived for ``settle`` seconds (bounded to 2 s) before answering.
        """
        deadline = time.monotonic() + 2.0
        seen = -1
        while True:
            with self._lock:
                count = len(self._stderr)
            if count == seen or time.monotonic() > deadline:
                break
            seen = count
            time.sleep(settle)
        with self._lock:
            return "".join(self._stderr)

    def stdout_text(self) -> str:
        """Everything written to stdout after the port line (provider `print()` output)."""
        with self._lock:
            return "".join(self._stdout)

    def _proc_status(self, key: str) -> int:
        with open(f"/proc/{self.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
        raise RuntimeError(f"{key} not found for pid {self.pid}")

    def rss_bytes(self) -> int:
        """Current resident set size of the server process."""
        return self._proc_status("VmRSS")

    def peak_rss_bytes(self) -> int:
        """Peak resident set size (VmHWM) of the server process."""
        return self._proc_status("VmHWM")

    # -- helpers

    def urn(self, name: str, type_: str = DYNAMIC_TYPE) -> str:
        """URN of a top-level resource of this project/stack."""
        return f"urn:pulumi:{self.stack}::{self.project}::{type_}::{name}"

    @staticmethod
    def serialized_provider(provider: object) -> str:
        """Exactly what `pulumi.dynamic.Resource` stores in `__provider` (before marking it secret)."""
        return _serialize_once(provider)[0]

    def _provider_value(self, provider: object) -> Any:
        """`__provider` as the engine holds it in state: serialized once, secret unless the class opts out."""
        with _SERIALIZE_LOCK:
            cached = self._provider_cache.get(id(provider))
        if cached is not None and cached[0] is provider:
            return cached[1]
        serialized, contains_secrets = _serialize_once(provider)
        always = getattr(provider, "serialize_as_secret_always", True)
        value = Secret(serialized) if always or contains_secrets else serialized
        with _SERIALIZE_LOCK:
            self._provider_cache[id(provider)] = (provider, value)  # keeps the object alive: ids stay unique
        return value

    def _with_provider(self, provider: object, props: Mapping[str, Any] | None) -> dict[str, Any]:
        """Add `__provider` like the engine's state does, unless the caller put one there."""
        bag = dict(props or {})
        if PROVIDER_KEY not in bag:
            bag[PROVIDER_KEY] = self._provider_value(provider)
        return bag

    def _marshal(self, props: Mapping[str, Any]) -> struct_pb2.Struct:
        accept_secrets, _ = self._ensure_configured()
        return to_struct(props, keep_secrets=accept_secrets)

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=self.call_timeout)
        except grpc.RpcError as err:
            code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
            details = err.details() if hasattr(err, "details") else str(err)
            raise ProviderError(code, details or "") from None

    # -- the protocol

    def plugin_info(self) -> str:
        """GetPluginInfo, the first call the engine makes (version string)."""
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    def configure(self, config: Mapping[str, str], secret_keys: Iterable[str] = ()) -> None:
        """Configure as the engine does for the default `pulumi-python` provider: the whole stack config.

        Keys keep their namespace (`alicloud:accessKey`); values are strings (structured config arrives as
        JSON text); keys in `secret_keys` are sent wrapped as secrets. The SDK stores this config and hands
        it to `ResourceProvider.configure()` when it first deserializes each distinct `__provider`, so
        configure before the first resource call, as the engine does.
        """
        secrets = set(secret_keys)
        args: dict[str, Any] = {k: (Secret(v) if k in secrets else v) for k, v in config.items()}
        request = provider_pb2.ConfigureRequest(
            variables={f"pulumi-python:config:{k}": v for k, v in config.items()},
            args=to_struct(args, keep_secrets=True),
            acceptSecrets=True,
            acceptResources=True,
            sends_old_inputs=True,
            sends_old_inputs_to_delete=True,
            id=str(uuid.uuid4()),
            urn=f"urn:pulumi:{self.stack}::{self.project}::pulumi:providers:pulumi-python::default",
            name="default",
            type="pulumi:providers:pulumi-python",
        )
        response = self._call("Configure", request)
        with self._config_lock:
            self._configured = (response.acceptSecrets, response.supportsPreview)

    def _ensure_configured(self) -> tuple[bool, bool]:
        """The engine always configures before any resource call; do it with empty config if nobody did."""
        with self._config_lock:
            configured = self._configured
        if configured is None:
            self.configure({})
            with self._config_lock:
                configured = self._configured
        assert configured is not None
        return configured

    @property
    def accept_secrets(self) -> bool:
        """What the server answered to Configure (False for the Python dynamic provider)."""
        return self._ensure_configured()[0]

    @property
    def supports_preview(self) -> bool:
        """What the server answered to Configure (False: the engine never sends a preview Create/Update)."""
        return self._ensure_configured()[1]

    def check(self, provider: object, urn: str, olds: dict, news: dict, random_seed: bytes = b"") -> CheckResult:
        """Check: `olds` are the old *inputs* ({} on first create), `news` the program's new inputs."""
        name, type_ = _urn_parts(urn)
        olds_bag = self._with_provider(provider, olds) if olds else {}
        news_bag = self._with_provider(provider, news)
        response = self._call(
            "Check",
            provider_pb2.CheckRequest(
                urn=urn,
                name=name,
                type=type_,
                olds=self._marshal(olds_bag),
                news=self._marshal(news_bag),
                randomSeed=random_seed,
            ),
        )
        inputs = annotate_secrets(from_struct(response.inputs), news_bag)
        failures = [(f.property, f.reason) for f in response.failures]
        return CheckResult(inputs=inputs, failures=failures)

    def diff(
        self,
        provider: object,
        id: str,
        urn: str,
        olds: dict,
        news: dict,
        old_inputs: dict | None = None,
        ignore_changes: Iterable[str] = (),
    ) -> DiffResult:
        """Diff: `olds` are the old *outputs* (the SDK ignores `old_inputs`), `news` the checked inputs."""
        name, type_ = _urn_parts(urn)
        olds_bag = self._with_provider(provider, olds)
        response = self._call(
            "Diff",
            provider_pb2.DiffRequest(
                id=id,
                urn=urn,
                name=name,
                type=type_,
                olds=self._marshal(olds_bag),
                news=self._marshal(self._with_provider(provider, news)),
                old_inputs=self._marshal(self._with_provider(provider, old_inputs or olds)),
                ignoreChanges=list(ignore_changes),
            ),
        )
        return DiffResult(
            changes=provider_pb2.DiffResponse.DiffChanges.Name(response.changes),
            replaces=list(response.replaces),
            stables=list(response.stables),
            delete_before_replace=response.deleteBeforeReplace,
            diffs=list(response.diffs),
            has_detailed_diff=response.hasDetailedDiff,
        )

    def create(
        self, provider: object, urn: str, props: dict, preview: bool = False, timeout: float = 0
    ) -> tuple[str, dict]:
        """Create; returns (id, outputs). A preview create never reaches a dynamic provider (inputs echo)."""
        name, type_ = _urn_parts(urn)
        bag = self._with_provider(provider, props)
        _, supports_preview = self._ensure_configured()
        if preview and not supports_preview:
            return "", bag
        response = self._call(
            "Create",
            provider_pb2.CreateRequest(
                urn=urn,
                name=name,
                type=type_,
                properties=self._marshal(bag),
                timeout=timeout,
                preview=preview,
            ),
        )
        if not response.id and not preview:
            raise EngineError(f"plugin for package 'pulumi-python' returned empty resource.ID from create '{urn}'")
        return response.id, annotate_secrets(from_struct(response.properties), bag)

    def read(
        self,
        provider: object,
        id: str,
        urn: str,
        props: dict,
        inputs: dict | None = None,
    ) -> tuple[str, dict, dict | None]:
        """Read (refresh): `props` are the old outputs, `inputs` the old inputs.

        Returns (id, outputs, inputs); id "" means the resource is gone, inputs None means the provider
        returned none (the engine then keeps the old inputs).
        """
        name, type_ = _urn_parts(urn)
        state = self._with_provider(provider, props)
        old_inputs = self._with_provider(provider, inputs) if inputs is not None else None
        request = provider_pb2.ReadRequest(id=id, urn=urn, name=name, type=type_, properties=self._marshal(state))
        if old_inputs is not None:
            request.inputs.CopyFrom(self._marshal(old_inputs))
        response = self._call("Read", request)
        outputs = annotate_secrets(from_struct(response.properties), state)
        new_inputs = None
        if response.HasField("inputs"):
            new_inputs = annotate_secrets(from_struct(response.inputs), old_inputs or {})
        return response.id, outputs, new_inputs

    def update(
        self,
        provider: object,
        id: str,
        urn: str,
        olds: dict,
        news: dict,
        preview: bool = False,
        old_inputs: dict | None = None,
        timeout: float = 0,
    ) -> dict:
        """Update: `olds` are the old outputs; returns the new outputs (inputs echo in a preview)."""
        name, type_ = _urn_parts(urn)
        news_bag = self._with_provider(provider, news)
        _, supports_preview = self._ensure_configured()
        if preview and not supports_preview:
            return news_bag
        response = self._call(
            "Update",
            provider_pb2.UpdateRequest(
                id=id,
                urn=urn,
                name=name,
                type=type_,
                olds=self._marshal(self._with_provider(provider, olds)),
                news=self._marshal(news_bag),
                old_inputs=self._marshal(self._with_provider(provider, old_inputs or olds)),
                preview=preview,
                timeout=timeout,
            ),
        )
        return annotate_secrets(from_struct(response.properties), news_bag)

    def delete(
        self,
        provider: object,
        id: str,
        urn: str,
        props: dict,
        old_inputs: dict | None = None,
        timeout: float = 0,
    ) -> None:
        """Delete: `props` are the old outputs."""
        name, type_ = _urn_parts(urn)
        self._call(
            "Delete",
            provider_pb2.DeleteRequest(
                id=id,
                urn=urn,
                name=name,
                type=type_,
                properties=self._marshal(self._with_provider(provider, props)),
                old_inputs=self._marshal(self._with_provider(provider, old_inputs or props)),
                timeout=timeout,
            ),
        )
