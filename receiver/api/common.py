"""What every router shares: the platform's parts, body reading, signatures, parsing,
error answers and how their codes are documented."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import unquote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from receiver.auth import Authenticator, PendingSigner
from receiver.errors import ApiError
from receiver.faults import Switches
from receiver.intake import Intake
from receiver.storage import ReadLimits, Signer, Store
from wire import errors, paths, schemas, signing
from wire import receipt as wire_receipt
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
    read_limits: ReadLimits = ReadLimits()  # failed case reads allowed
    carry: Any = None  # receiver.carry.CarryImporter: carry files relayed (POST /carry-files)


def platform_of(request: Request) -> Platform:
    return request.app.state.platform


# --- bodies and signatures ----------------------------------------------------------------


async def read_body(request: Request) -> bytes:
    """The whole body, refused with 413 past the platform's largest (before signatures:
    a signature covers the body). By now `receiver.guard` has checked the route's limit
    and the signature's header part and reserved the body's bytes; this is the second
    line."""
    limit = platform_of(request).max_body
    declared = request.headers.get("content-length", "")
    if _UINT.fullmatch(declared) and int(declared) > limit:
        raise ApiError(errors.TOO_LARGE, f"request bodies are limited to {limit} bytes")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > limit:
            raise ApiError(errors.TOO_LARGE, f"request bodies are limited to {limit} bytes")
        parts.append(part)
    return b"".join(parts)


# Where `receiver.guard` leaves a request's admitted signature (`PendingSigner`) for its route.
PENDING_SIGNER = "receiver.pending_signer"


def received_request(request: Request) -> signing.ReceivedRequest:
    """`received_request_of` this request's scope."""
    return received_request_of(request.scope)


def received_request_of(scope: Scope) -> signing.ReceivedRequest:
    """The request as routed, for its signature: `@path` and `@query` are the request
    line's raw target (`raw_path`, `query_string`), never anything built from `Host`.

    The router serves `path`, which the server decoded from `raw_path`; a request whose
    two disagree (something between rewrote one) is refused rather than verified for
    one path and served at another."""
    raw_path: bytes = scope.get("raw_path") or b""
    try:
        path = raw_path.decode("ascii")
    except UnicodeDecodeError:
        raise ApiError(errors.BAD_REQUEST, "the request target is not ASCII") from None
    if not path or unquote(path) != scope["path"] or scope.get("root_path"):
        raise ApiError(errors.BAD_REQUEST, "the path served is not the path sent")
    lines = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
    return signing.ReceivedRequest(scope["method"], path,
                                   (scope.get("query_string") or b"").decode("latin-1"),
                                   signing.FieldLines(lines))


def header(request: Request, name: str) -> str | None:
    """A header's value as its signature covers it: repeated lines joined by ", " in
    order (RFC 9421 §2.1), each trimmed; None when absent."""
    values = [value.strip(" \t") for value in request.headers.getlist(name)]
    return ", ".join(values) if values else None


# RFC 8941 §3.3.3 sf-string: printable ASCII, with \" and \\ escaped
_SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')


def idempotency_key(request: Request) -> str | None:
    """The Idempotency-Key as the terminal sends it (the bare submission id), or in the
    IETF draft's syntax, a Structured Field String (`"…"`, RFC 8941), unquoted. Anything
    else is taken as it is (and then does not name the submission)."""
    value = header(request, "idempotency-key")
    if value is not None and (quoted := _SF_STRING.fullmatch(value)) is not None:
        return re.sub(r"\\(.)", r"\1", quoted.group(1))
    return value


_UINT = re.compile(r"(?:0|[1-9][0-9]{0,14})", re.ASCII)  # below 2**53: no overflow anywhere


def unsigned_integer(request: Request, name: str) -> int | None:
    """A header holding a non-negative integer in ASCII digits (int() would also read
    Arabic-Indic, fullwidth or superscript digits, signs, '_' and spaces); None when
    absent, `400 bad_request` when it is anything else."""
    value = header(request, name)
    if value is None:
        return None
    if _UINT.fullmatch(value) is None:
        raise ApiError(errors.BAD_REQUEST, f"{name} must be a non-negative integer of at most "
                                           "15 ASCII digits")
    return int(value)


@contextmanager
def signed(request: Request, body: bytes) -> Iterator[Signer]:
    """`Authenticator.signed` for this request: its nonce is spent once, before the answer.

    The headers were verified by `receiver.guard` before the body was read, and what it
    admitted is in the scope: only the body is checked here against the signed digest.
    A request the guard did not admit (no guard in front) is verified here in full."""
    pending: PendingSigner | None = request.scope.get(PENDING_SIGNER)
    with platform_of(request).auth.signed(pending or received_request(request), body) as signer:
        yield signer


def parse(model: type[M], body: bytes) -> M:
    """The body as `model`: 422 `duplicate_key` for an object that names a key twice
    (which pydantic would read as its last value), else `invalid_body` for anything
    the schema refuses."""
    try:
        schemas.loads_unique(body)
    except schemas.DuplicateKey as exc:
        raise ApiError(errors.DUPLICATE_KEY, f"the body is not a valid {model.__name__}: "
                                             f"{exc}") from None
    except (ValueError, RecursionError):
        pass  # not JSON at all: the schema below says so, as invalid_body
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
            access_log.info("%s %s %d %.1f ms", escaped(scope["method"]), loggable(path),
                            status, (time.perf_counter() - started) * 1000)


def loggable(path: str) -> str:
    """The path served, for the log: a query code or a receipt masked, then `escaped`."""
    for prefix in (paths.case_path(""), wire_receipt.PAGE_PATH):
        if path.startswith(prefix) and len(path) > len(prefix) + 2:
            path = path[:len(prefix) + 2] + "***"
    return escaped(path)


def escaped(text: str) -> str:
    """Printable ASCII as is, everything else (CR, LF, other controls, non-ASCII, and the
    backslash itself) as a Python escape: what a client sends can never start a log line
    of its own or pass for another."""
    return text.encode("unicode_escape").decode("ascii")


# --- documentation ------------------------------------------------------------------------

# What any request may be answered, signed or not.
ANY_REQUEST = (errors.TOO_LARGE, errors.INTERNAL_ERROR, errors.MAINTENANCE, errors.BUSY)
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
