"""The exact InvalidParameter texts, and which fault a body with several is refused for (the service's order).

Pinned from the hand-written validator that schema.py replaced, so the move to one description changed no
message: keys are checked in declaration order, a nested object's values before its required keys and rules,
a worker group before the next one, and Create's name last.
"""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_emr_serverless_spark20230808 import models as m
from alibabacloud_tea_openapi.exceptions import ClientException

from emulator import validation
from emulator.errors import ApiError
from harness.emulator import Emulator


def _g(name: str = "g", **kw: Any) -> dict[str, Any]:
    return {"groupName": name, **kw}


def _a(**kw: Any) -> dict[str, Any]:
    return {"name": "a", **kw}


BODY = "The request body must be a JSON object."
NAME_REQUIRED = "The parameter name is required and must be 1 to 64 characters long."
NAME_LENGTH = "The parameter name must be 1 to 64 characters long."
MEMORY = "must look like '8Gi' (whole Gi), got"
REFUSED_CREATES: dict[str, tuple[Any, str]] = {
    "not an object": ([1, 2], BODY),
    "a string": ("name", BODY),
    "name missing": ({}, NAME_REQUIRED),
    "name null": ({"name": None}, NAME_REQUIRED),
    "name empty": ({"name": ""}, NAME_LENGTH),
    "name 65 chars": ({"name": "n" * 65}, NAME_LENGTH),
    "name as int": ({"name": 7}, "The parameter name must be a string."),
    "description as list": (_a(description=["x"]), "The parameter description must be a string."),
    "release as bool": (_a(displayReleaseVersion=True), "The parameter displayReleaseVersion must be a string."),
    "extraParam not JSON": (_a(extraParam="{not json"), "The parameter extraParam must be a JSON string."),
    "extraParam as object": (_a(extraParam={}), "The parameter extraParam must be a string."),
    "network as int": (_a(networkServiceName=1), "The parameter networkServiceName must be a string."),
    "volumeIds not strings": (_a(volumeIds=[1, 2]), "The parameter volumeIds must be a list of strings."),
    "volumeIds a string": (_a(volumeIds="v-1"), "The parameter volumeIds must be a list of strings."),
    "volumeIds with null": (_a(volumeIds=["v", None]), "The parameter volumeIds must be a list of strings."),
    "headSpec a list": (_a(headSpec=[]), "The parameter headSpec must be an object."),
    "head cpu as int": (_a(headSpec={"cpu": 2}), "The parameter headSpec.cpu must be a string."),
    "head memory 8G": (_a(headSpec={"memory": "8G"}), f"The parameter headSpec.memory {MEMORY} '8G'."),
    "head memory as int": (_a(headSpec={"memory": 8}), "The parameter headSpec.memory must be a string."),
    "autoscaling as string": (
        _a(headSpec={"enableAutoScaling": "true"}),
        "The parameter headSpec.enableAutoScaling must be a boolean.",
    ),
    "gftEnabled as int": (_a(headSpec={"gftEnabled": 1}), "The parameter headSpec.gftEnabled must be a boolean."),
    "idle timeout as string": (
        _a(headSpec={"idleTimeoutSeconds": "60"}),
        "The parameter headSpec.idleTimeoutSeconds must be an integer.",
    ),
    "idle timeout as bool": (
        _a(headSpec={"idleTimeoutSeconds": True}),
        "The parameter headSpec.idleTimeoutSeconds must be an integer.",
    ),
    "idle timeout as float": (
        _a(headSpec={"idleTimeoutSeconds": 1.5}),
        "The parameter headSpec.idleTimeoutSeconds must be an integer.",
    ),
    "gftConfig a string": (_a(headSpec={"gftConfig": "redis"}), "The parameter headSpec.gftConfig must be an object."),
    "redisUrl as int": (
        _a(headSpec={"gftConfig": {"redisUrl": 6379}}),
        "The parameter headSpec.gftConfig.redisUrl must be a string.",
    ),
    "workerSpec an object": (_a(workerSpec=_g()), "The parameter workerSpec must be a list."),
    "51 groups": (
        _a(workerSpec=[_g(f"g{i}") for i in range(51)]),
        "The parameter workerSpec allows at most 50 groups.",
    ),
    "51 bad groups": (_a(workerSpec=[1] * 51), "The parameter workerSpec allows at most 50 groups."),
    "group null": (_a(workerSpec=[None]), "The parameter workerSpec[0] must be an object."),
    "group a string": (_a(workerSpec=["g"]), "The parameter workerSpec[0] must be an object."),
    "replica 0": (_a(workerSpec=[_g(replica=0)]), "The parameter workerSpec[0].replica must be at least 1, got 0."),
    "replica -3": (_a(workerSpec=[_g(replica=-3)]), "The parameter workerSpec[0].replica must be at least 1, got -3."),
    "minReplica 0": (
        _a(workerSpec=[_g(minReplica=0)]),
        "The parameter workerSpec[0].minReplica must be at least 1, got 0.",
    ),
    "maxReplica 0": (
        _a(workerSpec=[_g(maxReplica=0)]),
        "The parameter workerSpec[0].maxReplica must be at least 1, got 0.",
    ),
    "replica as string": (_a(workerSpec=[_g(replica="2")]), "The parameter workerSpec[0].replica must be an integer."),
    "replica as bool": (_a(workerSpec=[_g(replica=True)]), "The parameter workerSpec[0].replica must be an integer."),
    "min > max": (
        _a(workerSpec=[_g(minReplica=5, maxReplica=2)]),
        "The parameter workerSpec[0].minReplica (5) must be <= maxReplica (2).",
    ),
    "duplicate groupName": (_a(workerSpec=[_g(), _g()]), "The parameter workerSpec[1].groupName 'g' is duplicated."),
    "groupName missing": (_a(workerSpec=[{"replica": 1}]), "The parameter workerSpec[0].groupName is required."),
    "groupName empty": (_a(workerSpec=[_g("")]), "The parameter workerSpec[0].groupName is required."),
    "groupName as int": (_a(workerSpec=[_g(3)]), "The parameter workerSpec[0].groupName must be a string."),
    "memory 0Gi": (_a(workerSpec=[_g(memory="0Gi")]), f"The parameter workerSpec[0].memory {MEMORY} '0Gi'."),
    "memory 8192Mi": (_a(workerSpec=[_g(memory="8192Mi")]), f"The parameter workerSpec[0].memory {MEMORY} '8192Mi'."),
    "workerType as int": (
        _a(workerSpec=[_g(workerType=1)]),
        "The parameter workerSpec[0].workerType must be a string.",
    ),
    # several faults: the first in the service's order is the one reported
    "bad head before missing name": ({"headSpec": {"cpu": 2}}, "The parameter headSpec.cpu must be a string."),
    "bad name before bad head": ({"name": "", "headSpec": {"cpu": 2}}, NAME_LENGTH),
    "head before workers": (
        _a(headSpec={"memory": "1"}, workerSpec="x"),
        f"The parameter headSpec.memory {MEMORY} '1'.",
    ),
    "values before a missing groupName": (
        _a(workerSpec=[{"memory": "8G"}]),
        f"The parameter workerSpec[0].memory {MEMORY} '8G'.",
    ),
    "duplicate before a later bad group": (
        _a(workerSpec=[_g(), _g(), _g(replica=0)]),
        "The parameter workerSpec[1].groupName 'g' is duplicated.",
    ),
    "duplicate before min > max": (
        _a(workerSpec=[_g(), _g(minReplica=3, maxReplica=1)]),
        "The parameter workerSpec[1].groupName 'g' is duplicated.",
    ),
    "missing groupName before duplicate": (
        _a(workerSpec=[_g(), _g(""), _g()]),
        "The parameter workerSpec[1].groupName is required.",
    ),
    "first bad group": (
        _a(workerSpec=[_g(replica=0), _g(memory="x")]),
        "The parameter workerSpec[0].replica must be at least 1, got 0.",
    ),
    "top-level order": (
        _a(volumeIds=[1], extraParam="x", description=1),
        "The parameter description must be a string.",
    ),
    "head order": (
        _a(headSpec={"rayStartParams": 1, "memory": "x", "cpu": 1}),
        "The parameter headSpec.cpu must be a string.",
    ),
    "gftConfig in head order": (
        _a(headSpec={"gpuSpec": 1, "gftConfig": {"redisUsername": 1}}),
        "The parameter headSpec.gftConfig.redisUsername must be a string.",
    ),
    # the refused value is quoted, never used as a template
    "braces in a duplicate": (
        _a(workerSpec=[_g("{key}"), _g("{key}")]),
        "The parameter workerSpec[1].groupName '{key}' is duplicated.",
    ),
    "braces in memory": (_a(headSpec={"memory": "{input}"}), f"The parameter headSpec.memory {MEMORY} '{{input}}'."),
}
ACCEPTED: dict[str, tuple[Any, dict[str, Any]]] = {
    "unknown keys dropped, nulls absent": (
        _a(
            bogus=1,
            description=None,
            headSpec={"cpu": "2", "what": 1, "gftConfig": {"x": 1, "redisUrl": None}},
            workerSpec=[_g(env=None, y=2)],
        ),
        {"name": "a", "headSpec": {"cpu": "2", "gftConfig": {}}, "workerSpec": [{"groupName": "g"}]},
    ),
    "keys in the service's order": (
        {"workerSpec": [_g()], "headSpec": {"memory": "1Gi", "cpu": "1"}, "name": "a", "extraParam": "NaN"},
        {"extraParam": "NaN", "name": "a", "headSpec": {"cpu": "1", "memory": "1Gi"}, "workerSpec": [_g()]},
    ),
    "big integers": (
        _a(headSpec={"idleTimeoutSeconds": 2**70}, workerSpec=[_g(replica=2**70)]),
        _a(headSpec={"idleTimeoutSeconds": 2**70}, workerSpec=[_g(replica=2**70)]),
    ),
    "memory with a trailing newline (re.match)": (_a(headSpec={"memory": "8Gi\n"}), _a(headSpec={"memory": "8Gi\n"})),
    "name with a lone surrogate": ({"name": "\ud800"}, {"name": "\ud800"}),
}


def _message(body: Any, *, creating: bool = True) -> str:
    with pytest.raises(ApiError) as refused:
        validation.cluster_spec(body, creating=creating)
    assert refused.value.status == 400 and refused.value.code == "InvalidParameter"
    return refused.value.message


@pytest.mark.parametrize(("body", "message"), list(REFUSED_CREATES.values()), ids=list(REFUSED_CREATES))
def test_create_refusal_text(body: Any, message: str) -> None:
    assert _message(body) == message


def test_update_refusal_text() -> None:
    assert _message({"name": ""}, creating=False) == NAME_LENGTH
    assert _message(None, creating=False) == BODY
    assert validation.cluster_spec({}, creating=False) == {}  # no name needed
    assert validation.cluster_spec({"description": "d"}, creating=False) == {"description": "d"}


@pytest.mark.parametrize(("body", "kept"), list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_accepted_body_is_normalized(body: Any, kept: dict[str, Any]) -> None:
    spec = validation.cluster_spec(body, creating=True)
    assert spec == kept and list(spec) == list(kept)  # key order too: the stored doc and Get answers keep it


QUERIES: dict[str, tuple[dict[str, str], Any]] = {
    "defaults": ({}, (20, 1)),
    "empty values": ({"pageSize": "", "pageNum": ""}, (20, 1)),
    "pageSize 0": ({"pageSize": "0"}, "The parameter pageSize must be between 1 and 100, got 0."),
    "pageSize 101": ({"pageSize": "101"}, "The parameter pageSize must be between 1 and 100, got 101."),
    "pageSize 100": ({"pageSize": "100"}, (100, 1)),
    "pageNum 0": ({"pageNum": "0"}, "The parameter pageNum must be between 1 and 2147483647, got 0."),
    "pageNum x": ({"pageNum": "x"}, "The parameter pageNum must be an integer."),
    "pageNum 2^31": (
        {"pageNum": str(2**31)},
        "The parameter pageNum must be between 1 and 2147483647, got 2147483648.",
    ),
    "pageNum 2^31-1": ({"pageNum": str(2**31 - 1)}, (20, 2**31 - 1)),
    "pageSize checked first": (
        {"pageNum": "x", "pageSize": "0"},
        "The parameter pageSize must be between 1 and 100, got 0.",
    ),
    "parsed like int()": ({"pageNum": " 1_0 ", "pageSize": "\u0665"}, (5, 10)),
    "no floats": ({"pageSize": "1.0"}, "The parameter pageSize must be an integer."),
}


@pytest.mark.parametrize(("query", "expected"), list(QUERIES.values()), ids=list(QUERIES))
def test_list_query(query: dict[str, str], expected: Any) -> None:
    try:
        got: Any = (validation.page_param(query, "pageSize"), validation.page_param(query, "pageNum"))
    except ApiError as refused:
        got = refused.message
    assert got == expected


def test_the_text_reaches_the_sdk(emulator: Emulator) -> None:
    group = m.CreateRayClusterRequestWorkerSpec(group_name="g", min_replica=5, max_replica=2)
    with pytest.raises(ClientException) as refused:
        emulator.sdk().create_ray_cluster("w-messages", m.CreateRayClusterRequest(name="a", worker_spec=[group]))
    assert refused.value.code == "InvalidParameter"
    assert "The parameter workerSpec[0].minReplica (5) must be <= maxReplica (2)." in refused.value.message
