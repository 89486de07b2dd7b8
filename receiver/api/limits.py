"""GET /limits: the platform's size limits."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from receiver.api.common import SIGNED, error_responses, platform_of, read_body, signed
from wire import paths, schemas

router = APIRouter()


@router.get(paths.LIMITS, response_model=schemas.Limits, responses=error_responses(*SIGNED),
            summary="The platform's size limits")
def limits(request: Request, body: bytes = Depends(read_body)) -> schemas.Limits:
    with signed(request, body):
        return platform_of(request).limits
