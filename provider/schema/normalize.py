"""Value normalizers shared by input validation (spec) and live-state comparison (plan).

The service formats values its own way (``cpu`` may come back as ``"2.0"`` or ``2``, memory as ``"8192Mi"``,
``extraParam`` re-serialized), and Pulumi turns every number into a float. Comparing raw values would give
perpetual diffs, so both sides go through the same functions before they are compared or sent.

Strict functions raise ``ValueError`` with a sentence a person can act on; ``lenient`` wraps one for live
values, where an unparseable value is kept as is (it then simply differs from any valid declared value).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

#: The API's integers are Java ints on the service side.
INT32_MAX = 2**31 - 1

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(Gi|Mi)?\s*$")
_MEMORY_HINT = "use a whole number of GiB like 8Gi (8192Mi and a plain 8 are accepted too)"
_BOOL_WORDS = {"true": True, "false": False}

T = TypeVar("T")


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal for an int, float or numeric string; None for anything else (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and len(value) <= 64:
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _plain(number: Decimal) -> str:
    """'2' for 2.0, '0.5' for 0.50, '10' for 1E+1: the API's plain decimal text."""
    text = format(number.normalize(), "f")
    return text


def normalize_cpu(value: Any) -> str:
    """CPU cores as the API's string: 2, 2.0, "2" -> "2"; "0.5" -> "0.5"."""
    number = _decimal(value)
    if number is None:
        raise ValueError(f"cpu must be a number of cores like 2 or 0.5, got {short(value)}")
    if number <= 0:
        raise ValueError(f"cpu must be more than 0 cores, got {short(value)}")
    return _plain(number)


def normalize_memory(value: Any) -> str:
    """Memory as the API's "<n>Gi": "8Gi", "8192Mi", 8, "8" -> "8Gi"; refuses anything not whole GiB."""
    if isinstance(value, bool):
        raise ValueError(f"memory {short(value)} is not an amount of memory; {_MEMORY_HINT}")
    if isinstance(value, int | float):
        number, unit = _decimal(value), "Gi"
    elif isinstance(value, str) and (match := _MEMORY.match(value)):
        number, unit = Decimal(match.group(1)), match.group(2) or "Gi"
    else:
        raise ValueError(f"memory {short(value)} is not understood; {_MEMORY_HINT}")
    if number is None:
        raise ValueError(f"memory {short(value)} is not a finite number; {_MEMORY_HINT}")
    gib = number / 1024 if unit == "Mi" else number
    if gib != gib.to_integral_value() or gib < 1:
        raise ValueError(f"memory {short(value)} is not a whole number of GiB; {_MEMORY_HINT}")
    return f"{int(gib)}Gi"


def normalize_whole_number(value: Any, *, minimum: int = 0, maximum: int = INT32_MAX) -> int:
    """An integer from 3, 3.0 (Pulumi sends floats) or "3"; refuses 1.5, booleans and out-of-range values."""
    number = _decimal(value)
    if number is None or number != number.to_integral_value():
        raise ValueError(f"must be a whole number like 3, got {short(value)}")
    result = int(number)
    if result < minimum:
        raise ValueError(f"must be at least {minimum}, got {result}")
    if result > maximum:
        raise ValueError(f"must be at most {maximum}, got {result}")
    return result


def normalize_bool(value: Any) -> bool:
    """True/False, or the words "true"/"false" (stack config values may arrive as text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise ValueError(f"must be true or false, got {short(value)}")


WORKER_TYPES = ("CPU", "GPU")


def normalize_worker_type(value: Any) -> str:
    """``CPU`` or ``GPU`` as the service spells them, from any case ("cpu", "Gpu")."""
    if isinstance(value, str) and value.strip().upper() in WORKER_TYPES:
        return value.strip().upper()
    raise ValueError(f"must be CPU or GPU, got {short(value)}")


def normalize_extra_param(value: Any) -> str:
    """Compact JSON text from JSON text or from an object/list (which is serialized)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"extraParam is not valid JSON ({exc.msg} at character {exc.pos}); "
                'write JSON text like {"key": "value"} or give an object'
            ) from None
    elif isinstance(value, dict | list):
        parsed = value
    else:
        raise ValueError(f"extraParam must be JSON text or an object, got {short(value)}")
    try:
        return compact_json(parsed)
    except (TypeError, ValueError):
        raise ValueError(
            "extraParam holds values that cannot be written as JSON; use text, numbers, lists, objects"
        ) from None


def compact_json(value: Any) -> str:
    """The API's JSON text style: no spaces, raw UTF-8, no NaN."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def parse_json(value: Any) -> Any:
    """The parsed value of JSON text (for comparing extraParam by meaning); non-JSON is returned unchanged."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def lenient(normalizer: Callable[[Any], T]) -> Callable[[Any], T | Any]:
    """Wrap a strict normalizer for live values: None stays None, an unparseable value is kept unchanged."""

    def apply(value: Any) -> T | Any:
        if value is None:
            return None
        try:
            return normalizer(value)
        except ValueError:
            return value

    return apply


def short(value: Any, limit: int = 40) -> str:
    """A bounded repr for messages (values may be long or odd types)."""
    text = repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= limit else text[: limit - 3] + "..."
