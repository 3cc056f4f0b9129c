"""Value normalizers: the one home of every rule that says when two spellings are the same value.

The service formats values its own way (``cpu`` may come back as ``"2.0"`` or ``2``, memory as ``"8192Mi"``,
``extraParam`` re-serialized), and Pulumi turns every number into a float. Comparing raw values would give
perpetual diffs, so input validation (``spec``), the answer models (``models``), the plan and the capacity all
go through these functions before they compare, send or count a value.

Strict functions raise ``InvalidValueError`` (a ``ValueError``, as pydantic validators need) with a sentence a
person can act on. Two wrappers adapt one for live values: ``lenient`` keeps an unparseable value as it is (it
then simply differs from any valid declared value), ``or_none`` gives None (a computation that needs a valid
value, such as a cluster's size, then says "unknown" rather than guess).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from provider.schema.errors import InvalidValueError

#: The API's integers are Java ints on the service side.
INT32_MAX = 2**31 - 1

_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(Gi|Mi)?\s*$")
_MEMORY_HINT = "use a whole number of GiB like 8Gi (8192Mi and a plain 8 are accepted too)"
_BOOL_WORDS = {"true": True, "false": False}
_SECONDS_HINT = "must be a number of seconds like 1800"

T = TypeVar("T")
#: Distinct values remembered per normalizer: a stack's sizes and texts, many times over.
_REMEMBERED = 1024


def remembered(normalizer: Callable[[Any], T]) -> Callable[[Any], T]:
    """``normalizer`` with its answers kept per value (and type: 2, 2.0 and "2" apart), for pure functions of a
    scalar that every Diff calls dozens of times on the same few values. An unhashable value is simply computed;
    a refused one raises every time (errors are not kept)."""
    kept = functools.lru_cache(maxsize=_REMEMBERED, typed=True)(normalizer)

    @functools.wraps(normalizer)
    def call(value: Any) -> T:
        try:
            return kept(value)
        except TypeError:  # unhashable (a list or a mapping where a scalar was expected)
            return normalizer(value)

    return call


# -- numbers ------------------------------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal | None:
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


def plain_decimal(number: Decimal) -> str:
    """'2' for 2.0, '0.5' for 0.50, '10' for 1E+1: the API's plain decimal text."""
    return format(number.normalize(), "f")


def json_number(number: Decimal) -> int | float:
    """A Decimal as a JSON number: an int when whole (18, not 18.0), else a float."""
    return int(number) if number == number.to_integral_value() else float(number)


def number_text(value: Any) -> Any:
    """A number the service sent where text is documented, as text: 2 and 2.0 -> "2", 0.5 -> "0.5".

    Anything else is returned unchanged (True is not a CPU count: the model's own check refuses it).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


# -- declared inputs: strict --------------------------------------------------------------------------------


@remembered
def cpu_cores(value: Any) -> Decimal:
    """CPU cores as a number in its plain form: 2, 2.0, "2" -> Decimal("2"); "0.50" -> Decimal("0.5")."""
    number = to_decimal(value)
    if number is None:
        raise InvalidValueError(f"cpu must be a number of cores like 2 or 0.5, got {short(value)}")
    if number <= 0:
        raise InvalidValueError(f"cpu must be more than 0 cores, got {short(value)}")
    return Decimal(plain_decimal(number))


@remembered
def normalize_cpu(value: Any) -> str:
    """CPU cores as the API's string: 2, 2.0, "2" -> "2"; "0.5" -> "0.5"."""
    return plain_decimal(cpu_cores(value))


@remembered
def memory_gib(value: Any) -> int:
    """Memory in whole GiB: "8Gi", "8192Mi", 8, "8" -> 8; refuses anything not whole GiB."""
    if isinstance(value, bool):
        raise InvalidValueError(f"memory {short(value)} is not an amount of memory; {_MEMORY_HINT}")
    if isinstance(value, int | float):
        number, unit = to_decimal(value), "Gi"
    elif isinstance(value, str) and (match := _MEMORY.match(value)):
        number, unit = Decimal(match.group(1)), match.group(2) or "Gi"
    else:
        raise InvalidValueError(f"memory {short(value)} is not understood; {_MEMORY_HINT}")
    if number is None:
        raise InvalidValueError(f"memory {short(value)} is not a finite number; {_MEMORY_HINT}")
    gib = number / 1024 if unit == "Mi" else number
    if gib != gib.to_integral_value() or gib < 1:
        raise InvalidValueError(f"memory {short(value)} is not a whole number of GiB; {_MEMORY_HINT}")
    return int(gib)


@remembered
def normalize_memory(value: Any) -> str:
    """Memory as the API's "<n>Gi": "8Gi", "8192Mi", 8, "8" -> "8Gi"; refuses anything not whole GiB."""
    return f"{memory_gib(value)}Gi"


def normalize_whole_number(value: Any, *, minimum: int = 0, maximum: int = INT32_MAX) -> int:
    """An integer from 3, 3.0 (Pulumi sends floats) or "3"; refuses 1.5, booleans and out-of-range values."""
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        raise InvalidValueError(f"must be a whole number like 3, got {short(value)}")
    result = int(number)
    if result < minimum:
        raise InvalidValueError(f"must be at least {minimum}, got {result}")
    if result > maximum:
        raise InvalidValueError(f"must be at most {maximum}, got {result}")
    return result


def normalize_seconds(value: Any) -> float:
    """A positive, finite number of seconds (a timeout) from a number or numeric text."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidValueError(f"{_SECONDS_HINT}, got {short(value)}")
    try:
        seconds = float(value)
    except ValueError:
        raise InvalidValueError(f"{_SECONDS_HINT}, got {short(value)}") from None
    if not seconds > 0 or seconds == float("inf"):
        raise InvalidValueError(f"must be a positive number of seconds, got {short(value)}")
    return seconds


def normalize_bool(value: Any) -> bool:
    """True/False, or the words "true"/"false" (stack config values may arrive as text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
        return _BOOL_WORDS[value.strip().lower()]
    raise InvalidValueError(f"must be true or false, got {short(value)}")


WORKER_TYPES = ("CPU", "GPU")


def normalize_worker_type(value: Any) -> str:
    """``CPU`` or ``GPU`` as the service spells them, from any case ("cpu", "Gpu")."""
    if isinstance(value, str) and value.strip().upper() in WORKER_TYPES:
        return value.strip().upper()
    raise InvalidValueError(f"must be CPU or GPU, got {short(value)}")


def normalize_extra_param(value: Any) -> str:
    """Compact JSON text from JSON text or from an object/list (which is serialized)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidValueError(
                f"extraParam is not valid JSON ({exc.msg} at character {exc.pos}); "
                'write JSON text like {"key": "value"} or give an object'
            ) from None
    elif isinstance(value, dict | list):
        parsed = value
    else:
        raise InvalidValueError(f"extraParam must be JSON text or an object, got {short(value)}")
    try:
        return compact_json(parsed)
    except (TypeError, ValueError):
        raise InvalidValueError(
            "extraParam holds values that cannot be written as JSON; use text, numbers, lists, objects"
        ) from None


# -- JSON documents and lists, compared by meaning ----------------------------------------------------------


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


@remembered
def canonical_json(value: Any) -> Any:
    """extraParam by meaning: JSON text with sorted keys, integral floats as ints; invalid JSON unchanged.

    Text, not the parsed value, so that ``true`` and ``1`` stay different (in Python ``True == 1``).
    """
    parsed = parse_json(value)
    if isinstance(value, str) and parsed is value:
        return value  # not JSON: kept as is, it then differs from any valid declared value
    return json.dumps(integral_numbers(parsed), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def integral_numbers(value: Any) -> Any:
    """A parsed JSON document with every whole float written as an int (1.0 and 1 are one JSON number)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral_numbers(v) for v in value]
    return value


def unique_sorted(value: Any) -> Any:
    """A list compared as a set (``volumeIds``): its distinct items in a stable order; None -> ()."""
    if value is None:
        return ()
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(set(value), key=str))
    return value


# -- live values: tolerant wrappers -------------------------------------------------------------------------


def _tolerant(normalizer: Callable[[Any], T], fallback: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``normalizer`` for a live value: None stays None, a refused value becomes ``fallback(value)``."""

    def apply(value: Any) -> Any:
        if value is None:
            return None
        try:
            return normalizer(value)
        except ValueError:
            return fallback(value)

    return apply


def lenient(normalizer: Callable[[Any], T]) -> Callable[[Any], T | Any]:
    """Wrap a strict normalizer for live values: None stays None, an unparseable value is kept unchanged."""
    return _tolerant(normalizer, lambda value: value)


def or_none(normalizer: Callable[[Any], T]) -> Callable[[Any], T | None]:
    """Wrap a strict normalizer for a value a computation needs: None when absent or unparseable."""
    return _tolerant(normalizer, lambda value: None)


def short(value: Any, limit: int = 40) -> str:
    """A bounded repr for messages (values may be long or odd types)."""
    text = repr(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = [
    "INT32_MAX",
    "canonical_json",
    "compact_json",
    "cpu_cores",
    "integral_numbers",
    "json_number",
    "lenient",
    "memory_gib",
    "normalize_bool",
    "normalize_cpu",
    "normalize_extra_param",
    "normalize_memory",
    "normalize_seconds",
    "normalize_whole_number",
    "number_text",
    "or_none",
    "parse_json",
    "plain_decimal",
    "short",
    "to_decimal",
    "unique_sorted",
]
