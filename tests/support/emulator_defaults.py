"""The settings every test's emulator starts from (tests/conftest.py resets the session emulator to them)."""

from __future__ import annotations

TEST_STARTUP_SECONDS = 0.2
DEFAULT_CONFIG = {
    "startupSeconds": TEST_STARTUP_SECONDS,
    "stopSeconds": TEST_STARTUP_SECONDS,
    "updateMode": "immediate",
    "startupFailureMessage": None,
    "omitKeys": [],
    "rateLimits": {},
}
