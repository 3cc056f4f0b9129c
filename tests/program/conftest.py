"""Fixture for the program tests; the machinery is in tests/support/program_under_mocks.py."""

from __future__ import annotations

import pytest

from tests.support.program_under_mocks import RunProgram
from tests.support.program_under_mocks import run_program as _run_program


@pytest.fixture
def run_program() -> RunProgram:
    """run_program(config, stack="dev", secret_keys=()) -> ProgramRun."""
    return _run_program
