"""Fault injection: rules that make matching requests fail, hang or lose their connection.

A rule fires with probability `rate`, at most `count` times when set (rate 1 + count N is deterministic).
`slow` rules add a delay and let later rules fire too; the first other rule that fires decides the outcome.
"""

from __future__ import annotations

import asyncio
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from emulator.errors import ApiError

THROTTLING, UNAVAILABLE, INTERNAL = "Throttling.User", "ServiceUnavailable", "InternalError"
DROP, LOST_RESPONSE, SLOW = "drop", "lost-response", "slow"
KINDS = (THROTTLING, UNAVAILABLE, INTERNAL, DROP, LOST_RESPONSE, SLOW)


@dataclass
class FaultRule:
    action: str = "*"
    kind: str = THROTTLING
    rate: float = 1.0
    count: int | None = None
    retry_after_ms: int | None = None
    delay_ms: int | None = None

    def matches(self, action: str | None) -> bool:
        return self.action in ("*", action) and (self.count is None or self.count > 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "kind": self.kind,
            "rate": self.rate,
            "count": self.count,
            "retryAfterMs": self.retry_after_ms,
            "delayMs": self.delay_ms,
        }


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request: wait `delay_s`, then `kind` (None = serve normally)."""

    delay_s: float = 0.0
    kind: str | None = None
    retry_after_ms: int | None = None
    fired: tuple[str, ...] = ()

    @property
    def label(self) -> str | None:
        return self.kind or (self.fired[0] if self.fired else None)


@dataclass
class FaultPlan:
    latency_ms: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _random: random.Random = field(default_factory=random.Random, repr=False)

    def replace(self, rules: list[FaultRule], latency_ms: int = 0) -> None:
        with self._lock:
            self.rules, self.latency_ms = list(rules), latency_ms

    def clear(self) -> None:
        self.replace([], 0)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {"latencyMs": self.latency_ms, "rules": [r.to_json() for r in self.rules]}

    def draw(self, action: str | None) -> FaultDecision:
        """Roll the rules for one request (exhausting counted rules as they fire)."""
        delay = self.latency_ms / 1000
        if not self.rules:
            return FaultDecision(delay)
        fired: list[str] = []
        with self._lock:
            for rule in self.rules:
                if not rule.matches(action) or self._random.random() >= rule.rate:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                fired.append(rule.kind)
                if rule.kind == SLOW:
                    delay += (rule.delay_ms or 0) / 1000
                    continue
                return FaultDecision(delay, rule.kind, rule.retry_after_ms, tuple(fired))
        return FaultDecision(delay, None, None, tuple(fired))


def error_for(kind: str, retry_after_ms: int | None) -> ApiError:
    """The error response of an error-kind fault."""
    if kind == THROTTLING:
        return ApiError(400, THROTTLING, "Request was denied due to user flow control.", retry_after_ms)
    if kind == UNAVAILABLE:
        return ApiError(503, UNAVAILABLE, "The request has failed due to a temporary failure of the server.")
    return ApiError(500, INTERNAL, "The request processing has failed due to some unknown error.")


def parse_cli_fault(text: str) -> FaultRule:
    """`ACTION:KIND[:RATE]` from the command line, e.g. `GetRayCluster:Throttling.User:0.5` or `*:drop`."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or parts[1] not in KINDS:
        raise ValueError(f"--fault must be ACTION:KIND[:RATE] with KIND in {', '.join(KINDS)}: {text!r}")
    rate = float(parts[2]) if len(parts) == 3 else 1.0
    return FaultRule(action=parts[0], kind=parts[1], rate=rate)


async def close_connection(send: Any) -> None:
    """Close the client's TCP connection without any response.

    uvicorn's h11 protocol passes `RequestResponseCycle.send` (a bound method) as the ASGI `send`, and the
    cycle holds the asyncio transport. Closing it sends FIN with no bytes; yielding once lets uvicorn's
    `connection_lost` mark the cycle disconnected, so it does not try to answer 500 afterwards. Without that
    attribute (another server), raise: the server then fails the request in its own way.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("cannot reach the transport to drop the connection")
    transport.close()
    await asyncio.sleep(0)
