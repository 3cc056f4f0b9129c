"""What a stack declares, from the files alone (no Pulumi CLI): ``./scripts/stack-spec``.

    ./scripts/stack-spec STACK                 the effective clusters of STACK as one JSON object
    ./scripts/stack-spec --diff STACK_A STACK_B  the fields whose values differ, cluster by cluster

The effective clusters are the stack file's ``rayClusters`` laid over the base in ``Pulumi.yaml``, exactly as
the program merges them (``provider.stack.inherit``); secrets stay as their config references. Fields are
named in the name syntax of ``provider.schema.paths`` (``workerSpec[cpu].replica``): groups are compared by name.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from provider.schema.keys import GROUP_NAME, WORKER_SPEC
from provider.schema.paths import Group, Part, render
from provider.stack.config import (
    CLUSTERS_KEY,
    WORKSPACE_KEY,
    StackConfigError,
    parse_clusters,
    password_refs,
    unknown_keys,
)
from provider.stack.files import project_config, stack_config, stack_file_name
from provider.stack.inherit import BASE_KEY, effective_clusters

MISSING = object()


def clusters_of(root: Path, stack: str) -> dict[str, Any]:
    """Resource name -> effective spec of every cluster of ``stack``."""
    project, _ = project_config(root)
    config = stack_config(root, stack)
    merged = effective_clusters(
        config.get(f"{project}:{BASE_KEY}"),
        config.get(f"{project}:{CLUSTERS_KEY}"),
        base_key=f"{project}:{BASE_KEY}",
        stack_key=f"{project}:{CLUSTERS_KEY}",
        stack_file=stack_file_name(root, stack),
    )
    if isinstance(merged, list):  # the list form: the cluster name names the resource
        return {str(spec.get("name")): spec for spec in merged if isinstance(spec, Mapping)}
    return dict(merged or {})


def problems_of(root: Path, stack: str) -> list[str]:
    """Every problem the program would refuse ``stack`` for, one line each (``file: key: reason``); [] when none.

    The program's own rules: unknown keys of our namespaces, the base merge, and each cluster's spec (Check's rules
    included). Secrets that must be set with ``pulumi config set --secret`` cannot be seen from the files.
    """
    project, _ = project_config(root)
    config = stack_config(root, stack)
    where = stack_file_name(root, stack)
    raw, base = config.get(f"{project}:{CLUSTERS_KEY}"), config.get(f"{project}:{BASE_KEY}")
    refs = password_refs(raw, project) | password_refs(base, project)
    found = unknown_keys(config, project=project, also_known=refs)
    try:
        parse_clusters(
            effective_clusters(
                base, raw, base_key=f"{project}:{BASE_KEY}", stack_key=f"{project}:{CLUSTERS_KEY}", stack_file=where
            ),
            project=project,
            stack=stack,
            default_workspace_id=config.get(WORKSPACE_KEY),
            stack_file=where,
        )
    except StackConfigError as exc:
        found += exc.problems
    return [f"{where}: {problem}" for problem in found]


def _leaves(spec: Any, prefix: tuple[Part, ...] = ()) -> dict[str, Any]:
    """Flat ``path -> value``; worker groups keyed by name (``workerSpec[cpu].replica``), other lists whole."""
    if not isinstance(spec, Mapping):
        return {render(prefix): spec}
    out: dict[str, Any] = {}
    for key, value in spec.items():
        path = (*prefix, str(key))
        if key == WORKER_SPEC and isinstance(value, list) and all(isinstance(g, Mapping) for g in value):
            for group in value:
                named = (*path, Group(str(group.get(GROUP_NAME))))
                rest = {k: v for k, v in group.items() if k != GROUP_NAME}
                out.update(_leaves(rest, named) or {render(named): {}})
        elif isinstance(value, Mapping) and value:
            out.update(_leaves(value, path))
        else:
            out[render(path)] = value
    return out


def differences(a: Mapping[str, Any], b: Mapping[str, Any], names: tuple[str, str]) -> list[str]:
    """Lines that say, cluster by cluster, which fields differ between two stacks."""
    lines: list[str] = []
    for cluster in sorted(set(a) | set(b)):
        if cluster not in b or cluster not in a:
            lines.append(f"{cluster}: only in {names[0] if cluster in a else names[1]}")
            continue
        left, right = _leaves(a[cluster]), _leaves(b[cluster])
        changed = [p for p in sorted(set(left) | set(right)) if left.get(p, MISSING) != right.get(p, MISSING)]
        if not changed:
            lines.append(f"{cluster}: the same")
            continue
        lines.append(f"{cluster}:")
        for path in changed:
            old, new = _show(left.get(path, MISSING)), _show(right.get(path, MISSING))
            lines.append(f"  {path}: {old} ({names[0]}) | {new} ({names[1]})")
    return lines


def _show(value: Any) -> str:
    return "(unset)" if value is MISSING else json.dumps(value, ensure_ascii=False)


def main(argv: Sequence[str] | None = None, root: Path | None = None) -> int:
    """The project is the current directory (``scripts/stack-spec`` runs from the repository root)."""
    root = root or Path.cwd()
    parser = argparse.ArgumentParser(prog="./scripts/stack-spec", description="What a stack declares, from its files.")
    parser.add_argument("stacks", nargs="+", metavar="STACK")
    parser.add_argument("--diff", action="store_true", help="compare two stacks, field by field")
    args = parser.parse_args(argv)
    if len(args.stacks) != (2 if args.diff else 1):
        parser.error("give one STACK, or --diff STACK_A STACK_B")
    try:
        problems = [line for stack in args.stacks for line in problems_of(root, stack)]
        found = [] if problems else [clusters_of(root, stack) for stack in args.stacks]
    except (StackConfigError, FileNotFoundError, ValueError) as exc:
        problems = [line.strip().removeprefix("- ") for line in str(exc).splitlines()]
    if problems:
        print("\n".join(f"error: {line}" for line in problems), file=sys.stderr)
        return 2
    if args.diff:
        print("\n".join(differences(found[0], found[1], (args.stacks[0], args.stacks[1]))))
    else:
        print(json.dumps(found[0], indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["clusters_of", "differences", "main"]
