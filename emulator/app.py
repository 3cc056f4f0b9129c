"""Wire the FastAPI app: operations + control routes, JSON errors everywhere, the gateway in front."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulator import control, operations
from emulator.errors import ApiError, dump_json, new_request_id
from emulator.gateway import Gateway
from emulator.openapi import api_document
from emulator.settings import Settings
from emulator.state import EmulatorState


def create_fastapi(state: EmulatorState) -> FastAPI:
    app = FastAPI(title="EMR Serverless Spark Ray-cluster emulator", version="2023-08-08", docs_url=None)
    app.state.emulator = state
    app.include_router(operations.router)
    app.include_router(control.router)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> Response:
        request_id = getattr(request.state, "request_id", None) or new_request_id()
        return operations.api_error_response(request_id, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        code = "InvalidApi.NotFound" if error.status_code == 404 else f"Http{error.status_code}"
        body = {"requestId": new_request_id(), "code": code, "message": str(error.detail)}
        return Response(dump_json(body), status_code=error.status_code, media_type="application/json")

    @app.exception_handler(RequestValidationError)
    async def invalid_control_body(request: Request, error: RequestValidationError) -> Response:
        body = {"requestId": new_request_id(), "code": "InvalidParameter", "message": str(error.errors())}
        return Response(dump_json(body), status_code=400, media_type="application/json")

    generated = app.openapi
    app.openapi = lambda: api_document(generated())  # type: ignore[method-assign]
    return app


def create_app(settings: Settings) -> Any:
    """The ASGI app to serve: the gateway wrapping FastAPI (keep it outermost: it needs uvicorn's `send`)."""
    state = EmulatorState.open(settings)
    return Gateway(create_fastapi(state), state)
