"""Stacks inherit a base: what every environment shares is declared once, each stack file says what differs.

The base is the project-level config key ``clusterBase`` in ``Pulumi.yaml`` (every stack of the project reads
project config; a stack's own keys win). It is a map resource name -> cluster spec, in the stack files' shape.
A stack's ``rayClusters`` lays over it:

- maps merge key by key (a cluster, ``headSpec``, ``gftConfig``, ``timeouts``, ``extraParam`` as an object);
- ``workerSpec`` groups merge by ``groupName``: a stack's group lays over the base's namesake, a new name is
  added after the base's groups, and ``{groupName: gpu, remove: true}`` takes a base group out;
- any other list (``volumeIds``) is replaced whole;
- an explicit ``null`` removes a key, or a whole cluster the stack does not run.

A stack must say what it runs (a missing key never deploys the base): ``base`` takes the base as it is, a list
declares the clusters whole (the base is not used, so ``[]`` declares none), and an empty map is refused as
ambiguous (it used to mean "the base" while the README said "none").

Pure: no Pulumi import; the program and ``scripts/stack-spec`` use the same function.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from provider.stack.config import ConfigProblem, StackConfigError

BASE_KEY = "clusterBase"
BASE_FILE = "Pulumi.yaml"
#: The ``rayClusters`` value that takes the base as it is.
USE_BASE = "base"
GROUPS = "workerSpec"
GROUP_NAME = "groupName"
REMOVE = "remove"


def effective_clusters(base: Any, stack: Any, *, base_key: str, stack_key: str, stack_file: str) -> Any:
    """The clusters of a stack: ``stack`` (its ``rayClusters``) laid over ``base``, the base itself for ``base``,
    a list as it is (``[]``: none).

    Raises StackConfigError naming the file and the key of every problem found.
    """
    problems = _shape_problems(base, stack, base_key, stack_key)
    if problems:
        raise StackConfigError(problems, stack_file)
    if stack == USE_BASE:
        return copy.deepcopy(base)
    if base is None or isinstance(stack, list):
        return stack
    merged = _merge_map(base, stack, stack_key, problems)
    if problems:
        raise StackConfigError(problems, stack_file)
    return merged


def _shape_problems(base: Any, stack: Any, base_key: str, stack_key: str) -> list[ConfigProblem]:
    """What is wrong with the two values as a whole, before any merge."""
    forms = f"write `{USE_BASE}` to run the base ({BASE_FILE} {base_key}) as it is, a map of what differs, or []"
    if base is None:
        forms = "write a map name -> spec, or []"
    if base is not None and not isinstance(base, Mapping):
        return [ConfigProblem(f"{BASE_FILE}: {base_key}", "must be a map of resource name -> cluster spec.")]
    if stack is None:
        return [ConfigProblem(stack_key, f"is not set: declare this stack's clusters: {forms} for none.")]
    if stack == USE_BASE and base is None:
        return [ConfigProblem(stack_key, f"is `{USE_BASE}`, but {BASE_FILE} declares no {base_key}.")]
    if isinstance(stack, Mapping) and not stack and base is not None:
        return [ConfigProblem(stack_key, f"is an empty map, which is ambiguous: {forms} for none.")]
    if base is not None and not isinstance(stack, Mapping | list) and stack != USE_BASE:
        return [ConfigProblem(stack_key, f"must be `{USE_BASE}`, a list of cluster specs, or a map of what differs.")]
    return []


def _merge_map(base: Mapping[str, Any], over: Mapping[str, Any], key: str, problems: list[ConfigProblem]) -> dict:
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for name, value in over.items():
        where = f"{key}.{name}"
        if value is None:
            merged.pop(name, None)  # an explicit null removes the key
        elif name == GROUPS and isinstance(value, list) and isinstance(merged.get(name), list):
            merged[name] = _merge_groups(merged[name], value, where, problems)
        elif isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = _merge_map(merged[name], value, where, problems)
        else:
            merged[name] = copy.deepcopy(value)  # scalars and other lists are replaced whole
    return merged


def _merge_groups(base: list[Any], over: list[Any], key: str, problems: list[ConfigProblem]) -> list[Any]:
    groups = [copy.deepcopy(group) for group in base]
    index = {group.get(GROUP_NAME): i for i, group in enumerate(groups) if isinstance(group, Mapping)}
    seen: set[str] = set()
    removed: set[int] = set()
    for position, group in enumerate(over):
        where = f"{key}[{position}]"
        name = group.get(GROUP_NAME) if isinstance(group, Mapping) else None
        if not isinstance(name, str) or not name:
            problems.append(ConfigProblem(f"{where}.{GROUP_NAME}", "is required: groups merge with the base by name."))
            continue
        if name in seen:
            problems.append(ConfigProblem(f"{where}.{GROUP_NAME}", f"{name!r} is listed twice; list each group once."))
            continue
        seen.add(name)
        if group.get(REMOVE) is True:
            if name not in index:
                problems.append(ConfigProblem(f"{where}.{REMOVE}", f"the base has no group {name!r} to remove."))
            elif set(group) - {GROUP_NAME, REMOVE}:
                problems.append(ConfigProblem(where, "a removed group takes no other keys; drop them or the remove."))
            else:
                removed.add(index[name])
            continue
        if name in index:
            groups[index[name]] = _merge_map(groups[index[name]], group, where, problems)
        else:
            groups.append(copy.deepcopy(dict(group)))
    return [group for i, group in enumerate(groups) if i not in removed]


def origin(base: Any, stack: Any, cluster: str, path: str, merged: Mapping[str, Any]) -> str:
    """Which file set a merged value: ``"stack"`` when the stack file declares it, else ``"base"``.

    ``path`` is a property path inside the merged cluster spec, as check failures name it
    (``workerSpec[1].minReplica``: the index is a position in the merged list, matched to the stack by name).
    """
    if base is None or isinstance(stack, list):
        return "stack"
    over: Any = stack.get(cluster) if isinstance(stack, Mapping) else None
    here: Any = merged.get(cluster)
    for part in _parts(path):
        if over is None:
            return "base"
        if isinstance(part, int):
            group = here[part] if isinstance(here, list) and part < len(here) else None
            name = group.get(GROUP_NAME) if isinstance(group, Mapping) else None
            over = (
                next((g for g in over if isinstance(g, Mapping) and g.get(GROUP_NAME) == name), None)
                if isinstance(over, list)
                else None
            )
            here = group
        else:
            over = over.get(part) if isinstance(over, Mapping) else None
            here = here.get(part) if isinstance(here, Mapping) else None
    return "stack" if over is not None else "base"


def _group_named(groups: Any, name: Any) -> Any:
    if not isinstance(groups, list):
        return None
    return next((g for g in groups if isinstance(g, Mapping) and g.get(GROUP_NAME) == name), None)


def _parts(path: str) -> list[str | int]:
    """'workerSpec[1].minReplica' -> ['workerSpec', 1, 'minReplica']."""
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


__all__ = ["BASE_FILE", "BASE_KEY", "REMOVE", "USE_BASE", "effective_clusters", "origin"]
