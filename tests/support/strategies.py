"""Hypothesis strategies for declared clusters (``specs``), their no-op rewrites and the live answers that mean the
same (``as_live``), shared by the plan properties and the provider tests."""

from __future__ import annotations

import copy
import json
import string
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

words = st.text(string.ascii_letters + string.digits + "-_", min_size=1, max_size=12)
# Few group names, so that declared and live groups overlap often.
group_names = st.sampled_from(["cpu", "gpu", "io", "big", "small"])
cpus = st.one_of(st.integers(1, 64), st.sampled_from(["0.5", "0.25", "1.5", 2.0, "4", "12"]))
memories = st.integers(1, 256).flatmap(lambda n: st.sampled_from([n, float(n), f"{n}Gi", f"{n * 1024}Mi", str(n)]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-100, 100) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def worker_groups(draw: st.DrawFn, name: str) -> dict[str, Any]:
    group: dict[str, Any] = {"groupName": name}
    low = draw(st.integers(1, 4))
    high = draw(st.integers(low, 12))
    replica = draw(st.integers(low, high))
    for key, value in (("minReplica", low), ("maxReplica", high), ("replica", replica)):
        if draw(st.booleans()):
            group[key] = draw(st.sampled_from([value, float(value)]))
    optional = {"cpu": cpus, "memory": memories, "workerType": st.sampled_from(["CPU", "GPU"]), "env": words}
    for key, strategy in optional.items():
        if draw(st.booleans()):
            group[key] = draw(strategy)
    return group


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    props: dict[str, Any] = {"workspaceId": "w-d2d82aa09155", "name": draw(words)}
    if draw(st.booleans()):
        props["description"] = draw(st.text(max_size=20))
    if draw(st.booleans()):
        head = {
            "cpu": cpus,
            "memory": memories,
            "enableAutoScaling": st.booleans(),
            "idleTimeoutSeconds": st.integers(0, 600),
            "queueName": words,
            "gftConfig": st.fixed_dictionaries({}, optional={"redisUrl": words, "redisUsername": words}),
        }
        props["headSpec"] = draw(st.fixed_dictionaries({}, optional=head))
    if draw(st.booleans()):
        names = draw(st.lists(group_names, unique=True, max_size=4))
        props["workerSpec"] = [draw(worker_groups(name)) for name in names]
    if draw(st.booleans()):
        props["volumeIds"] = draw(st.lists(words, unique=True, max_size=4))
    if draw(st.booleans()):
        props["extraParam"] = draw(st.dictionaries(st.text(max_size=4), json_values, max_size=3))
    return props


def _number_forms(value: Any) -> st.SearchStrategy[Any]:
    """The same whole number as Pulumi or a stack file may spell it."""
    number = int(float(value))
    return st.sampled_from([number, float(number), str(number)])


def _cpu_forms(value: Any) -> st.SearchStrategy[Any]:
    text = str(value)
    number = float(text)
    forms: list[Any] = [text, number, f"{text}0" if "." in text else f"{text}.0"]
    return st.sampled_from(forms + ([int(number)] if number.is_integer() else []))


def _memory_forms(value: Any) -> st.SearchStrategy[Any]:
    text = str(value)
    gib = int(float(text[:-2])) if text.endswith(("Gi", "Mi")) else int(float(text))
    if text.endswith("Mi"):
        gib //= 1024
    return st.sampled_from([gib, float(gib), f"{gib}Gi", f"{gib * 1024}Mi", str(gib)])


_RESPELL = {
    "cpu": _cpu_forms,
    "memory": _memory_forms,
    "replica": _number_forms,
    "minReplica": _number_forms,
    "maxReplica": _number_forms,
    "idleTimeoutSeconds": _number_forms,
    "enableAutoScaling": lambda v: st.sampled_from([v, str(v).lower(), str(v)]),
}


@st.composite
def noop_rewrites(draw: st.DrawFn, props: dict[str, Any]) -> dict[str, Any]:
    """The same declaration, rewritten: groups and volumes reordered, numbers and units respelled,
    booleans as words, extraParam as text in another key order and spacing."""

    def respell(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: draw(_RESPELL[k](v)) if k in _RESPELL else v for k, v in obj.items()}

    out = dict(props)
    if "headSpec" in out:
        out["headSpec"] = respell(out["headSpec"])
    if "workerSpec" in out:
        out["workerSpec"] = [respell(g) for g in draw(st.permutations(out["workerSpec"]))]
    if "volumeIds" in out:
        out["volumeIds"] = draw(st.permutations(out["volumeIds"]))
    if "extraParam" in out:
        given = out["extraParam"]
        # Given as an object, the engine drops its null members on the way: the text says what arrives.
        document = _without_nulls(given) if isinstance(given, dict) else json.loads(given)
        reordered = dict(reversed(list(document.items())))
        out["extraParam"] = draw(
            st.sampled_from([document, json.dumps(reordered, indent=2), json.dumps(document, separators=(",", ":"))])
        )
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@st.composite
def as_live(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """What GetRayCluster could return for this body: same meaning, other formatting, more fields."""
    live = copy.deepcopy(body)

    def cpu(value: str) -> Any:
        number = Decimal(value)
        forms = [value, f"{value}.0" if "." not in value else value + "0", float(number)]
        return draw(st.sampled_from(forms + ([int(number)] if number == int(number) else [])))

    def memory(value: str) -> Any:
        gib = int(value[:-2])
        return draw(st.sampled_from([value, f"{gib * 1024}Mi"]))

    def reformat(obj: dict[str, Any]) -> None:
        if "cpu" in obj:
            obj["cpu"] = cpu(obj["cpu"])
        if "memory" in obj:
            obj["memory"] = memory(obj["memory"])

    head = live.get("headSpec")
    if head is not None:
        reformat(head)
        head["replica"] = 1
    if "workerSpec" in live:
        live["workerSpec"] = draw(st.permutations(live["workerSpec"]))
        for group in live["workerSpec"]:
            reformat(group)
    if "volumeIds" in live:
        live["volumeIds"] = draw(st.permutations(live["volumeIds"]))
    if "extraParam" in live:
        live["extraParam"] = json.dumps(json.loads(live["extraParam"]), indent=draw(st.sampled_from([None, 2])))
    live.update(
        clusterId="ray-k7nm8ahl5te4tg91",
        state=draw(st.sampled_from(["Starting", "Running", "Stopped"])),
        modified=draw(st.booleans()),
        submitToken="t",
        dashboardUrl="https://example.invalid/dashboard?token=t",
        createTime=1735870116167,
        instances=[],
    )
    return live
