"""How schema.py's keys are checked: strict types with the service's limits and wording, required keys, unique groups.

A refusal raised here carries its wording in the error's context (`detail`, and `key` when a rule on an object
names one of its keys); validation.py turns the first one into the service's InvalidParameter message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

REFUSED = "refused"  # the error type of the service's own rules (pydantic's built-in ones are worded by type)
MAX_NAME = 64
MEMORY_RE = re.compile(r"^[1-9][0-9]*Gi$")


def refusal(detail: str, key: str | None = None) -> PydanticCustomError:
    """An InvalidParameter in the service's words: 'The parameter <path> <detail>'; `key` extends the path."""
    return PydanticCustomError(REFUSED, "{detail}", {"detail": detail, "key": key})


def worded(detail: str, *types: str) -> WrapValidator:
    """Refuse the whole value with `detail` (may use {input!r}) when its check fails with one of `types` (any)."""

    def check(value: Any, handler: Any) -> Any:
        try:
            return handler(value)
        except ValidationError as error:
            if types and error.errors()[0]["type"] not in types:
                raise
            raise refusal(detail.format(input=value)) from None

    return WrapValidator(check)


def _json_text(value: str) -> str:
    try:
        json.loads(value)
    except ValueError:
        raise refusal("must be a JSON string.") from None
    return value


def _memory(value: str) -> str:
    if not MEMORY_RE.match(value):
        raise refusal(f"must look like '8Gi' (whole Gi), got {value!r}.")
    return value


def _name(value: str) -> str:
    if not 1 <= len(value) <= MAX_NAME:
        raise refusal(f"must be 1 to {MAX_NAME} characters long.")
    return value


# Types are strict: a client that sends "replica": "2" or "cpu": 2 learns it here rather than in production.
# Limits on strings are checked in Python (pydantic's own would refuse strings that are not valid Unicode, which
# the service's checks let through) and documented beside the check.
Text = StrictStr
Flag = StrictBool
Whole = StrictInt
Memory = Annotated[StrictStr, AfterValidator(_memory), Field(json_schema_extra={"pattern": MEMORY_RE.pattern})]
Name = Annotated[StrictStr, AfterValidator(_name), Field(json_schema_extra={"minLength": 1, "maxLength": MAX_NAME})]
JsonText = Annotated[
    StrictStr, AfterValidator(_json_text), Field(json_schema_extra={"contentMediaType": "application/json"})
]
VolumeIds = Annotated[list[StrictStr], worded("must be a list of strings.")]


@dataclass(frozen=True)
class RequiredKey:
    """Marks a key that must be set (and not empty); checked after the object's values, with this wording."""

    detail: str


def _required_keys(model: type[BaseModel]) -> Iterator[tuple[str, RequiredKey]]:
    for key, info in model.model_fields.items():
        for mark in info.metadata:
            if isinstance(mark, RequiredKey):
                yield key, mark


def check_required(model: BaseModel) -> None:
    for key, mark in _required_keys(type(model)):
        if not getattr(model, key):
            raise refusal(mark.detail, key)


def document_required(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """json_schema_extra: list the RequiredKey keys as `required` in the model's JSON schema."""
    keys = [key for key, _ in _required_keys(model)]
    if keys:
        schema["required"] = [*schema.get("required", []), *keys]


# The groupNames seen so far in the worker-group list being validated: each group checks itself against the ones
# before it, so a duplicate is reported before a fault in a later group, as the service does.
_GROUP_NAMES: ContextVar[set[str] | None] = ContextVar("group_names", default=None)


def _group_names_scope(value: Any, handler: Any) -> Any:
    token = _GROUP_NAMES.set(set())
    try:
        return handler(value)
    finally:
        _GROUP_NAMES.reset(token)


UNIQUE_GROUP_NAMES = WrapValidator(_group_names_scope)  # on a list of worker groups: names unique within it


def check_unique_group(name: str | None) -> None:
    """In a group's own checks, after its values and its name are known to be good."""
    seen = _GROUP_NAMES.get()
    if seen is None or name is None:
        return
    if name in seen:
        raise refusal(f"{name!r} is duplicated.", "groupName")
    seen.add(name)
