"""POST /followups: what a citizen does after the receipt — the service evaluation,
material added (补充材料), a withdrawal (撤回申请) — each exactly once.

The Idempotency-Key is the follow-up id: the same request again gets the answer kept
for it, another request under the same id is refused. A follow-up names its case by
the terminal's own submission or by a query code the terminal may read; a case that
has not arrived yet is 409 (the terminal retries: it sends a follow-up only after its
submission, but a platform restored from a backup may not have it)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from receiver.api.common import (
    SIGNED,
    error_responses,
    header_params,
    idempotency_key,
    json_body,
    parse,
    platform_of,
    read_body,
    signed,
)
from receiver.auth import same_terminal
from receiver.errors import ApiError
from receiver.storage import FollowUpRefused
from wire import errors, paths, schemas

router = APIRouter()
PAGE_TYPES = ("image/jpeg", "image/png", "application/pdf")
PNG = b"\x89PNG\r\n\x1a\n"


def _opened(request: Request, req: schemas.FollowUpRequest, text: str, part: str,
            what: str) -> tuple[bytes, bytes]:
    """(sealed, opened) of a sealed part of the follow-up, checked to open with the
    platform's key for this follow-up (it is kept sealed)."""
    try:
        sealed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        sealed = b""
    check = platform_of(request).intake.judge.check
    opened = check.unseals(sealed, req.followup_id, part) if sealed else None
    if opened is None:
        raise ApiError(errors.ENVELOPE_INVALID, f"{what} is not sealed to this platform for "
                                                "this follow-up")
    return sealed, opened


def _pages_fit(opened: bytes, pages: int) -> bool:
    """The material's sealed JSON: `pages` pages, each a known type with base64 data."""
    try:
        items = json.loads(opened)
        return (isinstance(items, list) and len(items) == pages
                and all(isinstance(i, dict) and i.get("media_type") in PAGE_TYPES
                        and base64.b64decode(i.get("data") or "", validate=True) for i in items))
    except (ValueError, TypeError, binascii.Error):
        return False


def _sealed_parts(request: Request, req: schemas.FollowUpRequest) -> bytes | None:
    """The rating's sealed text (None without one); the pages of material added and a
    withdrawal's signature are checked here too (the store keeps them from the body)."""
    if req.supplement is not None:
        sealed, opened = _opened(request, req, req.supplement.sealed, schemas.SUPPLEMENT_PART,
                                 "the material added")
        if len(sealed) > schemas.MAX_SUPPLEMENT_SEALED_BYTES:
            raise ApiError(errors.FOLLOWUP_INVALID, "the material added is over "
                                                    f"{schemas.MAX_SUPPLEMENT_SEALED_BYTES} bytes")
        if hashlib.sha256(sealed).hexdigest() != req.supplement.sha256:
            raise ApiError(errors.ENVELOPE_INVALID, "the material added does not match its sha256")
        if not _pages_fit(opened, req.supplement.pages):
            raise ApiError(errors.ENVELOPE_INVALID, f"the material added is not "
                                                    f"{req.supplement.pages} page(s) of JPEG, "
                                                    "PNG or PDF")
        return None
    if req.withdrawal is not None:
        _, opened = _opened(request, req, req.withdrawal.signature, schemas.WITHDRAWAL_PART,
                            "the withdrawal's signature")
        if not opened.startswith(PNG):
            raise ApiError(errors.ENVELOPE_INVALID, "the withdrawal's signature is not a PNG")
        return None
    assert req.evaluation is not None
    if req.evaluation.text is None:
        return None
    sealed, opened = _opened(request, req, req.evaluation.text, schemas.EVALUATION_TEXT_PART,
                             "the rating's text")
    try:
        opened.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(errors.ENVELOPE_INVALID, "the rating's text is not UTF-8") from None
    return sealed


def _check(req: schemas.FollowUpRequest, key: str | None) -> None:
    if not key:
        raise ApiError(errors.IDEMPOTENCY_KEY_MISSING, "send Idempotency-Key: <followup id>")
    if key != req.followup_id:
        raise ApiError(errors.IDEMPOTENCY_KEY_MISMATCH,
                       "Idempotency-Key must equal the body's followup_id")
    if (req.submission_id is None) == (req.query_code is None):
        raise ApiError(errors.FOLLOWUP_INVALID, "name the case by submission_id or by "
                                                "query_code, exactly one of them")


def _refusal(exc: FollowUpRefused) -> ApiError:
    """The catalogue's answer to what the store refused."""
    if exc.code is errors.IDEMPOTENCY_KEY_REUSED:
        return ApiError(errors.IDEMPOTENCY_KEY_REUSED, str(exc))
    if exc.code is errors.FOLLOWUP_CASE_UNKNOWN:
        return ApiError(errors.FOLLOWUP_CASE_UNKNOWN, str(exc))
    if exc.code is errors.ALREADY_EVALUATED:
        return ApiError(errors.ALREADY_EVALUATED, str(exc))
    if exc.code is errors.CASE_QUERY_LIMITED:
        return ApiError(errors.CASE_QUERY_LIMITED, str(exc),
                        headers={"Retry-After": str(exc.retry_after or 60)})
    return ApiError(errors.FOLLOWUP_INVALID, str(exc))


@router.post(paths.FOLLOWUPS, status_code=201, response_model=schemas.FollowUpAccepted,
             responses=error_responses(*SIGNED, errors.INVALID_BODY, errors.DUPLICATE_KEY,
                                       errors.TERMINAL_MISMATCH, errors.IDEMPOTENCY_KEY_MISSING,
                                       errors.IDEMPOTENCY_KEY_MISMATCH,
                                       errors.IDEMPOTENCY_KEY_REUSED, errors.ENVELOPE_INVALID,
                                       errors.FOLLOWUP_CASE_UNKNOWN, errors.FOLLOWUP_INVALID,
                                       errors.ALREADY_EVALUATED, errors.CASE_QUERY_LIMITED),
             openapi_extra={**header_params("Idempotency-Key"), **json_body("FollowUpRequest")},
             summary="A follow-up to a case (a rating, material added, a withdrawal), exactly once")
def followup(request: Request, body: bytes = Depends(read_body)) -> Response:
    with signed(request, body) as signer:
        req = parse(schemas.FollowUpRequest, body)
        same_terminal(signer, req.terminal_id)
        _check(req, idempotency_key(request))
        sealed = _sealed_parts(request, req)
        platform = platform_of(request)
        try:
            kept = platform.store.take_followup(req, req.identity_sha256(), sealed,
                                                signer=signer, read_limits=platform.read_limits)
        except FollowUpRefused as exc:
            raise _refusal(exc) from None
        return Response(kept.response, status_code=kept.status, media_type="application/json")
