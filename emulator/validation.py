"""Validate and normalize request bodies the way the service does (400 InvalidParameter), through schema.py.

The models check; this module words the first failure as the service would ("The parameter workerSpec[0].replica
must be at least 1, got 0.") and returns the body's known, non-null keys as plain dicts for the store.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from emulator.errors import ApiError, invalid_parameter
from emulator.fields import REFUSED
from emulator.schema import ClusterSpec, CreateSpec, ListQuery

# pydantic's own error types in the service's words; the service's own rules bring theirs (fields.refusal).
_WORDING = {
    "string_type": "must be a string.",
    "bool_type": "must be a boolean.",
    "int_type": "must be an integer.",
    "greater_than_equal": "must be at least {ge}, got {input}.",
    "model_type": "must be an object.",
    "list_type": "must be a list.",
}


def json_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid_parameter("The request body must be a JSON object.")
    return body


def cluster_spec(body: Any, *, creating: bool) -> dict[str, Any]:
    """The keys of a Create/Update body, validated; absent or null keys are left out (= unchanged)."""
    model = CreateSpec if creating else ClusterSpec
    try:
        spec = model.model_validate(json_object(body))
    except ValidationError as error:
        raise _refused(error.errors()[0]) from None
    return spec.model_dump(exclude_none=True)


def _refused(error: ErrorDetails) -> ApiError:
    """The service's InvalidParameter for pydantic's first error (the first fault in the service's check order)."""
    loc, ctx = list(error["loc"]), error.get("ctx") or {}
    if error["type"] == REFUSED:
        detail = ctx["detail"]
        loc += [ctx["key"]] if ctx.get("key") else []
    elif error["type"] in _WORDING:
        detail = _WORDING[error["type"]].format(input=error["input"], **ctx)
    else:  # a check without the service's wording yet: pydantic's, rather than a 500
        detail = f"is not valid: {error['msg']}."
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    return invalid_parameter(f"The parameter {path} {detail}")


def parse_body(raw: bytes) -> Any:
    """JSON of a request body; empty = {} (the SDK sends no body for some calls)."""
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_parameter("The request body is not valid JSON.") from None


_QUERY = ListQuery.model_json_schema()["properties"]  # defaults and bounds, as the OpenAPI document shows them


def page_param(query: dict[str, str], key: str) -> int:
    """A ListRayCluster query parameter (pageNum, pageSize): parsed like int(), bounded by ListQuery."""
    raw, rule = query.get(key), _QUERY[key]
    if raw is None or raw == "":
        return int(rule["default"])
    try:
        value = int(raw)
    except ValueError:
        raise invalid_parameter(f"The parameter {key} must be an integer.") from None
    low, high = rule["minimum"], rule["maximum"]
    if not low <= value <= high:
        raise invalid_parameter(f"The parameter {key} must be between {low} and {high}, got {value}.")
    return value
