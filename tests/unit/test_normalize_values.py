"""Table-driven tests of the value normalizers shared by inputs and live values."""

from __future__ import annotations

import pytest

from provider.schema.normalize import (
    lenient,
    normalize_bool,
    normalize_cpu,
    normalize_extra_param,
    normalize_memory,
    normalize_whole_number,
    parse_json,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(2, "2"), (2.0, "2"), ("2", "2"), ("2.0", "2"), ("0.5", "0.5"), (0.25, "0.25"), (" 4 ", "4"), (10, "10"),
     ("1e1", "10"), (16.0, "16")],
)  # fmt: skip
def test_cpu_accepts_numbers_and_writes_the_api_string(raw: object, expected: str) -> None:
    assert normalize_cpu(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "", 0, -1, "0", True, None, float("nan"), float("inf"), [2], "2 cores"])
def test_cpu_refuses_what_is_not_a_positive_number(raw: object) -> None:
    with pytest.raises(ValueError, match="cpu"):
        normalize_cpu(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("8Gi", "8Gi"), ("8192Mi", "8Gi"), (8, "8Gi"), (8.0, "8Gi"), ("8", "8Gi"), ("1024Mi", "1Gi"),
     (" 16Gi ", "16Gi"), ("2.0Gi", "2Gi")],
)  # fmt: skip
def test_memory_is_whole_gib(raw: object, expected: str) -> None:
    assert normalize_memory(raw) == expected


@pytest.mark.parametrize("raw", ["8G", "8GB", "1.5Gi", "1000Mi", "512Mi", 0, "0Gi", -8, 1.5, True, None, "Gi", "8Ti"])
def test_memory_refuses_what_is_not_whole_gib(raw: object) -> None:
    with pytest.raises(ValueError, match="whole number of GiB like 8Gi"):
        normalize_memory(raw)


@pytest.mark.parametrize(("raw", "expected"), [(3, 3), (3.0, 3), ("3", 3), (0, 0), ("  7 ", 7)])
def test_whole_numbers_accept_pulumi_floats(raw: object, expected: int) -> None:
    assert normalize_whole_number(raw) == expected


@pytest.mark.parametrize("raw", [1.5, "1.5", True, False, "three", None, [1]])
def test_whole_numbers_refuse_fractions_and_booleans(raw: object) -> None:
    with pytest.raises(ValueError, match="whole number"):
        normalize_whole_number(raw)


def test_whole_number_bounds() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        normalize_whole_number(0, minimum=1)
    with pytest.raises(ValueError, match="at most 2147483647"):
        normalize_whole_number(2**31)


@pytest.mark.parametrize(("raw", "expected"), [(True, True), (False, False), ("true", True), ("False", False)])
def test_bool(raw: object, expected: bool) -> None:
    assert normalize_bool(raw) is expected


@pytest.mark.parametrize("raw", [1, 0, "yes", None, "1"])
def test_bool_refuses_other_values(raw: object) -> None:
    with pytest.raises(ValueError, match="true or false"):
        normalize_bool(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [('{ "a" : 1 }', '{"a":1}'), ({"a": [1, "é"]}, '{"a":[1,"é"]}'), ([], "[]"), ("{}", "{}")],
)
def test_extra_param_is_compact_json_text(raw: object, expected: str) -> None:
    assert normalize_extra_param(raw) == expected


@pytest.mark.parametrize("raw", ["{bad", "", 5, True, {"a": float("nan")}, {"a": object()}])
def test_extra_param_refuses_non_json(raw: object) -> None:
    with pytest.raises(ValueError, match="extraParam"):
        normalize_extra_param(raw)


def test_lenient_keeps_unparseable_live_values_and_none() -> None:
    cpu = lenient(normalize_cpu)
    assert cpu("4.0") == "4"
    assert cpu("lots") == "lots"
    assert cpu(None) is None


def test_parse_json_compares_by_meaning() -> None:
    assert parse_json('{"b": 1, "a": 2}') == parse_json('{"a":2,"b":1}')
    assert parse_json("not json") == "not json"
