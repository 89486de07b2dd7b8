"""The outbox's transition table, and every state change of a real outbox checked against it.

The table is written out here once more (`EXPECTED`): a change to the table fails
`test_the_table_is_the_one_written_here` until this list says the same, and every
(event, state) pair is driven through the real outbox on real SQLite, so a change
that the code makes without the table (or the table without the code) fails too.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from kiosk.store import (
    STATES,
    TRANSITIONS,
    Event,
    NotFoundError,
    Outbox,
    Settlement,
    TransitionError,
    states,
    write_transaction,
)
from kiosk.store.models import submissions
from tests.support.store import new_submission

# (event, from, to): the outbox's whole state machine.
EXPECTED = {
    ("claim", "queued", "sending"),
    ("deliver", "sending", "delivered"),
    ("deliver", "queued", "delivered"),
    ("retry", "sending", "queued"),
    ("release", "sending", "queued"),
    ("refuse", "sending", "needs_attention"),
    ("refuse", "queued", "needs_attention"),
    ("technician_retry", "needs_attention", "queued"),
    ("set_aside", "needs_attention", "set_aside"),
    ("requeue_stale", "sending", "queued"),
    ("purge", "delivered", "purged"),
}

EVENTS = ["claim", "deliver", "retry", "release", "refuse", "technician_retry", "set_aside",
          "requeue_stale", "purge"]
LONG_AGO = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
LATER = datetime.now(UTC) + timedelta(days=400)


def test_the_table_is_the_one_written_here():
    rows = [(t.event.value, t.source, t.target) for t in TRANSITIONS]
    assert len(rows) == len(set(rows))  # no row twice
    assert set(rows) == EXPECTED
    assert [e.value for e in Event] == EVENTS
    assert STATES == ("queued", "sending", "delivered", "needs_attention", "set_aside", "purged")
    assert all(t.why for t in TRANSITIONS)


def test_the_lookups_say_what_the_table_says():
    for event in Event:
        rows = {(s, t) for e, s, t in EXPECTED if e == event.value}
        assert set(states.sources(event)) == {s for s, _ in rows}
        assert {states.target(event)} == {t for _, t in rows}  # one event, one outcome
        for state in STATES:
            allowed = any(s == state for s, _ in rows)
            assert states.allows(event, state) is allowed
            if allowed:
                assert states.check(event, state, "x") == states.target(event)
            else:
                with pytest.raises(TransitionError, match=f"x is {state}"):
                    states.check(event, state, "x")


def test_a_confirmed_submission_starts_queued(tmp_path):
    with Outbox.open(tmp_path) as box:
        receipt = box.confirm(new_submission())
        assert box.get(receipt.submission_id).state == states.INITIAL == "queued"


def test_settlements_name_their_event_and_the_state_it_leads_to():
    at = datetime(2026, 3, 1, tzinfo=UTC)
    made = {
        "deliver": Settlement.delivered("s", "C", "Q", at),
        "retry": Settlement.retry("s", "timeout", at),
        "release": Settlement.release("s", at),
        "refuse": Settlement.needs_attention("s", "refused"),
    }
    for event, settlement in made.items():
        assert settlement.event == event
        assert settlement.state == states.target(Event(event))
        assert settlement.attempted is (event != "release")
    assert made["deliver"].state == "delivered" and made["retry"].state == "queued"
    assert made["refuse"].state == "needs_attention"


# --- every event from every state, on a real outbox ------------------------------------------


def _place(box: Outbox, state: str) -> str:
    """A fresh item (with an attachment file) put straight into `state` with SQL, so no
    transition under test is used to get there."""
    sid = box.confirm(new_submission(attachments=1, created_at=LONG_AGO)).submission_id
    values: dict = {"state": state, "updated_at": LONG_AGO, "next_attempt_at": LONG_AGO}
    if state in ("delivered", "purged"):
        values |= {"case_no": "C-OLD", "query_code": "Q-OLD", "delivered_at": LONG_AGO}
    if state == "purged":
        values |= {"envelope": None, "receipt_fields": {}}
    if state == "sending":
        values["attempts"] = 1
    if state in ("needs_attention", "set_aside"):
        values["last_error"] = "refused: category_unknown"
    if state == "set_aside":
        values["set_aside_reason"] = "重复提交"
    with write_transaction(box.engine) as conn:
        conn.execute(update(submissions).where(submissions.c.id == sid).values(**values))
    return sid


def _row(box: Outbox, sid: str):
    with box.engine.connect() as conn:
        return conn.execute(select(submissions).where(submissions.c.id == sid)).one()


def _refused_single(change) -> bool:
    """Runs a single-item change; False when it raised TransitionError."""
    try:
        change()
    except TransitionError:
        return False
    return True


def _settled(box: Outbox, settlement: Settlement) -> bool:
    skipped = box.settle([settlement])
    assert skipped in ([], [settlement.submission_id])
    return skipped == []


# How each event is caused through the outbox's public methods; True when it changed the item.
CAUSE = {
    "claim": lambda box, sid: sid in [c.submission_id for c in box.claim_batch(10, LATER)],
    "deliver": lambda box, sid: _settled(box, Settlement.delivered(sid, "C-NEW", "Q-NEW")),
    "retry": lambda box, sid: _settled(box, Settlement.retry(sid, "timeout", LATER)),
    "release": lambda box, sid: _settled(box, Settlement.release(sid)),
    "refuse": lambda box, sid: _settled(box, Settlement.needs_attention(sid, "refused: 422")),
    "technician_retry": lambda box, sid: _refused_single(lambda: box.retry_needs_attention(sid)),
    "set_aside": lambda box, sid: _refused_single(lambda: box.set_aside(sid, "重复提交")),
    "requeue_stale": lambda box, sid: box.requeue_stale_sending() == 1,
    "purge": lambda box, sid: box.purge_delivered(timedelta(0), now=LATER) == 1,
}


@pytest.mark.parametrize(("event", "state"), list(itertools.product(EVENTS, STATES)))
def test_each_event_from_each_state(tmp_path, event, state):
    allowed_here = {(e, s): t for e, s, t in EXPECTED}
    with Outbox.open(tmp_path) as box:
        sid = _place(box, state)
        before = _row(box, sid)
        # The table the outbox reads, and the list above, agree on this pair.
        assert states.allows(Event(event), state) is ((event, state) in allowed_here)

        changed = CAUSE[event](box, sid)

        after = _row(box, sid)
        if (event, state) in allowed_here:
            assert changed
            assert after.state == allowed_here[(event, state)] == states.target(Event(event))
            assert after.updated_at > before.updated_at
        else:
            assert not changed
            assert after == before  # refused: not one column changed
        if after.state == "purged":
            assert after.envelope is None and after.case_no == "C-OLD"
        assert box.status().total == 1


# --- what the table does not decide alone -----------------------------------------------------


@pytest.mark.parametrize("state", ["delivered", "purged"])
def test_the_same_delivery_again_is_a_no_op_not_a_refusal(tmp_path, state):
    with Outbox.open(tmp_path) as box:
        sid = _place(box, state)
        before = _row(box, sid)
        assert box.settle([Settlement.delivered(sid, "C-OLD", "Q-OLD")]) == []
        assert _row(box, sid) == before
        assert box.settle([Settlement.delivered(sid, "C-OTHER", "Q")]) == [sid]
        assert _row(box, sid) == before


def test_unknown_items_are_refused(tmp_path):
    with Outbox.open(tmp_path) as box:
        unknown = "0b7e1c2e-5d5e-4f0e-9d57-3f1c2a3b4c5d"
        assert box.settle([Settlement.retry(unknown, "x", LATER)]) == [unknown]
        with pytest.raises(NotFoundError):
            box.retry_needs_attention(unknown)
        with pytest.raises(NotFoundError):
            box.set_aside(unknown, "重复提交")


def test_a_batch_records_what_the_table_allows_and_returns_the_rest(tmp_path):
    with Outbox.open(tmp_path) as box:
        sending = [_place(box, "sending") for _ in range(3)]
        attention = _place(box, "needs_attention")
        skipped = box.settle([
            Settlement.delivered(sending[0], "C-1", "Q-1"),
            Settlement.retry(attention, "timeout", LATER),  # not sending: refused
            Settlement.retry(sending[1], "timeout", LATER),
            Settlement.release(sending[2]),
        ])
        assert skipped == [attention]
        assert [box.get(s).state for s in sending] == ["delivered", "queued", "queued"]
        assert box.get(sending[1]).attempts == 1  # a retry counts its attempt
        assert box.get(sending[2]).attempts == 0  # a release hands the attempt back
        assert box.get(attention).state == "needs_attention"


def test_restored_submissions_take_the_state_the_rules_give():
    expected = {
        ("queued", True): "queued",
        ("sending", True): "queued",
        ("delivered", True): "delivered",
        ("needs_attention", True): "needs_attention",
        ("set_aside", True): "set_aside",
        ("purged", True): "purged",
        ("queued", False): "needs_attention",
        ("sending", False): "needs_attention",
        ("delivered", False): "delivered",
        ("needs_attention", False): "needs_attention",
        ("set_aside", False): "needs_attention",
        ("purged", False): "purged",
    }
    for (state, whole), result in expected.items():
        assert states.restored_state(state, attachments_whole=whole) == result, (state, whole)


# --- the table guards itself -----------------------------------------------------------------


def test_a_refused_change_names_the_item_its_state_and_every_allowed_source():
    with pytest.raises(TransitionError) as one:
        states.check(Event.CLAIM, "delivered", "s-1")
    assert str(one.value) == "s-1 is delivered: claim needs queued"
    with pytest.raises(TransitionError) as two:
        states.check(Event.REFUSE, "purged", "s-2")
    assert str(two.value) == "s-2 is purged: refuse needs sending or queued"


def test_the_index_is_built_from_every_row_of_the_table():
    # Built once at import; built again here so that what it does is checked, not its result.
    sources, targets = states._index()
    expected_sources: dict[str, list[str]] = {}
    for event, source, _ in sorted(EXPECTED):
        expected_sources.setdefault(event, []).append(source)
    assert {e.value: sorted(s) for e, s in sources.items()} == expected_sources
    assert {e.value: t for e, t in targets.items()} == {e: t for e, _, t in EXPECTED}
    # the sources keep the order of the table's rows
    assert sources[Event.DELIVER] == ("sending", "queued")
    assert sources[Event.REFUSE] == ("sending", "queued")


def _table_with(row: states.Transition | None, *, drop: Event | None = None):
    rows = tuple(t for t in TRANSITIONS if t.event is not drop)
    return (*rows, row) if row is not None else rows


@pytest.mark.parametrize(
    ("row", "drop", "message"),
    [
        (states.Transition(Event.CLAIM, "lost", "sending", "a source no state has"), None,
         "unknown state in Transition(event=<Event.CLAIM: 'claim'>, source='lost', "
         "target='sending', why='a source no state has')"),
        (states.Transition(Event.CLAIM, "queued", "lost", "a target no state has"), None,
         "unknown state in Transition(event=<Event.CLAIM: 'claim'>, source='queued', "
         "target='lost', why='a target no state has')"),
        (states.Transition(Event.CLAIM, "needs_attention", "delivered", "a second outcome"), None,
         "claim leads to two states"),
        (None, Event.PURGE, "events without a transition: [<Event.PURGE: 'purge'>]"),
    ],
)
def test_a_table_that_breaks_a_rule_is_refused_with_the_rule(monkeypatch, row, drop, message):
    monkeypatch.setattr(states, "TRANSITIONS", _table_with(row, drop=drop))
    with pytest.raises(ValueError) as caught:
        states._index()
    assert str(caught.value) == message
