"""POST /followups: what a citizen does after the receipt (the service evaluation now;
material added and a withdrawal are further kinds), each exactly once.

The Idempotency-Key is the follow-up id: the same request again gets the answer kept
for it, another request under the same id is refused. A follow-up names its case by
the terminal's own submission or by a query code the terminal may read; a case that
has not arrived yet is 409 (the terminal retries: it sends a follow-up only after its
submission, but a platform restored from a backup may not have it)."""

from __future__ import annotations

import base64
import binascii

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


def _sealed_text(request: Request, req: schemas.FollowUpRequest) -> bytes | None:
    """The rating's sealed text, checked to open with the platform's key (it stays sealed)."""
    assert req.evaluation is not None
    if req.evaluation.text is None:
        return None
    try:
        sealed = base64.b64decode(req.evaluation.text, validate=True)
    except (binascii.Error, ValueError):
        sealed = b""
    check = platform_of(request).intake.judge.check
    if not sealed or check.opens(sealed, req.followup_id, schemas.EVALUATION_TEXT_PART) is None:
        raise ApiError(errors.ENVELOPE_INVALID, "the rating's text is not sealed to this "
                                                "platform for this follow-up")
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
    if req.kind == "evaluation" and req.evaluation is None:
        raise ApiError(errors.FOLLOWUP_INVALID, "an evaluation follow-up carries `evaluation`")


def _refusal(exc: FollowUpRefused) -> ApiError:
    """The catalogue's answer to what the store refused."""
    if exc.code is errors.IDEMPOTENCY_KEY_REUSED:
        return ApiError(errors.IDEMPOTENCY_KEY_REUSED, str(exc))
    if exc.code is errors.FOLLOWUP_CASE_UNKNOWN:
        return ApiError(errors.FOLLOWUP_CASE_UNKNOWN, str(exc))
    if exc.code is errors.ALREADY_EVALUATED:
        return ApiError(errors.ALREADY_EVALUATED, str(exc))
    return ApiError(errors.FOLLOWUP_INVALID, str(exc))


@router.post(paths.FOLLOWUPS, status_code=201, response_model=schemas.FollowUpAccepted,
             responses=error_responses(*SIGNED, errors.INVALID_BODY, errors.DUPLICATE_KEY,
                                       errors.TERMINAL_MISMATCH, errors.IDEMPOTENCY_KEY_MISSING,
                                       errors.IDEMPOTENCY_KEY_MISMATCH,
                                       errors.IDEMPOTENCY_KEY_REUSED, errors.ENVELOPE_INVALID,
                                       errors.FOLLOWUP_CASE_UNKNOWN, errors.FOLLOWUP_INVALID,
                                       errors.ALREADY_EVALUATED),
             openapi_extra={**header_params("Idempotency-Key"), **json_body("FollowUpRequest")},
             summary="A follow-up to a case (a service evaluation), exactly once")
def followup(request: Request, body: bytes = Depends(read_body)) -> Response:
    with signed(request, body) as signer:
        req = parse(schemas.FollowUpRequest, body)
        same_terminal(signer, req.terminal_id)
        _check(req, idempotency_key(request))
        sealed = _sealed_text(request, req)
        try:
            kept = platform_of(request).store.take_followup(req, req.identity_sha256(), sealed,
                                                            signer=signer)
        except FollowUpRefused as exc:
            raise _refusal(exc) from None
        return Response(kept.response, status_code=kept.status, media_type="application/json")
