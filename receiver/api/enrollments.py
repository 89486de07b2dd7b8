"""POST /enrollments: bind a terminal's signing key with a one-time code (unsigned)."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request

from receiver.api.common import ANY_REQUEST, error_responses, json_body, parse, platform_of, read_body
from receiver.errors import ApiError
from receiver.storage import EnrollmentRefused
from wire import errors, paths, schemas, signing

log = logging.getLogger("receiver")
router = APIRouter()


@router.post(paths.ENROLLMENTS, status_code=201, response_model=schemas.EnrollmentResponse,
             responses=error_responses(errors.ENROLLMENT_REFUSED, errors.INVALID_BODY,
                                       errors.DUPLICATE_KEY,
                                       *ANY_REQUEST),
             openapi_extra=json_body("EnrollmentRequest"),
             summary="Bind a terminal's signing key (unsigned)")
def enroll(request: Request, body: bytes = Depends(read_body)) -> schemas.EnrollmentResponse:
    platform = platform_of(request)
    req = parse(schemas.EnrollmentRequest, body)
    try:
        signing.decode_signing_public_key(req.signing_public_key)
    except ValueError as exc:
        raise ApiError(errors.INVALID_BODY, str(exc)) from None
    try:
        enrolled_at = platform.store.enroll(req.terminal_id, req.code, req.signing_public_key)
    except EnrollmentRefused:
        raise ApiError(errors.ENROLLMENT_REFUSED,
                       "the enrollment code is wrong, already used or expired; "
                       "ask the platform operator for a new one") from None
    log.info("terminal %s enrolled", req.terminal_id)
    return schemas.EnrollmentResponse(terminal_id=req.terminal_id,
                                      platform_public_key=platform.platform_public_key,
                                      platform_signing_key=platform.platform_signing_key,
                                      enrolled_at=enrolled_at)
