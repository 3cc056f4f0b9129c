"""Python inputs -> resource properties: snake_case keys become the schema's camelCase names.

The typed inputs (``provider.args``, generated) let people write ``head_spec={"queue_name": ...}``; the state,
the provider and the stack files speak the API's camelCase (``headSpec.queueName``). The names come from the
aliases of the one schema (``provider.schema.spec``), walked model by model, so that only schema keys are
renamed: the keys inside ``extraParam`` or ``env`` are the user's own and stay as written. A camelCase dict (a
stack file's form) passes unchanged, so the two spellings can be mixed. Values of the wrong type and unknown
keys are passed on as they are: the provider's Check names them with a hint, as for a stack file.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Mapping
from functools import cache
from typing import Any, ClassVar, NamedTuple, Self, get_args, get_origin

import pulumi
from pydantic import BaseModel

from provider.schema.errors import InvalidValueError
from provider.schema.spec import RayClusterInputs


class WireField(NamedTuple):
    """One property of a schema model as the conversion needs it."""

    #: The camelCase name on the wire (the alias).
    wire: str
    #: The model of a nested block (or of each item of a list of blocks); None for plain values.
    model: type[BaseModel] | None
    #: A list of blocks (workerSpec) rather than one block.
    many: bool


def _nested(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The block model inside an annotation such as ``HeadSpec | None`` or ``list[WorkerGroup] | None``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if get_origin(annotation) is list:
        model, _ = _nested(get_args(annotation)[0])
        return model, model is not None
    for arg in get_args(annotation):  # Optional[...] and Annotated[...]
        model, many = _nested(arg)
        if model is not None:
            return model, many
    return None, False


@cache
def wire_fields(model: type[BaseModel]) -> dict[str, WireField]:
    """Each property of ``model`` under both its Python name and its wire name."""
    fields: dict[str, WireField] = {}
    for name, info in model.model_fields.items():
        nested, many = _nested(info.annotation)
        field = WireField(info.alias or name, nested, many)
        fields[name] = fields[field.wire] = field
    return fields


def _deferred(value: Any) -> bool:
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def _later(value: Any, convert: Any) -> pulumi.Output[Any]:
    """Convert an Output (or awaitable) once its value is known; secrecy and dependencies are kept."""
    return pulumi.Output.from_input(value).apply(convert)


def block_to_wire(value: Any, model: type[BaseModel]) -> Any:
    """One block (a dict with snake_case or camelCase keys, possibly an Output) as camelCase properties."""
    if _deferred(value):
        return _later(value, lambda known: block_to_wire(known, model))
    if not isinstance(value, Mapping):
        return value
    fields = wire_fields(model)
    props: dict[str, Any] = {}
    keys: dict[str, str] = {}
    for key, item in value.items():
        field = fields.get(key)
        wire = field.wire if field else key
        if wire in keys:
            raise InvalidValueError(f"{keys[wire]!r} and {key!r} both set the property {wire!r}: give it once")
        keys[wire], props[wire] = key, _field_to_wire(item, field)
    return props


def _field_to_wire(value: Any, field: WireField | None) -> Any:
    if field is None or field.model is None or value is None:
        return value
    if not field.many:
        return block_to_wire(value, field.model)
    if _deferred(value):
        return _later(value, lambda known: _field_to_wire(known, field))
    if isinstance(value, list | tuple):
        return [block_to_wire(item, field.model) for item in value]
    return value


class WireArgs:
    """The resource-property side of a generated Args class (a dataclass whose fields are the schema's)."""

    #: The schema model whose fields the Args class declares.
    MODEL: ClassVar[type[BaseModel]] = RayClusterInputs

    def __init__(self, **kwargs: Any) -> None:
        names = list(self.MODEL.model_fields)
        for key in kwargs:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"the known ones are {', '.join(names)}"
                raise TypeError(f"{type(self).__name__} got an unknown argument {key!r}: {hint}")
        required = [name for name, info in self.MODEL.model_fields.items() if info.is_required()]
        missing = [name for name in required if kwargs.get(name) is None]
        if missing:
            raise TypeError(f"{type(self).__name__} needs {', '.join(missing)}")
        for name in names:
            setattr(self, name, kwargs.get(name))

    @classmethod
    def from_props(cls, props: Mapping[str, Any]) -> Self:
        """Args from resource properties: a stack file's camelCase entry (snake_case keys are accepted too)."""
        fields = wire_fields(cls.MODEL)
        python = {fields[name].wire: name for name in cls.MODEL.model_fields}
        return cls(**{python.get(key, key): value for key, value in props.items()})

    def to_props(self) -> dict[str, Any]:
        """The resource properties: camelCase names at every level, unset (None) arguments left out."""
        given = {name: value for name, value in vars(self).items() if value is not None}
        wire: dict[str, Any] = block_to_wire(given, self.MODEL)
        return wire
