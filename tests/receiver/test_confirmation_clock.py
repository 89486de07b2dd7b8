"""The confirmation time the platform relies on for the time limits, from what the
terminal knew of its clock when it confirmed (`confirmation_clock`), without a server:
a clock days wrong whose offset was learned is corrected and relied on; one that was set
or went back is flagged and not relied on; weeks of drift widen the bound."""

from __future__ import annotations

import base64
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from receiver.storage import Accept, Store, receipts
from tests.support.platform_server import sealed_submission, with_receipt
from wire import keys, schemas, sealing

T = "T-0001"
ARRIVED = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
DAY = 86400


@pytest.fixture(scope="module")
def pub() -> str:
    return sealing.encode_public_key(sealing.generate_private_key().public_key())


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store(tmp_path / "platform")
    yield opened
    opened.close()


@pytest.fixture
def terminal_key(store):
    key = keys.generate_signing_key()
    enrolled = ARRIVED - timedelta(days=60)
    code, _, _ = store.add_terminal(T, now=enrolled - timedelta(minutes=1))
    store.enroll(T, code, keys.encode_signing_public_key(key.public_key()), now=enrolled)
    return key


def submitted(store: Store, pub: str, key, *, terminal_clock: datetime, state: str,
              offset: float | None, bound: float | None, sent_offset: int | None = None,
              confirmed_local: datetime | None = None) -> tuple[str, dict]:
    """A submission confirmed when this terminal's clock said `terminal_clock`, with the
    clock's record of that moment; arrived at ARRIVED. (case number, the case's clock)."""
    req = with_receipt(sealed_submission(pub, T), key, confirmed_at=terminal_clock,
                       clock_offset_seconds=sent_offset)
    req = req.model_copy(update={"confirmation_clock": schemas.ConfirmationClock(
        confirmed_local=confirmed_local or terminal_clock, state=state, offset_seconds=offset,
        bound_seconds=bound, learned_at=ARRIVED - timedelta(days=20))})
    req = schemas.SubmissionRequest.model_validate_json(req.model_dump_json())  # as sent
    [answer] = store.record([Accept(req, base64.b64decode(req.envelope),
                                    req.identity_sha256())], now=ARRIVED)
    assert answer.status == 201, answer.body
    case_no = schemas.SubmissionAccepted.model_validate_json(answer.body).case_no
    return case_no, store.case_clock(case_no)


def test_a_clock_three_days_behind_with_its_offset_learned_is_corrected_and_relied_on(
        store, pub, terminal_key):
    """Really confirmed 10 days before it arrived (a stick carried it), by a clock three
    days behind that knew it: the platform relies on the corrected time, not the arrival,
    although the offset is far beyond the 5-minute tolerance of an offset at sending."""
    really = ARRIVED - timedelta(days=10)
    clock_said = really - timedelta(days=3)
    case_no, clock = submitted(store, pub, terminal_key, terminal_clock=clock_said,
                               state="drifting", offset=-3 * DAY, bound=35.2,
                               sent_offset=-3 * DAY)
    assert clock["applied_basis"] == "terminal_corrected"
    assert clock["clock_flag"] == "时间可信（已校正终端时钟）"
    assert clock["applied_at"].startswith(really.strftime("%Y-%m-%dT%H:%M:%S"))
    assert clock["confirmed_at_terminal"].startswith(clock_said.strftime("%Y-%m-%dT%H:%M"))
    assert clock["confirmation_clock"]["state"] == "drifting"
    assert clock["confirmation_clock"]["bound_seconds"] == 35.2
    # the same submission without a record, as an earlier release sent it: arrival time
    old = with_receipt(sealed_submission(pub, T), terminal_key, confirmed_at=clock_said,
                       clock_offset_seconds=-3 * DAY)
    [answer] = store.record([Accept(old, base64.b64decode(old.envelope),
                                    old.identity_sha256())], now=ARRIVED)
    old_case = store.case_clock(schemas.SubmissionAccepted.model_validate_json(
        answer.body).case_no)
    assert old_case["applied_basis"] == "clock_off"
    assert old_case["applied_at"].startswith(ARRIVED.strftime("%Y-%m-%dT%H:%M:%S"))


@pytest.mark.parametrize(("state", "basis", "flag"), [
    ("jumped", "clock_jumped", "时钟曾被调整"),
    ("reset", "clock_reset", "时钟曾被调回过去"),
])
def test_a_clock_set_or_set_back_is_flagged_and_not_relied_on(store, pub, terminal_key, state,
                                                              basis, flag):
    said = ARRIVED - timedelta(days=2)
    _, clock = submitted(store, pub, terminal_key, terminal_clock=said, state=state,
                         offset=0.0, bound=None, sent_offset=0)
    assert (clock["applied_basis"], clock["clock_flag"]) == (basis, flag)
    assert clock["applied_at"].startswith(ARRIVED.strftime("%Y-%m-%dT%H:%M:%S"))
    assert "以平台收到的时间为准" in clock["applied_basis_label"]


def test_a_bound_too_wide_relies_on_the_latest_moment_it_can_have_been(store, pub,
                                                                        terminal_key):
    said = ARRIVED - timedelta(days=30)
    _, clock = submitted(store, pub, terminal_key, terminal_clock=said, state="drifting",
                         offset=0.0, bound=2 * 3600.0)
    assert clock["applied_basis"] == "clock_bound"
    assert clock["applied_at"].startswith((said + timedelta(hours=2)).strftime(
        "%Y-%m-%dT%H:%M:%S"))


def test_a_record_of_another_moment_than_the_receipt_is_not_used(store, pub, terminal_key):
    said = ARRIVED - timedelta(days=1)
    _, clock = submitted(store, pub, terminal_key, terminal_clock=said, state="synced",
                         offset=0.0, bound=1.0, confirmed_local=said - timedelta(hours=5))
    assert clock["applied_basis"] == "clock_mismatch"
    assert clock["applied_at"].startswith(ARRIVED.strftime("%Y-%m-%dT%H:%M:%S"))


def test_an_unknown_clock_is_judged_by_the_offset_at_sending(store, pub, terminal_key):
    said = ARRIVED - timedelta(days=1)
    _, clock = submitted(store, pub, terminal_key, terminal_clock=said, state="unknown",
                         offset=None, bound=None, sent_offset=1)
    assert clock["applied_basis"] == "terminal"
    _, clock = submitted(store, pub, terminal_key, terminal_clock=said, state="unknown",
                         offset=None, bound=None, sent_offset=None)
    assert clock["applied_basis"] == "clock_unknown"


def test_every_basis_has_its_words_and_a_flag(store):
    assert set(receipts.CLOCK_FLAGS) <= set(receipts.BASES)
    assert receipts.clock_flag("no_receipt") == receipts.NOT_FROM_TERMINAL
    conn = sqlite3.connect(store.db_path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(cases)")}
    finally:
        conn.close()
    assert "confirmation_clock" in columns
