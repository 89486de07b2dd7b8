"""Follow-ups to a case and the service evaluation (tables `followups`, `evaluations`,
`evaluation_callbacks`).

A follow-up is kept per (terminal, follow-up id), like a submission's Idempotency-Key:
the same request again gets the answer kept for it, another request under the same
id is refused. A rating is one per case and service.

The figures of the evaluation (seed document 2, 人民满意窗口: 有效访参评率 ≥ 60 %,
服务态度满意率 ≥ 90 %, 10 rated-satisfied cases called back each period, every bad
rating followed up), as `stats` computes them — written out in docs/receiver.md:

- a period is a calendar month in China (UTC+8) of the case's application, the
  terminal's confirmation time (`cases.created_at`): a rating counts in the month of
  the visit it rates, wherever and whenever it arrived;
- a valid visit (有效访) of service `terminal` is a case received from a terminal
  (each confirmed submission is one case, exactly once); of service `case`, a case
  that reached `answered` or `closed`;
- participation = ratings of that service on valid visits / valid visits;
- satisfied = 非常满意, 满意 or 基本满意; satisfaction = satisfied / ratings;
- bad (差评) = 不满意 or 非常不满意; followed up = bad ones whose follow-up is done.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from receiver.storage.database import parse_stamp, stamp
from wire import errors, schemas

CHINA = timezone(timedelta(hours=8), "CST")
SATISFIED = ("very_satisfied", "satisfied", "basically_satisfied")
BAD = ("dissatisfied", "very_dissatisfied")
ANSWERED = ("answered", "closed")
PARTICIPATION_TARGET = 0.60
SATISFACTION_TARGET = 0.90
CALLBACKS_PER_PERIOD = 10
CALLBACK_OUTCOMES = {"genuine": "属实", "not_genuine": "不属实", "unreachable": "未接通"}
GROUPINGS = ("terminal", "jurisdiction", "month")


class FollowUpRefused(Exception):
    """Why a follow-up cannot be taken; `code` is the catalogue's entry."""

    def __init__(self, code: Any, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after  # set with CASE_QUERY_LIMITED: seconds to wait


@dataclass(frozen=True)
class KeptFollowUp:
    status: int
    response: str  # JSON text, answered again byte for byte
    request_sha256: str


def kept(conn: sqlite3.Connection, terminal_id: str, followup_id: str) -> KeptFollowUp | None:
    row = conn.execute("SELECT status, response, request_sha256 FROM followups "
                       "WHERE terminal_id = ? AND followup_id = ?",
                       (terminal_id, followup_id)).fetchone()
    return KeptFollowUp(*row) if row else None


def month_of(at: datetime) -> str:
    return at.astimezone(CHINA).strftime("%Y-%m")


def record_evaluation(conn: sqlite3.Connection, req: schemas.FollowUpRequest, case_no: str,
                      case_status: str, text_sealed: bytes | None, request_sha256: str,
                      now: datetime) -> KeptFollowUp:
    """Records an evaluation of `case_no` and keeps its answer (one transaction with the
    caller's). FollowUpRefused: a case rating of a case not answered, a service rated
    before (by another follow-up)."""
    assert req.evaluation is not None
    ev = req.evaluation
    if ev.service == "case" and case_status not in ANSWERED:
        raise FollowUpRefused(errors.FOLLOWUP_INVALID, "the handling of a case can be rated only "
                                                  "once it is answered")
    taken = conn.execute("SELECT id FROM evaluations WHERE case_no = ? AND service = ?",
                         (case_no, ev.service)).fetchone()
    if taken is not None:
        raise FollowUpRefused(errors.ALREADY_EVALUATED, "this service of this case was rated before")
    at = stamp(now)
    conn.execute(
        "INSERT INTO evaluations (id, terminal_id, case_no, service, level, reasons, "
        "text_sealed, rated_at, received_at, followup_state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (req.followup_id, req.terminal_id, case_no, ev.service, ev.level,
         json.dumps(ev.reasons), text_sealed, stamp(req.created_at), at,
         "open" if ev.level in BAD else None))
    return keep_answer(conn, req, case_no, request_sha256, now)


def keep_answer(conn: sqlite3.Connection, req: schemas.FollowUpRequest, case_no: str,
                request_sha256: str, now: datetime) -> KeptFollowUp:
    """The acceptance of a follow-up, kept to be answered again byte for byte."""
    body = schemas.FollowUpAccepted(followup_id=req.followup_id, kind=req.kind, case_no=case_no,
                                    received_at=now).model_dump_json()
    conn.execute("INSERT INTO followups (terminal_id, followup_id, kind, case_no, request_sha256, "
                 "status, response, received_at) VALUES (?, ?, ?, ?, ?, 201, ?, ?)",
                 (req.terminal_id, req.followup_id, req.kind, case_no, request_sha256, body,
                  stamp(now)))
    return KeptFollowUp(201, body, request_sha256)


# --- the figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    """One group's figures for one service; rates are None where their base is zero."""

    group: str
    service: str
    valid_visits: int = 0
    ratings: int = 0
    satisfied: int = 0
    bad: int = 0
    followed_up: int = 0
    levels: dict[str, int] = field(default_factory=lambda: {k: 0 for k in
                                                            schemas.EVALUATION_LEVELS})

    @property
    def participation_rate(self) -> float | None:
        return self.ratings / self.valid_visits if self.valid_visits else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        p, s = self.participation_rate, self.satisfaction_rate
        out.update(participation_rate=p, satisfaction_rate=s,
                   participation_met=None if p is None else p >= PARTICIPATION_TARGET,
                   satisfaction_met=None if s is None else s >= SATISFACTION_TARGET,
                   all_bad_followed_up=self.followed_up == self.bad)
        return out


def _group_key(by: str | None, terminal: str, jurisdiction: str, month: str) -> str:
    return {"terminal": terminal, "jurisdiction": jurisdiction, "month": month}.get(by or "",
                                                                                   "all")


def stats(conn: sqlite3.Connection, by: str | None = None,
          period: str | None = None) -> list[Figures]:
    """The figures per group (`by`: terminal, jurisdiction, month; None: one group "all")
    and service, for the cases applied for in `period` (YYYY-MM; None: every month)."""
    cases = conn.execute(
        "SELECT c.case_no, c.terminal_id, COALESCE(c.terminal_jurisdiction, c.jurisdiction), "
        "c.created_at, (c.status IN ('answered', 'closed') OR EXISTS (SELECT 1 FROM case_events "
        "e WHERE e.case_no = c.case_no AND e.status IN ('answered', 'closed'))) FROM cases c"
    ).fetchall()
    ratings: dict[tuple[str, str], tuple[str, str | None]] = {
        (case_no, service): (level, state) for case_no, service, level, state in conn.execute(
            "SELECT case_no, service, level, followup_state FROM evaluations")}
    groups: dict[tuple[str, str], Figures] = {}
    for case_no, terminal, jurisdiction, created_at, answered in cases:
        month = month_of(parse_stamp(created_at))
        if period is not None and month != period:
            continue
        key = _group_key(by, terminal, jurisdiction or "-", month)
        for service, valid in (("terminal", True), ("case", bool(answered))):
            if not valid:
                continue
            fig = groups.setdefault((key, service), Figures(key, service))
            fig.valid_visits += 1
            rated = ratings.get((case_no, service))
            if rated is None:
                continue
            level, state = rated
            fig.ratings += 1
            fig.levels[level] += 1
            if level in SATISFIED:
                fig.satisfied += 1
            else:
                fig.bad += 1
                fig.followed_up += state == "done"
    return [groups[k] for k in sorted(groups, key=lambda k: (k[0], k[1] != "terminal"))]


# --- call-backs of rated-satisfied cases ---------------------------------------------------


@dataclass(frozen=True)
class Callback:
    period: str
    case_no: str
    evaluation_id: str
    position: int
    seed: int
    drawn_at: datetime
    level: str
    terminal_id: str
    outcome: str | None
    note: str | None
    called_at: datetime | None


def _callbacks(conn: sqlite3.Connection, period: str) -> list[Callback]:
    rows = conn.execute(
        "SELECT b.period, b.case_no, b.evaluation_id, b.position, b.seed, b.drawn_at, e.level, "
        "e.terminal_id, b.outcome, b.note, b.called_at FROM evaluation_callbacks b "
        "JOIN evaluations e ON e.id = b.evaluation_id WHERE b.period = ? ORDER BY b.position",
        (period,)).fetchall()
    return [Callback(p, c, e, pos, seed, parse_stamp(d), lvl, t, o, n, parse_stamp(at))
            for p, c, e, pos, seed, d, lvl, t, o, n, at in rows]


def satisfied_pool(conn: sqlite3.Connection, period: str) -> list[tuple[str, str]]:
    """(case number, evaluation id) of every case of `period` rated satisfied, one per case
    (its terminal rating first), in case-number order: what a draw picks from."""
    pool: dict[str, str] = {}
    rows = conn.execute(
        "SELECT c.case_no, c.created_at, e.id, e.service FROM evaluations e "
        "JOIN cases c ON c.case_no = e.case_no WHERE e.level IN (?, ?, ?) "
        "ORDER BY c.case_no, e.service != 'terminal'", SATISFIED).fetchall()
    for case_no, created_at, evaluation_id, _service in rows:
        if month_of(parse_stamp(created_at)) == period:
            pool.setdefault(case_no, evaluation_id)
    return sorted(pool.items())


def draw(pool: list[tuple[str, str]], seed: int, count: int = CALLBACKS_PER_PERIOD
         ) -> list[tuple[str, str]]:
    """The draw: `count` of the pool (all when fewer), the same for the same pool and seed."""
    return random.Random(seed).sample(pool, min(count, len(pool)))


def sample(conn: sqlite3.Connection, period: str, seed: int, now: datetime
           ) -> tuple[list[Callback], bool]:
    """The call-backs of `period`: those drawn before (False), or drawn now with `seed` and
    recorded (True). A period is drawn once, so nobody can redraw until it suits them."""
    before = _callbacks(conn, period)
    if before:
        return before, False
    at = stamp(now)
    for position, (case_no, evaluation_id) in enumerate(draw(satisfied_pool(conn, period), seed),
                                                        start=1):
        conn.execute("INSERT INTO evaluation_callbacks (period, case_no, evaluation_id, "
                     "position, seed, drawn_at) VALUES (?, ?, ?, ?, ?, ?)",
                     (period, case_no, evaluation_id, position, seed, at))
    return _callbacks(conn, period), True


def record_callback(conn: sqlite3.Connection, period: str, case_no: str, outcome: str,
                    note: str | None, now: datetime) -> bool:
    """Records a call's outcome; False when that case was not drawn for that period."""
    if outcome not in CALLBACK_OUTCOMES:
        raise ValueError(outcome)
    cur = conn.execute("UPDATE evaluation_callbacks SET outcome = ?, note = ?, called_at = ? "
                       "WHERE period = ? AND case_no = ?",
                       (outcome, note, stamp(now), period, case_no))
    return cur.rowcount == 1


# --- follow-ups of bad ratings -------------------------------------------------------------


@dataclass(frozen=True)
class BadRating:
    evaluation_id: str
    case_no: str
    service: str
    level: str
    reasons: list[str]
    text_sealed: bytes | None
    terminal_id: str
    rated_at: datetime
    state: str
    note: str | None
    followed_up_at: datetime | None


def bad_ratings(conn: sqlite3.Connection, state: str | None = None) -> list[BadRating]:
    rows = conn.execute(
        "SELECT id, case_no, service, level, reasons, text_sealed, terminal_id, rated_at, "
        "followup_state, followup_note, followed_up_at FROM evaluations "
        "WHERE followup_state IS NOT NULL AND (? IS NULL OR followup_state = ?) "
        "ORDER BY rated_at, id", (state, state)).fetchall()
    return [BadRating(i, c, s, lvl, json.loads(r), t, term, parse_stamp(at), st, n,
                      parse_stamp(fat))
            for i, c, s, lvl, r, t, term, at, st, n, fat in rows]


def record_followup(conn: sqlite3.Connection, evaluation_id: str, note: str,
                    now: datetime) -> bool:
    """A bad rating followed up, with what was done; False for no such bad rating."""
    cur = conn.execute("UPDATE evaluations SET followup_state = 'done', followup_note = ?, "
                       "followed_up_at = ? WHERE id = ? AND followup_state IS NOT NULL",
                       (note, stamp(now), evaluation_id))
    return cur.rowcount == 1


def case_envelopes(conn: sqlite3.Connection, case_nos: Iterable[str]
                   ) -> dict[str, tuple[str, bytes]]:
    """case number → (submission id, sealed envelope): what the call-back's phone is in."""
    out = {}
    for case_no in case_nos:
        row = conn.execute("SELECT submission_id, envelope FROM cases WHERE case_no = ?",
                           (case_no,)).fetchone()
        if row is not None:
            out[case_no] = (row[0], row[1])
    return out
