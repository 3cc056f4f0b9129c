"""Per-API quotas: the service's flow control (`--rate-limit ACTION=N/s|N/min`, `rateLimits` in the config API).

Alibaba Cloud limits each API per account; beyond the quota the gateway answers `Throttling.User`. Here every
action has its own sliding window: at most N admitted requests in any window of one second (`N/s`) or one minute
(`N/min`), timed with a monotonic clock. A refused request is not counted, and its answer carries
`x-acs-retry-after`: the milliseconds until the oldest admitted request leaves the window, i.e. until a slot frees.
`*` gives every action without a limit of its own that limit, each action still in its own window. The emulator
knows one account (one access key), so a window per action is a window per account and action.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from emulator.routes import ACTIONS

EVERY_ACTION = "*"
WINDOWS = {"s": 1.0, "min": 60.0}
MAX_COUNT = 100_000  # a window remembers up to N instants: bound the memory a limit can take
_LIMIT = re.compile(r"([0-9]+)/(s|min)")
_FORMS = "N/s or N/min with N a whole number from 1 to 100000 (e.g. 20/s, 200/min)"


@dataclass(frozen=True)
class Limit:
    """At most `count` requests in any `window` seconds."""

    count: int
    unit: str

    @property
    def window(self) -> float:
        return WINDOWS[self.unit]

    def __str__(self) -> str:
        return f"{self.count}/{self.unit}"


def parse_limit(action: str, text: object) -> Limit:
    """`N/s` or `N/min` for `action`; ValueError with a one-line message otherwise."""
    if not isinstance(action, str) or (action != EVERY_ACTION and action not in ACTIONS):
        raise ValueError(
            f"a rate limit names an action ({', '.join(sorted(ACTIONS))}) or * for each of them; got {action!r}"
        )
    match = _LIMIT.fullmatch(text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match[1]) <= MAX_COUNT:
        raise ValueError(f"the rate limit of {action} must be {_FORMS}; got {text!r}")
    return Limit(int(match[1]), match[2])


def parse_cli_rate_limit(text: str) -> tuple[str, Limit]:
    """`ACTION=N/s` or `ACTION=N/min` from the command line, e.g. `ListRayCluster=200/min` or `*=20/s`."""
    action, sep, limit = text.partition("=")
    if not sep:
        raise ValueError(f"--rate-limit must be ACTION=N/s or ACTION=N/min (e.g. ListRayCluster=200/min); got {text!r}")
    return action, parse_limit(action, limit)


def check_rate_limits(limits: Mapping[str, object]) -> dict[str, Limit]:
    """Validate `{action: "N/s" | "N/min"}` (the config API's `rateLimits`); the first fault as ValueError."""
    return {action: parse_limit(action, text) for action, text in limits.items()}


def limits_json(limits: Mapping[str, Limit]) -> dict[str, str]:
    return {action: str(limit) for action, limit in limits.items()}


class RateLimiter:
    """One sliding window per action; thread-safe. `admit` says whether a request may go on."""

    def __init__(self, limits: Mapping[str, Limit] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits: dict[str, Limit] = dict(limits or {})
        self._admitted: dict[str, deque[float]] = {}

    def replace(self, limits: Mapping[str, Limit]) -> None:
        """New limits; every window starts empty."""
        with self._lock:
            self._limits = dict(limits)
            self._admitted.clear()

    def forget(self) -> None:
        """Empty every window (the limits stay)."""
        with self._lock:
            self._admitted.clear()

    def limits(self) -> dict[str, Limit]:
        with self._lock:
            return dict(self._limits)

    def admit(self, action: str) -> int | None:
        """None: admitted (and counted). Else refused: the milliseconds (>= 1) until a slot frees."""
        if not self._limits:  # the common case, without the lock: the dict is replaced, never changed in place
            return None
        with self._lock:
            limit = self._limits.get(action) or self._limits.get(EVERY_ACTION)
            if limit is None:
                return None
            now = self._clock()
            admitted = self._admitted.setdefault(action, deque())
            while admitted and admitted[0] + limit.window <= now:
                admitted.popleft()
            if len(admitted) < limit.count:
                admitted.append(now)
                return None
            return max(1, math.ceil((admitted[0] + limit.window - now) * 1000))
