"""The receiving platform's HTTP API (wire protocol v1), as a FastAPI application.

Every `/api/v1` request except enrollment must carry a valid RFC 9421 signature
of an enrolled, non-revoked terminal with a nonce never seen before; a request
about a terminal (heartbeat, content, a submission's `terminal_id`) must be
signed by that terminal. A refusal answers `ErrorBody` and changes nothing.

Endpoints are plain functions, so FastAPI runs them in its threadpool: a slow
disk or a held SQLite lock never stalls the event loop. The body is read (and
size-limited) by an async dependency first, because the signature covers it. The
two a draining terminal calls most (PUT of an attachment chunk, POST of a
submission) read body and headers in the event loop themselves and hand the rest
to the threadpool in one call, which skips FastAPI's per-request parameter
validation; their headers are documented as `Header(None)` ones would be.

A signed request's nonce is spent exactly once and durably before the answer: in
the transaction of the request's own write, or in one of its own (`signed`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from receiver import __version__, keys
from receiver.faults import Fault, Switches
from receiver.store import (
    Accept,
    EnrollmentRefused,
    NonceReused,
    Refuse,
    Signer,
    SignerRefused,
    Store,
    StoredAnswer,
)
from receiver.store import DigestMismatch as _DigestMismatch
from receiver.store import OffsetMismatch as _OffsetMismatch
from receiver.store import UploadOverrun as _UploadOverrun
from wire import paths, schemas, sealing, signing

log = logging.getLogger("receiver")
access_log = logging.getLogger("receiver.access")

MiB = 1024 * 1024
# A sealed attachment is its plaintext plus 52 bytes (marker, HPKE key, tag); the
# terminal allows 20 MiB of plaintext, so the sealed limit leaves room for that.
SEALING_ALLOWANCE = 1024
LIMITS = schemas.Limits(
    max_attachment_bytes=20 * MiB + SEALING_ALLOWANCE,
    max_attachments=50,
    max_envelope_bytes=4 * MiB,
    chunk_bytes=1 * MiB,
    max_inline_bytes=256 * 1024,
    max_batch_submissions=32,
    max_batch_bytes=8 * MiB,
)
# Largest request body read at all: a whole attachment in one PUT, or a submission
# whose envelope (base64: 4/3 of its size) is at the limit, with room for metadata.
MAX_BODY = max(LIMITS.max_attachment_bytes, LIMITS.max_envelope_bytes * 4 // 3) + 256 * 1024
IN_PROGRESS_RETRY_AFTER = 1
# A claimed, never spent nonce is kept in memory past the 10-minute signature window.
NONCE_HOLD_SECONDS = 15 * 60
M = TypeVar("M", bound=BaseModel)
_SHA256_HEX = re.compile("[0-9a-f]{64}")


class ApiError(Exception):
    """A refusal: answered as `ErrorBody` JSON with this status and headers."""

    def __init__(self, status: int, error: str, message: str, *,
                 missing: list[str] | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.body = schemas.ErrorBody(error=error, message=message, missing=missing or [])
        self.headers = headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body.model_dump(mode="json"), status_code=self.status,
                            headers=self.headers)

    def json_text(self) -> str:
        return self.body.model_dump_json()


class Refusal(ApiError):
    """A refusal of a submission; `lasting` when the request's bytes alone decide it, so
    it is kept as the Idempotency-Key's answer (see `deliver`)."""

    def __init__(self, status: int, error: str, message: str, *, lasting: bool = False):
        super().__init__(status, error, message)
        self.lasting = lasting


def _error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": schemas.ErrorBody} for code in codes}


_SIGNED = (400, 401, 403, 413, 503)


class _Claims:
    """Idempotency keys being processed in this process right now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[str] = set()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._lock:
            if key in self._held:
                raise ApiError(409, "in_progress",
                               "a request with this Idempotency-Key is still being processed",
                               headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER)})
            self._held.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(key)


class _NoncesInFlight:
    """Nonces of this process's requests not yet spent in the database.

    Claimed right after the signature checks out, so the same signed request sent
    twice at once is refused before either does anything; released once the nonce
    is durable (the database refuses it from then on). A nonce whose request ended
    without spending it stays claimed until it is past the signature window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], float] = {}
        self._pruned = time.monotonic()

    def claim(self, key: tuple[str, str]) -> bool:
        now = time.monotonic()
        with self._lock:
            if now - self._pruned > 60:
                horizon = now - NONCE_HOLD_SECONDS
                self._held = {k: t for k, t in self._held.items() if t > horizon}
                self._pruned = now
            if key in self._held:
                return False
            self._held[key] = now
            return True

    def release(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._held.pop(key, None)


class _Gate:
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
                await ApiError(503, "maintenance", "the platform is down for planned maintenance",
                               headers={"Retry-After": str(maintenance.retry_after)}
                               ).response()(scope, receive, send_status)
            else:
                await self.app(scope, receive, send_status)
        finally:
            access_log.info("%s %s %d %.1f ms", scope["method"], _loggable(path), status,
                            (time.perf_counter() - started) * 1000)


def _loggable(path: str) -> str:
    prefix = paths.case_path("")
    if path.startswith(prefix) and len(path) > len(prefix) + 2:
        return path[:len(prefix) + 2] + "***"
    return path


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise ApiError(413, "too_large", f"request bodies are limited to {MAX_BODY} bytes")
    parts, size = [], 0
    async for part in request.stream():
        size += len(part)
        if size > MAX_BODY:
            raise ApiError(413, "too_large", f"request bodies are limited to {MAX_BODY} bytes")
        parts.append(part)
    return b"".join(parts)


def _signed_url(request: Request) -> str:
    # The signature covers @path and @query as sent: rebuild them from the raw target.
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    query = request.scope.get("query_string") or b""
    host = request.headers.get("host") or "localhost"
    url = f"{request.scope.get('scheme', 'http')}://{host}{raw_path.decode('latin-1')}"
    return url + ("?" + query.decode("latin-1") if query else "")


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        # Locations and reasons only: the input values may be personal data.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)[:10])
        raise ApiError(422, "invalid_body", f"the body is not a valid {model.__name__}: "
                                            f"{problems}") from None


def _json_body(model: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}}}}


def _header_params(*names: str) -> dict[str, Any]:
    """Optional string headers, documented as FastAPI documents `Header(None, alias=…)`.

    The busiest endpoints read their headers from the request themselves: FastAPI's
    per-request parameter validation cost more than the rest of their routing."""
    return {"parameters": [{"name": name, "in": "header", "required": False, "schema": {
        "anyOf": [{"type": "string"}, {"type": "null"}], "title": name}} for name in names]}


_OCTETS = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}
_REQUEST_MODELS = (schemas.EnrollmentRequest, schemas.SubmissionRequest,
                   schemas.SubmissionBatch, schemas.Heartbeat)

DESCRIPTION = """\
Reference receiving platform for the online-petition kiosk (网上信访自助服务区).

Every `/api/v1` request except `POST /api/v1/enrollments` carries an RFC 9421
HTTP Message Signature (label `kiosk`, Ed25519, `keyid` = terminal id) covering
`@method`, `@path`, `@query`, `content-digest` (RFC 9530) and, when present,
`idempotency-key`, `upload-offset` and `upload-length`, with `created` (within
5 minutes of the platform's clock) and a `nonce` used once. Refusals:
401 `unsigned` / `signature_invalid` / `signature_stale` / `signature_replayed`,
403 `terminal_unknown` (unknown or revoked) / `terminal_mismatch`.

A submission's sealed document must agree with its routing metadata (422
`envelope_mismatch`, `attachments_mismatch`). A refusal is kept as the
Idempotency-Key's answer only when the request's bytes alone decide it; one that
depends on the platform's state (its key, its limits, the uploads) is not.

Every error answers an `ErrorBody`. During planned maintenance every `/api/v1`
request answers 503 `maintenance` with `Retry-After`.
"""


def create_app(data_dir: Path, *,
               platform_private_key: X25519PrivateKey | None = None) -> FastAPI:
    """The platform on `data_dir`; its key there is made on first use unless one is given."""
    data_dir = Path(data_dir)
    store = Store(data_dir)
    if platform_private_key is None:
        platform_private_key, made = keys.load_or_create(data_dir)
        if made:
            log.warning("made a new platform key pair in the data directory; public key %s",
                        keys.public_text(platform_private_key))
    platform_public = keys.public_text(platform_private_key)
    switches = Switches(data_dir)
    claims = _Claims()
    in_flight = _NoncesInFlight()

    app = FastAPI(title=f"kiosk-receiver (wire protocol v{paths.VERSION})", version=__version__,
                  description=DESCRIPTION, docs_url=None, redoc_url=None)
    app.state.store = store
    app.state.switches = switches
    app.add_middleware(_Gate, switches=switches)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        return ApiError(exc.status_code, codes.get(exc.status_code, "http_error"),
                        str(exc.detail), headers=dict(exc.headers or {})).response()

    @app.exception_handler(Exception)
    async def _crashed(_request: Request, exc: Exception) -> JSONResponse:
        # The traceback is logged by the server; the terminal retries a 500.
        return ApiError(500, "internal_error", "the platform failed; try again later").response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors()[:10])
        return ApiError(422, "invalid_request", problems).response()

    # --- signatures ----------------------------------------------------------------------

    keys_by_text: dict[str, Ed25519PublicKey] = {}  # decoded once per enrolled key

    def lookup_key(terminal_id: str) -> tuple[str, Ed25519PublicKey] | None:
        # The key is read on every request (one indexed row), so a revoke or a new
        # enrollment made by another process counts at once; only decoding is cached.
        text = store.signing_key(terminal_id)
        if text is None:
            return None
        key = keys_by_text.get(text)
        if key is None:
            if len(keys_by_text) > 10_000:
                keys_by_text.clear()
            key = keys_by_text[text] = signing.decode_signing_public_key(text)
        return text, key

    def authenticate(request: Request, body: bytes) -> Signer:
        found: dict[str, tuple[str, Ed25519PublicKey] | None] = {}

        def lookup(terminal_id: str) -> Ed25519PublicKey | None:
            if terminal_id not in found:  # verify_request asks twice
                found[terminal_id] = lookup_key(terminal_id)
            entry = found[terminal_id]
            return entry[1] if entry else None

        try:
            verified = signing.verify_request(request.method, _signed_url(request),
                                               request.headers, body, lookup)
        except signing.SignatureRefused as exc:
            raise ApiError(exc.status, exc.code, str(exc) or exc.code) from None
        entry = found.get(verified.terminal_id)
        if entry is None:  # cannot happen: the signature was checked with this key
            raise ApiError(403, "terminal_unknown", f"unknown terminal {verified.terminal_id!r}")
        signer = Signer(verified.terminal_id, verified.nonce, entry[0])
        # A look before any work; the nonce is spent (and so decided) in the transaction
        # of the request's own write, or in one of its own when it writes nothing else.
        if not in_flight.claim((signer.terminal_id, signer.nonce)) \
                or store.nonce_used(signer.terminal_id, signer.nonce):
            raise replayed()
        return signer

    def replayed() -> ApiError:
        return ApiError(401, "signature_replayed", "this signature's nonce was already used")

    def spend(signer: Signer) -> None:
        """Spends the nonce if the request's own write did not (refusals, reads)."""
        try:
            store.spend(signer)
        except NonceReused:
            raise replayed() from None
        except SignerRefused as exc:
            raise signer_refused(signer, exc) from None

    def signer_refused(signer: Signer, exc: SignerRefused) -> ApiError:
        if exc.revoked:
            return ApiError(403, "terminal_unknown",
                            f"unknown terminal {signer.terminal_id!r}")
        return ApiError(401, "signature_invalid", "signed with a key the terminal no longer has")

    @contextmanager
    def signed(request: Request, body: bytes) -> Iterator[Signer]:
        """Authenticates a request; on the way out its nonce is spent if nothing else did.

        A replayed nonce or a revoked terminal found at that point overrides the answer,
        and whatever the request would have written was rolled back with it."""
        signer = authenticate(request, body)
        try:
            yield signer
        except NonceReused:
            raise replayed() from None
        except SignerRefused as exc:
            raise signer_refused(signer, exc) from None
        except BaseException:
            if not signer.spent:
                spend(signer)  # a refusal of its own still uses the nonce up
            raise
        else:
            spend(signer)
        finally:
            if signer.spent:
                in_flight.release((signer.terminal_id, signer.nonce))

    def same_terminal(signer: Signer, terminal_id: str) -> None:
        if signer.terminal_id != terminal_id:
            raise ApiError(403, "terminal_mismatch",
                           f"signed by terminal {signer.terminal_id!r}, not {terminal_id!r}")

    # --- enrollment ----------------------------------------------------------------------

    @app.post(paths.ENROLLMENTS, status_code=201, response_model=schemas.EnrollmentResponse,
              responses=_error_responses(403, 413, 422, 503), openapi_extra=_json_body(
                  "EnrollmentRequest"), summary="Bind a terminal's signing key (unsigned)")
    def enroll(body: bytes = Depends(_read_body)) -> schemas.EnrollmentResponse:
        req = _parse(schemas.EnrollmentRequest, body)
        try:
            signing.decode_signing_public_key(req.signing_public_key)
        except ValueError as exc:
            raise ApiError(422, "invalid_body", str(exc)) from None
        try:
            enrolled_at = store.enroll(req.terminal_id, req.code, req.signing_public_key)
        except EnrollmentRefused:
            raise ApiError(403, "enrollment_refused",
                           "the enrollment code is wrong, already used or expired; "
                           "ask the platform operator for a new one") from None
        log.info("terminal %s enrolled", req.terminal_id)
        return schemas.EnrollmentResponse(terminal_id=req.terminal_id,
                                           platform_public_key=platform_public,
                                           enrolled_at=enrolled_at)

    # --- limits --------------------------------------------------------------------------

    @app.get(paths.LIMITS, response_model=schemas.Limits,
             responses=_error_responses(*_SIGNED), summary="The platform's size limits")
    def limits(request: Request, body: bytes = Depends(_read_body)) -> schemas.Limits:
        with signed(request, body):
            return LIMITS

    # --- attachments ---------------------------------------------------------------------

    def check_digest(sealed_digest: str) -> None:
        if _SHA256_HEX.fullmatch(sealed_digest) is None:
            raise ApiError(400, "bad_request", "an attachment is named by the lower-case hex "
                                               "sha256 of its sealed bytes")

    def upload_status(upload: Any) -> schemas.UploadStatus:
        return schemas.UploadStatus(sealed_digest=upload.sealed_digest, received=upload.received,
                                     complete=upload.complete,
                                     size_limit=LIMITS.max_attachment_bytes)

    @app.get(paths.attachment_path("{sealed_digest}"), response_model=schemas.UploadStatus,
             responses=_error_responses(*_SIGNED), summary="How much of an attachment is here")
    def attachment_status(sealed_digest: str, request: Request,
                          body: bytes = Depends(_read_body)) -> schemas.UploadStatus:
        with signed(request, body):
            check_digest(sealed_digest)
            return upload_status(store.upload_status(sealed_digest))

    @app.put(paths.attachment_path("{sealed_digest}"), response_model=schemas.UploadStatus,
             responses=_error_responses(*_SIGNED, 409, 422),
             openapi_extra={**_OCTETS, **_header_params("Upload-Offset", "Upload-Length")},
             summary="Append a chunk of an attachment at Upload-Offset")
    async def attachment_put(sealed_digest: str, request: Request) -> Response:
        body = await _read_body(request)
        return await run_in_threadpool(put_chunk, sealed_digest, request,
                                       request.headers.get("upload-offset"),
                                       request.headers.get("upload-length"), body)

    def put_chunk(sealed_digest: str, request: Request, upload_offset: str | None,
                  upload_length: str | None, body: bytes) -> Response:
        with signed(request, body) as signer:
            check_digest(sealed_digest)
            if not (upload_offset or "").isdigit() or not (upload_length or "").isdigit():
                raise ApiError(400, "bad_request",
                               "Upload-Offset and Upload-Length must be non-negative integers")
            offset, total = int(upload_offset or 0), int(upload_length or 0)
            if total > LIMITS.max_attachment_bytes:
                raise ApiError(413, "too_large", f"an attachment may have at most "
                                                 f"{LIMITS.max_attachment_bytes} bytes")
            if total < 1:
                raise ApiError(400, "bad_request", "Upload-Length must be at least 1")
            try:
                upload = store.put_chunk(sealed_digest, offset, total, body, signer=signer)
                return Response(upload_status(upload).model_dump_json(),
                                media_type="application/json")
            except _OffsetMismatch as exc:
                raise ApiError(409, "upload_offset_mismatch",
                               f"the platform holds {exc.received} bytes of this attachment; "
                               f"send the chunk at offset {exc.received}",
                               headers={"Upload-Offset": str(exc.received)}) from None
            except _UploadOverrun:
                raise ApiError(400, "bad_request", "the chunk goes past Upload-Length") from None
            except _DigestMismatch:
                raise ApiError(422, "digest_mismatch", "the uploaded bytes do not have the "
                                                       "sha256 named in the path; they were "
                                                       "discarded") from None

    # --- submissions ---------------------------------------------------------------------

    async def submission_body(request: Request) -> tuple[bytes, Fault | None]:
        """The body, and the test fault switched on for this request (read once)."""
        body = await _read_body(request)
        fault = switches.fault()
        if fault is not None and fault.mode == "hang":
            await anyio.sleep(fault.seconds)  # asleep in the event loop: no worker held
        return body, fault

    # A refusal is kept as the Idempotency-Key's answer only when the request's bytes
    # alone decide it (`lasting`): sending the same bytes again can never succeed. A
    # refusal that depends on the platform's state — its key (an envelope sealed to
    # another key than the one loaded today), its limits, what has been uploaded so
    # far — is answered but not kept, so the same request may succeed later.

    def decode_envelope(req: schemas.SubmissionRequest) -> tuple[bytes, Refusal | None]:
        """The sealed envelope, or a reason (form, limits) to refuse the request."""
        try:
            sealed = base64.b64decode(req.envelope, validate=True)
        except (binascii.Error, ValueError):
            return b"", Refusal(422, "envelope_invalid", "the envelope is not base64",
                                lasting=True)
        if len(sealed) > LIMITS.max_envelope_bytes:
            return sealed, Refusal(413, "too_large", f"a sealed envelope may have at most "
                                                     f"{LIMITS.max_envelope_bytes} bytes")
        if len(req.attachments) > LIMITS.max_attachments:
            return sealed, Refusal(413, "too_many_attachments", f"a submission may list at "
                                                                f"most {LIMITS.max_attachments}")
        return sealed, None

    def decode_inline(req: schemas.SubmissionRequest) -> tuple[dict[str, bytes], Refusal | None]:
        """The inline attachments' sealed bytes by digest, or a reason to refuse them.

        `inline` is not part of the request's identity, so its faults are never kept as
        the key's answer: the same submission with the attachment uploaded may pass."""
        listed = {a.sealed_digest for a in req.attachments}
        found: dict[str, bytes] = {}
        for number, item in enumerate(req.inline, 1):
            try:
                data = base64.b64decode(item.data, validate=True)
            except (binascii.Error, ValueError):
                return {}, Refusal(422, "inline_invalid", f"inline attachment {number} is not "
                                                          "base64")
            if item.sealed_digest not in listed:
                return {}, Refusal(422, "inline_invalid", f"inline attachment {number} is not "
                                                          "one of the submission's attachments")
            if len(data) > LIMITS.max_inline_bytes:
                return {}, Refusal(413, "too_large", f"an inline attachment may have at most "
                                                     f"{LIMITS.max_inline_bytes} bytes; upload "
                                                     "it instead")
            if hashlib.sha256(data).hexdigest() != item.sealed_digest:
                return {}, Refusal(422, "digest_mismatch", f"inline attachment {number} does "
                                                           "not have the sha256 it names")
            found[item.sealed_digest] = data
        return found, None

    def check_content(req: schemas.SubmissionRequest, sealed: bytes, sizes: dict[str, int],
                      inline: dict[str, bytes]) -> Refusal | None:
        """A reason to refuse what the envelope and the attachments hold, or None.

        Once the envelope is open, its document must agree with the routing metadata
        (submission, terminal, kind, category, purpose) and list the same attachments
        in the same order (role, media type), each opening to the digest and size the
        document names. Any disagreement is in the request's own bytes: kept. `sizes` are
        the sizes of the attachments the platform holds or received inline."""
        try:
            plain = sealing.unseal(sealed, platform_private_key, req.submission_id, "envelope")
        except sealing.SealingError:
            return Refusal(422, "envelope_invalid", "the envelope cannot be opened with this "
                                                    "platform's key for this submission id")
        try:
            inner = json.loads(plain)
        except (ValueError, RecursionError):
            inner = None
        if (not isinstance(inner, dict) or inner.get("submission_id") != req.submission_id
                or inner.get("terminal_id") != req.terminal_id):
            return Refusal(422, "envelope_invalid", "the envelope's submission id or terminal "
                                                    "does not match the request", lasting=True)
        document = inner.get("document")
        if not isinstance(document, dict):
            return Refusal(422, "envelope_mismatch", "the envelope holds no document",
                           lasting=True)
        for name in ("kind", "category", "purpose"):
            if document.get(name) != getattr(req, name):
                return Refusal(422, "envelope_mismatch", f"the sealed document's {name} differs "
                                                         f"from the request's {name}",
                               lasting=True)
        listed = document.get("attachments") or []
        if not isinstance(listed, list) or len(listed) != len(req.attachments):
            return Refusal(422, "attachments_mismatch",
                           f"the sealed document lists {len(listed) if isinstance(listed, list) else 0}"
                           f" attachment(s), the request {len(req.attachments)}", lasting=True)
        wrong = [a.sealed_digest for a in req.attachments if sizes.get(a.sealed_digest) != a.size]
        if wrong:  # compared with what is stored here: not kept
            return Refusal(422, "attachment_size_mismatch",
                           f"the uploaded size of {', '.join(wrong)} differs from the size listed")
        for number, (ref, entry) in enumerate(zip(req.attachments, listed, strict=True), 1):
            data = inline.get(ref.sealed_digest)
            if data is None:
                data = store.attachment_bytes(ref.sealed_digest)
            refusal = check_attachment(req.submission_id, number, ref, entry, data)
            if refusal is not None:
                return refusal
        return None

    def check_attachment(submission_id: str, number: int, ref: schemas.AttachmentRef,
                         entry: Any, sealed: bytes) -> Refusal | None:
        if not isinstance(entry, dict) or entry.get("role") != ref.role \
                or entry.get("media_type") != ref.media_type:
            return Refusal(422, "attachments_mismatch", f"attachment {number}: its role or media "
                                                        "type differs from the sealed document's",
                           lasting=True)
        digest, size = entry.get("digest"), entry.get("size")
        if not isinstance(digest, str) or not isinstance(size, int):
            return Refusal(422, "attachments_mismatch", f"attachment {number}: the sealed "
                                                        "document names no digest and size",
                           lasting=True)
        try:
            plain = sealing.unseal(sealed, platform_private_key, submission_id,
                                    sealing.attachment_part(digest))
        except sealing.SealingError:
            # Sealed for another digest than the document names, or to another key than
            # the one loaded here: the two cannot be told apart, so it is not kept.
            return Refusal(422, "attachments_mismatch", f"attachment {number} cannot be opened "
                                                        "as the attachment the sealed document "
                                                        "names")
        if hashlib.sha256(plain).hexdigest() != digest or len(plain) != size:
            return Refusal(422, "attachments_mismatch", f"attachment {number}: its content "
                                                        "differs from the digest and size the "
                                                        "sealed document names", lasting=True)
        return None

    def kept(stored: StoredAnswer, request_sha256: str) -> StoredAnswer | ApiError:
        if stored.request_sha256 != request_sha256:
            return ApiError(422, "idempotency_key_reused",
                            "this Idempotency-Key was used for a different request")
        return stored

    def judge(req: schemas.SubmissionRequest, request_sha256: str
              ) -> tuple[StoredAnswer | ApiError | Accept | Refuse, dict[str, bytes]]:
        """What to answer a submission whose key this process holds: an answer already
        decided (kept before, or not to be kept), or an outcome to record, with the
        inline attachments to store along with an acceptance."""
        stored = store.stored_answer(req.submission_id)
        if stored is not None:
            return kept(stored, request_sha256), {}
        sealed, refusal = decode_envelope(req)
        inline: dict[str, bytes] = {}
        if refusal is None:
            inline, refusal = decode_inline(req)
        if refusal is None:
            digests = [a.sealed_digest for a in req.attachments if a.sealed_digest not in inline]
            states = store.attachment_states(digests)
            missing = [d for d in dict.fromkeys(digests) if d not in states or not states[d][1]]
            if missing:  # not kept as the answer: the terminal uploads and tries again
                return ApiError(409, "attachments_missing",
                                f"{len(missing)} attachment(s) not completely uploaded",
                                missing=missing), {}
            sizes = {d: size for d, (size, _) in states.items()}
            sizes.update((d, len(data)) for d, data in inline.items())
            refusal = check_content(req, sealed, sizes, inline)
        if refusal is None:
            return Accept(req, sealed, request_sha256), inline
        if not refusal.lasting:
            return refusal, {}  # answered, not kept: the same request may succeed later
        return Refuse(req.submission_id, req.terminal_id, request_sha256, refusal.status,
                      refusal.json_text()), {}

    def deliver_all(reqs: list[schemas.SubmissionRequest], signer: Signer,
                    fault: Fault | None) -> list[StoredAnswer | ApiError]:
        """Each submission's answer, in order; what is to be kept is recorded in one
        transaction, which also spends the request's nonce."""
        answers: list[StoredAnswer | ApiError | None] = [None] * len(reqs)
        to_record: list[tuple[int, Accept | Refuse, str]] = []
        inline: dict[str, bytes] = {}
        with ExitStack() as holding:
            held = []
            for index, req in enumerate(reqs):
                try:
                    holding.enter_context(claims.hold(req.submission_id))
                    held.append(index)
                except ApiError as busy:  # in progress elsewhere, or twice in this batch
                    answers[index] = busy
            if fault is not None and fault.mode == "slow":  # so long per new submission
                new = sum(store.stored_answer(reqs[index].submission_id) is None
                          for index in held)
                time.sleep(fault.seconds * new)  # holding the keys: a retry meets 409
            for index in held:
                request_sha256 = reqs[index].identity_sha256()
                verdict, attachments = judge(reqs[index], request_sha256)
                if isinstance(verdict, Accept | Refuse):
                    to_record.append((index, verdict, request_sha256))
                    inline.update(attachments)
                else:
                    answers[index] = verdict
            if to_record:
                recorded = store.record([v for _, v, _ in to_record], inline, signer=signer)
                for (index, verdict, request_sha256), stored in zip(to_record, recorded,
                                                                    strict=True):
                    answers[index] = kept(stored, request_sha256)
                    if isinstance(verdict, Accept) and stored.status == 201:
                        log.info("submission accepted as case %s",
                                 json.loads(stored.body).get("case_no"))
        return [a for a in answers if a is not None]

    @app.post(paths.SUBMISSIONS, status_code=201, response_model=schemas.SubmissionAccepted,
              responses=_error_responses(*_SIGNED, 409, 422),
              openapi_extra={**_header_params("Idempotency-Key"),
                             **_json_body("SubmissionRequest")},
              summary="Deliver a sealed submission, exactly once")
    async def submit(request: Request) -> Response:
        body, fault = await submission_body(request)
        return await run_in_threadpool(deliver, request, request.headers.get("idempotency-key"),
                                       body, fault)

    def deliver(request: Request, idempotency_key: str | None, body: bytes,
                fault: Fault | None = None) -> Response:
        with signed(request, body) as signer:
            req = _parse(schemas.SubmissionRequest, body)
            same_terminal(signer, req.terminal_id)
            if not idempotency_key:
                raise ApiError(400, "idempotency_key_missing",
                               "send Idempotency-Key: <submission id>")
            if idempotency_key != req.submission_id:
                raise ApiError(400, "idempotency_key_mismatch",
                               "Idempotency-Key must equal the body's submission_id")
            [answer] = deliver_all([req], signer, fault)
            if isinstance(answer, ApiError):
                raise answer
            return Response(answer.body, status_code=answer.status, media_type="application/json")

    @app.post(paths.SUBMISSION_BATCHES, response_model=schemas.SubmissionBatchResults,
              responses=_error_responses(*_SIGNED, 422), openapi_extra=_json_body("SubmissionBatch"),
              summary="Deliver several sealed submissions in one request, each exactly once")
    async def submit_batch(request: Request) -> Response:
        body, fault = await submission_body(request)
        return await run_in_threadpool(deliver_batch, request, body, fault)

    def deliver_batch(request: Request, body: bytes, fault: Fault | None = None) -> Response:
        """Each submission is handled as POST /submissions would handle it with its
        submission id as the Idempotency-Key, and gets that answer in `results`; a
        refusal of the batch as a whole (signature, form, limits) changes nothing."""
        with signed(request, body) as signer:
            if len(body) > LIMITS.max_batch_bytes:
                raise ApiError(413, "too_large", f"a batch may have at most "
                                                 f"{LIMITS.max_batch_bytes} bytes")
            batch = _parse(schemas.SubmissionBatch, body)
            if len(batch.submissions) > LIMITS.max_batch_submissions:
                raise ApiError(413, "too_many_submissions", f"a batch may hold at most "
                                                            f"{LIMITS.max_batch_submissions} "
                                                            "submissions")
            for req in batch.submissions:
                same_terminal(signer, req.terminal_id)
            answers = deliver_all(batch.submissions, signer, fault)
            results = []
            for req, answer in zip(batch.submissions, answers, strict=True):
                if isinstance(answer, ApiError):
                    status, field, text = answer.status, "error", answer.json_text()
                else:  # a kept answer, as kept (JSON text)
                    status, text = answer.status, answer.body
                    field = "accepted" if 200 <= status < 300 else "error"
                results.append(f'{{"submission_id":{json.dumps(req.submission_id)},'
                               f'"status":{status},"{field}":{text}}}')
            return Response('{"results":[' + ",".join(results) + "]}",
                            media_type="application/json")

    # --- cases ---------------------------------------------------------------------------

    @app.get(paths.case_path("{query_code}"), response_model=schemas.CaseProgress,
             responses=_error_responses(*_SIGNED, 404), summary="A case's progress")
    def case(query_code: str, request: Request,
             body: bytes = Depends(_read_body)) -> schemas.CaseProgress:
        with signed(request, body):
            progress = store.case_progress(query_code)
            if progress is None:
                raise ApiError(404, "case_unknown", "no case has this query code")
            return progress

    # --- terminals -----------------------------------------------------------------------

    @app.post(paths.heartbeat_path("{terminal_id}"), response_model=schemas.HeartbeatAck,
              responses=_error_responses(*_SIGNED, 422), openapi_extra=_json_body("Heartbeat"),
              summary="A terminal's health: version, queue depth, oldest age")
    def heartbeat(terminal_id: str, request: Request,
                  body: bytes = Depends(_read_body)) -> schemas.HeartbeatAck:
        with signed(request, body) as signer:
            same_terminal(signer, terminal_id)
            beat = _parse(schemas.Heartbeat, body)
            received_at = store.record_heartbeat(terminal_id, beat, signer=signer)
            return schemas.HeartbeatAck(received_at=received_at)

    @app.get(paths.content_path("{terminal_id}"), response_model=schemas.TerminalContent,
             responses={**_error_responses(*_SIGNED), 304: {"description": "Not modified"}},
             summary="Notices, QR targets, categories, purposes (ETag)")
    def terminal_content(terminal_id: str, request: Request,
                         if_none_match: str | None = Header(None, alias="If-None-Match"),
                         body: bytes = Depends(_read_body)) -> Response:
        with signed(request, body) as signer:
            same_terminal(signer, terminal_id)
            doc, etag = store.current_content()
            headers = {"ETag": etag, "Cache-Control": "no-cache"}
            if if_none_match and _etag_matches(if_none_match, etag):
                return Response(status_code=304, headers=headers)
            return Response(doc, media_type="application/json", headers=headers)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in _REQUEST_MODELS:  # bodies read raw (signature first) are named here
                doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(doc.pop("$defs", {}))
                components[model.__name__] = doc
            schema["components"]["schemas"] = dict(sorted(components.items()))
            for operations in schema.get("paths", {}).values():
                for method, operation in operations.items():
                    operations[method] = _parameters_first(operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _parameters_first(operation: dict[str, Any]) -> dict[str, Any]:
    # Where FastAPI puts the parameters it derives from a signature (after operationId),
    # also for those documented through openapi_extra (`_header_params`).
    if "parameters" not in operation or "operationId" not in operation:
        return operation
    out: dict[str, Any] = {}
    for name, value in operation.items():
        if name != "parameters":
            out[name] = value
        if name == "operationId":
            out["parameters"] = operation["parameters"]
    return out


def _etag_matches(header: str, etag: str) -> bool:
    # Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag.removeprefix("W/") in tags

