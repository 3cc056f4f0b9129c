"""The emulator's OpenAPI document: the seven operations as the SDK calls them, bodies and answers from schema.py.

The handlers take the raw body and validate it through schema.py themselves (so bad input gets the service's
InvalidParameter, not FastAPI's 422), so FastAPI cannot see the bodies: their schemas, the answers' and List's
query are generated here from the same models. Served at ``/openapi.json`` for fuzzers (schemathesis) and people;
the control API under ``/_emulator/`` is left out.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from emulator.schema import (
    Acknowledged,
    ClusterDetail,
    ClusterIdAnswer,
    ClusterSpec,
    CreateSpec,
    ErrorAnswer,
    ListAnswer,
    ListQuery,
    StartBody,
    StopBody,
)

BODIES: dict[str, type[BaseModel]] = {
    "CreateRayCluster": CreateSpec,
    "UpdateRayCluster": ClusterSpec,
    "StartRayCluster": StartBody,
    "StopRayCluster": StopBody,
}
ANSWERS: dict[str, type[BaseModel]] = {
    "CreateRayCluster": ClusterIdAnswer,
    "ListRayCluster": ListAnswer,
    "GetRayCluster": ClusterDetail,
    "UpdateRayCluster": ClusterIdAnswer,
    "DeleteRayCluster": Acknowledged,
    "StartRayCluster": Acknowledged,
    "StopRayCluster": Acknowledged,
}


class _Document(GenerateJsonSchema):
    """JSON schema as a client reads it: an optional key is one to leave out (a null means the same), no titles."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        if schema.get("default", ...) is None:
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def _json(description: str, schema: JsonSchemaValue) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas() -> tuple[dict[type[BaseModel], JsonSchemaValue], dict[str, Any]]:
    """A $ref per model and the components they point to."""
    models: list[type[BaseModel]] = [*BODIES.values(), *ANSWERS.values(), ErrorAnswer]
    models = list(dict.fromkeys(models))  # each once, in a stable order
    refs, defs = models_json_schema(
        [(model, "validation") for model in models],
        ref_template="#/components/schemas/{model}",
        schema_generator=_Document,
    )
    return {model: refs[(model, "validation")] for model in models}, defs.get("$defs", {})


def _list_query() -> list[dict[str, Any]]:
    properties = ListQuery.model_json_schema(schema_generator=_Document)["properties"]
    return [{"name": key, "in": "query", "required": False, "schema": schema} for key, schema in properties.items()]


def api_document(generated: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's generated document, narrowed to the Alibaba API and completed from schema.py."""
    document = copy.deepcopy(generated)
    document["paths"] = {path: ops for path, ops in document["paths"].items() if not path.startswith("/_emulator")}
    refs, components = _schemas()
    document["components"] = {"schemas": components}  # FastAPI's were the control API's and its 422
    for operations in document["paths"].values():
        for operation in operations.values():
            action = operation["operationId"].split("_", 1)[0]
            operation["operationId"] = action
            operation["responses"] = {
                "200": _json("Success", refs[ANSWERS[action]]),
                "default": _json("Refused: the service's error format", refs[ErrorAnswer]),
            }
            if action in BODIES:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": refs[BODIES[action]]}},
                }
            if action == "ListRayCluster":
                operation["parameters"] = [*operation.get("parameters", []), *_list_query()]
    return document
