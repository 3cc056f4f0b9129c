"""The normalizers other modules used to keep for themselves now live in provider.schema.normalize."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider.schema.errors import InvalidValueError
from provider.schema.models import WorkerSpec
from provider.schema.normalize import (
    canonical_json,
    cpu_cores,
    integral_numbers,
    json_number,
    memory_gib,
    normalize_cpu,
    normalize_memory,
    normalize_seconds,
    number_text,
    or_none,
    plain_decimal,
    to_decimal,
    unique_sorted,
)


def test_extra_param_is_compared_by_meaning_but_true_is_not_one() -> None:
    assert canonical_json('{ "b": [1.0, 2], "a": {"x": 3.0} }') == canonical_json('{"a":{"x":3},"b":[1,2]}')
    assert canonical_json('{"a": true}') != canonical_json('{"a": 1}')
    assert canonical_json("{not json") == "{not json"
    assert integral_numbers({"a": [1.0, 1.5, "2.0"]}) == {"a": [1, 1.5, "2.0"]}


def test_volume_lists_compare_as_sets() -> None:
    assert unique_sorted(["v-2", "v-1", "v-2"]) == unique_sorted(("v-1", "v-2")) == ("v-1", "v-2")
    assert unique_sorted(None) == ()


@given(st.one_of(st.integers(1, 512), st.sampled_from(["0.5", "2.0", " 4 ", 1.5, "1e1"])))
def test_the_cpu_text_is_the_plain_form_of_the_cpu_number(raw: object) -> None:
    assert normalize_cpu(raw) == plain_decimal(cpu_cores(raw))
    assert str(cpu_cores(raw)) == normalize_cpu(raw)


@given(st.integers(1, 1024).flatmap(lambda n: st.sampled_from([n, f"{n}Gi", f"{n * 1024}Mi", str(n), float(n)])))
def test_the_memory_text_is_its_whole_gib(raw: object) -> None:
    assert normalize_memory(raw) == f"{memory_gib(raw)}Gi"


def test_numbers_the_service_sends_as_text_become_their_text() -> None:
    assert [number_text(v) for v in (2, 2.0, 0.5, "2.0", True)] == ["2", "2", "0.5", "2.0", True]
    assert WorkerSpec.model_validate({"cpu": 2.0}).cpu == "2"  # the answer models use it


def test_json_numbers_are_ints_when_whole() -> None:
    assert json_number(Decimal("18.00")) == 18 and isinstance(json_number(Decimal("18.00")), int)
    assert json_number(Decimal("2.5")) == 2.5


@pytest.mark.parametrize(("raw", "seconds"), [(1800, 1800.0), ("60", 60.0), (0.5, 0.5)])
def test_seconds(raw: object, seconds: float) -> None:
    assert normalize_seconds(raw) == seconds


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (True, "must be a number of seconds like 1800, got true"),
        ("soon", "must be a number of seconds like 1800, got 'soon'"),
        (0, "must be a positive number of seconds, got 0"),
        (float("inf"), "must be a positive number of seconds, got inf"),
    ],
)
def test_seconds_refused_with_a_sentence(raw: object, text: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        normalize_seconds(raw)
    assert str(refused.value) == text


def test_or_none_says_unknown_where_lenient_would_keep_the_raw_value() -> None:
    cores = or_none(cpu_cores)
    assert cores("2.0") == Decimal(2)
    assert cores("lots") is None and cores(-1) is None and cores(None) is None


def test_to_decimal_reads_only_finite_numbers() -> None:
    assert to_decimal(" 64 ") == Decimal(64)
    assert [to_decimal(v) for v in ("NaN", "inf", True, "x", None)] == [None] * 5
