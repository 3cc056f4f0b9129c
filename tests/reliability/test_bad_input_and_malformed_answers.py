"""Bad input is refused in Check with zero API calls; a malformed API answer gives one clear line.

Invalid specs: the shared corpus (tests/support/invalid_specs.py) plus the cases below, each sent through the real
gRPC server's Check exactly as the engine marshals it (numbers as doubles). Malformed answers come from a scripted
stdlib HTTP server (tests/support/scripted_http_api.py) and are sent both to `RayClusterApi` and to the provider
through the server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from harness.emulator import DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator
from harness.engine import ProviderError
from provider.client.api import RayClusterApi
from provider.client.credentials import ClientSettings
from provider.client.retry import RetryPolicy
from provider.schema.errors import MalformedResponseError, ServerError
from provider.schema.spec import OUTPUTS
from tests.support.invalid_specs import INVALID_SPECS, InvalidSpec, valid_props
from tests.support.provider_server import WORKSPACE, Engine, private_engine, small_cluster
from tests.support.scripted_http_api import NOT_FOUND, Answer, ScriptedHttpApi, Seen, always

REDIS_PASSWORD = "rel-redis-pw-7f3a9c"

MORE_INVALID: list[InvalidSpec] = [
    InvalidSpec(*case)
    for case in [
        ("name-unicode-65", valid_props(name="集" * 65), "name", "64"),
        ("name-emoji-65", valid_props(name="🚀" * 65), "name", "64"),
        ("name-huge", valid_props(name="n" * 100_000), "name", "64"),
        ("description-1mb", valid_props(description="d" * 1_000_000), "description", "4096"),
        ("workspace-object", valid_props(workspaceId={"id": "w-1"}), "workspaceId", "text"),
        ("top-typo-workerSpecs", valid_props(workerSpecs=[{"groupName": "a"}]), "workerSpecs", "workerSpec"),
        ("top-typo-volumeId", valid_props(volumeId=["v-1"]), "volumeId", "volumeIds"),
        ("top-lowercase-headspec", valid_props(headspec={"cpu": "2"}), "headspec", "headSpec"),
        ("top-snake-desired", valid_props(desired_state="Running"), "desired_state", "desiredState"),
        ("group-typo-groupname", valid_props(workerSpec=[{"groupname": "a"}]), "workerSpec[0].groupname", "groupName"),
        ("head-empty-list", valid_props(headSpec=[]), "headSpec", "object"),
        ("timeouts-empty-list", valid_props(timeouts=[]), "timeouts", "object"),
        ("group-is-list", valid_props(workerSpec=[[]]), "workerSpec[0]", "object"),
        ("group-is-empty-object", valid_props(workerSpec=[{}]), "workerSpec[0].groupName", "required"),
        ("volumes-nested-list", valid_props(volumeIds=[[]]), "volumeIds[0]", "text"),
        ("gft-list", valid_props(headSpec={"gftConfig": []}), "headSpec.gftConfig", "object"),
        (
            "gft-url-list",
            valid_props(headSpec={"gftConfig": {"redisUrl": ["a"]}}),
            "headSpec.gftConfig.redisUrl",
            "text",
        ),
        (
            "gft-password-number",
            valid_props(headSpec={"gftConfig": {"redisPassword": 12345678}}),
            "headSpec.gftConfig.redisPassword",
            "text",
        ),
        ("head-idle-bool", valid_props(headSpec={"idleTimeoutSeconds": True}), "headSpec.idleTimeoutSeconds", "whole"),
        ("head-gft-enabled-number", valid_props(headSpec={"gftEnabled": 1}), "headSpec.gftEnabled", "true or false"),
        (
            "group-min-bool",
            valid_props(workerSpec=[{"groupName": "a", "minReplica": True}]),
            "workerSpec[0].minReplica",
            "whole",
        ),
        (
            "group-replica-huge",
            valid_props(workerSpec=[{"groupName": "a", "replica": 1e15}]),
            "workerSpec[0].replica",
            "at most",
        ),
        (
            "group-min-fraction",
            valid_props(workerSpec=[{"groupName": "a", "minReplica": 1.5}]),
            "workerSpec[0].minReplica",
            "whole",
        ),
        ("group-name-129", valid_props(workerSpec=[{"groupName": "g" * 129}]), "workerSpec[0].groupName", "128"),
        (
            "group-memory-negative",
            valid_props(workerSpec=[{"groupName": "a", "memory": "-8Gi"}]),
            "workerSpec[0].memory",
            "GiB",
        ),
        ("volumes-101", valid_props(volumeIds=[f"v-{i}" for i in range(101)]), "volumeIds", "100"),
        ("timeout-negative", valid_props(timeouts={"create": -5}), "timeouts.create", "positive"),
        ("timeout-infinite", valid_props(timeouts={"update": float("inf")}), "timeouts.update", "positive"),
        ("timeout-bool", valid_props(timeouts={"delete": True}), "timeouts.delete", "seconds"),
        ("desired-state-paused", valid_props(desiredState="Paused"), "desiredState", "Running"),
        ("adopt-number", valid_props(adoptClusterId=5), "adoptClusterId", "text"),
        ("extra-huge", valid_props(extraParam=json.dumps({"k": "x" * 70_000})), "extraParam", "65536"),
    ]
]

# `state`, `clusterId`... are outputs: RayCluster puts them in its props as None (absent on the wire), and Check
# ignores them there, so the corpus cases about setting them by hand apply to the spec layer only.
ALL_INVALID = [*[s for s in INVALID_SPECS if s.path not in OUTPUTS], *MORE_INVALID]


@pytest.mark.parametrize("spec", ALL_INVALID, ids=[s.id for s in ALL_INVALID])
def test_invalid_spec_fails_in_check_with_a_path_a_sentence_and_no_api_call(
    engine: Engine, emulator: Emulator, spec: InvalidSpec
) -> None:
    failures = engine.check(spec.props).failures

    assert failures, f"{spec.id} was accepted"
    reasons = {prop: reason for prop, reason in failures}
    assert spec.path in reasons, failures
    reason = reasons[spec.path]
    assert spec.word.lower() in reason.lower(), reason
    assert len(reason.split()) >= 3 and len(reason) < 400, reason  # a sentence, not a dump
    assert "\n" not in reason and "pydantic" not in reason.lower()
    assert "12345678" not in reason  # a password is never echoed
    assert emulator.journal() == []


def test_bad_inputs_never_reach_create_either(engine: Engine, emulator: Emulator) -> None:
    # The engine would stop at Check; a Create sent anyway (older state, a buggy engine) must refuse as well.
    with pytest.raises(ProviderError) as failed:
        engine.server.create(engine.provider, engine.urn, small_cluster(name="x" * 65))
    assert "name" in failed.value.message and "64" in failed.value.message
    assert emulator.journal() == []


# -- malformed answers -------------------------------------------------------------------------------------

GOOD_GET = {
    "clusterId": "ray-fake00000000001",
    "name": "analytics",
    "state": "Running",
    "createTime": 1,
    "headSpec": {"cpu": "2", "memory": "8Gi", "queueName": "root_queue", "replica": 1},
    "workerSpec": [],
    "volumeIds": [],
}

MALFORMED = {
    "not-json": always(200, "hello, I am not JSON", "text/plain"),
    "html-200": always(200, "<html><body>Login required</body></html>", "text/html"),
    "json-array": always(200, "[1, 2, 3]"),
    "json-string": always(200, '"ok"'),
    "empty-200": always(200, b""),
    "wrong-types": always(200, json.dumps({**GOOD_GET, "workerSpec": "lots", "createTime": "yesterday"})),
    "truncated-json": always(200, json.dumps(GOOD_GET)[:40]),
    "html-502": always(502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "text/html"),
    "error-not-json": always(400, "Bad Request", "text/plain"),
}


@pytest.fixture
def fake() -> Iterator[ScriptedHttpApi]:
    api = ScriptedHttpApi().start()
    yield api
    api.stop()


def fast_client(url: str) -> RayClusterApi:
    """The real client; retries shortened (2 attempts, 10 ms) to keep 5xx cases quick."""
    settings = ClientSettings(access_key_id=DEMO_ACCESS_KEY_ID, access_key_secret=DEMO_ACCESS_KEY_SECRET, endpoint=url)
    return RayClusterApi.from_settings(settings, retry=RetryPolicy(max_attempts=2, initial=0.01, cap=0.01))


# Words that show a library's internals leaked into the message instead of a sentence about the operation.
INTERNALS = ("Traceback", "pydantic", "errors.pydantic.dev", "JSONDecodeError", "json.decoder", "Expecting value")


def assert_one_clear_line(text: str, operation: str) -> None:
    assert operation in text, text
    assert "\n" not in text.strip() and len(text) < 600, text
    for internal in INTERNALS:
        assert internal not in text, text


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_client_turns_a_malformed_get_answer_into_one_clear_error(fake: ScriptedHttpApi, case: str) -> None:
    fake.scripts["GetRayCluster"] = MALFORMED[case]
    with fast_client(fake.url) as api, pytest.raises((MalformedResponseError, ServerError)) as failed:
        api.get(WORKSPACE, "ray-fake00000000001")
    assert_one_clear_line(str(failed.value), "GetRayCluster ray-fake00000000001")
    assert failed.value.__cause__ is None or "pydantic" not in type(failed.value.__cause__).__module__


WRONG_TYPES = {
    "ListRayCluster": always(200, '{"rayClusters": "lots", "requestId": "r"}'),
    "UpdateRayCluster": always(200, '{"clusterId": ["ray-x"], "requestId": "r"}'),
}


@pytest.mark.parametrize("case", ["not-json", "json-array", "empty-200", "wrong-types"])
@pytest.mark.parametrize("action", sorted(WRONG_TYPES))
def test_client_turns_malformed_answers_of_other_operations_into_clear_errors(
    fake: ScriptedHttpApi, case: str, action: str
) -> None:
    fake.scripts[action] = WRONG_TYPES[action] if case == "wrong-types" else MALFORMED[case]
    with fast_client(fake.url) as api, pytest.raises(MalformedResponseError) as failed:
        if action == "ListRayCluster":
            list(api.list(WORKSPACE))
        else:
            api.update(WORKSPACE, "ray-fake00000000001", {"description": "x"})
    assert_one_clear_line(str(failed.value), action)


def test_client_refuses_a_get_answer_without_cluster_id_or_state(fake: ScriptedHttpApi) -> None:
    fake.scripts["GetRayCluster"] = always(200, '{"requestId": "r-1"}')
    with fast_client(fake.url) as api, pytest.raises(MalformedResponseError) as failed:
        api.get(WORKSPACE, "ray-fake00000000001")
    assert_one_clear_line(str(failed.value), "GetRayCluster")


def test_client_keeps_an_unknown_state_as_text(fake: ScriptedHttpApi) -> None:
    fake.scripts["GetRayCluster"] = always(200, json.dumps({**GOOD_GET, "state": "Rebooting"}))
    with fast_client(fake.url) as api:
        assert api.get(WORKSPACE, "ray-fake00000000001").state == "Rebooting"


@pytest.fixture
def fake_engine(fake: ScriptedHttpApi) -> Iterator[Engine]:
    config = {
        "alicloud:accessKey": DEMO_ACCESS_KEY_ID,
        "alicloud:secretKey": DEMO_ACCESS_KEY_SECRET,
        "emr:endpoint": fake.url,
    }
    with private_engine(None, config=config) as engine:
        yield engine


def fake_outputs() -> dict[str, Any]:
    return {**small_cluster(), "clusterId": "ray-fake00000000001", "state": "Running"}


def test_provider_reports_malformed_get_answers_in_one_clear_line(fake: ScriptedHttpApi, fake_engine: Engine) -> None:
    # One server for all cases (start-up is the slow part); the 502 case waits out the default 5 attempts.
    for case, script in MALFORMED.items():
        fake.scripts["GetRayCluster"] = script
        with pytest.raises(ProviderError) as failed:
            fake_engine.preview("ray-fake00000000001", fake_outputs(), small_cluster())
        assert_one_clear_line(failed.value.message, "GetRayCluster")
        assert "Error" in failed.value.message.split(":")[0], (case, failed.value.message)


def test_provider_refuses_a_get_answer_without_fields(fake: ScriptedHttpApi, fake_engine: Engine) -> None:
    fake.scripts["GetRayCluster"] = always(200, '{"requestId": "r-1"}')
    with pytest.raises(ProviderError) as failed:
        fake_engine.preview("ray-fake00000000001", fake_outputs(), small_cluster())
    assert_one_clear_line(failed.value.message, "GetRayCluster")


def test_provider_create_times_out_on_an_unknown_state_and_cleans_up(
    fake: ScriptedHttpApi, fake_engine: Engine
) -> None:
    deleted: list[Seen] = []
    rebooting = always(200, json.dumps({**GOOD_GET, "state": "Rebooting"}))

    def delete(seen: Seen) -> Answer:
        deleted.append(seen)
        return Answer(200, b'{"requestId": "r"}')

    fake.scripts["CreateRayCluster"] = always(200, '{"clusterId": "ray-fake00000000001", "requestId": "r"}')
    fake.scripts["DeleteRayCluster"] = delete
    fake.scripts["GetRayCluster"] = lambda seen: (NOT_FOUND if deleted else rebooting)(seen)

    with pytest.raises(ProviderError) as failed:
        fake_engine.up_create(small_cluster(timeouts={"create": 1, "update": 30, "delete": 30}))

    assert "Rebooting" in failed.value.message and "timed out" in failed.value.message
    assert "deleted" in failed.value.message
    assert fake.actions().count("CreateRayCluster") == 1 and len(deleted) == 1


def test_provider_create_with_a_malformed_2xx_answer_finds_the_cluster_by_name(
    fake: ScriptedHttpApi, fake_engine: Engine
) -> None:
    now_ms = int(time.time() * 1000)
    fake.scripts["CreateRayCluster"] = always(200, "<html>OK</html>", "text/html")
    summary = {**GOOD_GET, "createTime": now_ms}
    listed = {False: always(200, '{"rayClusters": [], "requestId": "r"}'),
              True: always(200, json.dumps({"rayClusters": [summary], "requestId": "r"}))}  # fmt: skip
    # The name is free before the create (the pre-create lookup) and taken after it.
    fake.scripts["ListRayCluster"] = lambda seen: listed["CreateRayCluster" in fake.actions()](seen)
    fake.scripts["GetRayCluster"] = always(200, json.dumps({**GOOD_GET, "createTime": now_ms}))

    cluster_id, _ = fake_engine.up_create(small_cluster(workerSpec=[], volumeIds=[]))

    assert cluster_id == GOOD_GET["clusterId"]
    assert fake.actions().count("CreateRayCluster") == 1
