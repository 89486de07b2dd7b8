"""POST /submissions and POST /submissions/batch: sealed submissions, each exactly once.

Both read body and headers in the event loop and hand the rest to the threadpool in
one call (see `attachments`). What a submission gets is decided by `receiver.intake`;
here are only the checks of the request as a whole."""

from __future__ import annotations

import json

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

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
from receiver.faults import Fault
from wire import errors, paths, schemas

router = APIRouter()
# What a submission itself may be answered (alone, or as one result of a batch).
SUBMISSION_ERRORS = (errors.IN_PROGRESS, errors.IDEMPOTENCY_KEY_REUSED, errors.ATTACHMENTS_MISSING,
                     errors.ATTACHMENTS_MISMATCH, errors.ATTACHMENT_SIZE_MISMATCH,
                     errors.TOO_MANY_ATTACHMENTS, errors.DIGEST_MISMATCH, errors.INLINE_INVALID,
                     errors.ENVELOPE_INVALID, errors.ENVELOPE_MISMATCH, errors.DUPLICATE_KEY,
                     errors.RECEIPT_MISMATCH)


async def _submission_body(request: Request) -> tuple[bytes, Fault | None]:
    """The body, and the test fault switched on for this request (read once). A fault
    `error` answers its status here, after the guard checked the signature's headers and
    before the body is checked against them: nothing is stored, not even the nonce
    (unless `after`: see `_failing_after`)."""
    body = await read_body(request)
    fault = platform_of(request).switches.fault()
    if fault is not None and fault.mode == "hang":
        await anyio.sleep(fault.seconds)  # asleep in the event loop: no worker held
    if fault is not None and fault.mode == "error" and fault.status is not None and \
            not fault.after:
        raise fault_error(fault.status)
    return body, fault


def _failing_after(fault: Fault | None) -> None:
    """A fault `error --after`: the submissions were handled and committed, and the
    answer is lost to a failure all the same — the terminal's retry must get the case
    that was made, never a second one."""
    if fault is not None and fault.mode == "error" and fault.status is not None and \
            fault.after:
        raise fault_error(fault.status)


def fault_error(status: int) -> ApiError:
    """What `kiosk-receiver fault error --status N` answers: a 500 as the platform's own
    failure, any other status as the catalogue's generic HTTP-level refusal."""
    message = "the platform failed; try again later (a test fault: kiosk-receiver fault clear)"
    if status == errors.INTERNAL_ERROR.status:
        return ApiError(errors.INTERNAL_ERROR, message)
    return ApiError(errors.HTTP_ERROR, message if status >= 500 else
                    f"refused with {status} (a test fault: kiosk-receiver fault clear)",
                    status=status)


@router.post(paths.SUBMISSIONS, status_code=201, response_model=schemas.SubmissionAccepted,
             responses=error_responses(*SIGNED, errors.INVALID_BODY, errors.DUPLICATE_KEY,
                                       errors.TERMINAL_MISMATCH,
                                       errors.IDEMPOTENCY_KEY_MISSING,
                                       errors.IDEMPOTENCY_KEY_MISMATCH, *SUBMISSION_ERRORS),
             openapi_extra={**header_params("Idempotency-Key"), **json_body("SubmissionRequest")},
             summary="Deliver a sealed submission, exactly once")
async def submit(request: Request) -> Response:
    body, fault = await _submission_body(request)
    return await run_in_threadpool(deliver, request, idempotency_key(request),
                                   body, fault)


def deliver(request: Request, idempotency_key: str | None, body: bytes,
            fault: Fault | None = None) -> Response:
    with signed(request, body) as signer:
        req = parse(schemas.SubmissionRequest, body)
        same_terminal(signer, req.terminal_id)
        if not idempotency_key:
            raise ApiError(errors.IDEMPOTENCY_KEY_MISSING, "send Idempotency-Key: <submission id>")
        if idempotency_key != req.submission_id:
            raise ApiError(errors.IDEMPOTENCY_KEY_MISMATCH,
                           "Idempotency-Key must equal the body's submission_id")
        [answer] = platform_of(request).intake.deliver([req], signer, fault)
        _failing_after(fault)
        if isinstance(answer, ApiError):
            raise answer
        return Response(answer.body, status_code=answer.status, media_type="application/json")


@router.post(paths.SUBMISSION_BATCHES, response_model=schemas.SubmissionBatchResults,
             responses=error_responses(*SIGNED, errors.INVALID_BODY, errors.DUPLICATE_KEY,
                                       errors.TERMINAL_MISMATCH,
                                       errors.TOO_MANY_SUBMISSIONS),
             openapi_extra=json_body("SubmissionBatch"),
             summary="Deliver several sealed submissions in one request, each exactly once")
async def submit_batch(request: Request) -> Response:
    body, fault = await _submission_body(request)
    return await run_in_threadpool(deliver_batch, request, body, fault)


def deliver_batch(request: Request, body: bytes, fault: Fault | None = None) -> Response:
    """Each submission is handled as POST /submissions would handle it with its
    submission id as the Idempotency-Key, and gets that answer in `results`; a
    refusal of the batch as a whole (signature, form, limits) changes nothing."""
    platform = platform_of(request)
    limits = platform.limits
    with signed(request, body) as signer:
        if len(body) > limits.max_batch_bytes:
            raise ApiError(errors.TOO_LARGE, f"a batch may have at most "
                                             f"{limits.max_batch_bytes} bytes")
        batch = parse(schemas.SubmissionBatch, body)
        if len(batch.submissions) > limits.max_batch_submissions:
            raise ApiError(errors.TOO_MANY_SUBMISSIONS, f"a batch may hold at most "
                                                        f"{limits.max_batch_submissions} "
                                                        "submissions")
        for req in batch.submissions:
            same_terminal(signer, req.terminal_id)
        answers = platform.intake.deliver(batch.submissions, signer, fault)
        _failing_after(fault)
        results = []
        for req, answer in zip(batch.submissions, answers, strict=True):
            if isinstance(answer, ApiError):
                status, field, text = answer.status, "error", answer.json_text()
            else:  # a kept answer, as kept (JSON text)
                status, text = answer.status, answer.body
                field = "accepted" if 200 <= status < 300 else "error"
            results.append(f'{{"submission_id":{json.dumps(req.submission_id)},'
                           f'"status":{status},"{field}":{text}}}')
        return Response('{"results":[' + ",".join(results) + "]}", media_type="application/json")
