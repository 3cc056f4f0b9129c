"""The List form of the answer models: `DetailOnly` marks a key a ListRayCluster item leaves out, `listed` drops them.

So the keys of a List item (the SDK's ListRayClusterResponseBody item) are stated once, on the keys
themselves in schema.py, and the summary models (for the OpenAPI document and the views' key sets) are derived.
"""

from __future__ import annotations

import functools
import operator
from types import GenericAlias, UnionType
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, create_model

T = TypeVar("T")


class _DetailOnlyMark:
    """See DetailOnly."""


_DETAIL_ONLY = _DetailOnlyMark()
DetailOnly = Annotated[T, _DETAIL_ONLY]  # a key GetRayCluster answers and a ListRayCluster item leaves out


@functools.cache
def listed(model: type[BaseModel], name: str | None = None) -> type[BaseModel]:
    """`model` as a ListRayCluster item shows it: its keys but the DetailOnly ones, nested objects listed too."""
    fields: dict[str, Any] = {
        key: (_listed_type(info.annotation), info)
        for key, info in model.model_fields.items()
        if _DETAIL_ONLY not in info.metadata
    }
    summary = name or model.__name__.removesuffix("Detail") + "Summary"
    return create_model(summary, __config__=model.model_config, **fields)


def _listed_type(annotation: Any) -> Any:
    """`annotation` with each model in it (alone, in a list, or-ed with None) replaced by its listed form."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return listed(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list:
        return GenericAlias(list, (_listed_type(args[0]),))
    if origin in (Union, UnionType):
        return functools.reduce(operator.or_, map(_listed_type, args))
    return annotation
