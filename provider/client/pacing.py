"""Process-wide pacing of API calls: a schedule per action, so that bursts stay under the account's quota.

Alibaba Cloud limits each API per account, across all its keys and processes, and answers ``Throttling.User``
beyond it. One provider process serves every resource of a deployment on up to 64 threads, so a preview of 500
clusters would send its Gets as fast as the threads allow (135-240 per second measured), far above a typical
per-API limit. Every request first takes a slot from its action's schedule; a throttled answer that says how long
to wait (``x-acs-retry-after``) holds back that action for every thread, not only the one that was told.

The limit is per action, written like the console's quota pages: ``20/s``, ``600/min``, or per action
``ListRayCluster=5/s,GetRayCluster=50/s``; a bare rate applies to every action not named
(``10/s,ListRayCluster=2/s``); ``off`` sends unpaced. Calls of one action are spaced evenly, no burst, at
``HEADROOM`` of the limit (``20/s``: one every 53 ms), so that no window of a second holds more than the limit,
whether the service counts in fixed or in sliding windows, and a few milliseconds of jitter on the way do not
bunch two calls into one window. Set it with the stack config key ``emr:apiRateLimit`` (read in
``RayClusterProvider.configure``) or ``RAY_CLUSTERS_API_RATE_LIMIT`` in the provider's environment. The default,
``DEFAULT_LIMIT``, is 20 calls per second of each action: under the per-API quotas Alibaba Cloud commonly grants,
and still 500 Gets in 25 s.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from provider.schema.errors import EmrError, ThrottledError

#: Calls per second of each action when nothing is configured (see the module doc).
DEFAULT_LIMIT = "20/s"
#: The share of a limit the pacing uses: the rest absorbs jitter between our clock and the service's window.
HEADROOM = 0.95
RATE_LIMIT_ENV = "RAY_CLUSTERS_API_RATE_LIMIT"
CONFIG_KEY = "emr:apiRateLimit"

_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0}
_RATE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*([a-z]+)\s*$")
_ACTION = re.compile(r"^[A-Z][A-Za-z]+$")
_OFF = frozenset({"off", "none", "unlimited"})
_EXAMPLE = (
    'write N/s or N/min, per action Action=N/s joined by commas, or "off" '
    '(e.g. "20/s" or "ListRayCluster=5/s,GetRayCluster=50/s")'
)


@dataclass(frozen=True)
class Rate:
    """At most ``per_second`` calls per second, evenly spaced."""

    per_second: float

    def __str__(self) -> str:
        return f"{self.per_second:g}/s"


@dataclass(frozen=True)
class RateLimits:
    """The rate of each action: ``actions[name]`` when named, else ``default`` (None = unpaced)."""

    default: Rate | None = None
    actions: Mapping[str, Rate | None] = field(default_factory=dict)

    def of(self, action: str) -> Rate | None:
        return self.actions.get(action, self.default)


class RateLimitError(EmrError, ValueError):
    """A rate limit setting that cannot be read; the text names where it came from and how to write it."""


def parse_limits(text: str, where: str = CONFIG_KEY) -> RateLimits:
    """``"20/s"``, ``"ListRayCluster=5/s,GetRayCluster=50/s"``, ``"10/s,ListRayCluster=2/s"``, ``"off"``."""
    default: Rate | None = None
    actions: dict[str, Rate | None] = {}
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or not all(parts):
        raise RateLimitError(f"{where}: {text!r} is not a rate limit; {_EXAMPLE}")
    for part in parts:
        action, named, rate = part.rpartition("=")
        if named and not _ACTION.match(action.strip()):
            raise RateLimitError(f"{where}: {action.strip()!r} is not an API action like ListRayCluster; {_EXAMPLE}")
        parsed = _parse_rate(rate, where, text)
        if named:
            actions[action.strip()] = parsed
        else:
            default = parsed
    return RateLimits(default, actions)


def _parse_rate(text: str, where: str, whole: str) -> Rate | None:
    if text.strip().lower() in _OFF:
        return None
    match = _RATE.match(text.lower())
    if not match or match.group(2) not in _UNITS or float(match.group(1)) <= 0:
        raise RateLimitError(f"{where}: {whole!r} is not a rate limit; {_EXAMPLE}")
    return Rate(float(match.group(1)) / _UNITS[match.group(2)])


def limits_from(configured: str | None, env: Mapping[str, str] = os.environ) -> RateLimits:
    """The stack config value when set, else the provider's environment, else ``DEFAULT_LIMIT``."""
    if configured not in (None, ""):
        return parse_limits(str(configured), CONFIG_KEY)
    if env.get(RATE_LIMIT_ENV):
        return parse_limits(env[RATE_LIMIT_ENV], RATE_LIMIT_ENV)
    return parse_limits(DEFAULT_LIMIT, "DEFAULT_LIMIT")


class _Bucket:
    """One action's schedule, shared by every thread: the earliest moment its next call may be sent."""

    def __init__(self, rate: Rate) -> None:
        self.interval = 1.0 / (rate.per_second * HEADROOM)
        self.next_at = float("-inf")

    def delay(self, now: float) -> float:
        return max(self.next_at - now, 0.0)

    def take(self, now: float) -> None:
        self.next_at = max(self.next_at, now) + self.interval

    def pause_until(self, moment: float) -> None:
        self.next_at = max(self.next_at, moment)


class Pacer:
    """Slots for API calls, per action; thread-safe. ``reserve`` says how long to wait before sending."""

    def __init__(self, limits: RateLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits = limits or RateLimits()
        self._buckets: dict[str, _Bucket] = {}

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def configure(self, limits: RateLimits) -> None:
        """New limits for every later call (the schedules start afresh)."""
        with self._lock:
            self._limits = limits
            self._buckets.clear()

    def reserve(self, action: str, within: float) -> float | None:
        """Take the next slot of ``action``: seconds to wait before sending it, or None (nothing taken) when the
        slot would come later than ``within`` seconds from now."""
        with self._lock:
            bucket = self._bucket(action)
            if bucket is None:
                return 0.0
            now = self._clock()
            delay = bucket.delay(now)
            if delay > within:
                return None
            bucket.take(now)
            return delay

    def wait(self, action: str, within: float, sleep: Callable[[float], None], cluster_id: str | None = None) -> None:
        """Sleep until ``action``'s next slot; a slot later than ``within`` seconds is refused as throttling (which it
        is: the service would refuse the call too), with nothing sent."""
        delay = self.reserve(action, within)
        if delay is None:
            raise ThrottledError(
                action,
                cluster_id=cluster_id,
                message="the provider's own pacing (emr:apiRateLimit) has no free slot before the deadline",
                retry_after=within,
            )
        if delay > 0:
            sleep(delay)

    def pause(self, action: str, seconds: float) -> None:
        """The service said to wait ``seconds`` before calling ``action`` again: no thread gets a slot before."""
        with self._lock:
            bucket = self._bucket(action)
            if bucket is not None:
                bucket.pause_until(self._clock() + seconds)

    def _bucket(self, action: str) -> _Bucket | None:
        bucket = self._buckets.get(action)
        if bucket is None:
            rate = self._limits.of(action)
            if rate is None:
                return None
            bucket = self._buckets[action] = _Bucket(rate)
        return bucket


_shared: Pacer | None = None
_shared_lock = threading.Lock()


def shared_pacer() -> Pacer:
    """The process's one pacer (the quota is the account's, whatever client sends): from the environment until
    ``configure`` sets the stack's limits."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Pacer(limits_from(None))
        return _shared


#: For clients that must not be paced (benchmarks of the client itself, tests of other behaviour).
UNPACED = Pacer(RateLimits())

__all__ = [
    "CONFIG_KEY",
    "DEFAULT_LIMIT",
    "HEADROOM",
    "RATE_LIMIT_ENV",
    "UNPACED",
    "Pacer",
    "Rate",
    "RateLimitError",
    "RateLimits",
    "limits_from",
    "parse_limits",
    "shared_pacer",
]
