"""Writes provider/args.py, the typed inputs of RayCluster, from the one schema (provider/schema/spec.py).

mypy reads only static classes, so the snake_case TypedDicts and the RayClusterArgs dataclass are generated
text, not built at import time; generating them from spec.py's models keeps them from becoming a second
hand-written list of properties. ``python -m provider.codegen`` rewrites the file; ``--check`` exits 1 while the
committed file differs from what spec.py gives (tests/package/test_typed_inputs.py runs it).

Types: a nested block is exactly its TypedDict (never a Union: mypy names a misspelled key of a dict literal only
when its expected type is one TypedDict); a list may be an Output as a whole; every other value is a
``pulumi.Input`` of the Python types its normalizer in spec.py accepts.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import textwrap
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator

from provider.schema import spec
from provider.schema.errors import EmrError

TARGET = Path(__file__).with_name("args.py")

#: The Python types each normalized value accepts (spec.py's aliases that run a normalizer before validation).
SCALARS: tuple[tuple[Any, str], ...] = (
    (spec.Cpu, "str | float"),
    (spec.Memory, "str | int"),
    (spec.Flag, "bool"),
    (spec.WorkerType, "str"),
    (spec.Replicas, "int"),
    (spec.Seconds, "int"),
    (spec.Timeout, "float"),
    (spec.ExtraParam, "str | Mapping[str, Any]"),
)
#: The blocks in the order they are written (each after the blocks it contains) and their public names.
BLOCKS: tuple[tuple[type[BaseModel], str], ...] = (
    (spec.GftConfig, "GftConfig"),
    (spec.HeadSpec, "HeadSpec"),
    (spec.WorkerGroup, "WorkerGroup"),
    (spec.Timeouts, "Timeouts"),
)
_NAMES = {model: name for model, name in BLOCKS}


class SchemaTypeError(EmrError, TypeError):
    """A type in spec.py that this generator does not know how to offer in Python: teach it (SCALARS)."""


def _block(model: Any) -> str | None:
    if isinstance(model, type) and issubclass(model, BaseModel):
        if model not in _NAMES:
            raise SchemaTypeError(f"spec.{model.__name__} is a nested block: add it to codegen.BLOCKS")
        return f"{_NAMES[model]}ArgsDict"
    return None


def _normalized(annotation: Any) -> bool:
    """An Annotated type whose value goes through a normalizer first (it accepts more than its base type)."""
    return get_origin(annotation) is Annotated and any(isinstance(m, BeforeValidator) for m in annotation.__metadata__)


def _bare(annotation: Any) -> Any:
    """The type without ``| None`` and without constraint-only ``Annotated`` wrappers."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin in (Union, types.UnionType):
            rest = [arg for arg in args if arg is not type(None)]
            if len(rest) != 1:
                raise SchemaTypeError(f"{annotation!r}: only X | None unions are supported")
            annotation = rest[0]
        elif origin is Annotated and not _normalized(annotation):
            annotation = args[0]
        else:
            return annotation


def _value_type(annotation: Any) -> str:
    """The Python type of a plain value (no pulumi.Input around it)."""
    known = next((text for alias, text in SCALARS if alias == annotation), None)
    if known is not None:
        return known
    if _normalized(annotation):
        raise SchemaTypeError(f"{annotation} normalizes its input: add the Python types it accepts to SCALARS")
    if get_origin(annotation) is Literal:
        return "Literal[" + ", ".join(f'"{value}"' for value in get_args(annotation)) + "]"
    if annotation in (str, bool, int, float):
        return str(annotation.__name__)
    raise SchemaTypeError(f"no Python input type for {annotation!r}")


def input_type(annotation: Any) -> str:
    """The declared type of one property: a block's TypedDict, a list (Input as a whole) or an Input value."""
    annotation = _bare(annotation)
    block = _block(annotation)
    if block:
        return block
    if get_origin(annotation) is list:
        item = _bare(get_args(annotation)[0])
        return f"pulumi.Input[Sequence[{_block(item) or f'pulumi.Input[{_value_type(item)}]'}]]"
    return f"pulumi.Input[{_value_type(annotation)}]"


def _properties(model: type[BaseModel]) -> Iterator[tuple[str, str, bool]]:
    """(snake_case name, declared type, required) of each property of a model, in the model's order."""
    hints = typing.get_type_hints(model, include_extras=True)
    for name, info in model.model_fields.items():
        yield name, input_type(hints[name]), info.is_required()


def _doc(text: str) -> str:
    """A class docstring, wrapped to the line length."""
    lines = textwrap.wrap(text, width=108)
    if len(lines) == 1:
        return f'    """{lines[0]}"""'
    return '    """' + "\n    ".join(lines) + '\n    """'


def _model_doc(model: type[BaseModel]) -> str:
    summary = (model.__doc__ or "").strip().splitlines()[0]
    return _doc(f"{summary} From ``spec.{model.__name__}``.")


def _typed_dict(name: str, model: type[BaseModel], *, total: bool = True, doc: str | None = None) -> list[str]:
    lines = [f"class {name}(TypedDict{'' if total else ', total=False'}):", doc or _model_doc(model), ""]
    for prop, declared, required in _properties(model):
        lines.append(f"    {prop}: {declared if required or not total else f'NotRequired[{declared}]'}")
    return lines


def _block_section(model: type[BaseModel], name: str) -> list[str]:
    alias_doc = f'"""``{name}Args(...)`` builds a ``{name}ArgsDict`` (one type: keyword call or dict literal)."""'
    return [*_typed_dict(f"{name}ArgsDict", model), "", "", f"{name}Args = {name}ArgsDict", alias_doc]


def _hides_values(model: type[BaseModel] | None) -> bool:
    """True for a block that holds a key whose value must not be printed (spec.HIDDEN_KEYS: env, the password)."""
    if model is None:
        return False
    fields = model.model_fields
    return any(info.alias in spec.HIDDEN_KEYS or _hides_values(_model_in(info.annotation)) for info in fields.values())


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_model_in, get_args(annotation)) if m is not None), None)


def _args_class() -> list[str]:
    model = spec.RayClusterInputs
    lines = [
        "@dataclass(init=False)",
        "class RayClusterArgs(WireArgs):",
        _doc("The inputs of a RayCluster (``spec.RayClusterInputs``); ``to_props()`` gives the camelCase properties."),
        "",
        "    MODEL = spec.RayClusterInputs",
        "",
    ]
    for prop, declared, required in _properties(model):
        hidden = _hides_values(_model_in(model.model_fields[prop].annotation))
        default = "" if required else (" = field(default=None, repr=False)" if hidden else " = None")
        lines.append(f"    {prop}: {declared}{'' if required else ' | None'}{default}")
    lines += [
        "",
        "    def __init__(self, **kwargs: Unpack[RayClusterArgsDict]) -> None:",
        "        super().__init__(**kwargs)",
    ]
    return lines


HEADER = '''"""The typed inputs of RayCluster, generated from provider/schema/spec.py (the one schema): do not edit.

Regenerate with ``python -m provider.codegen`` after changing spec.py (``--check`` says whether this file is current).
A nested block is a TypedDict with snake_case keys under two names: ``HeadSpecArgs(cpu="2")`` (a keyword call, like a
Pulumi Args class) and the literal ``{"cpu": "2"}`` typed ``HeadSpecArgsDict`` build the same dict, and mypy names a
misspelled key in either. The resource sends the API's camelCase names (provider.wire); camelCase dicts (the stack
files' form) are accepted as they are.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NotRequired, TypedDict, Unpack

import pulumi

from provider.schema import spec
from provider.wire import WireArgs
'''

KEYWORD_DOC = _doc(
    "The keyword form ``RayCluster(name, workspace_id=..., ...)``: RayClusterArgsDict's keys, all optional to the type "
    "checker because the same call may pass a RayClusterArgs instead; the required ones are checked at run time."
)


def render() -> str:
    """The text of provider/args.py for the current spec.py."""
    sections = [_block_section(model, name) for model, name in BLOCKS]
    sections.append(_typed_dict("RayClusterArgsDict", spec.RayClusterInputs))
    sections.append(_typed_dict("RayClusterKeywordArgs", spec.RayClusterInputs, total=False, doc=KEYWORD_DOC))
    sections.append(_args_class())
    return HEADER + "".join("\n\n" + "\n".join(section) + "\n" for section in sections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m provider.codegen", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if provider/args.py is not what spec.py gives")
    check = parser.parse_args(argv).check
    text, current = render(), TARGET.read_text() if TARGET.exists() else ""
    if not check:
        if text != current:
            TARGET.write_text(text)
        return 0
    if text == current:
        return 0
    diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True), "args.py (committed)", "generated")
    sys.stderr.write("".join(diff) + "provider/args.py is stale: run `python -m provider.codegen`\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
