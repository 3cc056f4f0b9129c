"""Recorded answers of the real service (``pytest --record DIR``), safe to commit: secrets and account ids redacted.

Each file is one GetRayCluster or ListRayCluster answer as the service sent it, with every redacted value replaced
by a string (so keys and JSON types stay comparable with the emulator's answers):
``submitToken``, the token in ``dashboardUrl``, ``redisPassword``, ``env`` (often carries tokens), the account ids
``userId`` / ``creator`` / ``modifier`` and the people's names ``creatorName`` / ``modifierName``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REDACTED = "[redacted]"
SECRET_KEYS = frozenset({"submitToken", "redisPassword", "env"})
ACCOUNT_KEYS = frozenset({"userId", "creator", "modifier", "creatorName", "modifierName"})
_URL_TOKEN = re.compile(r"([?&]token=)[^&#]*")
#: Where a committed recording lives (none yet: run ./scripts/acceptance --record tests/fixtures/recorded).
COMMITTED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"


def redact(value: Any) -> Any:
    """A copy of an answer with secrets and account ids replaced; every other key and type kept."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key in SECRET_KEYS or key in ACCOUNT_KEYS:
                out[key] = REDACTED if isinstance(item, str) else redact(item)
            elif key == "dashboardUrl" and isinstance(item, str):
                out[key] = _URL_TOKEN.sub(rf"\g<1>{REDACTED}", item)
            else:
                out[key] = redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


@dataclass
class Recorder:
    """Writes ``NNN-<Action>-<step>.json`` files into ``directory`` (one per answer, in the order received)."""

    directory: Path
    count: int = field(default=0)

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.count = len(list(self.directory.glob("*.json")))

    def record(self, action: str, step: str, answer: dict[str, Any]) -> Path:
        self.count += 1
        path = self.directory / f"{self.count:03d}-{action}-{step}.json"
        path.write_text(json.dumps(redact(answer), indent=2, sort_keys=True) + "\n")
        return path


def recorded(directory: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, step, answer) of every recorded file, in recording order."""
    found = []
    for path in sorted(directory.glob("[0-9][0-9][0-9]-*-*.json")):
        _, action, step = path.stem.split("-", 2)
        found.append((action, step, json.loads(path.read_text())))
    return found
