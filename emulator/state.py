"""Everything one emulator process holds: settings, store, journal, faults, quotas, signature verifier."""

from __future__ import annotations

from dataclasses import dataclass, field

from emulator.faults import FaultPlan
from emulator.journal import Journal
from emulator.quota import RateLimiter
from emulator.settings import Settings
from emulator.signature import NonceCache, Verifier
from emulator.store import ClusterStore


@dataclass
class EmulatorState:
    settings: Settings
    store: ClusterStore
    journal: Journal = field(default_factory=Journal)
    faults: FaultPlan = field(default_factory=FaultPlan)
    nonces: NonceCache = field(default_factory=NonceCache)
    quota: RateLimiter = field(default_factory=RateLimiter)

    def __post_init__(self) -> None:
        self.verifier = Verifier(self.settings.credentials, self.nonces)
        self.faults.replace(self.settings.faults, self.settings.latency_ms)
        self.quota.replace(self.settings.rate_limits)

    @classmethod
    def open(cls, settings: Settings) -> EmulatorState:
        return cls(settings=settings, store=ClusterStore(settings.db))
