"""API traffic of one cluster per preview and per `up`: calls by action and request bytes.

The provider runs in the real `python -m pulumi.dynamic` server and reaches the emulator through a counting
HTTP/1.1 proxy, so request sizes are what our client really sent: request line, headers (signature
included) and body. Limits we hold the provider to: one GetRayCluster per cluster per preview, one UpdateRayCluster per
changed cluster, zero writes when nothing changed. Baseline: a naive provider that sends the full
`api_body()` as UpdateRayCluster (sent with our client through the same proxy, to a twin cluster).

    .venv/bin/python -m bench.bench_traffic
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench import WORKSPACE, Engine, Row, cluster_inputs, provider_server, row

NAME = "traffic"
WRITES = frozenset({"CreateRayCluster", "UpdateRayCluster", "DeleteRayCluster", "StartRayCluster", "StopRayCluster"})


@dataclass(frozen=True)
class Sent:
    """One HTTP request as it crossed the wire."""

    action: str
    total_bytes: int
    body_bytes: int


class _RequestSplitter:
    """Cuts one connection's client->server byte stream into requests (httpx sends Content-Length bodies)."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[Sent]:
        self._buffer += data
        found: list[Sent] = []
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            head = self._buffer[: end + 4]
            headers = {}
            for line in head.decode("latin-1").split("\r\n")[1:]:
                key, _, value = line.partition(":")
                headers[key.strip().lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if len(self._buffer) < len(head) + length:
                break
            found.append(Sent(headers.get("x-acs-action", "?"), len(head) + length, length))
            self._buffer = self._buffer[len(head) + length :]
        return found


class CountingProxy:
    """A loopback TCP forwarder that records every request passing through it."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._sent: list[Sent] = []
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self) -> list[Sent]:
        """The requests seen since the last take (complete once the client has had its answers)."""
        with self._lock:
            sent, self._sent = self._sent, []
        return sent

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # listener closed
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, _RequestSplitter()), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, None), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, splitter: _RequestSplitter | None) -> None:
        try:
            while data := source.recv(65536):
                if splitter is not None:
                    requests = splitter.feed(data)
                    with self._lock:  # recorded before forwarding: complete when the answer arrives
                        self._sent += requests
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()


def _five_fields() -> dict[str, Any]:
    news = cluster_inputs(name="analytics-v2", description="five fields changed", extraParam='{"team":"ml"}')
    news["volumeIds"] = ["vol-a", "vol-c"]
    news["headSpec"]["cpu"] = 8
    return news


def _worker_group() -> dict[str, Any]:
    news = cluster_inputs()
    news["workerSpec"][1]["replica"] = 3
    return news


SCENARIOS: dict[str, Callable[[], dict[str, Any]]] = {
    "1 field (name)": lambda: cluster_inputs(name="analytics-v2"),
    "5 fields": _five_fields,
    "worker group": _worker_group,
}


@dataclass(frozen=True)
class Traffic:
    """What one step sent, from the emulator's journal (calls, keys) and the proxy (bytes)."""

    calls: Counter[str]
    update_keys: list[str]
    sent: list[Sent]

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(n for action, n in self.calls.items() if action in WRITES)

    def bytes_of(self, action: str | None = None) -> tuple[int, int]:
        """(wire bytes, body bytes) of the requests of one action (all when None)."""
        chosen = [s for s in self.sent if action is None or s.action == action]
        return sum(s.total_bytes for s in chosen), sum(s.body_bytes for s in chosen)

    def summary(self) -> str:
        return ", ".join(f"{a.removesuffix('RayCluster')} {n}" for a, n in sorted(self.calls.items()))


def _measure(emulator: Any, proxy: CountingProxy, step: Callable[[], Any]) -> tuple[Any, Traffic]:
    emulator.reset()
    proxy.take()
    result = step()
    journal = emulator.journal()
    keys = sorted({key for e in journal if e["action"] == "UpdateRayCluster" for key in e["body"] or {}})
    return result, Traffic(Counter(e["action"] for e in journal), keys, proxy.take())


def _api(emulator: Any, url: str) -> Any:
    from provider.client.api import RayClusterApi
    from provider.client.credentials import Credentials, StaticCredentials

    credentials = StaticCredentials(Credentials(emulator.access_key_id, emulator.access_key_secret))
    return RayClusterApi(url, credentials, trust_env=False)


def _body(props: dict[str, Any]) -> dict[str, Any]:
    from provider.schema.spec import check_inputs

    inputs, failures = check_inputs(props)
    if inputs is None:
        raise ValueError(f"invalid benchmark inputs: {failures}")
    return inputs.api_body()


def run(quick: bool = False) -> list[Row]:
    """Create one cluster (and a twin for the naive baseline), then preview and `up` each scenario."""
    from harness.emulator import start_emulator
    from provider.resource import RayClusterProvider

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        emulator = start_emulator(Path(tmp), startup_seconds=0.2)
        proxy = CountingProxy(("127.0.0.1", emulator.port))
        try:
            with provider_server(proxy.url) as server, _api(emulator, proxy.url) as naive_api:
                engine = Engine(server, RayClusterProvider(), "analytics")
                cluster_id, outputs = engine.create(cluster_inputs())
                twin_id = naive_api.create(WORKSPACE, _body(cluster_inputs(name="naive-twin")))

                changes, t = _measure(emulator, proxy, lambda: engine.preview(cluster_id, outputs, cluster_inputs()))
                assert changes == "DIFF_NONE", changes
                wire, _ = t.bytes_of()
                rows += [
                    row(NAME, f"preview, unchanged: API calls ({t.summary()})", t.total, "calls", 1,
                        baseline_is="limit", aim="1 Get"),
                    row(NAME, "preview, unchanged: writes", t.writes, "calls", 0, baseline_is="limit", aim="0"),
                    row(NAME, "preview, unchanged: request bytes on the wire", wire, "B"),
                ]  # fmt: skip
                _, t = _measure(emulator, proxy, lambda: engine.update(cluster_id, outputs, cluster_inputs()))
                rows.append(row(NAME, f"up, unchanged: writes ({t.summary()})", t.writes, "calls", 0,
                                baseline_is="limit", aim="0"))  # fmt: skip

                for label, make in SCENARIOS.items():
                    news = make()
                    changes, t = _measure(emulator, proxy, partial(engine.preview, cluster_id, outputs, news))
                    assert changes == "DIFF_SOME", (label, changes)
                    rows.append(row(NAME, f"preview, {label}: API calls ({t.summary()})", t.total, "calls", 1,
                                    baseline_is="limit", aim="1 Get"))  # fmt: skip

                    _, naive = _measure(emulator, proxy, partial(naive_api.update, WORKSPACE, twin_id, _body(news)))
                    naive_wire, naive_body = naive.bytes_of("UpdateRayCluster")
                    new_outputs, t = _measure(emulator, proxy, partial(engine.update, cluster_id, outputs, news))
                    wire, body = t.bytes_of("UpdateRayCluster")
                    all_wire, _ = t.bytes_of()
                    rows += [
                        row(NAME, f"up, {label}: UpdateRayCluster calls ({t.summary()})", t.calls["UpdateRayCluster"],
                            "calls", 1, baseline_is="limit", aim="1"),
                        row(NAME, f"up, {label}: Update body bytes (sends {', '.join(t.update_keys)})", body, "B",
                            naive_body, baseline_is="naive full spec", aim="< 1"),
                        row(NAME, f"up, {label}: Update request bytes on the wire", wire, "B", naive_wire,
                            baseline_is="naive full spec", aim="< 1"),
                        row(NAME, f"up, {label}: all request bytes on the wire ({t.total} calls)", all_wire, "B"),
                    ]  # fmt: skip
                    # Back to the base spec for the next scenario (not measured); the twin too.
                    outputs = engine.update(cluster_id, new_outputs, cluster_inputs())
                    naive_api.update(WORKSPACE, twin_id, _body(cluster_inputs(name="naive-twin")))
        finally:
            proxy.close()
            emulator.stop()
    return rows


if __name__ == "__main__":
    from bench.run import markdown

    print(markdown(run()))
