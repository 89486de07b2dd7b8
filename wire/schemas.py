"""The JSON bodies of wire protocol v1 (pydantic): every field, with its bounds.

Unknown fields are refused (`extra="forbid"`), but for `Limits`, which a platform
may extend and a terminal reads leniently.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Digest = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="sha256, lower-case hex")]
TerminalId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
Kind = Literal["petition", "review", "re_review"]


class DuplicateKey(ValueError):
    """A JSON object names the same key twice."""

    def __init__(self, key: str):
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise DuplicateKey(key)
        found[key] = value
    return found


def loads_unique(text: str | bytes) -> Any:
    """`json.loads`, refusing an object that names a key twice (DuplicateKey) at any depth.

    RFC 8259 leaves such an object's meaning to the reader: pydantic keeps the last
    value, other parsers the first. The platform refuses it rather than guess what the
    sender meant; bodies are checked with this before the schema reads them."""
    return json.loads(text, object_pairs_hook=_unique_pairs)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachmentRef(_Model):
    sealed_digest: Digest
    size: Annotated[int, Field(ge=1)]
    role: Annotated[str, Field(max_length=32)]
    media_type: Annotated[str, Field(max_length=64)]


class InlineAttachment(_Model):
    """A small attachment's sealed bytes carried in the submission itself, sparing it an
    upload of its own (at most `Limits.max_inline_bytes`)."""

    sealed_digest: Digest
    data: Annotated[str, Field(description="base64 of the sealed bytes")]


class ConfirmationClock(_Model):
    """How far the terminal could trust its clock when it confirmed (`kiosk/clock_trust.py`),
    recorded at confirm and sent unchanged on every path (network, carry, relay): the
    platform decides from it which confirmation time it relies on for the time limits."""

    confirmed_local: datetime  # the terminal's clock at confirm (the receipt's time)
    state: Literal["synced", "drifting", "jumped", "reset", "unknown"]
    # The terminal's clock minus the platform's, seconds, as last learned (None: never).
    offset_seconds: Annotated[float, Field(ge=-1e10, le=1e10)] | None = None
    # ± seconds the corrected time may be off (only for synced / drifting).
    bound_seconds: Annotated[float, Field(ge=0, le=1e10)] | None = None
    learned_at: datetime | None = None  # the platform's time when the offset was learned


class SubmissionRequest(_Model):
    """Body of POST /submissions. Only routing metadata is readable; the petition is
    in `envelope`, sealed to the platform's key and bound to `submission_id`.

    `inline` is transport, not identity: the same submission sent again with an
    attachment uploaded instead of inline (or the other way round) is the same request
    for the Idempotency-Key (`identity_sha256`)."""

    submission_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")]
    terminal_id: TerminalId
    jurisdiction: Annotated[str, Field(max_length=200)]
    kind: Kind
    category: Annotated[str, Field(max_length=64)]
    purpose: Annotated[str, Field(max_length=64)] | None = None
    created_at: datetime
    receipt_no: Annotated[str, Field(pattern=r"^\d{10}$")]
    envelope: Annotated[str, Field(description="base64 of the sealed envelope")]
    attachments: list[AttachmentRef] = []
    inline: list[InlineAttachment] = []
    # The receipt the terminal signed at confirm (`wire.receipt` text): its signed
    # confirmation time is when the application was made. None from a terminal of an
    # earlier release, or one that had no key yet when it confirmed.
    receipt: Annotated[str, Field(max_length=400)] | None = None
    # The terminal's clock minus the platform's, in seconds, as the sending terminal knows
    # it now (None: not known yet): whether its confirmation time can be trusted.
    clock_offset_seconds: Annotated[int, Field(ge=-10**9, le=10**9)] | None = None
    # The clock's trust recorded at confirm; None from a terminal of an earlier release
    # (or a submission confirmed before it kept one).
    confirmation_clock: ConfirmationClock | None = None

    def identity_sha256(self) -> str:
        """What an Idempotency-Key is bound to: the parsed request without `inline` and
        `clock_offset_seconds`, so re-serialising it differently (key order, spacing, time
        zone notation), moving an attachment between inline and uploaded, or a clock
        measured again at a retry is still the same request. Without a receipt the
        identity is what it was before `receipt` existed, so a request kept by an earlier
        release is still the same request; `confirmation_clock` likewise."""
        exclude = {"inline", "clock_offset_seconds"} | ({"receipt"} if self.receipt is None
                                                        else set()) \
            | ({"confirmation_clock"} if self.confirmation_clock is None else set())
        return hashlib.sha256(self.model_dump_json(exclude=exclude).encode()).hexdigest()


class SubmissionAccepted(_Model):
    submission_id: str
    case_no: str
    query_code: str
    received_at: datetime


class ErrorBody(_Model):
    """Every 4xx/5xx answer. `error` is a stable code; `message` is for people."""

    error: str
    message: str
    missing: list[Digest] = []  # with error == "attachments_missing"


class UploadStatus(_Model):
    sealed_digest: Digest
    received: int  # bytes stored so far; the next chunk starts here
    complete: bool
    size_limit: int


class Limits(_Model):
    # A terminal ignores limits it does not know, so a platform can add new ones.
    model_config = ConfigDict(extra="ignore")

    max_attachment_bytes: int
    max_attachments: int
    max_envelope_bytes: int
    chunk_bytes: int  # the upload chunk size the platform prefers
    # 0: the platform takes no inline attachments / no batches (send one by one).
    max_inline_bytes: int = 0  # a sealed attachment up to this size may go inline
    max_batch_submissions: int = 0  # submissions per POST /submissions/batch
    max_batch_bytes: int = 0  # body size of a batch


class SubmissionBatch(_Model):
    """Body of POST /submissions/batch: several submissions in one signed request, each
    with its own submission id as its Idempotency-Key, handled in order."""

    submissions: Annotated[list[SubmissionRequest], Field(min_length=1)]


class BatchItemResult(_Model):
    """What POST /submissions would have answered for this one submission: its status,
    and `accepted` (2xx) or `error`."""

    submission_id: str
    status: int
    accepted: SubmissionAccepted | None = None
    error: ErrorBody | None = None


class SubmissionBatchResults(_Model):
    results: list[BatchItemResult]  # one per submission, in the batch's order


EvaluationService = Literal["terminal", "case"]  # the service at the terminal, a case's handling


CASE_STATUSES: dict[str, str] = {
    "received": "已收到",
    "accepted": "已受理",
    "not_accepted": "不予受理",
    "in_progress": "正在办理",
    "answered": "已出具处理意见",
    "closed": "已办结",
    "withdrawn": "已撤回",
    # Art. 14: the office asks for missing material (its note says what), the citizen adds it
    "material_requested": "待补充材料",
    "material_added": "已补充材料",
    # Art. 17: the citizen asked to withdraw; the office confirms it (`withdrawn`) or not
    "withdrawal_requested": "申请撤回，待确认",
}
CaseStatusCode = Literal[
    "received", "accepted", "not_accepted", "in_progress", "answered", "closed", "withdrawn",
    "material_requested", "material_added", "withdrawal_requested",
]
# The statuses in which the office has not given its opinion yet: a withdrawal may be
# asked for (Art. 17: before the opinion).
BEFORE_OPINION = ("received", "accepted", "in_progress", "material_requested",
                  "material_added")


class CaseEvent(_Model):
    at: datetime
    status: CaseStatusCode
    status_label: str
    note: str | None = None


class CaseProgress(_Model):
    case_no: str
    query_code: str
    kind: Kind
    status: CaseStatusCode
    status_label: str
    received_at: datetime
    updated_at: datetime
    history: list[CaseEvent]
    # Art. 14: the day the material the office asked for was complete (it counts as the
    # day of receipt); None while none was asked for or it has not come yet.
    material_complete_at: datetime | None = None
    # The services of this case rated already (one rating per service)
    evaluated: list[EvaluationService] = []


# A query code: 8 characters without look-alikes (no 0/O, 1/I/L), as on the receipt.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QueryCode = Annotated[str, Field(pattern=f"^[{QUERY_CODE_ALPHABET}]{{8}}$")]


class CaseQuery(_Model):
    """Body of POST /case-queries: a citizen reading their case, with a second factor, the
    last 4 digits of a contact phone given in the submission, and either the query code
    the platform gave (on any terminal) or the receipt number (on the terminal that
    printed it: a receipt number is unique only per terminal, so the signing terminal's
    id goes with it). Exactly one of the two. A body, not a URL: no part of it lands in
    an access log."""

    query_code: QueryCode | None = None
    receipt_no: Annotated[str, Field(pattern=r"^[0-9]{10}$")] | None = None
    phone_last4: Annotated[str, Field(pattern=r"^[0-9]{4}$")]

    @model_validator(mode="after")
    def _one_of_the_two(self) -> CaseQuery:
        if (self.query_code is None) == (self.receipt_no is None):
            raise ValueError("give either query_code or receipt_no")
        return self


# --- follow-ups to a submission: what the citizen does after the receipt ---------------

EvaluationLevel = Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied",
                          "very_dissatisfied"]
EVALUATION_LEVELS: dict[str, str] = {
    "very_satisfied": "非常满意", "satisfied": "满意", "basically_satisfied": "基本满意",
    "dissatisfied": "不满意", "very_dissatisfied": "非常不满意"}
# The kinds of follow-up: a rating, material added (补充材料, Art. 14), a withdrawal
# (撤回申请, Art. 17); each its own body.
FollowUpKind = Literal["evaluation", "supplement", "withdrawal"]
EVALUATION_TEXT_PART = "evaluation-text"  # what a rating's sealed text is bound to
SUPPLEMENT_PART = "supplement-pages"  # what the sealed pages of material added are bound to
WITHDRAWAL_PART = "withdrawal-signature"  # what a withdrawal's sealed signature is bound to
# Material added at once: at most so many pages, so many sealed bytes (one request)
MAX_SUPPLEMENT_PAGES = 12
MAX_SUPPLEMENT_SEALED_BYTES = 8 * 1024 * 1024


class Evaluation(_Model):
    """A service evaluation (好差评). `reasons` are the reason codes of a bad rating;
    `text`, the optional free text, is sealed to the platform's key and bound to the
    follow-up id and `EVALUATION_TEXT_PART`."""

    service: EvaluationService
    level: EvaluationLevel
    reasons: Annotated[list[Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]],
                       Field(max_length=12)] = []
    text: Annotated[str, Field(max_length=4096, description="base64 of the sealed text")] \
        | None = None


class Supplement(_Model):
    """Material added to a case (补充材料): `pages` pages, sealed together to the platform's
    key and bound to the follow-up id and `SUPPLEMENT_PART` (a JSON list of
    `{"media_type", "data"}`, data base64); `sha256` is the sealed bytes' digest."""

    pages: Annotated[int, Field(ge=1, le=MAX_SUPPLEMENT_PAGES)]
    sha256: Digest
    sealed: Annotated[str, Field(max_length=MAX_SUPPLEMENT_SEALED_BYTES * 4 // 3 + 4,
                                 description="base64 of the sealed pages")]


class Withdrawal(_Model):
    """A request to withdraw an application (撤回申请), signed on the terminal's screen: the
    signature's PNG sealed to the platform's key, bound to the follow-up id and
    `WITHDRAWAL_PART`."""

    signature: Annotated[str, Field(max_length=2 * 1024 * 1024,
                                    description="base64 of the sealed signature PNG")]


class FollowUpRequest(_Model):
    """Body of POST /followups (Idempotency-Key: `followup_id`): something done after a
    confirm, linked to the case of `submission_id` (a submission of the signing
    terminal) or of `query_code` (a case the signing terminal may read: the query
    screen, with the last 4 phone digits the citizen proved there: any terminal then, as
    for a read). Exactly one of the two; the case must have arrived (else 409, retried).
    The body of `kind` goes with it, and no other."""

    followup_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")]
    terminal_id: TerminalId
    kind: FollowUpKind
    submission_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")] | None = None
    query_code: QueryCode | None = None
    phone_last4: Annotated[str, Field(pattern=r"^[0-9]{4}$")] | None = None
    created_at: datetime
    evaluation: Evaluation | None = None
    supplement: Supplement | None = None
    withdrawal: Withdrawal | None = None

    @model_validator(mode="after")
    def _its_own_body(self) -> FollowUpRequest:
        bodies = {"evaluation": self.evaluation, "supplement": self.supplement,
                  "withdrawal": self.withdrawal}
        if bodies[self.kind] is None:
            raise ValueError(f"a {self.kind} follow-up carries `{self.kind}`")
        others = [k for k, v in bodies.items() if k != self.kind and v is not None]
        if others:
            raise ValueError(f"a {self.kind} follow-up carries no `{others[0]}`")
        if self.phone_last4 is not None and self.query_code is None:
            raise ValueError("`phone_last4` goes only with `query_code`")
        return self

    def identity_sha256(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class FollowUpAccepted(_Model):
    followup_id: str
    kind: FollowUpKind
    case_no: str
    received_at: datetime


def _typed(text: str) -> str:
    # full-width letters and digits (a Chinese keyboard) as ASCII; spaces, dashes dropped
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c not in " -\t")


def normalize_query_code(text: str) -> str:
    """The query code in what was typed (full-width, lower case, spaces and dashes are
    fine); ValueError says in plain words what is wrong."""
    code = _typed(text).upper()
    if len(code) != 8:
        raise ValueError(f"a query code is the 8 characters printed on the receipt; "
                         f"{text!r} has {len(code)}")
    wrong = sorted({c for c in code if c not in QUERY_CODE_ALPHABET})
    if wrong:
        raise ValueError(f"a query code has no {' '.join(wrong)} (it uses digits 2-9 and "
                         "letters without O, I, L)")
    return code


def normalize_phone_last4(text: str) -> str:
    """The second factor in what was typed; ValueError says what is wrong."""
    digits = _typed(text)
    if len(digits) != 4 or not all(c in "0123456789" for c in digits):
        raise ValueError("the second factor is the last 4 digits of the phone number given "
                         "in the submission: exactly 4 digits")
    return digits


def case_query(query_code: str, phone_last4: str) -> CaseQuery:
    """A CaseQuery from what was typed (`normalize_query_code`, `normalize_phone_last4`)."""
    return CaseQuery(query_code=normalize_query_code(query_code),
                     phone_last4=normalize_phone_last4(phone_last4))


def receipt_query(receipt_no: str, phone_last4: str) -> CaseQuery:
    """A CaseQuery by this terminal's receipt number (already checked: ten digits, its
    check digit fits — the core's `kiosk.store.receipt`)."""
    return CaseQuery(receipt_no=receipt_no, phone_last4=normalize_phone_last4(phone_last4))


class Heartbeat(_Model):
    version: str
    queue_depth: int
    oldest_queued_age_seconds: int | None
    needs_attention: int
    at: datetime
    # 求助: since when a citizen at the terminal has been waiting for the hall's staff (a
    # technician clears it on the terminal). Left out of the body while none stands, so a
    # platform that predates it still takes the heartbeat.
    help_requested_at: datetime | None = None


class HeartbeatAck(_Model):
    received_at: datetime  # the platform's clock, so the terminal can report skew


class Notice(_Model):
    title: str
    body: str


class QrTarget(_Model):
    platform_id: str
    name: str
    level: Literal["city", "county"]
    kind: Literal["web", "wechat"]
    url: str


class TerminalContent(_Model):
    """Content the platform publishes to a terminal, served with an ETag."""

    version: int
    notices: list[Notice] = []
    qr_targets: list[QrTarget] = []
    categories: list[dict[str, str]] = []
    purposes: list[dict[str, str]] = []
    # Where a citizen hands in material the terminal could not photograph (材料另交),
    # e.g. "演示县信访局接待窗口（城关镇和平街1号）"; None: the terminal says its own.
    material_desk: Annotated[str, Field(max_length=200)] | None = None


class EnrollmentRequest(_Model):
    terminal_id: TerminalId
    code: Annotated[str, Field(min_length=6, max_length=64)]
    signing_public_key: Annotated[str, Field(description="base64 of a raw Ed25519 key")]


class EnrollmentResponse(_Model):
    terminal_id: str
    platform_public_key: str  # X25519, base64: envelopes are sealed to it
    enrolled_at: datetime
    # Ed25519, base64: every answer of the platform is signed with it (`wire.ack`). None
    # only from a platform of an earlier release, which a terminal refuses to enroll with.
    platform_signing_key: str | None = None


class AgentBindingRequest(_Model):
    """A terminal redeems an agent's one-time binding code (`wire.agents`)."""

    code: Annotated[str, Field(pattern=r"^[0-9]{8}$")]


class AgentBinding(_Model):
    """Who the code was issued to: the agent's own id, name and station (the agent's name,
    never a villager's; the terminal still shows it masked to anyone but the agent)."""

    agent_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    name: Annotated[str, Field(min_length=1, max_length=40)]
    station: Annotated[str, Field(min_length=1, max_length=100)]
    bound_at: datetime
