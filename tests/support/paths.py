"""Where the tests find the checkout: its root (the provider server's and the program's working directory) and
the committed fixtures."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
