"""Read a stack's config from the files, as the Pulumi CLI hands it to the program, without the CLI.

Project-level ``config:`` in ``Pulumi.yaml`` applies to every stack; a key there is either a plain value or the
long form ``{type, description, default, value, secret}`` (structured values need ``value:``). Unqualified
keys belong to the project's namespace. The stack file's ``config:`` wins key by key. Used by
``scripts/stack-spec`` and the program tests; PyYAML is needed here only (a dev dependency).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_LONG_FORM = frozenset({"type", "description", "default", "value", "secret", "items"})


def _yaml(path: Path) -> dict[str, Any]:
    import yaml  # a dev tool's dependency: imported only when files are read

    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a YAML map at the top")
    return document


def project_config(root: Path) -> tuple[str, dict[str, Any]]:
    """(project name, its project-level config with namespaced keys)."""
    document = _yaml(root / "Pulumi.yaml")
    project = str(document["name"])
    config: dict[str, Any] = {}
    for key, declared in (document.get("config") or {}).items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(declared, dict) and declared and set(declared) <= _LONG_FORM:
            if "value" in declared:
                config[full] = declared["value"]
            elif "default" in declared:
                config[full] = declared["default"]
        else:
            config[full] = declared
    return project, config


def _stack_dir(root: Path) -> Path:
    """Where the stack files are: ``stackConfigDir`` of Pulumi.yaml, else beside it."""
    return root / (_yaml(root / "Pulumi.yaml").get("stackConfigDir") or ".")


def stack_file(root: Path, stack: str) -> Path:
    return _stack_dir(root) / f"Pulumi.{stack}.yaml"


def stack_config(root: Path, stack: str) -> dict[str, Any]:
    """The config the program of ``stack`` sees: project config, overridden key by key by the stack file's."""
    _, config = project_config(root)
    path = stack_file(root, stack)
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.relative_to(root)} (known stacks: {', '.join(stacks(root))})")
    config.update(_yaml(path).get("config") or {})
    return config


def stacks(root: Path) -> list[str]:
    """The stacks that have a file."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in _stack_dir(root).glob("Pulumi.*.yaml"))


__all__ = ["project_config", "stack_config", "stack_file", "stacks"]
