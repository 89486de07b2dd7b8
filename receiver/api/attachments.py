"""GET and PUT /attachments/{sealed_digest}: resumable uploads of sealed attachments.

The PUT of a chunk is among the requests a draining terminal sends most: it reads body
and headers in the event loop itself and hands the rest to the threadpool in one call,
skipping FastAPI's per-request parameter validation (its headers are documented as
`Header(None)` ones would be)."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from receiver.api.common import (
    OCTETS,
    SIGNED,
    Platform,
    error_responses,
    header_params,
    platform_of,
    read_body,
    signed,
    unsigned_integer,
)
from receiver.errors import ApiError
from receiver.storage import DigestMismatch, OffsetMismatch, Upload, UploadOverrun, UploadTaken
from wire import errors, paths, schemas

router = APIRouter()
_SHA256_HEX = re.compile("[0-9a-f]{64}")


def _check_digest(sealed_digest: str) -> None:
    if _SHA256_HEX.fullmatch(sealed_digest) is None:
        raise ApiError(errors.BAD_REQUEST, "an attachment is named by the lower-case hex "
                                           "sha256 of its sealed bytes")


def _status(platform: Platform, upload: Upload) -> schemas.UploadStatus:
    return schemas.UploadStatus(sealed_digest=upload.sealed_digest, received=upload.received,
                                complete=upload.complete,
                                size_limit=platform.limits.max_attachment_bytes)


@router.get(paths.attachment_path("{sealed_digest}"), response_model=schemas.UploadStatus,
            responses=error_responses(*SIGNED, errors.BAD_REQUEST, errors.INVALID_REQUEST),
            summary="How much of an attachment is here")
def attachment_status(sealed_digest: str, request: Request,
                      body: bytes = Depends(read_body)) -> schemas.UploadStatus:
    with signed(request, body) as signer:
        _check_digest(sealed_digest)
        platform = platform_of(request)
        return _status(platform, platform.store.upload_status(sealed_digest,
                                                              signer.terminal_id))


@router.put(paths.attachment_path("{sealed_digest}"), response_model=schemas.UploadStatus,
            responses=error_responses(*SIGNED, errors.BAD_REQUEST, errors.UPLOAD_OFFSET_MISMATCH,
                                      errors.UPLOAD_TAKEN, errors.DIGEST_MISMATCH,
                                      errors.INVALID_REQUEST),
            openapi_extra={**OCTETS, **header_params("Upload-Offset", "Upload-Length")},
            summary="Append a chunk of an attachment at Upload-Offset")
async def attachment_put(sealed_digest: str, request: Request) -> Response:
    body = await read_body(request)
    return await run_in_threadpool(put_chunk, sealed_digest, request, body)


def put_chunk(sealed_digest: str, request: Request, body: bytes) -> Response:
    platform = platform_of(request)
    with signed(request, body) as signer:
        _check_digest(sealed_digest)
        offset = unsigned_integer(request, "upload-offset")
        total = unsigned_integer(request, "upload-length")
        if offset is None or total is None:
            raise ApiError(errors.BAD_REQUEST,
                           "Upload-Offset and Upload-Length must be non-negative integers")
        if total > platform.limits.max_attachment_bytes:
            raise ApiError(errors.TOO_LARGE, f"an attachment may have at most "
                                             f"{platform.limits.max_attachment_bytes} bytes")
        if total < 1:
            raise ApiError(errors.BAD_REQUEST, "Upload-Length must be at least 1")
        try:
            upload = platform.store.put_chunk(sealed_digest, offset, total, body, signer=signer)
        except OffsetMismatch as exc:
            raise ApiError(errors.UPLOAD_OFFSET_MISMATCH,
                           f"the platform holds {exc.received} bytes of this attachment; "
                           f"send the chunk at offset {exc.received}",
                           headers={"Upload-Offset": str(exc.received)}) from None
        except UploadTaken:
            raise ApiError(errors.UPLOAD_TAKEN, "another terminal is uploading an attachment "
                                                "of this digest") from None
        except UploadOverrun:
            raise ApiError(errors.BAD_REQUEST, "the chunk goes past Upload-Length") from None
        except DigestMismatch:
            raise ApiError(errors.DIGEST_MISMATCH, "the uploaded bytes do not have the sha256 "
                                                   "named in the path; they were discarded"
                           ) from None
        return Response(_status(platform, upload).model_dump_json(),
                        media_type="application/json")
