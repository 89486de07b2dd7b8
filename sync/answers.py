"""How a terminal reads the platform's answers: the one place that does.

Every decision the terminal takes from an answer's status, body or headers is made
here: delivered / retry / refused, the text recorded in the outbox, Retry-After,
the accepted case number and query code, a follow-up's case, attachments still missing, a stale
signature to sign again, an upload to resume, a batch the platform cannot take or
refused as a whole, and each batched submission's own answer. Error codes are named
from the wire catalogue (`wire.errors`), never written as literals; a code this
terminal does not know is read by its HTTP status alone.

Invariant: nothing here raises on a malformed body except the functions that
return the platform's acceptance or its data (`accepted`, `upload_status`,
`limits`, `batch_item_answers`, `enrollment`, `fresh_content`), which raise
`ValueError` — the worker's "unexpected answer", retried rather than trusted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from wire import ack, errors, schemas

Outcome = Literal["delivered", "retry", "refused"]

# Transient: the same request may succeed later. 401/403 are the terminal's own
# problem (clock, enrollment), never the item's, so they are retried (and alerted)
# rather than setting the item aside.
RETRYABLE = frozenset({401, 403, 408, 409, 425, 429, 500, 502, 503, 504})

# What the platform says about an item itself: malformed (400), too large (413),
# cannot be accepted (422). A 404 or 405 means the address is wrong, not the item.
ITEM_REFUSALS = frozenset({400, 413, 422})

# Refusals of a batch as a whole (its body, its size, its count): each of its
# submissions is then judged on its own, sent alone.
BATCH_REFUSED_AS_WHOLE = frozenset({errors.INVALID_BODY, errors.TOO_LARGE,
                                    errors.TOO_MANY_SUBMISSIONS})

# The platform does not accept this terminal's key: enroll again.
KEY_REFUSED = frozenset({errors.TERMINAL_UNKNOWN, errors.SIGNATURE_INVALID,
                         errors.TERMINAL_MISMATCH})

NOT_THE_ITEM = "not the platform's refusal of this item; check [platforms] api_url"


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as the client received it: status, parsed JSON body (None
    when empty or not JSON), headers (case-insensitive where they came off the wire),
    and the platform's verified signature over it (`wire.ack`; None for an answer to an
    unsigned request — the client lets no unverified answer to a signed one through)."""

    status: int
    body: Any
    headers: Mapping[str, str]
    acknowledgement: ack.Acknowledgement | None = None

    @classmethod
    def parse(cls, status: int, content: bytes, headers: Mapping[str, str],
              acknowledgement: ack.Acknowledgement | None = None) -> Answer:
        """The answer of raw bytes: a body that is not JSON is kept as None."""
        try:
            body = json.loads(content) if content else None
        except (ValueError, UnicodeDecodeError):
            body = None
        return cls(status, body, headers, acknowledgement)

    @property
    def proof(self) -> str | None:
        """The signed acknowledgement to keep with an item (a `wire.ack` document)."""
        return self.acknowledgement.document() if self.acknowledgement is not None else None

    @property
    def error(self) -> str:
        return error_text(self)


def outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return "delivered"
    if status in RETRYABLE or status >= 500:
        return "retry"
    return "refused"  # 400, 404, 413, 422…: resending the same bytes cannot help


def code_of(answer: Answer) -> str | None:
    """The error code the body names, known to this terminal or not; None if none."""
    body = answer.body
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return body["error"]
    return None


def known_error(answer: Answer) -> errors.ErrorCode | None:
    """The catalogue's entry for the body's code; None for no code or one not known."""
    return errors.lookup(code_of(answer))


def _is(answer: Answer, *codes: errors.ErrorCode) -> bool:
    return known_error(answer) in codes


def error_text(answer: Answer) -> str:
    """What the outbox records and the log shows of an answer: status, code, message."""
    body = answer.body
    if isinstance(body, dict) and "error" in body:
        return f"{answer.status} {body['error']}: {body.get('message', '')}".strip()
    return f"HTTP {answer.status}"


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_after(answer: Answer, now: datetime | None = None) -> float | None:
    return retry_after_seconds(answer.headers.get("Retry-After"), now)


def platform_time(answer: Answer) -> float | None:
    """The platform's clock from the answer's Date header (whole seconds), or None."""
    date = answer.headers.get("Date")
    if not date:
        return None
    try:
        return parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@dataclass(frozen=True)
class Reading:
    """What an answer means for the request that got it."""

    outcome: Outcome
    error: str = ""  # the text to record when not delivered
    retry_after: float | None = None  # seconds the platform asked to wait, if it did


def read(answer: Answer, *, about_item: bool = True) -> Reading:
    """Delivered, retry or refused, for a request about one item (`about_item`) or
    about the terminal's business as a whole (limits, a batch's envelope).

    Only the platform's own word about the item sets it aside: an error body with a
    4xx that speaks of the item. A bare 4xx (a proxy, a wrong api_url, a redeploy) or
    a refusal of a request that is not about one item says nothing about the item: it
    is read as retry, so the queue is held and a technician sees why, rather than the
    queue being emptied into needs-attention."""
    verdict = outcome(answer.status)
    if verdict == "delivered":
        return Reading("delivered")
    text = error_text(answer)
    if verdict == "retry":
        return Reading("retry", text, retry_after(answer))
    if about_item and answer.status in ITEM_REFUSALS and code_of(answer) is not None:
        return Reading("refused", text)
    return Reading("retry", f"{text} ({NOT_THE_ITEM})")


def accepted(answer: Answer) -> schemas.SubmissionAccepted:
    """The case number, query code and time of an accepted submission; ValueError for
    a success that carries no case."""
    if outcome(answer.status) != "delivered":
        raise ValueError(f"a {answer.status} answer is no acceptance")
    if not isinstance(answer.body, dict):
        raise ValueError(f"a {answer.status} result without a case")
    return schemas.SubmissionAccepted.model_validate(answer.body)


def followup_accepted(answer: Answer) -> schemas.FollowUpAccepted:
    """The case a follow-up was linked to, and when it arrived; ValueError for a success
    that carries neither."""
    if outcome(answer.status) != "delivered" or not isinstance(answer.body, dict):
        raise ValueError(f"a {answer.status} answer is no acceptance of a follow-up")
    return schemas.FollowUpAccepted.model_validate(answer.body)


def missing_attachments(answer: Answer) -> frozenset[str] | None:
    """The sealed digests the platform still lacks for a submission, or None when the
    answer is not "attachments missing" (then it is read as any other)."""
    if answer.status != errors.ATTACHMENTS_MISSING.status or \
            not _is(answer, errors.ATTACHMENTS_MISSING):
        return None
    listed = answer.body.get("missing")
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(d for d in listed if isinstance(d, str))


def is_stale_signature(answer: Answer) -> bool:
    """Refused because the signature's time is off: worth signing again with the
    platform's time, once that time was learned."""
    return answer.status == errors.SIGNATURE_STALE.status and \
        _is(answer, errors.SIGNATURE_STALE)


def key_refused(answer: Answer) -> bool:
    """The platform does not accept this terminal's key (enroll again)."""
    return known_error(answer) in KEY_REFUSED


def is_maintenance(answer: Answer) -> bool:
    """Down for a while (planned or not); by the status, whatever the code."""
    return answer.status == errors.MAINTENANCE.status


def upload_must_resume(answer: Answer) -> bool:
    """An upload chunk answered 409: the platform holds another offset than the chunk
    started at. Whatever the code, asking where the upload stands costs one request,
    and the platform's own count is the one that counts."""
    return answer.status == errors.UPLOAD_OFFSET_MISMATCH.status


def upload_status(answer: Answer) -> schemas.UploadStatus:
    """How far an upload got; ValueError if a success says nothing of it."""
    return schemas.UploadStatus.model_validate(answer.body)


def limits(answer: Answer) -> schemas.Limits:
    return schemas.Limits.model_validate(answer.body)


def batches_unsupported(answer: Answer) -> bool:
    """A platform without POST /submissions/batch (no such route, or not for POST):
    from now on it gets submissions one by one."""
    return answer.status in (errors.NOT_FOUND.status, errors.METHOD_NOT_ALLOWED.status)


def batch_refused_as_whole(answer: Answer) -> bool:
    """The batch was refused for its body, size or count, not for any submission in
    it: each is sent on its own and judged by its own answer."""
    return outcome(answer.status) == "refused" and known_error(answer) in BATCH_REFUSED_AS_WHOLE


def batch_item_answers(answer: Answer, submission_ids: list[str]) -> list[Answer]:
    """A successful batch's results as the answers POST /submissions would have given
    each submission, in the batch's order; ValueError when they do not match it."""
    parsed = schemas.SubmissionBatchResults.model_validate(answer.body)
    if [r.submission_id for r in parsed.results] != submission_ids:
        raise ValueError("the batch's results do not match its submissions")
    items = []
    for result in parsed.results:
        if result.accepted is not None and 200 <= result.status < 300:
            body: Any = result.accepted.model_dump(mode="json")
        else:
            body = result.error.model_dump() if result.error else None
        # Each item's proof is the batch's signed answer, which names it.
        items.append(Answer(result.status, body, {}, answer.acknowledgement))
    return items


def enrollment(answer: Answer) -> schemas.EnrollmentResponse:
    """What the platform gave at enrollment (its sealing key); ValueError if a success
    carries no enrollment."""
    return schemas.EnrollmentResponse.model_validate(answer.body)


@dataclass(frozen=True)
class AgentBindingReading:
    """An agent binding's answer: the agent the platform named, or the code refused, or
    the terminal held back for a while (too many wrong codes)."""

    binding: schemas.AgentBinding | None
    refused: bool = False
    retry_after: float | None = None


def agent_binding(answer: Answer) -> AgentBindingReading:
    """ValueError for an answer that is none of these (the error text says what it was)."""
    if 200 <= answer.status < 300:
        return AgentBindingReading(schemas.AgentBinding.model_validate(answer.body))
    if _is(answer, errors.AGENT_CODE_REFUSED):
        return AgentBindingReading(None, refused=True)
    if _is(answer, errors.AGENT_CODE_LIMITED):
        return AgentBindingReading(None, retry_after=retry_after(answer) or 60.0)
    raise ValueError(error_text(answer))


def heartbeat_ack(answer: Answer) -> schemas.HeartbeatAck | None:
    """The platform's acknowledgement of a heartbeat, carrying its clock; None if the
    heartbeat was refused or the body is not an acknowledgement."""
    if outcome(answer.status) != "delivered":
        return None
    try:
        return schemas.HeartbeatAck.model_validate(answer.body)
    except ValueError:
        return None


@dataclass(frozen=True)
class FreshContent:
    content: schemas.TerminalContent
    etag: str | None


def fresh_content(answer: Answer) -> FreshContent | None:
    """New terminal content and its ETag; None when unchanged (304) or not given;
    ValueError when the body is not terminal content."""
    if answer.status == 304 or outcome(answer.status) != "delivered":
        return None
    return FreshContent(schemas.TerminalContent.model_validate(answer.body),
                        answer.headers.get("ETag"))


@dataclass(frozen=True)
class CaseReading:
    """What the platform answered to a case read: the progress, or why not."""

    progress: schemas.CaseProgress | None
    unknown: bool = False  # no case this terminal may read (or the factor does not match)
    retry_after: float | None = None  # too many failed reads: wait this long


def case_reading(answer: Answer) -> CaseReading:
    """A case read's answer; ValueError for one that is none of these."""
    if answer.status == 200:
        return CaseReading(schemas.CaseProgress.model_validate(answer.body))
    if _is(answer, errors.CASE_UNKNOWN):
        return CaseReading(None, unknown=True)
    if _is(answer, errors.CASE_QUERY_LIMITED):
        return CaseReading(None, retry_after=retry_after(answer) or 60.0)
    raise ValueError(error_text(answer))
