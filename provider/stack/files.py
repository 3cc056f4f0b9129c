"""Read a stack's config from the files, as the Pulumi CLI hands it to the program, without the CLI.

Project-level ``config:`` in ``Pulumi.yaml`` applies to every stack; a key there is either a plain value or the
long form ``{type, description, default, value, secret}`` (structured values need ``value:``). Unqualified
keys belong to the project's namespace. The stack file's ``config:`` wins key by key. Where the stack files
are is read here only (``stack_dir``): the program (``__main__.py``) names them in its messages with it, and
``scripts/stack-spec`` and the program tests read them. PyYAML comes with the Pulumi SDK; it is imported only
when a file is read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from provider.schema.errors import EmrError

#: The project file: the project's name, its config (the base of every stack) and ``stackConfigDir``.
PROJECT_FILE = "Pulumi.yaml"

_LONG_FORM = frozenset({"type", "description", "default", "value", "secret", "items"})


class StackFileError(EmrError, ValueError):
    """Pulumi.yaml or a stack file is not a YAML map; the text names the file."""


class MissingStackFileError(EmrError, FileNotFoundError):
    """The stack has no file; the text lists the stacks that have one."""


def _yaml(path: Path) -> dict[str, Any]:
    import yaml  # a dependency of the Pulumi SDK, needed only when files are read

    try:
        with path.open(encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
    except yaml.MarkedYAMLError as exc:  # one line: the file, where, and what
        mark = exc.problem_mark
        at = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise StackFileError(f"{_shown(path)}{at}: not valid YAML: {exc.problem or exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise StackFileError(f"{_shown(path)}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise StackFileError(f"{path}: expected a YAML map at the top")
    return document


def _shown(path: Path) -> str:
    """The path as the user wrote it: relative to where the command runs, when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def project_root(start: Path) -> Path:
    """The directory of the Pulumi.yaml that governs ``start``: it or its nearest parent that has one (as the
    Pulumi CLI looks for it); ``start`` itself when none has."""
    for directory in (start, *start.parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    return start


def project_config(root: Path) -> tuple[str, dict[str, Any]]:
    """(project name, its project-level config with namespaced keys)."""
    document = _yaml(root / PROJECT_FILE)
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


def stack_dir(root: Path) -> Path:
    """Where the stack files are: ``stackConfigDir`` of Pulumi.yaml, else beside it. The one rule, for the
    program and the tools alike."""
    return root / (_yaml(root / PROJECT_FILE).get("stackConfigDir") or ".")


def stack_file(root: Path, stack: str) -> Path:
    """The file of ``stack``: ``Pulumi.<stack>.yaml`` in the stack directory."""
    return stack_dir(root) / f"Pulumi.{stack}.yaml"


def stack_file_name(root: Path, stack: str) -> str:
    """The file of ``stack`` as messages name it, relative to the project: ``stacks/Pulumi.prod.yaml``."""
    return os.path.relpath(stack_file(root, stack), root)


def stack_config(root: Path, stack: str) -> dict[str, Any]:
    """The config the program of ``stack`` sees: project config, overridden key by key by the stack file's."""
    _, config = project_config(root)
    path = stack_file(root, stack)
    if not path.exists():
        known = ", ".join(stacks(root))
        raise MissingStackFileError(f"no stack file {stack_file_name(root, stack)} (known stacks: {known})")
    config.update(_yaml(path).get("config") or {})
    return config


def stacks(root: Path) -> list[str]:
    """The stacks that have a file."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in stack_dir(root).glob("Pulumi.*.yaml"))


__all__ = [
    "PROJECT_FILE",
    "MissingStackFileError",
    "StackFileError",
    "project_config",
    "project_root",
    "stack_config",
    "stack_dir",
    "stack_file",
    "stack_file_name",
    "stacks",
]
