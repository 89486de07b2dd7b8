"""Reading a case: GET /cases/{query_code} for the terminals of its jurisdiction, and
POST /case-queries for a citizen with a second factor and the query code (any terminal)
or the receipt number (the terminal that printed it).

Who may read what, and the limits on failed guesses, are `receiver.storage.case_reads`;
a reader who may not read a case is told there is none (404 `case_unknown`), exactly as
for a code no case has. Over a limit: 429 `case_query_limited` with Retry-After."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Depends, Request

from receiver.api.common import (
    SIGNED,
    Platform,
    error_responses,
    json_body,
    parse,
    platform_of,
    read_body,
    signed,
)
from receiver.errors import ApiError
from receiver.storage import CaseRead, Signer
from wire import errors, paths, schemas

router = APIRouter()


def _read(platform: Platform, signer: Signer, ask: CaseRead) -> schemas.CaseProgress:
    outcome = platform.store.read_case(ask, platform.read_limits, signer)
    if outcome.retry_after is not None:
        raise ApiError(errors.CASE_QUERY_LIMITED, "too many failed case reads; try again later",
                       headers={"Retry-After": str(outcome.retry_after)})
    if outcome.progress is None:
        raise ApiError(errors.CASE_UNKNOWN, "no case has this query code")
    return outcome.progress


@router.get(paths.case_path("{query_code}"), response_model=schemas.CaseProgress,
            responses=error_responses(*SIGNED, errors.CASE_UNKNOWN, errors.CASE_QUERY_LIMITED,
                                      errors.INVALID_REQUEST),
            summary="A case's progress, for the terminals of its jurisdiction")
def case(query_code: str, request: Request,
         body: bytes = Depends(read_body)) -> schemas.CaseProgress:
    with signed(request, body) as signer:
        ask = CaseRead(signer.terminal_id, query_code)
        return _read(platform_of(request), signer, ask)


@router.post(paths.CASE_QUERIES, response_model=schemas.CaseProgress,
             responses=error_responses(*SIGNED, errors.CASE_UNKNOWN, errors.CASE_QUERY_LIMITED,
                                       errors.INVALID_BODY, errors.DUPLICATE_KEY),
             openapi_extra=json_body("CaseQuery"),
             summary="A case's progress, for a citizen with its query code (or, on the terminal "
                     "that printed it, the receipt number) and second factor")
def case_query(request: Request, body: bytes = Depends(read_body)) -> schemas.CaseProgress:
    platform = platform_of(request)
    with signed(request, body) as signer:
        query = parse(schemas.CaseQuery, body)
        ask = CaseRead(signer.terminal_id, query.query_code, query.phone_last4,
                       receipt_no=query.receipt_no)
        found = platform.store.find_asked_case(ask)
        if found is not None and found.phone_factors is None:  # a case older than 0002
            ask = dataclasses.replace(ask, derived_factors=platform.intake.judge.check.case_factors(
                found.case_no, platform.store.case_envelope(found.case_no),
                found.submission_id))
        return _read(platform, signer, ask)
