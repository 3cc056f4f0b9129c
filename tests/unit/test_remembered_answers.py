"""The normalizers a Diff calls dozens of times, and the validation of inputs, remember their answers (issue 18,
Diff CPU): a remembered answer must be exactly the one the function gives, whatever was asked before it.

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
from provider.schema.spec import RayClusterInputs, check_inputs

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


# -- validated inputs: the engine's Diff sends again the inputs its Check validated ------------------------------

WORKSPACE = "w-0123456789ab"


def _props(**fields: Any) -> dict[str, Any]:
    group = {"groupName": "cpu", "workerType": "CPU", "replica": 1.0, "cpu": 2.0, "memory": "8Gi"}
    return {"workspaceId": WORKSPACE, "name": "analytics", "workerSpec": [group], **fields}


def test_inputs_validated_again_are_the_same_model() -> None:
    first, _ = check_inputs(_props())
    again, _ = check_inputs(_props())
    assert first is not None and again is first  # remembered, not validated again
    assert again == _fresh(_props())


def test_true_is_not_one_replica_after_one_was_validated() -> None:
    one = _props()
    refused = _props()
    refused["workerSpec"][0]["replica"] = True
    assert one == refused  # in Python, True == 1.0: only the inputs' exact text tells them apart
    assert check_inputs(one)[0] is not None
    model, failures = check_inputs(refused)
    assert model is None and [f.path for f in failures] == ["workerSpec[0].replica"]


def test_key_order_is_kept_apart() -> None:
    ab, _ = check_inputs(_props(extraParam={"a": 1, "b": 2}))
    ba, _ = check_inputs(_props(extraParam={"b": 2, "a": 1}))
    assert ab is not None and ba is not None
    assert (ab.extra_param, ba.extra_param) == ('{"a":1,"b":2}', '{"b":2,"a":1}')  # sent as declared


def test_unknown_inputs_are_not_answered_from_known_ones() -> None:
    class Unknown:
        pass

    check_inputs(_props(description="known"))
    model, failures = check_inputs(_props(description=Unknown()), is_unknown=lambda v: isinstance(v, Unknown))
    assert model is None and failures == []


def test_a_refused_input_is_refused_every_time() -> None:
    for _ in range(3):
        model, failures = check_inputs(_props(name=""))
        assert model is None and [f.path for f in failures] == ["name"]


def _fresh(props: dict[str, Any]) -> RayClusterInputs:
    return RayClusterInputs.model_validate(props, by_alias=True, by_name=False)
