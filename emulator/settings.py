"""Run-time settings: fixed at start (credentials, db) or changeable through PATCH /_emulator/config."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from emulator.faults import FaultRule
from emulator.lifecycle import Timing
from emulator.signature import Credentials

# Documented demo keys: the emulator's defaults, safe to print and to commit in tests.
DEMO_ACCESS_KEY_ID = "demo-access-key-id"
DEMO_ACCESS_KEY_SECRET = "demo-access-key-secret"  # noqa: S105 - a documented demo value, not a secret
UPDATE_MODES = ("immediate", "restart-required")


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

    def timing(self) -> Timing:
        return Timing(self.startup_seconds, self.stop_seconds, self.startup_failure_message)

    def config_json(self) -> dict[str, Any]:
        return {
            "startupSeconds": self.startup_seconds,
            "stopSeconds": self.stop_seconds,
            "updateMode": self.update_mode,
            "startupFailureMessage": self.startup_failure_message,
        }


def caller_identity(access_key_id: str) -> dict[str, str]:
    """A stable fake RAM user per access key (creator/modifier fields), and one main account."""
    digest = int.from_bytes(hashlib.sha256(access_key_id.encode()).digest()[:8], "big")
    return {
        "uid": str(200000000000000000 + digest % 10**17),
        "name": "emulator-user",
        "account": "1234567890123456",
    }
