"""The wire body of an outbox item: what `POST /submissions` sends (`sync/sending.py`)
and what a carry file holds (`kiosk/carry.py`). One builder, so both paths send the
same request and the platform's idempotency sees one submission, whichever way it came."""

from __future__ import annotations

import base64

from kiosk import clock_trust
from kiosk.store import Claimed
from wire import schemas


def wire_body(item: Claimed, inline: list[schemas.InlineAttachment] | None = None,
              clock_offset_seconds: int | None = None) -> schemas.SubmissionRequest:
    return schemas.SubmissionRequest(
        submission_id=item.submission_id,
        terminal_id=item.terminal_id,
        jurisdiction=item.jurisdiction,
        kind=item.kind,  # type: ignore[arg-type]
        category=item.category,
        purpose=item.purpose,
        created_at=item.created_at,
        receipt_no=item.receipt_no,
        envelope=base64.b64encode(item.envelope).decode(),
        attachments=[
            schemas.AttachmentRef(sealed_digest=a.sealed_digest, size=a.size, role=a.role,
                                   media_type=a.media_type)
            for a in item.attachments
        ],
        inline=inline or [],
        receipt=item.receipt_token,
        clock_offset_seconds=clock_offset_seconds,
        confirmation_clock=clock_trust.wire_record(item.clock_trust),
    )
