"""The normalizers a Diff calls dozens of times remember their answers (issue 18, Diff CPU): a remembered answer
must be exactly the one the function gives, whatever was asked before it.

Python finds 1, 1.0 and True equal (and equal hashes), so an answer kept for one must never be given for another;
a refused value must be refused every time; an unhashable value is computed, not refused.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from provider.schema.errors import InvalidValueError
from provider.schema.normalize import canonical_json, cpu_cores, memory_gib, normalize_cpu, normalize_memory

REMEMBERED: list[Callable[[Any], Any]] = [cpu_cores, normalize_cpu, memory_gib, normalize_memory, canonical_json]

# Equal in Python, not alike to the normalizers: asked in both orders, in one process.
LOOKALIKES: list[Any] = [1, 1.0, True, "1", Decimal("1"), 8, 8.0, "8", "8Gi", 8192, "8192Mi", 0.5, "0.50", False, 0]
UNHASHABLE: list[Any] = [[1], {"cpu": 1}, {"b": 1.0, "a": [2, 3.0]}, [{"k": "v"}]]


def _outcome(normalizer: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        answer = normalizer(value)
    except (InvalidValueError, TypeError) as exc:  # canonical_json of a Decimal: TypeError, as before
        return type(exc).__name__, str(exc)
    return "answer", (type(answer), answer)


@pytest.mark.parametrize("normalizer", REMEMBERED, ids=lambda f: f.__name__)
def test_each_answer_is_the_functions_own_in_any_order(normalizer: Callable[[Any], Any]) -> None:
    plain = normalizer.__wrapped__  # type: ignore[attr-defined]
    expected = {repr(value): _outcome(plain, value) for value in LOOKALIKES + UNHASHABLE}
    for order in (LOOKALIKES + UNHASHABLE, list(reversed(LOOKALIKES + UNHASHABLE))):
        for _ in range(2):  # the second pass is answered from what was kept
            for value in order:
                assert _outcome(normalizer, value) == expected[repr(value)], value


def test_true_is_not_one_core_after_one_was_asked() -> None:
    assert cpu_cores(1) == Decimal(1)
    with pytest.raises(InvalidValueError):
        cpu_cores(True)
    with pytest.raises(InvalidValueError, match="not an amount of memory"):
        memory_gib(True)
    assert memory_gib(1) == 1


def test_a_refused_value_is_refused_every_time() -> None:
    for _ in range(3):
        with pytest.raises(InvalidValueError, match="not a whole number of GiB"):
            normalize_memory("1536Mi")
        with pytest.raises(InvalidValueError, match="more than 0 cores"):
            normalize_cpu("0")


def test_unhashable_values_are_computed() -> None:
    assert canonical_json({"b": 1.0, "a": [2, 3.0]}) == '{"a":[2,3],"b":1}'
    with pytest.raises(InvalidValueError, match="not understood"):
        memory_gib(["8Gi"])
