"""The local store: confirmed submissions kept durably in SQLite until delivered.

By concern: `files` (the data directory's layout, the sealed attachment files),
`states` (the states and the one transition table), `intake` (confirm, restore),
`outbox` (the state machine and queries), `followups` (what the citizen does after
the receipt: a rating…), `damage` (a damaged database found at
open and moved aside), `recovery` (`kiosk recover`), `db`, `models`, `receipt`.
"""

from .db import current_revision, head_revision, migrate, open_engine, write_transaction
from .errors import DamagedAttachment, NotFoundError, StoreError, TransitionError
from .followups import CaseRef, ClaimedFollowUp, FollowUpInfo, FollowUps
from .outbox import Outbox
from .receipt import (
    damm_check_digit,
    format_receipt_no,
    is_valid_receipt_no,
    new_receipt_no,
    parse_receipt_no,
)
from .records import (
    Claimed,
    NewSubmission,
    OutboxStatus,
    Receipt,
    RecoveredFile,
    RecoveredSubmission,
    SealedAttachment,
    Settlement,
    StoredAttachment,
    SubmissionInfo,
)
from .states import STATES, TRANSITIONS, Event, Transition

__all__ = [
    "STATES",
    "TRANSITIONS",
    "CaseRef",
    "Claimed",
    "ClaimedFollowUp",
    "FollowUpInfo",
    "FollowUps",
    "DamagedAttachment",
    "Event",
    "NewSubmission",
    "NotFoundError",
    "Outbox",
    "OutboxStatus",
    "Receipt",
    "RecoveredFile",
    "RecoveredSubmission",
    "SealedAttachment",
    "Settlement",
    "StoreError",
    "StoredAttachment",
    "SubmissionInfo",
    "Transition",
    "TransitionError",
    "current_revision",
    "damm_check_digit",
    "format_receipt_no",
    "head_revision",
    "is_valid_receipt_no",
    "migrate",
    "new_receipt_no",
    "open_engine",
    "parse_receipt_no",
    "write_transaction",
]
