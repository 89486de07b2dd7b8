"""A terminal's own resources: POST /terminals/{id}/heartbeat and GET
/terminals/{id}/content (with an ETag). Only the terminal itself may ask."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import Response

from receiver.api.common import SIGNED, error_responses, json_body, parse, platform_of, read_body, signed
from receiver.auth import same_terminal
from wire import errors, paths, schemas

router = APIRouter()


@router.post(paths.heartbeat_path("{terminal_id}"), response_model=schemas.HeartbeatAck,
             responses=error_responses(*SIGNED, errors.TERMINAL_MISMATCH, errors.INVALID_BODY,
                                       errors.DUPLICATE_KEY,
                                       errors.INVALID_REQUEST),
             openapi_extra=json_body("Heartbeat"),
             summary="A terminal's health: version, queue depth, oldest age")
def heartbeat(terminal_id: str, request: Request,
              body: bytes = Depends(read_body)) -> schemas.HeartbeatAck:
    with signed(request, body) as signer:
        same_terminal(signer, terminal_id)
        beat = parse(schemas.Heartbeat, body)
        received_at = platform_of(request).store.record_heartbeat(terminal_id, beat,
                                                                  signer=signer)
        return schemas.HeartbeatAck(received_at=received_at)


@router.get(paths.content_path("{terminal_id}"), response_model=schemas.TerminalContent,
            responses={**error_responses(*SIGNED, errors.TERMINAL_MISMATCH,
                                         errors.INVALID_REQUEST),
                       304: {"description": "Not modified"}},
            summary="Notices, QR targets, categories, purposes (ETag)")
def terminal_content(terminal_id: str, request: Request,
                     if_none_match: str | None = Header(None, alias="If-None-Match"),
                     body: bytes = Depends(read_body)) -> Response:
    with signed(request, body) as signer:
        same_terminal(signer, terminal_id)
        doc, etag = platform_of(request).store.current_content()
        headers = {"ETag": etag, "Cache-Control": "no-cache"}
        if if_none_match and etag_matches(if_none_match, etag):
            return Response(status_code=304, headers=headers)
        return Response(doc, media_type="application/json", headers=headers)


def etag_matches(header: str, etag: str) -> bool:
    # Weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored.
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag.removeprefix("W/") in tags
