"""Run-time settings: fixed at start (credentials, db) or changeable through PATCH /_emulator/config."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from emulator.faults import FaultRule
from emulator.lifecycle import Timing
from emulator.quota import Limit, limits_json
from emulator.signature import Credentials

# Documented demo keys: the emulator's defaults, safe to print and to commit in tests.
DEMO_ACCESS_KEY_ID = "demo-access-key-id"
DEMO_ACCESS_KEY_SECRET = "demo-access-key-secret"  # noqa: S105 - a documented demo value, not a secret
UPDATE_MODES = ("immediate", "restart-required")
_OMIT_SEGMENT = re.compile(r"[A-Za-z0-9]+")


def check_omit_keys(paths: Iterable[str]) -> list[str]:
    """Validate `--omit-key` / `omitKeys` paths: dotted segments of ASCII letters and digits, none empty."""
    checked: list[str] = []
    for path in paths:
        if not isinstance(path, str) or not all(_OMIT_SEGMENT.fullmatch(s) for s in path.split(".")):
            raise ValueError(
                "an omit key (--omit-key, omitKeys) must be a dotted path of letters and digits into a "
                f"GetRayCluster body, like headSpec.env or workerSpec.rayStartParams; got {path!r}"
            )
        checked.append(path)
    return checked


@dataclass
class Settings:
    db: str
    credentials: Credentials = field(default_factory=lambda: Credentials(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
    startup_seconds: float = 2.0
    stop_seconds: float = 2.0
    update_mode: str = "immediate"
    startup_failure_message: str | None = None
    latency_ms: int = 0
    faults: list[FaultRule] = field(default_factory=list)
    # Dotted paths left out of GetRayCluster / ListRayCluster answers (never out of the store).
    omit_keys: list[str] = field(default_factory=list)
    # Per-action quotas (emulator/quota.py): {action or "*": Limit}; the gateway's RateLimiter enforces them.
    rate_limits: dict[str, Limit] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.omit_keys = check_omit_keys(self.omit_keys)

    def timing(self) -> Timing:
        return Timing(self.startup_seconds, self.stop_seconds, self.startup_failure_message)

    def config_json(self) -> dict[str, Any]:
        return {
            "startupSeconds": self.startup_seconds,
            "stopSeconds": self.stop_seconds,
            "updateMode": self.update_mode,
            "startupFailureMessage": self.startup_failure_message,
            "omitKeys": list(self.omit_keys),
            "rateLimits": limits_json(self.rate_limits),
        }


def caller_identity(access_key_id: str) -> dict[str, str]:
    """A stable fake RAM user per access key (creator/modifier fields), and one main account."""
    digest = int.from_bytes(hashlib.sha256(access_key_id.encode()).digest()[:8], "big")
    return {
        "uid": str(200000000000000000 + digest % 10**17),
        "name": "emulator-user",
        "account": "1234567890123456",
    }
