"""Tiny dynamic providers for testing the engine harness and for overhead baselines.

They live in an importable module so dill pickles them by reference (the class is named, not copied), exactly
like our real provider. They report what they saw (types, config, thread) through stderr and outputs so the
tests can assert the provider-side view of the protocol.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

PROVIDER_KEY = "__provider"
COMPUTED = frozenset({"configSeen", "thread", "startedAt", "endedAt", "updatedBy"})
"""Outputs EchoProvider computes itself; everything else in its outputs is an echoed input."""

HOLD_TIMEOUT_SECONDS = 60.0
"""A held create fails after this long without its release file (a failure bound: tests release it)."""


def _type_name(value: Any) -> str:
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


def _user_props(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}


def _hold(name: str, release: str) -> None:
    """Say that this call is running, then block until the test creates `release` (a file: no channel back)."""
    sys.stderr.write(f"echo create {name}: holding\n")  # one write: parallel creates do not interleave
    sys.stderr.flush()
    deadline = time.monotonic() + HOLD_TIMEOUT_SECONDS
    while not os.path.exists(release):
        if time.monotonic() > deadline:
            raise RuntimeError(f"create {name} was never released ({release} does not exist)")
        time.sleep(0.005)


class EchoProvider(ResourceProvider):
    """Create returns id `echo-<name>` and its inputs as outputs; diff compares olds and news.

    Switches read from the inputs: `raiseInCheck`, `raiseOnCreate`, `raiseOnDelete` (raise with that text),
    `holdUntilFile` (create writes `echo create <name>: holding` to stderr, then blocks until that file exists),
    `gone` (read reports the resource as deleted). `startedAt`/`endedAt` are the server's `time.monotonic()`.
    """

    def __init__(self, config_keys: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.config_keys = config_keys
        self._config: dict[str, Any] = {}

    def configure(self, req: ConfigureRequest) -> None:
        # Record only the keys the test asked about, with their Python type, never printing values.
        self._config = {key: req.config.get(key) for key in self.config_keys}
        kinds = " ".join(f"{key}={_type_name(value)}" for key, value in self._config.items())
        print(f"echo configure: {kinds}", file=sys.stderr, flush=True)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        kinds = " ".join(f"{k}={_type_name(v)}" for k, v in sorted(_user_props(news).items()))
        print(f"echo check: {kinds}", file=sys.stderr, flush=True)
        if "raiseInCheck" in news:
            raise RuntimeError(str(news["raiseInCheck"]))
        failures = []
        if not isinstance(news.get("name"), str):
            failures.append(CheckFailure("name", f"name must be a string, got {_type_name(news.get('name'))}"))
        return CheckResult(news, failures)

    def diff(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        old_inputs = {k: v for k, v in _user_props(olds).items() if k not in COMPUTED}
        new_inputs = _user_props(news)
        changed = sorted(k for k in old_inputs.keys() | new_inputs.keys() if old_inputs.get(k) != new_inputs.get(k))
        print(f"echo diff {id_}: changed={','.join(changed) or '-'}", file=sys.stderr, flush=True)
        replaces = ["name"] if "name" in changed else []
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces))

    def create(self, props: dict[str, Any]) -> CreateResult:
        started = time.monotonic()
        if "raiseOnCreate" in props:
            raise RuntimeError(str(props["raiseOnCreate"]))
        if "holdUntilFile" in props:
            _hold(str(props.get("name")), str(props["holdUntilFile"]))
        outs = {
            **_user_props(props),
            "configSeen": self._config,
            "thread": threading.current_thread().name,
            "startedAt": started,
            "endedAt": time.monotonic(),
        }
        return CreateResult(f"echo-{props.get('name', 'anonymous')}", outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        if props.get("gone"):
            # Not found: an empty id. `outs` must still be a dict (the SDK server writes into it).
            return ReadResult("", {})
        outs = _user_props(props)
        inputs = {k: v for k, v in outs.items() if k not in COMPUTED}
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        computed = {k: v for k, v in _user_props(olds).items() if k in COMPUTED}
        print(f"echo update {id_}", file=sys.stderr, flush=True)
        return UpdateResult({**computed, **_user_props(news), "updatedBy": "EchoProvider"})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        print(f"echo delete {id_}", file=sys.stderr, flush=True)
        if "raiseOnDelete" in props:
            raise RuntimeError(str(props["raiseOnDelete"]))


class EmptyProvider(ResourceProvider):
    """Does nothing: the floor of what one gRPC round trip through the SDK server costs."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        return CheckResult(news, [])

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("empty", {})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, dict(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(dict(news))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None
