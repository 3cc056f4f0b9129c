"""Reliability tests reuse the provider tests' engine fixtures (one gRPC server per session, emptied emulator)."""

from __future__ import annotations

from tests.provider.conftest import engine, provider, provider_server

__all__ = ["engine", "provider", "provider_server"]
