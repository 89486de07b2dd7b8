"""POST /carry-files: another station's carry file, relayed by an online terminal.

The relay signs the request (it must be enrolled here); the file inside is checked
against its ORIGIN terminal's key, like one imported from a stick (`receiver.carry`),
and its cases are made through the same intake. The answer is the acknowledgement
file, which the relay writes back beside the carry file for the origin station. The
relay holds only sealed bytes: nothing it could read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from receiver.api.common import SIGNED, error_responses, platform_of, read_body, signed
from receiver.errors import ApiError
from wire import carry, errors, paths

router = APIRouter()


@router.post(paths.CARRY_FILES, responses=error_responses(*SIGNED, errors.CARRY_REFUSED),
             openapi_extra={"requestBody": {"content": {"application/x-tar": {}},
                                            "required": True}},
             summary="Relay another station's carry file; answered with its acknowledgement")
async def relay(request: Request) -> Response:
    body = await read_body(request)
    return await run_in_threadpool(take, request, body)


def take(request: Request, body: bytes) -> Response:
    importer = platform_of(request).carry
    with signed(request, body) as signer:
        try:
            imported = importer.take(body, via=f"relay {signer.terminal_id}", signer=signer)
        except carry.CarryRefused as exc:
            raise ApiError(errors.CARRY_REFUSED, str(exc)) from None
        return Response(imported.acknowledgement, media_type="application/json")
