"""The engine harness drives the real SDK server (`python -u -m pulumi.dynamic`) as the Pulumi engine does:
checked with the toy provider.

What the provider saw is asserted from the provider side: EchoProvider writes the Python type of each value
to stderr and echoes config, thread and inputs into its outputs.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dill
import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from harness.engine import (
    UNKNOWN,
    ProviderError,
    ProviderServer,
    Secret,
    _Pipe,
    apply_additional_secret_outputs,
    secret,
    to_struct,
)
from harness.toy_provider import COMPUTED, EchoProvider

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = {
    "alicloud:accessKey": "demo-access-key-id",
    "alicloud:secretKey": "demo-access-key-secret",
    "emr:endpoint": "127.0.0.1:9",
    "ray-clusters:owner": "data-platform",
}


@pytest.fixture(scope="module")
def server() -> Iterator[ProviderServer]:
    with ProviderServer(ROOT) as srv:
        srv.configure(DEMO_CONFIG, secret_keys=["alicloud:secretKey"])
        yield srv


@pytest.fixture
def echo() -> EchoProvider:
    return EchoProvider()


def _created(server: ProviderServer, provider: EchoProvider, name: str, **props: object) -> tuple[str, dict]:
    return server.create(provider, server.urn(name), {"name": name, **props})


def test_configure_delivers_whole_namespaced_config_with_secrets_unwrapped(server: ProviderServer) -> None:
    keys = ("alicloud:accessKey", "alicloud:secretKey", "emr:endpoint", "owner", "alicloud:region")
    _, outs = _created(server, EchoProvider(config_keys=keys), "cfg")

    # A bare key resolves in the project namespace; a missing key is None.
    assert outs["configSeen"] == {
        "alicloud:accessKey": "demo-access-key-id",
        "alicloud:secretKey": "demo-access-key-secret",
        "emr:endpoint": "127.0.0.1:9",
        "owner": "data-platform",
        "alicloud:region": None,
    }
    assert "echo configure: alicloud:accessKey=str alicloud:secretKey=str" in server.stderr_text()
    assert (server.accept_secrets, server.supports_preview) == (False, False)


def test_check_sees_floats_unknowns_and_reports_failures(server: ProviderServer, echo: EchoProvider) -> None:
    urn = server.urn("chk")
    result = server.check(echo, urn, {}, {"name": 7, "size": 2, "tag": UNKNOWN, "note": None})

    assert result.failures == [("name", "name must be a string, got float")]
    assert "echo check: name=float size=float tag=pulumi.output.Unknown\n" in server.stderr_text()
    assert result.inputs["tag"] is UNKNOWN
    assert "note" not in result.inputs  # null properties vanish on the way in


def test_diff_compares_old_outputs_with_new_inputs(server: ProviderServer, echo: EchoProvider) -> None:
    id_, outs = _created(server, echo, "dif", size=1)
    urn = server.urn("dif")

    assert server.diff(echo, id_, urn, outs, {"name": "dif", "size": 1}).changes == "DIFF_NONE"
    some = server.diff(echo, id_, urn, outs, {"name": "dif", "size": 3})
    assert (some.changes, some.replaces) == ("DIFF_SOME", [])
    replace = server.diff(echo, id_, urn, outs, {"name": "other", "size": 1})
    assert (replace.replaces, replace.delete_before_replace) == (["name"], True)
    unknown = server.diff(echo, id_, urn, outs, {"name": "dif", "size": UNKNOWN})
    assert unknown.changes == "DIFF_SOME"
    assert f"echo diff {id_}: changed=size" in server.stderr_text()

    # The SDK diffs against `olds` (old outputs) and ignores `old_inputs`.
    ignored = server.diff(echo, id_, urn, outs, {"name": "dif", "size": 1}, old_inputs={"name": "dif", "size": 99})
    assert ignored.changes == "DIFF_NONE"


def test_create_read_update_delete_round_trip(server: ProviderServer, echo: EchoProvider) -> None:
    urn = server.urn("crud")
    id_, outs = server.create(echo, urn, {"name": "crud", "size": 1, "labels": ["a", "b"]})
    assert id_ == "echo-crud"
    assert isinstance(outs["size"], float) and outs["size"] == 1.0
    assert outs["labels"] == ["a", "b"]
    assert outs["thread"].startswith("ThreadPoolExecutor")

    read_id, read_outs, read_inputs = server.read(echo, id_, urn, outs, {"name": "crud", "size": 1})
    assert read_id == id_
    assert {k: v for k, v in read_outs.items() if k != "__provider"} == {
        k: v for k, v in outs.items() if k != "__provider"
    }
    assert read_inputs is not None
    assert set(read_inputs) - {"__provider"} == {"name", "size", "labels"}
    assert not COMPUTED & set(read_inputs)

    gone_id, _, _ = server.read(echo, id_, urn, {**outs, "gone": True})
    assert gone_id == ""

    new_outs = server.update(echo, id_, urn, outs, {"name": "crud", "size": 2})
    assert (new_outs["size"], new_outs["updatedBy"]) == (2.0, "EchoProvider")
    assert new_outs["startedAt"] == outs["startedAt"]  # the toy keeps computed outputs across updates
    assert "labels" not in new_outs

    server.delete(echo, id_, urn, new_outs)
    assert f"echo delete {id_}\n" in server.stderr_text()


def test_secrets_are_stripped_for_the_provider_and_re_marked_on_outputs(
    server: ProviderServer, echo: EchoProvider
) -> None:
    urn = server.urn("sec")
    checked = server.check(echo, urn, {}, {"name": "sec", "password": secret("demo-password")})
    assert isinstance(checked.inputs["password"], Secret)
    assert "echo check: name=str password=str\n" in server.stderr_text()  # plain str in the provider

    _, outs = server.create(echo, urn, checked.inputs)
    assert outs["password"] == Secret("demo-password")
    assert isinstance(outs["__provider"], Secret)  # Resource marks the serialized provider secret
    assert not isinstance(outs["thread"], Secret)

    marked = apply_additional_secret_outputs(dict(outs), ["thread", "id", "absent"])
    assert isinstance(marked["thread"], Secret) and "absent" not in marked


def test_provider_exceptions_surface_as_provider_error(server: ProviderServer, echo: EchoProvider) -> None:
    with pytest.raises(ProviderError) as create_err:
        _created(server, echo, "boom", raiseOnCreate="quota exceeded for demo")
    assert create_err.value.code == grpc.StatusCode.UNKNOWN
    assert create_err.value.message == "RuntimeError: quota exceeded for demo"
    assert "Traceback" in create_err.value.details  # the user sees the whole traceback

    with pytest.raises(ProviderError, match="RuntimeError: bad check"):
        server.check(echo, server.urn("boom"), {}, {"name": "boom", "raiseInCheck": "bad check"})


def test_preview_create_never_reaches_a_dynamic_provider(server: ProviderServer, echo: EchoProvider) -> None:
    urn = server.urn("pre")
    id_, planned = server.create(echo, urn, {"name": "pre", "size": 1}, preview=True)
    assert id_ == ""
    assert "thread" not in planned  # the engine plans with the inputs; nothing ran

    # Gotcha: the SDK server ignores `preview`; were the engine to send it, the resource would be created.
    raw = provider_pb2.CreateRequest(
        urn=urn,
        name="pre",
        type="pulumi-python:dynamic:Resource",
        preview=True,
        properties=to_struct({"name": "pre", "__provider": server.serialized_provider(echo)}, keep_secrets=False),
    )
    assert server.stub.Create(raw, timeout=30).id == "echo-pre"


def test_four_worker_threads_serve_concurrent_creates(
    server: ProviderServer, echo: EchoProvider, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    mark = len(server.stderr_text())

    def create(i: int) -> dict:
        return _created(server, echo, f"par{i}", holdUntilFile=str(release))[1]

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(create, i) for i in range(8)]
        # Held creates block their worker thread: 4 of them are running at once before any may finish.
        server.wait_for_stderr(lambda text: text.count(": holding\n") >= 4, start=mark)
        release.touch()
        results = [future.result() for future in futures]

    spans = [(r["startedAt"], r["endedAt"]) for r in results]
    peak = max(sum(1 for s, e in spans if s <= t < e) for t, _ in spans)
    assert peak == 4  # 4 run at once; the other 4 queue in the server until a thread is free
    assert len({r["thread"] for r in results}) == 4


def test_stderr_text_holds_every_line_of_every_call_that_returned(server: ProviderServer, echo: EchoProvider) -> None:
    # No settling time: each call's line must be there the moment the call has returned.
    for i in range(40):
        id_, outs = _created(server, echo, f"line{i}")
        server.delete(echo, id_, server.urn(f"line{i}"), outs)
        assert server.stderr_text().endswith(f"echo delete {id_}\n")
    assert "harness-sync" not in server.stderr_text()


def test_pipe_sync_marker_is_cut_out_of_a_line_it_lands_in() -> None:
    pipe = _Pipe("test")
    pipe.start()
    try:
        os.write(pipe.child_end, b"half a ")  # another server thread is in the middle of a line
        assert pipe.sync() == "half a "
        os.write(pipe.child_end, "line \u00fc".encode()[:-1])  # ... and of a character
        assert pipe.sync() == "half a line "
        os.write(pipe.child_end, "line \u00fc".encode()[-1:] + b"\nnext\n")
        assert pipe.sync() == "half a line \u00fc\nnext\n"
    finally:
        pipe.close_writer()
        pipe.join(5)
    assert pipe.sync() == "half a line \u00fc\nnext\n"  # after EOF: everything, at once


def test_serialized_provider_is_a_small_by_reference_pickle(server: ProviderServer) -> None:
    serialized = server.serialized_provider(EchoProvider(config_keys=("emr:endpoint",)))
    raw = base64.b64decode(serialized)
    assert b"harness.toy_provider" in raw and b"co_code" not in raw
    restored = dill.loads(raw)
    assert type(restored) is EchoProvider and restored.config_keys == ("emr:endpoint",)
    again = server.serialized_provider(EchoProvider(config_keys=("emr:endpoint",)))
    assert again == serialized  # deterministic: a re-run does not show __provider as changed


def test_process_observation(server: ProviderServer) -> None:
    assert server.plugin_info() == "0.1.0"
    assert 10_000_000 < server.rss_bytes() <= server.peak_rss_bytes()


def test_start_failure_reports_the_server_stderr(tmp_path: Path) -> None:
    shadow = tmp_path / "pulumi"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('shadowed pulumi for the start-failure test')\n")
    with pytest.raises(RuntimeError, match="shadowed pulumi for the start-failure test"):
        ProviderServer(tmp_path, start_timeout=10)
