"""The platform's storage: one SQLite database (`receiver.db`) and the attachment files.

`Store` is the one way in for the HTTP layer, the intake and the operator's commands;
each table has its module (`terminals`, `nonces`, `idempotency`, `cases`, `uploads`,
`heartbeats`, `content`, `evaluations`) and every statement runs on the connections of
`database.Database`. Opening a store brings the schema to the newest migration.

Invariants: a case and its idempotency record are written in one transaction, so a
crash leaves both or neither; a signed request's nonce is spent in the transaction of
the request's own write (or in one of its own), durable before the answer; the
database is the truth about how much of an attachment arrived.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from receiver.storage import (
    aftercare,
    agents,
    carry_imports,
    case_reads,
    cases,
    content,
    evaluations,
    heartbeats,
    idempotency,
    receipts,
    schema,
    terminals,
)
from receiver.storage.aftercare import StatusRefused
from receiver.storage.case_reads import CaseRead, ReadLimits, ReadOutcome
from receiver.storage.cases import NotFound
from receiver.storage.codes import group_code
from receiver.storage.database import DB_FILE, Database, stamp
from receiver.storage.database import now as _now
from receiver.storage.evaluations import FollowUpRefused, KeptFollowUp
from receiver.storage.idempotency import Accept, Refuse, StoredAnswer
from receiver.storage.nonces import NonceReused, Nonces, Signer, SignerRefused
from receiver.storage.schema import SchemaError
from receiver.storage.terminals import CODE_VALIDITY, EnrollmentRefused
from receiver.storage.uploads import (
    DigestMismatch,
    OffsetMismatch,
    Upload,
    UploadOverrun,
    Uploads,
    UploadTaken,
)
from wire import errors, schemas

__all__ = ["DB_FILE", "Accept", "CaseRead", "DigestMismatch", "EnrollmentRefused",
           "FollowUpRefused", "KeptFollowUp", "NonceReused", "NotFound", "OffsetMismatch",
           "ReadLimits", "ReadOutcome", "Refuse",
           "SchemaError", "Signer", "SignerRefused", "StatusRefused", "Store", "StoredAnswer", "Upload",
           "UploadOverrun", "UploadTaken", "group_code"]


class Store:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.db_path = self.data_dir / DB_FILE
        if not schema.is_current(self.db_path):
            schema.migrate(self.db_path)
        self.db = Database(self.db_path)
        self.uploads = Uploads(self.data_dir)
        self._nonces = Nonces()
        if content.current(self.db.reader()) is None:  # checked again inside the write
            with self.db.writing() as conn:
                content.publish_default_if_empty(conn, _now())

    def close(self) -> None:
        self.uploads.close()
        self.db.close()

    @contextmanager
    def _writing(self, signer: Signer | None, now: datetime) -> Iterator[Any]:
        """A write that, with a `signer` not spent yet, first checks the terminal still
        has the signature's key and spends the nonce (NonceReused / SignerRefused roll
        the block's writes back)."""
        if signer is None or signer.spent:
            with self.db.writing() as conn:
                yield conn
            return
        with self.db.writing(lambda conn: self._nonces.spend(conn, signer, now)) as conn:
            yield conn
        signer.spent = True

    # --- terminals and nonces ---------------------------------------------------------------

    def add_terminal(self, terminal_id: str, name: str | None = None,
                     valid_for: timedelta = CODE_VALIDITY, now: datetime | None = None,
                     jurisdiction: str | None = None) -> tuple[str, datetime, bool]:
        with self.db.writing() as conn:
            issued = terminals.add(conn, terminal_id, name, valid_for, now or _now())
            if jurisdiction is not None:
                terminals.set_jurisdiction(conn, terminal_id, jurisdiction)
            return issued

    def enroll(self, terminal_id: str, code: str, signing_public_key: str,
               now: datetime | None = None) -> datetime:
        now = now or _now()
        with self.db.writing() as conn:
            terminals.enroll(conn, terminal_id, code, signing_public_key, now)
        return now

    def signing_key(self, terminal_id: str) -> str | None:
        return terminals.signing_key(self.db.reader(), terminal_id)

    def signing_key_state(self, terminal_id: str) -> tuple[str, bool] | None:
        return terminals.key_state(self.db.reader(), terminal_id)

    def set_jurisdiction(self, terminal_id: str, jurisdiction: str | None) -> int:
        """Sets (None: clears) the jurisdiction of a known terminal; returns how many of its
        cases made without one took it (NotFound for an unknown terminal)."""
        with self.db.writing() as conn:
            return terminals.set_jurisdiction(conn, terminal_id, jurisdiction)

    def revoke_terminal(self, terminal_id: str) -> bool:
        with self.db.writing() as conn:
            return terminals.revoke(conn, terminal_id)

    def list_terminals(self) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            return terminals.list_all(conn)

    def check_receipt(self, text: str) -> receipts.ReceiptCheck:
        """A receipt checked against its terminal's keys, with its case if it arrived
        (`receipts.check`; ReceiptRefused says why one does not prove itself)."""
        with self.db.reading() as conn:
            return receipts.check(conn, text)

    # --- carry files (receiver/carry.py) ----------------------------------------------------

    # --- agents of proxy stations (代办员) ----------------------------------------------------

    def add_agent(self, agent_id: str, name: str | None, station: str | None,
                  valid_for: timedelta = agents.CODE_VALIDITY,
                  now: datetime | None = None) -> tuple[str, datetime, bool]:
        """A one-time binding code for the agent (AgentUnknown: a new one needs name and
        station)."""
        with self.db.writing() as conn:
            return agents.add(conn, agent_id, name, station, valid_for, now or _now())

    def redeem_agent_code(self, terminal_id: str, code: str, signer: Signer | None = None,
                          now: datetime | None = None) -> agents.Bound:
        """The agent the code names (the code spent), in the transaction that spends the
        request's nonce; a wrong code is counted before the refusal is raised."""
        now = now or _now()
        with self._writing(signer, now) as conn:
            outcome = agents.redeem(conn, terminal_id, code, now)
        if isinstance(outcome, agents.Bound):
            return outcome
        raise outcome

    def revoke_agent(self, agent_id: str) -> bool:
        with self.db.writing() as conn:
            return agents.revoke(conn, agent_id)

    def list_agents(self, now: datetime | None = None) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            return agents.list_all(conn, now or _now())

    def carry_import(self, carry_id: str) -> dict[str, Any] | None:
        """The carry file of this id imported before, or None."""
        return carry_imports.find(self.db.reader(), carry_id)

    def record_carry_import(self, carry_id: str, terminal_id: str, carry_sha256: str,
                            submissions: int, via: str, now: datetime | None = None,
                            signer: Signer | None = None) -> None:
        with self._writing(signer, now or _now()) as conn:
            carry_imports.record(conn, carry_id, terminal_id, carry_sha256, submissions,
                                 stamp(now or _now()), via)

    def nonce_used(self, terminal_id: str, nonce: str) -> bool:
        return self._nonces.used(self.db.reader(), terminal_id, nonce)

    def spend(self, signer: Signer, now: datetime | None = None) -> None:
        """Spends the nonce of a request that writes nothing else (NonceReused, SignerRefused)."""
        if not signer.spent:
            with self._writing(signer, now or _now()):
                pass

    # --- submissions ------------------------------------------------------------------------

    def stored_answer(self, terminal_id: str, key: str) -> StoredAnswer | None:
        """The answer kept for `terminal_id`'s Idempotency-Key `key`, or None."""
        return idempotency.stored_answer(self.db.reader(), terminal_id, key)

    def record(self, outcomes: Sequence[Accept | Refuse], inline: dict[str, bytes] | None = None,
               now: datetime | None = None, signer: Signer | None = None) -> list[StoredAnswer]:
        """Records the outcomes of one request in one transaction (one fsync for all), each
        as its Idempotency-Key's answer, and returns the answers in the same order.

        An accepted submission gets its case; a lasting refusal is kept. A key answered
        meanwhile (by another request, another process) keeps that answer. `inline`
        attachments (sealed digest -> bytes) are stored as complete uploads in the same
        transaction: their files are written first, under their upload locks, so an
        upload of the same digest running meanwhile cannot interleave."""
        now = now or _now()
        inline = inline or {}
        at = stamp(now)
        with ExitStack() as held:
            self.uploads.hold(list(inline), held)
            written = self.uploads.write_whole(self.db.reader(), inline)
            owners = {outcome.terminal_id for outcome in outcomes}
            owner = owners.pop() if len(owners) == 1 else None  # one request: one terminal
            with self._writing(signer, now) as conn:
                for digest in written:
                    self.uploads.record_whole(conn, digest, len(inline[digest]), at, owner)
                return [self._record_one(conn, outcome, now, at) for outcome in outcomes]

    @staticmethod
    def _record_one(conn: Any, outcome: Accept | Refuse, now: datetime, at: str) -> StoredAnswer:
        stored = idempotency.stored_answer(conn, outcome.terminal_id, outcome.key)
        if stored is not None:
            return stored
        if isinstance(outcome, Refuse):
            answer = StoredAnswer(outcome.status, outcome.body, outcome.request_sha256)
            idempotency.keep(conn, outcome.key, outcome.terminal_id, answer, at)
            return answer
        req = outcome.req
        case_no, query_code = cases.create(conn, req, outcome.envelope, now,
                                           outcome.contact_last4, outcome.category_given)
        body = schemas.SubmissionAccepted(submission_id=req.submission_id, case_no=case_no,
                                          query_code=query_code, received_at=now).model_dump_json()
        answer = StoredAnswer(201, body, outcome.request_sha256)
        idempotency.keep(conn, req.submission_id, req.terminal_id, answer, at)
        return answer

    # --- attachments ------------------------------------------------------------------------

    def upload_status(self, digest: str, terminal_id: str | None = None) -> Upload:
        """How much of an attachment is here, as `terminal_id` sees it (None: anyone's)."""
        return self.uploads.status(self.db.reader(), digest, terminal_id)

    def attachment_states(self, digests: Sequence[str],
                          terminal_id: str | None = None) -> dict[str, tuple[int, bool]]:
        """(declared size, complete) of each of the digests the platform has a record of
        that `terminal_id` may see (another terminal's uploads are not; None: all)."""
        return self.uploads.states(self.db.reader(), digests, terminal_id)

    def attachment_bytes(self, digest: str) -> bytes:
        return self.uploads.read(digest)

    def put_chunk(self, digest: str, offset: int, total: int, chunk: bytes,
                  now: datetime | None = None, signer: Signer | None = None) -> Upload:
        """Appends a chunk at `offset` of an upload of `total` bytes (`uploads`), for the
        signer's terminal (UploadTaken: another terminal's upload). With a `signer`, its
        nonce is spent in the transaction that records the chunk."""
        now = now or _now()
        return self.uploads.put_chunk(self.db.reader(), lambda: self._writing(signer, now),
                                      digest, offset, total, chunk, stamp(now),
                                      signer.terminal_id if signer is not None else None)

    # --- cases, heartbeats, content ---------------------------------------------------------

    def case_progress(self, query_code: str) -> schemas.CaseProgress | None:
        """A case's progress by its query code, for the operator (no reader's rules)."""
        with self.db.reading() as conn:
            return cases.progress(conn, query_code)

    def case_progress_of(self, case_no: str) -> schemas.CaseProgress | None:
        """A case's progress by its case number, for the operator."""
        with self.db.reading() as conn:
            return cases.progress_of(conn, case_no)

    def case_clock(self, case_no: str) -> dict[str, Any] | None:
        """The confirmation time a case relies on, why, and how far it is trusted."""
        with self.db.reading() as conn:
            return cases.clock_of(conn, case_no)

    def case_aftercare(self, case_no: str) -> dict[str, list[dict]]:
        """The material added to a case and the requests to withdraw it."""
        with self.db.reading() as conn:
            return {"supplements": aftercare.supplements_of(conn, case_no),
                    "withdrawals": aftercare.withdrawals_of(conn, case_no)}

    def supplement_sealed(self, followup_id: str) -> tuple[str, bytes] | None:
        """(case number, sealed pages) of material added, for the office to open."""
        row = self.db.reader().execute("SELECT case_no, sealed FROM supplements WHERE id = ?",
                                       (followup_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def find_case(self, query_code: str) -> case_reads.StoredCase | None:
        return case_reads.find(self.db.reader(), query_code)

    def find_asked_case(self, ask: CaseRead) -> case_reads.StoredCase | None:
        """The case a read names, by query code or by the reader's own receipt number."""
        return case_reads.find_asked(self.db.reader(), ask)

    def case_envelope(self, case_no: str) -> bytes:
        return case_reads.envelope(self.db.reader(), case_no)

    def read_case(self, ask: CaseRead, limits: ReadLimits, signer: Signer | None = None,
                  now: datetime | None = None) -> ReadOutcome:
        """A case as `ask`'s reader may read it (`case_reads`), in the transaction that
        spends the request's nonce: a failed guess is counted durably before the answer."""
        now = now or _now()
        with self._writing(signer, now) as conn:
            return case_reads.read(conn, ask, limits, now)

    def set_case_status(self, case_no: str, status: str, note: str | None = None,
                        now: datetime | None = None) -> None:
        with self.db.writing() as conn:
            cases.set_status(conn, case_no, status, note, now or _now())

    def list_cases(self) -> list[dict[str, Any]]:
        with self.db.reading() as conn:
            return cases.list_all(conn)

    def record_heartbeat(self, terminal_id: str, beat: schemas.Heartbeat,
                         now: datetime | None = None, signer: Signer | None = None) -> datetime:
        now = now or _now()
        with self._writing(signer, now) as conn:
            heartbeats.record(conn, terminal_id, beat, stamp(now))
        return now

    def current_content(self) -> tuple[str, str]:
        """(TerminalContent JSON, ETag) of the newest version."""
        found = content.current(self.db.reader())
        assert found is not None, "a store always has content (published when opened)"
        return found

    def accepted_categories(self) -> frozenset[str]:
        """The category codes the newest content publishes; empty: every category."""
        body, _ = self.current_content()
        published = schemas.TerminalContent.model_validate_json(body).categories
        return frozenset(c["code"] for c in published if c.get("code"))

    def set_content(self, data: dict[str, Any], now: datetime | None = None) -> tuple[int, str]:
        """Publishes new content (its `version` is assigned here); returns (version, ETag)."""
        with self.db.writing() as conn:
            return content.publish(conn, data, now or _now())

    # --- follow-ups and the service evaluation (`evaluations`) -----------------------------

    def take_followup(self, req: schemas.FollowUpRequest, request_sha256: str,
                      text_sealed: bytes | None, signer: Signer | None = None,
                      now: datetime | None = None,
                      read_limits: ReadLimits | None = None) -> KeptFollowUp:
        """A follow-up, exactly once per (terminal, follow-up id), in the transaction that
        spends the request's nonce: the answer kept for it when it came before (the same
        request), else linked to its case and recorded. FollowUpRefused says why not:
        the id used for another request, no such case (yet), not its case's to take.

        A follow-up naming its case by query code and phone digits is a read of the case
        as `POST /case-queries` makes it, under the same limits (`read_limits`): a wrong
        guess is counted as durably as a failed read, so follow-ups are no way round them."""
        now = now or _now()
        refusal: FollowUpRefused | None = None
        with self._writing(signer, now) as conn:
            before = evaluations.kept(conn, req.terminal_id, req.followup_id)
            if before is not None:
                if before.request_sha256 != request_sha256:
                    raise FollowUpRefused(errors.IDEMPOTENCY_KEY_REUSED, "this follow-up id was "
                                          "used before for a different request")
                return before
            found = self._followed_case(conn, req, read_limits or ReadLimits(), now)
            if isinstance(found, FollowUpRefused):
                refusal = found  # raised once the failed guess is committed
            else:
                case_no, status = found
                if req.kind == "supplement":
                    return aftercare.record_supplement(conn, req, case_no, status,
                                                       request_sha256, now)
                if req.kind == "withdrawal":
                    return aftercare.record_withdrawal(conn, req, case_no, status,
                                                       request_sha256, now)
                return evaluations.record_evaluation(conn, req, case_no, status, text_sealed,
                                                     request_sha256, now)
        raise refusal

    @staticmethod
    def _followed_case(conn: Any, req: schemas.FollowUpRequest, limits: ReadLimits,
                       now: datetime) -> tuple[str, str] | FollowUpRefused:
        unknown = FollowUpRefused(errors.FOLLOWUP_CASE_UNKNOWN, "no case of this terminal's "
                                  "(yet) for this follow-up")
        if req.submission_id is not None:
            row = conn.execute("SELECT case_no, status FROM cases WHERE terminal_id = ? AND "
                               "submission_id = ?", (req.terminal_id, req.submission_id)
                               ).fetchone()
        elif req.phone_last4 is not None:
            assert req.query_code is not None
            outcome = case_reads.read(conn, CaseRead(req.terminal_id, req.query_code,
                                                     req.phone_last4), limits, now)
            if outcome.retry_after is not None:
                return FollowUpRefused(errors.CASE_QUERY_LIMITED, "too many failed case reads; "
                                       "try again later", retry_after=outcome.retry_after)
            if outcome.progress is None:
                return unknown
            row = (outcome.progress.case_no, outcome.progress.status)
        else:
            assert req.query_code is not None
            found = case_reads.find(conn, req.query_code)
            row = None
            if found is not None and case_reads.may_read(
                    conn, found, CaseRead(req.terminal_id, req.query_code)):
                row = conn.execute("SELECT case_no, status FROM cases WHERE case_no = ?",
                                   (found.case_no,)).fetchone()
        if row is None:
            raise unknown
        return row[0], row[1]

    def evaluation_stats(self, by: str | None = None,
                         period: str | None = None) -> list[evaluations.Figures]:
        with self.db.reading() as conn:
            return evaluations.stats(conn, by, period)

    def evaluation_sample(self, period: str, seed: int, now: datetime | None = None
                          ) -> tuple[list[evaluations.Callback], bool]:
        with self.db.writing() as conn:
            return evaluations.sample(conn, period, seed, now or _now())

    def record_callback(self, period: str, case_no: str, outcome: str, note: str | None,
                        now: datetime | None = None) -> bool:
        with self.db.writing() as conn:
            return evaluations.record_callback(conn, period, case_no, outcome, note,
                                               now or _now())

    def bad_ratings(self, state: str | None = None) -> list[evaluations.BadRating]:
        with self.db.reading() as conn:
            return evaluations.bad_ratings(conn, state)

    def record_followup(self, evaluation_id: str, note: str, now: datetime | None = None
                        ) -> bool:
        with self.db.writing() as conn:
            return evaluations.record_followup(conn, evaluation_id, note, now or _now())

    def case_envelopes(self, case_nos: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        with self.db.reading() as conn:
            return evaluations.case_envelopes(conn, case_nos)
