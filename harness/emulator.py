"""Start and drive an emulator process for tests and benchmarks: the contract of /work/briefs/common.md.

`start_emulator(tmp_path, **flags)` runs `python -m emulator` on a free port and returns an `Emulator`
handle (also a context manager). Flags are the CLI flags in snake_case, e.g. `startup_seconds=0.2`,
`update_mode="restart-required"`, `fault=["GetRayCluster:drop"]`.

`sdk_signed_headers` signs a request with the official SDK's own signer, so hand-crafted requests
(replay, tampering, expired dates) are judged against the SDK, not against code of ours.
"""

from __future__ import annotations

import hashlib
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx

from harness.waiting import DEFAULT_TIMEOUT, wait_for

DEMO_ACCESS_KEY_ID = "demo-access-key-id"
DEMO_ACCESS_KEY_SECRET = "demo-access-key-secret"  # noqa: S105 (the documented demo key, not a secret)
READY_PREFIX = "emulator listening on "
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class EmulatorStartError(RuntimeError):
    pass


def _cli_args(flags: dict[str, Any]) -> list[str]:
    args: list[str] = []
    for key, value in flags.items():
        if value is None:
            continue
        option = "--" + key.replace("_", "-")
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            args += [option, str(v)]
    return args


class Emulator:
    """One emulator process; `restart()` keeps its port and db."""

    def __init__(self, db: Path, log: Path, flags: dict[str, Any], port: int = 0) -> None:
        self.db, self.log, self.flags, self.port = db, log, dict(flags), port
        self.access_key_id: str = flags.get("access_key_id") or DEMO_ACCESS_KEY_ID
        self.access_key_secret: str = flags.get("access_key_secret") or DEMO_ACCESS_KEY_SECRET
        self.security_token: str | None = flags.get("security_token")
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.endpoint = ""
        self._http: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"Emulator(url={self.url!r}, db={str(self.db)!r})"

    # -- process -----------------------------------------------------------------------------------
    def start(self, timeout: float = DEFAULT_TIMEOUT) -> Emulator:
        command = [sys.executable, "-m", "emulator", "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--db", str(self.db), *_cli_args(self.flags)]
        log = self.log.open("a")
        self.process = subprocess.Popen(  # noqa: S603 (our interpreter, fixed arguments)
            command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        log.close()
        line = self._read_ready_line(timeout)
        self.url = line[len(READY_PREFIX) :].strip()
        self.endpoint = self.url.removeprefix("http://")
        self.port = int(self.endpoint.rsplit(":", 1)[1])
        self._http = httpx.Client(base_url=self.url, timeout=10.0)
        return self

    def _read_ready_line(self, timeout: float) -> str:
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.05)
            if ready:
                line = self.process.stdout.readline()
                if line.startswith(READY_PREFIX):
                    return line
                if not line and self.process.poll() is not None:
                    break
            elif self.process.poll() is not None:
                break
        self.stop()
        raise EmulatorStartError(f"emulator did not start; log {self.log}:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None
        proc, self.process = self.process, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()

    def kill(self) -> None:
        """Hard stop (SIGKILL), as a crash would."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=5)
        self.stop()

    def restart(self) -> None:
        """Stop and start again on the same port and db (runtime config/faults/journal are lost)."""
        self.stop()
        self.start()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control API -------------------------------------------------------------------------------
    @property
    def http(self) -> httpx.Client:
        """Plain client for the control API (and for hand-made Alibaba API requests)."""
        if self._http is None:
            raise RuntimeError("emulator is not running")
        return self._http

    def _control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, "/_emulator" + path, **kwargs)
        response.raise_for_status()
        return response.json()

    def journal(self, action: str | None = None) -> list[dict[str, Any]]:
        params = {"action": action} if action else None
        return list(self._control("GET", "/requests", params=params)["requests"])

    def reset(self, clusters: bool = False) -> None:
        self._control("POST", "/reset", json={"clusters": clusters})

    def set_faults(self, rules: list[dict[str, Any]], latency_ms: int = 0) -> None:
        self._control("PUT", "/faults", json={"latencyMs": latency_ms, "rules": rules})

    def clear_faults(self) -> None:
        self._control("DELETE", "/faults")

    def faults(self) -> dict[str, Any]:
        return dict(self._control("GET", "/faults"))

    def configure(self, **keys: Any) -> None:
        """PATCH /_emulator/config with camelCase keys (startupSeconds, updateMode, ...)."""
        self._control("PATCH", "/config", json=keys)

    def config(self) -> dict[str, Any]:
        return dict(self._control("GET", "/config"))

    def clusters(self) -> list[dict[str, Any]]:
        return list(self._control("GET", "/clusters")["clusters"])

    def force_state(self, cluster_id: str, state: str, message: str | None = None) -> None:
        self._control("POST", f"/clusters/{cluster_id}/state", json={"state": state, "message": message})

    # -- clients -----------------------------------------------------------------------------------
    def drop_idle_sdk_connections(self) -> None:
        """Close the official SDK's pooled keep-alive connections to this emulator (call between tests).

        The SDK keeps one `requests` session per host for the whole process (`DaraCore._sessions`), so its
        connections outlive the test that opened them. One left idle past the server's keep-alive timeout
        (uvicorn: 5 s) can be closed by the server just as the next request reuses it ("Remote end closed
        connection without response"); a loaded machine widens that window. A test then starts with none.
        """
        from darabonba.core import DaraCore

        prefix = f"http://{self.endpoint}:"
        for key, session in list(DaraCore._sessions.items()):
            if key.startswith(prefix):
                session.close()  # idle connections closed; the session opens new ones when next used

    def sdk(self, **config: Any) -> Any:
        """The official SDK client pointed at this emulator (protocol HTTP, no retries)."""
        from alibabacloud_emr_serverless_spark20230808.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        values: dict[str, Any] = {
            "access_key_id": self.access_key_id,
            "access_key_secret": self.access_key_secret,
            "security_token": self.security_token,
            "endpoint": self.endpoint,
            "protocol": "HTTP",
            **config,
        }
        return Client(open_api_models.Config(**values))

    def signed_request(
        self,
        method: str,
        path: str,
        action: str,
        body: bytes = b"",
        query: dict[str, str] | None = None,
        **sign: Any,
    ) -> httpx.Request:
        """A request signed by the SDK's signer (see sdk_signed_headers), ready for `self.http.send`."""
        headers = sdk_signed_headers(
            method, path, action, self.endpoint, body, query,
            sign.pop("access_key_id", self.access_key_id),
            sign.pop("access_key_secret", self.access_key_secret),
            **sign,
        )  # fmt: skip
        return self.http.build_request(method, path, params=query, content=body or None, headers=headers)


def sdk_signed_headers(
    method: str,
    path: str,
    action: str,
    host: str,
    body: bytes = b"",
    query: dict[str, str] | None = None,
    access_key_id: str = DEMO_ACCESS_KEY_ID,
    access_key_secret: str = DEMO_ACCESS_KEY_SECRET,
    *,
    date: datetime | None = None,
    nonce: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers as the official SDK builds them, signed with its `Utils.get_authorization`."""
    from alibabacloud_tea_openapi.utils import Utils

    headers = {
        "host": host,
        "x-acs-version": "2023-08-08",
        "x-acs-action": action,
        "user-agent": "tests",
        "x-acs-date": (date or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "x-acs-signature-nonce": nonce or Utils.get_nonce(),
        "accept": "application/json",
        "x-acs-content-sha256": hashlib.sha256(body).hexdigest(),
        **(extra_headers or {}),
    }
    if body:
        headers["content-type"] = "application/json; charset=utf-8"
    request = SimpleNamespace(method=method, pathname=path, query=query or {}, headers=headers)
    headers["Authorization"] = Utils.get_authorization(
        request, "ACS3-HMAC-SHA256", headers["x-acs-content-sha256"], access_key_id, access_key_secret
    )
    return headers


def start_emulator(tmp_path: Path, **flags: Any) -> Emulator:
    """Start a private emulator; `db=` overrides the default `tmp_path/emulator.db`."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = Path(flags.pop("db", tmp_path / "emulator.db"))
    log = tmp_path / f"emulator-{os.getpid()}-{time.monotonic_ns()}.log"
    return Emulator(db, log, flags).start()


def wait_for_state(
    emulator: Emulator, workspace_id: str, cluster_id: str, states: Iterable[str], timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """Poll GetRayCluster (via the SDK) until the state is one of `states`; `timeout` only bounds a failure."""
    wanted = set(states)
    client = emulator.sdk()
    last: dict[str, Any] = {}

    def reached() -> dict[str, Any] | None:
        last.clear()
        last.update(client.get_ray_cluster(workspace_id, cluster_id).body.to_map())
        return dict(last) if last.get("state") in wanted else None

    what = f"{cluster_id} to be {' or '.join(sorted(wanted))}"
    return wait_for(reached, what, timeout, describe=lambda: f"last seen {last.get('state')}")
