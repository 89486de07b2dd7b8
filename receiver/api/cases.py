"""GET /cases/{query_code}: a case's progress, for the terminal's query screen."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from receiver.api.common import SIGNED, error_responses, platform_of, read_body, signed
from receiver.errors import ApiError
from wire import errors, paths, schemas

router = APIRouter()


@router.get(paths.case_path("{query_code}"), response_model=schemas.CaseProgress,
            responses=error_responses(*SIGNED, errors.CASE_UNKNOWN, errors.INVALID_REQUEST),
            summary="A case's progress")
def case(query_code: str, request: Request,
         body: bytes = Depends(read_body)) -> schemas.CaseProgress:
    with signed(request, body):
        progress = platform_of(request).store.case_progress(query_code)
        if progress is None:
            raise ApiError(errors.CASE_UNKNOWN, "no case has this query code")
        return progress
