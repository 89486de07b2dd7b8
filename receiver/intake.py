"""Intake of submissions: decode, check and judge them; no HTTP here.

- `SubmissionDecoder` reads the sealed envelope and the inline attachments out of a
  `SubmissionRequest`, within the limits.
- `ContentCheck` opens the envelope and the attachments with the platform's key and
  checks that they agree with the routing metadata.
- `Judge` decides what a submission gets: an answer already kept, a new case
  (`Accept`; a category the platform no longer accepts is kept as `unclassified` for the
  office to classify, never refused), a lasting refusal to keep (`Refuse`), or a refusal answered but not kept
  (attachments missing, or anything that depends on the platform's state).
- `Intake` runs a request's submissions through the judge while holding their
  Idempotency-Keys, and records what is to be kept in one transaction.

A refusal is kept as the Idempotency-Key's answer only when the request's bytes alone
decide it (`Refusal.lasting`): sending the same bytes again can never succeed. A
refusal that depends on the platform's state — its key (an envelope sealed to another
key than the one loaded today), its limits, what has been uploaded so far — is
answered but not kept, so the same request may succeed later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from receiver.auth import Claims
from receiver.errors import ApiError, Refusal
from receiver.faults import Fault
from receiver.storage import Accept, Refuse, Signer, StoredAnswer
from receiver.storage.cases import factor_hash
from wire import errors, schemas, sealing
from wire import receipt as wire_receipt
from wire.categories import UNCLASSIFIED

log = logging.getLogger("receiver")
Verdict = StoredAnswer | ApiError | Accept | Refuse


class SubmissionStore(Protocol):
    """What intake reads and writes (`receiver.storage.Store` is one)."""

    def stored_answer(self, terminal_id: str, key: str) -> StoredAnswer | None: ...
    def attachment_states(self, digests: Sequence[str],
                          terminal_id: str | None = None) -> dict[str, tuple[int, bool]]: ...
    def attachment_bytes(self, digest: str) -> bytes: ...
    def accepted_categories(self) -> frozenset[str]: ...
    def record(self, outcomes: Sequence[Accept | Refuse], inline: dict[str, bytes] | None = None,
               *, signer: Signer | None = None) -> list[StoredAnswer]: ...


class SubmissionDecoder:
    """The bytes a submission carries, or the reason to refuse them."""

    def __init__(self, limits: schemas.Limits):
        self.limits = limits

    def envelope(self, req: schemas.SubmissionRequest) -> tuple[bytes, Refusal | None]:
        """The sealed envelope, or a reason (form, limits) to refuse the request."""
        try:
            sealed = base64.b64decode(req.envelope, validate=True)
        except (binascii.Error, ValueError):
            return b"", Refusal(errors.ENVELOPE_INVALID, "the envelope is not base64",
                                lasting=True)
        if len(sealed) > self.limits.max_envelope_bytes:
            return sealed, Refusal(errors.TOO_LARGE, f"a sealed envelope may have at most "
                                                     f"{self.limits.max_envelope_bytes} bytes")
        if len(req.attachments) > self.limits.max_attachments:
            return sealed, Refusal(errors.TOO_MANY_ATTACHMENTS, f"a submission may list at most "
                                                                f"{self.limits.max_attachments}")
        return sealed, None

    def inline(self, req: schemas.SubmissionRequest) -> tuple[dict[str, bytes], Refusal | None]:
        """The inline attachments' sealed bytes by digest, or a reason to refuse them.

        `inline` is not part of the request's identity, so its faults are never kept as
        the key's answer: the same submission with the attachment uploaded may pass."""
        listed = {a.sealed_digest for a in req.attachments}
        found: dict[str, bytes] = {}
        for number, item in enumerate(req.inline, 1):
            try:
                data = base64.b64decode(item.data, validate=True)
            except (binascii.Error, ValueError):
                return {}, Refusal(errors.INLINE_INVALID, f"inline attachment {number} is not "
                                                          "base64")
            if item.sealed_digest not in listed:
                return {}, Refusal(errors.INLINE_INVALID, f"inline attachment {number} is not "
                                                          "one of the submission's attachments")
            if len(data) > self.limits.max_inline_bytes:
                return {}, Refusal(errors.TOO_LARGE, f"an inline attachment may have at most "
                                                     f"{self.limits.max_inline_bytes} bytes; "
                                                     "upload it instead")
            if hashlib.sha256(data).hexdigest() != item.sealed_digest:
                return {}, Refusal(errors.DIGEST_MISMATCH, f"inline attachment {number} does "
                                                           "not have the sha256 it names")
            found[item.sealed_digest] = data
        return found, None


class ContentCheck:
    """Whether what the envelope and the attachments hold agrees with the request.

    Once the envelope is open, its document must agree with the routing metadata
    (submission, terminal, kind, category, purpose) and list the same attachments in
    the same order (role, media type), each opening to the digest and size the
    document names. A disagreement is in the request's own bytes: lasting. Whether
    something opens at all depends on the key loaded here: not lasting."""

    def __init__(self, platform_private_key: X25519PrivateKey):
        self._key = platform_private_key

    def check(self, req: schemas.SubmissionRequest, sealed: bytes, sizes: dict[str, int],
              inline: dict[str, bytes], store: SubmissionStore) -> Refusal | None:
        """A reason to refuse, or None. `sizes` are the sizes of the attachments the
        platform holds or received inline; the others' bytes are read from `store`."""
        return self.checked(req, sealed, sizes, inline, store)[0]

    def checked(self, req: schemas.SubmissionRequest, sealed: bytes, sizes: dict[str, int],
                inline: dict[str, bytes], store: SubmissionStore
                ) -> tuple[Refusal | None, tuple[str, ...]]:
        """`check`, and with no refusal the second factors of the document
        (`contact_last4`)."""
        refusal = receipt_refusal(req, sealed)
        if refusal is not None:
            return refusal, ()
        document, refusal = self._document(req, sealed)
        if refusal is not None:
            return refusal, ()
        assert document is not None
        return self._attachments(req, document, sizes, inline, store), contact_last4(document)

    def _attachments(self, req: schemas.SubmissionRequest, document: dict[str, Any],
                     sizes: dict[str, int], inline: dict[str, bytes],
                     store: SubmissionStore) -> Refusal | None:
        listed = document.get("attachments") or []
        if not isinstance(listed, list) or len(listed) != len(req.attachments):
            count = len(listed) if isinstance(listed, list) else 0
            return Refusal(errors.ATTACHMENTS_MISMATCH, f"the sealed document lists {count} "
                                                        f"attachment(s), the request "
                                                        f"{len(req.attachments)}", lasting=True)
        wrong = [a.sealed_digest for a in req.attachments if sizes.get(a.sealed_digest) != a.size]
        if wrong:  # compared with what is stored here: not kept
            return Refusal(errors.ATTACHMENT_SIZE_MISMATCH,
                           f"the uploaded size of {', '.join(wrong)} differs from the size listed")
        for number, (ref, entry) in enumerate(zip(req.attachments, listed, strict=True), 1):
            data = inline.get(ref.sealed_digest)
            if data is None:
                data = store.attachment_bytes(ref.sealed_digest)
            refusal = self.attachment(req.submission_id, number, ref, entry, data)
            if refusal is not None:
                return refusal
        return None

    def _document(self, req: schemas.SubmissionRequest, sealed: bytes
                  ) -> tuple[dict[str, Any] | None, Refusal | None]:
        try:
            plain = sealing.unseal(sealed, self._key, req.submission_id, "envelope")
        except sealing.SealingError:
            return None, Refusal(errors.ENVELOPE_INVALID, "the envelope cannot be opened with "
                                                          "this platform's key for this "
                                                          "submission id")
        try:
            inner = schemas.loads_unique(plain)
        except schemas.DuplicateKey as exc:
            return None, Refusal(errors.DUPLICATE_KEY, f"the sealed envelope is not one "
                                                       f"document: {exc}", lasting=True)
        except (ValueError, RecursionError):
            inner = None
        if (not isinstance(inner, dict) or inner.get("submission_id") != req.submission_id
                or inner.get("terminal_id") != req.terminal_id):
            return None, Refusal(errors.ENVELOPE_INVALID, "the envelope's submission id or "
                                                          "terminal does not match the request",
                                 lasting=True)
        document = inner.get("document")
        if not isinstance(document, dict):
            return None, Refusal(errors.ENVELOPE_MISMATCH, "the envelope holds no document",
                                 lasting=True)
        for name in ("kind", "category", "purpose"):
            if document.get(name) != getattr(req, name):
                return None, Refusal(errors.ENVELOPE_MISMATCH, f"the sealed document's {name} "
                                                               f"differs from the request's "
                                                               f"{name}", lasting=True)
        return document, None

    def case_factors(self, case_no: str, sealed: bytes, submission_id: str
                     ) -> tuple[str, ...] | None:
        """The second factors (hashed) of a case kept before they were: read from its
        envelope once; None if it cannot be opened with the key loaded here."""
        try:
            plain = sealing.unseal(sealed, self._key, submission_id, "envelope")
            inner = json.loads(plain)
        except (sealing.SealingError, ValueError, RecursionError):
            return None
        document = inner.get("document") if isinstance(inner, dict) else None
        if not isinstance(document, dict):
            return ()
        return tuple(sorted({factor_hash(case_no, d) for d in contact_last4(document)}))

    def opens(self, sealed: bytes, bound_to: str, part: str) -> str | None:
        """The text of a sealed part (a rating's free text), or None when it does not
        open with this platform's key for `bound_to` and `part`, or is not UTF-8."""
        opened = self.unseals(sealed, bound_to, part)
        try:
            return opened.decode("utf-8") if opened is not None else None
        except UnicodeDecodeError:
            return None

    def unseals(self, sealed: bytes, bound_to: str, part: str) -> bytes | None:
        """The bytes of a sealed part (a signature's PNG), or None when it does not open
        with this platform's key for `bound_to` and `part`."""
        try:
            return sealing.unseal(sealed, self._key, bound_to, part)
        except sealing.SealingError:
            return None

    def attachment(self, submission_id: str, number: int, ref: schemas.AttachmentRef,
                   entry: Any, sealed: bytes) -> Refusal | None:
        """Whether attachment `number` (`sealed`) is the one the document's `entry` names."""
        if not isinstance(entry, dict) or entry.get("role") != ref.role \
                or entry.get("media_type") != ref.media_type:
            return Refusal(errors.ATTACHMENTS_MISMATCH, f"attachment {number}: its role or "
                                                        "media type differs from the sealed "
                                                        "document's", lasting=True)
        digest, size = entry.get("digest"), entry.get("size")
        if not isinstance(digest, str) or not isinstance(size, int):
            return Refusal(errors.ATTACHMENTS_MISMATCH, f"attachment {number}: the sealed "
                                                        "document names no digest and size",
                           lasting=True)
        try:
            plain = sealing.unseal(sealed, self._key, submission_id,
                                   sealing.attachment_part(digest))
        except sealing.SealingError:
            # Sealed for another digest than the document names, or to another key than
            # the one loaded here: the two cannot be told apart, so it is not kept.
            return Refusal(errors.ATTACHMENTS_MISMATCH, f"attachment {number} cannot be opened "
                                                        "as the attachment the sealed document "
                                                        "names")
        if hashlib.sha256(plain).hexdigest() != digest or len(plain) != size:
            return Refusal(errors.ATTACHMENTS_MISMATCH, f"attachment {number}: its content "
                                                        "differs from the digest and size the "
                                                        "sealed document names", lasting=True)
        return None


def receipt_refusal(req: schemas.SubmissionRequest, sealed: bytes) -> Refusal | None:
    """A lasting refusal when the signed receipt a submission carries is not one, or names
    another submission than the one it comes with. Its signature is checked when the case
    is made (`storage.receipts.application_date`): one that does not hold costs only the
    trust in the confirmation time, never the case."""
    if req.receipt is None:
        return None
    try:
        signed = wire_receipt.parse(req.receipt)
    except wire_receipt.ReceiptInvalid as exc:
        return Refusal(errors.RECEIPT_MISMATCH, f"the receipt: {exc}", lasting=True)
    differs = [name for name, same in (
        ("terminal", signed.terminal_id == req.terminal_id),
        ("receipt number", signed.receipt_no == req.receipt_no),
        ("kind", signed.kind == req.kind),
        ("confirmation time", abs((signed.confirmed_at - req.created_at).total_seconds()) < 1),
        ("envelope", signed.matches_envelope(sealed))) if not same]
    if differs:
        return Refusal(errors.RECEIPT_MISMATCH, "the receipt names another "
                       f"{', '.join(differs)} than this submission", lasting=True)
    return None


def contact_last4(document: dict[str, Any]) -> tuple[str, ...]:
    """The last 4 digits of each contact phone the document gives (every applicant's and
    the agent's): what a citizen — or the agent who applied for them — shows with the
    query code to read the case. Never logged."""
    people = document.get("applicants")
    people = list(people) if isinstance(people, list) else []
    people.append(document.get("agent"))
    found = []
    for person in people:
        phone = person.get("phone") if isinstance(person, dict) else None
        digits = "".join(c for c in phone if c in "0123456789") if isinstance(phone, str) else ""
        if len(digits) >= 4:
            found.append(digits[-4:])
    return tuple(dict.fromkeys(found))


def retired_category(category: str, accepted: frozenset[str]) -> str | None:
    """The category to keep beside `unclassified`, or None to record it as given.

    A terminal confirmed the submission and told its citizen it was saved; a category
    the platform stopped accepting since (the terminal had not pulled the newest list)
    is nothing the citizen could fix, so it is never a refusal: the case is kept for the
    office to classify. An empty `accepted` publishes no list: every category is taken."""
    if not accepted or category in accepted or category == UNCLASSIFIED:
        return None
    return category


def kept(stored: StoredAnswer, request_sha256: str) -> StoredAnswer | ApiError:
    """The kept answer of a key, if it was kept for this very request."""
    if stored.request_sha256 != request_sha256:
        return ApiError(errors.IDEMPOTENCY_KEY_REUSED,
                        "this Idempotency-Key was used for a different request")
    return stored


class Judge:
    """What a submission gets, given what the platform holds."""

    def __init__(self, store: SubmissionStore, decoder: SubmissionDecoder, check: ContentCheck):
        self.store = store
        self.decoder = decoder
        self.check = check

    def judge(self, req: schemas.SubmissionRequest, request_sha256: str
              ) -> tuple[Verdict, dict[str, bytes]]:
        """An answer already decided (kept before, or not to be kept), or an outcome to
        record, with the inline attachments to store along with an acceptance. The
        caller holds the submission's Idempotency-Key."""
        stored = self.store.stored_answer(req.terminal_id, req.submission_id)
        if stored is not None:
            return kept(stored, request_sha256), {}
        sealed, refusal = self.decoder.envelope(req)
        inline: dict[str, bytes] = {}
        if refusal is None:
            inline, refusal = self.decoder.inline(req)
        if refusal is None:
            digests = [a.sealed_digest for a in req.attachments if a.sealed_digest not in inline]
            states = self.store.attachment_states(digests, req.terminal_id)
            missing = [d for d in dict.fromkeys(digests) if d not in states or not states[d][1]]
            if missing:  # not kept as the answer: the terminal uploads and tries again
                return ApiError(errors.ATTACHMENTS_MISSING,
                                f"{len(missing)} attachment(s) not completely uploaded",
                                missing=missing), {}
            sizes = {d: size for d, (size, _) in states.items()}
            sizes.update((d, len(data)) for d, data in inline.items())
            refusal, last4 = self.check.checked(req, sealed, sizes, inline, self.store)
        if refusal is None:
            return Accept(req, sealed, request_sha256, last4,
                          retired_category(req.category, self.store.accepted_categories())
                          ), inline
        if not refusal.lasting:
            return refusal, {}  # answered, not kept: the same request may succeed later
        return Refuse(req.submission_id, req.terminal_id, request_sha256, refusal.status,
                      refusal.json_text()), {}


def claim_key(req: schemas.SubmissionRequest) -> str:
    """What `Claims` holds while a submission is judged: its Idempotency-Key within its
    terminal's (a terminal id has no space, so the two parts cannot run together)."""
    return f"{req.terminal_id} {req.submission_id}"


class Intake:
    """The submissions of one request, each judged as if sent alone."""

    def __init__(self, store: SubmissionStore, judge: Judge, claims: Claims):
        self.store = store
        self.judge = judge
        self.claims = claims

    def deliver(self, reqs: Sequence[schemas.SubmissionRequest], signer: Signer | None,
                fault: Fault | None = None) -> list[StoredAnswer | ApiError]:
        """Each submission's answer, in order; what is to be kept is recorded in one
        transaction, which also spends the request's nonce (`signer`)."""
        answers: list[StoredAnswer | ApiError | None] = [None] * len(reqs)
        to_record: list[tuple[int, Accept | Refuse, str]] = []
        inline: dict[str, bytes] = {}
        with ExitStack() as holding:
            held = []
            for index, req in enumerate(reqs):
                try:
                    holding.enter_context(self.claims.hold(claim_key(req)))
                    held.append(index)
                except ApiError as busy:  # in progress elsewhere, or twice in this batch
                    answers[index] = busy
            if fault is not None and fault.mode == "slow":  # so long per new submission
                new = sum(self.store.stored_answer(reqs[index].terminal_id,
                                                   reqs[index].submission_id) is None
                          for index in held)
                if new:  # said before the wait, so that whoever switched it on sees it begin
                    log.info("fault slow: holding the keys of %d new submission(s) for %.2f s",
                             new, fault.seconds * new)
                time.sleep(fault.seconds * new)  # holding the keys: a retry meets 409
            for index in held:
                request_sha256 = reqs[index].identity_sha256()
                verdict, attachments = self.judge.judge(reqs[index], request_sha256)
                if isinstance(verdict, Accept | Refuse):
                    to_record.append((index, verdict, request_sha256))
                    inline.update(attachments)
                else:
                    answers[index] = verdict
            if to_record:
                recorded = self.store.record([v for _, v, _ in to_record], inline, signer=signer)
                for (index, verdict, request_sha256), stored in zip(to_record, recorded,
                                                                    strict=True):
                    answers[index] = kept(stored, request_sha256)
                    if isinstance(verdict, Accept) and stored.status == 201:
                        log.info("submission accepted as case %s",
                                 json.loads(stored.body).get("case_no"))
        return [a for a in answers if a is not None]
