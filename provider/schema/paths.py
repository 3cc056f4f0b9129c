"""Property paths: where a value sits in a cluster spec or a stack file, rendered and parsed in one place.

Two syntaxes, each where it serves the reader:

- **index syntax**, ``workerSpec[0].minReplica``: a list item by its position. Used where a person edits a
  document position by position: validation failures (``spec.check_inputs``, which the engine shows as
  CheckFailure properties), stack-file keys (``ray-clusters:rayClusters[1].workerSpec[0].minReplica``) and the
  inheritance of a base (``stack.inherit``). This is the only syntax that is parsed back (``parse``).
- **name syntax**, ``workerSpec[cpu].replica``: a worker group by its ``groupName`` (a ``Group`` part). Used
  where two sides are compared (the plan's lines and records, the report, ``stack-spec --diff``): groups are
  matched by name, and a position moves when a group is added while a name does not.

Map keys are joined with ``.``. In stack-file keys only (``config_path``), a key that is not an identifier is
quoted, ``ray-clusters:rayClusters["my.cluster"]``, because that is how ``pulumi config set --path`` reads it;
elsewhere keys are schema names (always identifiers) and are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from provider.schema.keys import WORKER_SPEC

#: One step of a path: a map key, or a list position.
Part = str | int
#: A path as parts, ``("workerSpec", 1, "minReplica")`` (pydantic's error locations have this shape).
Loc = tuple[Part, ...]

# A key `pulumi config set --path` reads without quotes.
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# One part of an index-syntax path: [3], ["quoted key"], [other], or a bare key between dots.
_PART = re.compile(r'\[(\d+)\]|\["([^"]*)"\]|\[([^\]]*)\]|([^.\[\]]+)')


class Group(str):
    """A worker group's name as a path part: rendered ``[name]`` (the name syntax), not ``.name``."""

    __slots__ = ()


def render(parts: Iterable[Part], *, quote: bool = False) -> str:
    """("workerSpec", 1, "minReplica") -> "workerSpec[1].minReplica"; a ``Group`` part -> "[name]".

    ``quote`` writes a key that is not an identifier as ``["key"]`` (stack-file keys; see the module doc).
    """
    text = ""
    for position, part in enumerate(parts):
        if isinstance(part, int | Group):  # a position, or a group by its name
            text += f"[{part}]"
        elif quote and not _IDENTIFIER.match(part):
            text += f'["{part}"]'
        else:
            text += f".{part}" if position else part
    return text


def join(parent: str, path: str) -> str:
    """A rendered ``path`` below ``parent``: ("k", "a.b") -> "k.a.b", ("k", "[0].b") -> "k[0].b", ("k", "") -> "k"."""
    if not path:
        return parent
    return f"{parent}{path}" if path.startswith("[") else f"{parent}.{path}"


def config_path(parent: str, *parts: Part) -> str:
    """A stack-file key below ``parent`` in the spelling of ``pulumi config set --path``.

    ``config_path("ray-clusters:rayClusters", "my.cluster", "workerSpec", 0)`` ->
    ``ray-clusters:rayClusters["my.cluster"].workerSpec[0]``.
    """
    return join(parent, render(parts, quote=True))


def parse(path: str) -> Loc:
    """ "workerSpec[1].minReplica" -> ("workerSpec", 1, "minReplica"): the index syntax, back into parts.

    ``[3]`` is a position, ``["key"]`` and ``[key]`` are keys; a path may start with a bracket (``[0].groupName``).
    Name-syntax paths are for reading only: a group named ``0`` would come back as a position.
    """
    parts: list[Part] = []
    for match in _PART.finditer(path):
        index, quoted, bracketed, bare = match.groups()
        if index is not None:
            parts.append(int(index))
        else:
            parts.append(next(text for text in (quoted, bracketed, bare) if text is not None))
    return tuple(parts)


def plan_path(key: Sequence[str]) -> str:
    """The plan's flat key in the name syntax: ("workerSpec", "gpu", "replica") -> "workerSpec[gpu].replica".

    The plan keys every leaf by a tuple whose second part, under ``workerSpec``, is the group's name.
    """
    if len(key) > 1 and key[0] == WORKER_SPEC:
        return render((key[0], Group(key[1]), *key[2:]))
    return render(key)


def last_key(path: str) -> str:
    """The last map key of a rendered path: "headSpec.gftConfig.redisPassword" -> "redisPassword".

    Brackets are skipped whole, dots inside them included: "workerSpec[a.env]" -> "workerSpec".
    """
    return re.sub(r"\[[^\]]*\]", "", path).rsplit(".", 1)[-1]


__all__ = ["Group", "Loc", "Part", "config_path", "join", "last_key", "parse", "plan_path", "render"]
