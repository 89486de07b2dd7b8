"""What every router shares: the platform's parts, body reading, signatures, parsing,
error answers and how their codes are documented."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from receiver.auth import Authenticator
from receiver.errors import ApiError
from receiver.faults import Switches
from receiver.intake import Intake
from receiver.storage import Signer, Store
from wire import errors, paths, schemas
from wire.errors import ErrorCode

M = TypeVar("M", bound=BaseModel)
access_log = logging.getLogger("receiver.access")


@dataclass(frozen=True)
class Platform:
    """The parts of one platform the routers use."""

    store: Store
    auth: Authenticator
    intake: Intake
    switches: Switches
    limits: schemas.Limits
    max_body: int
    platform_public_key: str  # X25519, base64, handed to terminals at enrollment
    platform_signing_key: str  # Ed25519, base64: the key of the platform's answers, likewise


def platform_of(request: Request) -> Platform:
    return request.app.state.platform


# --- bodies and signatures ----------------------------------------------------------------


async def read_body(request: Request) -> bytes:
    """The whole body, refused with 413 past the platform's largest (before signatures:
    a signature covers the body)."""
    limit = platform_of(request).max_body
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(errors.TOO_LARGE, f"request bodies are limited to {limit} bytes")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise ApiError(errors.TOO_LARGE, f"request bodies are limited to {limit} bytes")
        parts.append(part)
    return b"".join(parts)


def signed_url(request: Request) -> str:
    # The signature covers @path and @query as sent: rebuild them from the raw target.
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string") or b""
    host = request.headers.get("host") or "localhost"
    url = f"{request.scope.get('scheme', 'http')}://{host}{raw_path.decode('latin-1')}"
    return url + ("?" + query.decode("latin-1") if query else "")


@contextmanager
def signed(request: Request, body: bytes) -> Iterator[Signer]:
    """`Authenticator.signed` for this request: its nonce is spent once, before the answer."""
    with platform_of(request).auth.signed(request.method, signed_url(request), request.headers,
                                          body) as signer:
        yield signer


def parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # Locations and reasons only: the input values may be personal data.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)[:10])
        raise ApiError(errors.INVALID_BODY, f"the body is not a valid {model.__name__}: "
                                            f"{problems}") from None


# --- answers ------------------------------------------------------------------------------


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body.model_dump(mode="json"), status_code=exc.status,
                        headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every error the app answers is an `ErrorBody` with a catalogued code."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == errors.NOT_FOUND.status:
            return error_response(ApiError(errors.NOT_FOUND, str(exc.detail), headers=headers))
        if exc.status_code == errors.METHOD_NOT_ALLOWED.status:
            return error_response(ApiError(errors.METHOD_NOT_ALLOWED, str(exc.detail),
                                           headers=headers))
        return error_response(ApiError(errors.HTTP_ERROR, str(exc.detail), headers=headers,
                                       status=exc.status_code))

    @app.exception_handler(Exception)
    async def _crashed(_request: Request, exc: Exception) -> JSONResponse:
        # The traceback is logged by the server; the terminal retries a 500.
        return error_response(ApiError(errors.INTERNAL_ERROR,
                                       "the platform failed; try again later"))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors()[:10])
        return error_response(ApiError(errors.INVALID_REQUEST, problems))


class Gate:
    """ASGI middleware: planned maintenance (503 + Retry-After) and a body-free access log.

    The log shows method, path, status and time only; a query code in a path is
    masked because it opens a citizen's case."""

    def __init__(self, app: ASGIApp, switches: Switches):
        self.app = app
        self.switches = switches

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        path: str = scope["path"]
        maintenance = self.switches.maintenance() if path.startswith(paths.API) else None
        try:
            if maintenance is not None:
                refusal = ApiError(errors.MAINTENANCE, "the platform is down for planned "
                                                       "maintenance",
                                   headers={"Retry-After": str(maintenance.retry_after)})
                await error_response(refusal)(scope, receive, send_status)
            else:
                await self.app(scope, receive, send_status)
        finally:
            access_log.info("%s %s %d %.1f ms", scope["method"], loggable(path), status,
                            (time.perf_counter() - started) * 1000)


def loggable(path: str) -> str:
    prefix = paths.case_path("")
    if path.startswith(prefix) and len(path) > len(prefix) + 2:
        return path[:len(prefix) + 2] + "***"
    return path


# --- documentation ------------------------------------------------------------------------

# What any request may be answered, signed or not.
ANY_REQUEST = (errors.TOO_LARGE, errors.INTERNAL_ERROR, errors.MAINTENANCE)
# … and a signed one.
SIGNED = (errors.UNSIGNED, errors.SIGNATURE_INVALID, errors.SIGNATURE_STALE,
          errors.SIGNATURE_REPLAYED, errors.TERMINAL_UNKNOWN, *ANY_REQUEST)


def error_responses(*codes: ErrorCode) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that may answer `codes`: one entry per status, whose
    description names each code and what it means."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys(codes):
        by_status.setdefault(code.status, []).append(code)
    return {status: {"model": schemas.ErrorBody, "description": "; ".join(
        f"`{c.code}`: {c.meaning}" for c in listed)}
        for status, listed in sorted(by_status.items())}


def json_body(model: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}}


def header_params(*names: str) -> dict[str, Any]:
    """Optional string headers, documented as FastAPI documents `Header(None, alias=…)`.

    The busiest endpoints read their headers from the request themselves: FastAPI's
    per-request parameter validation cost more than the rest of their routing."""
    return {"parameters": [{"name": name, "in": "header", "required": False, "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}], "title": name}} for name in names]}


OCTETS = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
