"""Property paths have one home (provider.schema.paths): rendering and parsing agree, in both syntaxes."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider.schema import paths
from provider.schema.paths import Group, config_path, join, last_key, parse, plan_path, render
from provider.schema.spec import check_inputs
from provider.stack.inherit import origin

identifiers = st.text(string.ascii_letters + "_", min_size=1, max_size=8)
keys = st.text(string.ascii_letters + string.digits + " ._-:", min_size=1, max_size=8)
locs = st.lists(st.one_of(identifiers, st.integers(0, 99)), min_size=1, max_size=5).map(tuple)


@given(locs)
def test_the_index_syntax_parses_back_to_its_parts(loc: paths.Loc) -> None:
    assert parse(render(loc)) == loc


@given(identifiers, st.lists(st.one_of(keys, st.integers(0, 99)), min_size=1, max_size=4))
def test_a_config_key_quotes_what_is_not_an_identifier_and_parses_back(root: str, parts: list[str | int]) -> None:
    key = config_path(root, *parts)
    assert parse(key) == (root, *parts)


def test_the_two_syntaxes() -> None:
    assert render(("workerSpec", 0, "minReplica")) == "workerSpec[0].minReplica"
    assert render(("workerSpec", Group("cpu"), "replica")) == "workerSpec[cpu].replica"
    assert plan_path(("workerSpec", "gpu", "replica")) == "workerSpec[gpu].replica"
    assert plan_path(("workerSpec", "gpu")) == "workerSpec[gpu]"
    assert plan_path(("headSpec", "gftConfig", "redisPassword")) == "headSpec.gftConfig.redisPassword"
    assert plan_path(("workerSpec",)) == "workerSpec"


def test_config_keys_are_spelled_as_pulumi_config_set_path_reads_them() -> None:
    root = "ray-clusters:rayClusters"
    assert config_path(root, "analytics", "workerSpec", 0, "minReplica") == f"{root}.analytics.workerSpec[0].minReplica"
    assert config_path(root, "my.cluster", "name") == f'{root}["my.cluster"].name'
    assert config_path(root, 1) == f"{root}[1]"
    assert join(root, "[0].groupName") == f"{root}[0].groupName"
    assert join(root, "headSpec.cpu") == f"{root}.headSpec.cpu"
    assert join(root, "") == root


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("headSpec.gftConfig.redisPassword", "redisPassword"),
        ("workerSpec[gpu].env", "env"),
        ("workerSpec[a.env]", "workerSpec"),
        ("workerSpec[env]", "workerSpec"),
        ("volumeIds", "volumeIds"),
    ],
)
def test_last_key_is_a_map_key_never_a_group_name(path: str, key: str) -> None:
    assert last_key(path) == key


def test_a_check_failure_path_leads_back_to_the_value_it_names() -> None:
    """The path check_inputs reports, parsed as inheritance parses it, walks to the refused value."""
    spec = {
        "workspaceId": "w-1",
        "name": "a",
        "workerSpec": [{"groupName": "cpu"}, {"groupName": "gpu", "minReplica": 5, "maxReplica": 2}],
    }
    _, failures = check_inputs(spec)
    (failure,) = failures
    assert failure.path == "workerSpec[1].minReplica"
    value: object = spec
    for part in parse(failure.path):
        value = value[part]  # type: ignore[index]
    assert value == 5
    base = {"a": spec}
    assert origin(base, {"a": {"description": "x"}}, "a", failure.path, base) == "base"
