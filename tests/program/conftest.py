"""Fixture for the program tests; the machinery is in harness.py."""

from __future__ import annotations

import pytest

from tests.program.harness import RunProgram
from tests.program.harness import run_program as _run_program


@pytest.fixture
def run_program() -> RunProgram:
    """run_program(config, stack="dev", secret_keys=()) -> ProgramRun."""
    return _run_program
