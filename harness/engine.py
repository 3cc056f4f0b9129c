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

The server's stderr (and stdout) are pipes the harness creates and drains with a thread; it keeps a copy of
each write end, so `stderr_text()` can put a marker into the pipe and wait until the thread has read it. Bytes
in a pipe stay in the order they were written, so every line the server wrote before (all the lines of every
call that has returned) is in the text by then: no "wait until nothing new arrives" guess.
"""

from __future__ import annotations

import codecs
import itertools
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
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
    "revealed",
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


def revealed(value: Any) -> Any:
    """``value`` with every ``Secret`` unwrapped, lists and tuples as lists: the property bag as the provider receives
    it (the engine strips secret wrappers before it calls a provider that does not accept secrets)."""
    if isinstance(value, Secret):
        return revealed(value.value)
    if isinstance(value, dict):
        return {k: revealed(v) for k, v in value.items()}
    return [revealed(v) for v in value] if isinstance(value, list | tuple) else value


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

_SYNC_OPEN = b"\x1eharness-sync "
_SYNC_CLOSE = b"\x1e\n"

SYNC_TIMEOUT = 60.0
"""Seconds a `sync()` may take before it fails: it only bounds a failure (the drain thread is stuck)."""


class _Pipe:
    """One output pipe of the server process, drained by a thread, with a sync point.

    The harness keeps a copy of the write end, so `sync()` can write a marker line into the same pipe and
    wait until the drain thread has read it: everything the server wrote before that moment is then in
    `text()`. The marker is cut out of the text (also when it landed in the middle of a line that another
    server thread was writing). Once the server has exited, `close_writer()` gives the reader its EOF and
    `sync()` just waits for that.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._read_fd, self._write_fd = os.pipe()
        self.child_end = self._write_fd
        """Give this to Popen as the child's stdout/stderr."""
        self._writer_lock = threading.Lock()
        self._writer_open = True
        self._cond = threading.Condition()
        self._chunks: list[str] = []
        self._synced: set[int] = set()
        self._eof = False
        self._ids = itertools.count()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._thread = threading.Thread(target=self._drain, name=f"drain-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _drain(self) -> None:
        with open(self._read_fd, "rb", closefd=True) as stream:
            for raw in iter(stream.readline, b""):
                sync_id = None
                if raw.endswith(_SYNC_CLOSE):
                    at = raw.rfind(_SYNC_OPEN)
                    if at >= 0:
                        sync_id = int(raw[at + len(_SYNC_OPEN) : -len(_SYNC_CLOSE)])
                        raw = raw[:at]
                text = self._decoder.decode(raw)
                with self._cond:
                    if text:
                        self._chunks.append(text)
                    if sync_id is not None:
                        self._synced.add(sync_id)
                    self._cond.notify_all()
        tail = self._decoder.decode(b"", final=True)
        with self._cond:
            if tail:
                self._chunks.append(tail)
            self._eof = True
            self._cond.notify_all()

    def _joined(self) -> str:
        if len(self._chunks) > 1:
            self._chunks[:] = ["".join(self._chunks)]
        return self._chunks[0] if self._chunks else ""

    def text(self) -> str:
        """What the drain thread has read so far (without syncing)."""
        with self._cond:
            return self._joined()

    def sync(self, timeout: float = SYNC_TIMEOUT) -> str:
        """Everything written to the pipe before this call (and possibly a little more)."""
        sync_id = next(self._ids)
        with self._writer_lock:
            if self._writer_open:
                os.write(self._write_fd, _SYNC_OPEN + str(sync_id).encode() + _SYNC_CLOSE)
            else:
                sync_id = -1  # the server has exited and the writer is closed: everything ends at EOF
        with self._cond:
            if not self._cond.wait_for(lambda: sync_id in self._synced or self._eof, timeout):
                raise RuntimeError(f"the {self.name} pipe of the provider server was not drained within {timeout} s")
            self._synced.discard(sync_id)
            return self._joined()

    def wait_for(self, condition: Callable[[str], bool], timeout: float) -> str | None:
        """Block until `condition(text)` holds (checked whenever data arrives); None at EOF or timeout."""
        with self._cond:
            self._cond.wait_for(lambda: self._eof or condition(self._joined()), timeout)
            text = self._joined()
            return text if condition(text) else None

    def close_writer(self) -> None:
        """The server has exited: close our write end, so the reader gets EOF after the last byte."""
        with self._writer_lock:
            if self._writer_open:
                self._writer_open = False
                os.close(self._write_fd)

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def discard(self) -> None:
        """Close both ends of a pipe whose process never started (the drain thread was not started)."""
        self.close_writer()
        os.close(self._read_fd)


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
        self._stderr = _Pipe("stderr")
        self._stdout = _Pipe("stdout")
        self._configured: tuple[bool, bool] | None = None  # (accept_secrets, supports_preview)
        self._config_lock = threading.Lock()
        self._provider_cache: dict[int, tuple[object, Any]] = {}
        try:
            self._proc = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
                [python, "-u", "-m", "pulumi.dynamic"],
                cwd=self.cwd,
                env=proc_env,
                stdin=subprocess.DEVNULL,
                stdout=self._stdout.child_end,
                stderr=self._stderr.child_end,
            )
        except BaseException:
            self._stdout.discard()
            self._stderr.discard()
            raise
        self.pid = self._proc.pid
        self._stdout.start()
        self._stderr.start()
        # When the server exits (killed by a test, crashed), close our write ends: the readers get their EOF.
        threading.Thread(target=self._reap, name=f"reap-{self.pid}", daemon=True).start()
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

    def _reap(self) -> None:
        self._proc.wait()
        self._stdout.close_writer()
        self._stderr.close_writer()

    def _read_port(self, timeout: float) -> int:
        """The server's first stdout line is its port; later stdout (provider prints) is kept apart."""
        first = self._stdout.wait_for(lambda text: "\n" in text, timeout)
        line = first.split("\n", 1)[0].strip() if first is not None else ""
        if not line.isdigit():
            if first is not None:
                problem = f"first stdout line was {line!r}"
            elif self._proc.poll() is None:
                problem = f"no port line within {timeout:.0f} s"
            else:
                problem = "it exited without printing its port"
            raise RuntimeError(
                f"pulumi.dynamic server did not start ({problem}; exit code {self._proc.poll()}); "
                f"stderr:\n{self.stderr_text()}"
            )
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
        self._stdout.close_writer()  # (the reaper does it too; whoever comes first)
        self._stderr.close_writer()
        self._stdout.join(5.0)
        self._stderr.join(5.0)

    def __enter__(self) -> ProviderServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- observation

    def stderr_text(self) -> str:
        """Everything the server wrote to stderr before this call (the engine shows these lines as diagnostics).

        Exact, not "probably all": a marker goes through the same pipe (see the module docstring), so every
        line written by a call that has returned is included.
        """
        return self._stderr.sync()

    def wait_for_stderr(self, condition: str | Callable[[str], bool], timeout: float = 60.0, start: int = 0) -> str:
        """Block until stderr (from offset `start`) contains `condition` (a string) or satisfies it (a predicate).

        For lines a call writes while it is still running (progress during a wait); it returns as soon as the
        drain thread has read the line. Raises AssertionError after `timeout` seconds, or if the server exits.
        """

        def holds(text: str) -> bool:
            tail = text[start:]
            return condition in tail if isinstance(condition, str) else condition(tail)

        found = self._stderr.wait_for(holds, timeout)
        if found is None:
            tail = self._stderr.text()[start:][-2000:]
            raise AssertionError(f"stderr did not show what was awaited within {timeout:g} s; it ends with:\n{tail}")
        return found[start:]

    def stdout_text(self) -> str:
        """Everything written to stdout after the port line (provider `print()` output), synced like stderr."""
        text = self._stdout.sync()
        return text.split("\n", 1)[1] if "\n" in text else ""

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
