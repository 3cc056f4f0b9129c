"""Shared test support: the emulator process (tests/support/emulator.py)."""
