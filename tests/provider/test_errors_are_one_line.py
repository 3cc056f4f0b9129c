"""A failed call ends with the provider's own actionable message, whole, under a short traceback.

The SDK's server sends the whole ``traceback.format_exc()`` as the error the engine prints; before, a refused
connection gave 105 lines of chained httpx tracebacks, and missing credentials 45 lines of the credentials
library's logging on stderr. Through the real gRPC server.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.emulator import Emulator
from harness.engine import ProviderError
from tests.support.provider_server import private_engine, provider_config, small_cluster

MAX_LINES = 15


def _failed_diff(config: dict[str, str], env: dict[str, str]) -> tuple[ProviderError, str]:
    with private_engine(None, config=config, env=env) as engine:
        props = small_cluster()
        with pytest.raises(ProviderError) as failed:
            engine.server.diff(engine.provider, "ray-x", engine.urn, dict(props), dict(props))
        return failed.value, engine.server.stderr_text()


def _no_credentials_env(home: Path) -> dict[str, str]:
    env = {k: "" for k in os.environ if k.startswith(("ALIBABA_CLOUD_", "ALICLOUD_"))}
    return {**env, "HOME": str(home), "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true"}


def test_a_refused_connection(emulator: Emulator) -> None:
    error, stderr = _failed_diff({**provider_config(emulator), "emr:endpoint": "http://127.0.0.1:1"}, {})
    lines = error.details.strip().splitlines()
    assert len(lines) <= MAX_LINES, error.details
    assert lines[-1].endswith("GetRayCluster ray-x: TransportError: ConnectError: [Errno 111] Connection refused")
    assert "During handling" not in error.details and "direct cause" not in error.details
    assert stderr == ""


def test_a_wrong_key(emulator: Emulator) -> None:
    error, _ = _failed_diff({**provider_config(emulator), "alicloud:secretKey": "not-the-secret"}, {})
    lines = error.details.strip().splitlines()
    assert len(lines) <= MAX_LINES, error.details
    assert "GetRayCluster ray-x: SignatureDoesNotMatch (HTTP 400)" in lines[-1] and "[requestId " in lines[-1]
    assert "not-the-secret" not in error.details


def test_no_credentials(emulator: Emulator, tmp_path: Path) -> None:
    error, stderr = _failed_diff({"emr:endpoint": emulator.url}, _no_credentials_env(tmp_path))
    lines = error.details.strip().splitlines()
    assert len(lines) <= MAX_LINES, error.details
    assert "No Alibaba Cloud credentials found" in lines[-1]
    assert lines[-1].endswith("or export ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET.")
    assert stderr == ""  # the credentials library's own logging stays off stderr
