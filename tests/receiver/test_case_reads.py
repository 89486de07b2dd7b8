"""Who may read a case and the sliding windows of failed reads, on a real store on disk
with the clock given explicitly (no server: the HTTP side is in tests/e2e)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from receiver.storage import Accept, CaseRead, ReadLimits, Store
from tests.support.platform_server import sealed_submission
from wire import schemas, sealing

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
PUB = sealing.encode_public_key(sealing.generate_private_key().public_key())
LIMITS = ReadLimits(per_terminal=3, terminal_window=timedelta(minutes=10), per_code=2,
                    code_window=timedelta(minutes=30))


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store(tmp_path / "platform")
    for terminal_id, area in (("T-A", "甲县"), ("T-A2", "甲县"), ("T-B", "乙县"),
                              ("T-N", None)):
        opened.add_terminal(terminal_id, jurisdiction=area, now=T0)
    yield opened
    opened.close()


def make_case(store: Store, terminal_id: str = "T-A",
              last4: tuple[str, ...] = ("8000",)) -> schemas.SubmissionAccepted:
    req = sealed_submission(PUB, terminal_id, submission_id=str(uuid.uuid4()))
    [answer] = store.record([Accept(req, b"sealed", req.identity_sha256(), last4)], now=T0)
    return schemas.SubmissionAccepted.model_validate_json(answer.body)


def read(store, terminal_id, code, factor=None, at=T0, limits=LIMITS):
    return store.read_case(CaseRead(terminal_id, code, factor), limits, now=at)


def test_the_terminal_its_jurisdiction_and_the_second_factor_read_a_case(store):
    case = make_case(store)
    for reader in ("T-A", "T-A2"):
        assert read(store, reader, case.query_code).progress.case_no == case.case_no
    for reader in ("T-B", "T-N"):
        assert read(store, reader, case.query_code).progress is None
    assert read(store, "T-B", case.query_code, "8000").progress.case_no == case.case_no
    # with a factor, the factor decides, even for the case's own terminal
    assert read(store, "T-A", case.query_code, "8001").progress is None
    # a case number salts the hash: the same digits, other cases, other hashes
    other = make_case(store)
    conn = sqlite3.connect(store.db_path)
    kept = dict(conn.execute("SELECT case_no, phone_factors FROM cases").fetchall())
    conn.close()
    assert kept[case.case_no] != kept[other.case_no] and "8000" not in kept[case.case_no]


def test_the_code_window_slides(store):
    case = make_case(store)
    for second in (0, 5):  # two wrong factors, the limit for one code
        assert read(store, "T-B", case.query_code, "0000", T0 + timedelta(seconds=second)
                    ).progress is None
    limited = read(store, "T-N", case.query_code, "8000", T0 + timedelta(seconds=10))
    assert limited.progress is None and limited.retry_after == 30 * 60 - 10
    # the terminal's own reads are not what the code's limit protects
    assert read(store, "T-A", case.query_code, at=T0 + timedelta(seconds=10)).progress
    # once the first failure is out of the window, one guess more is allowed …
    later = T0 + timedelta(minutes=30, seconds=1)
    assert read(store, "T-N", case.query_code, "8000", later).progress.case_no == case.case_no
    assert read(store, "T-N", case.query_code, "1111", later).progress is None
    # … and a failure then fills the window again, until the second one leaves it
    assert read(store, "T-N", case.query_code, "8000", later).retry_after == 4
    assert read(store, "T-N", case.query_code, "8000",
                T0 + timedelta(minutes=30, seconds=5)).progress is not None


def test_the_terminal_window_counts_every_failed_read_and_old_ones_are_dropped(store):
    case = make_case(store, "T-B")
    for n in range(3):
        assert read(store, "T-A", f"ZZZZ222{n + 2}", at=T0 + timedelta(minutes=n)
                    ).progress is None
    limited = read(store, "T-A", case.query_code, "8000", T0 + timedelta(minutes=3))
    assert limited.retry_after == 7 * 60  # the first failure leaves the window at 10 min
    assert read(store, "T-A2", case.query_code, "8000",
                T0 + timedelta(minutes=3)).progress is not None  # another terminal
    assert read(store, "T-A", case.query_code, "8000",
                T0 + timedelta(minutes=10)).progress is not None
    # failures past the longest window are removed when the next one is written
    read(store, "T-N", "ZZZZ3333", at=T0 + timedelta(hours=2))
    conn = sqlite3.connect(store.db_path)
    left = conn.execute("SELECT terminal_id FROM case_query_failures").fetchall()
    conn.close()
    assert left == [("T-N",)]


def test_setting_a_jurisdiction_adopts_the_terminals_cases_made_without_one(store):
    before = make_case(store, "T-N")
    assert read(store, "T-A", before.query_code).progress is None
    assert store.set_jurisdiction("T-N", "甲县") == 1
    assert read(store, "T-A", before.query_code).progress is not None
    # cases keep the jurisdiction they were made under
    assert store.set_jurisdiction("T-N", "乙县") == 0
    assert read(store, "T-A", before.query_code).progress is not None
    after = make_case(store, "T-N")
    assert read(store, "T-A", after.query_code).progress is None
    assert read(store, "T-B", after.query_code).progress is not None


def make_receipt_case(store: Store, terminal_id: str, receipt_no: str,
                      last4: tuple[str, ...] = ("8000",)) -> schemas.SubmissionAccepted:
    req = sealed_submission(PUB, terminal_id, submission_id=str(uuid.uuid4()),
                            receipt_no=receipt_no)
    [answer] = store.record([Accept(req, b"sealed", req.identity_sha256(), last4)], now=T0)
    return schemas.SubmissionAccepted.model_validate_json(answer.body)


def read_receipt(store, terminal_id, receipt_no, factor, at=T0, limits=LIMITS):
    return store.read_case(CaseRead(terminal_id, None, factor, receipt_no=receipt_no),
                           limits, now=at)


def test_a_receipt_number_names_a_case_only_on_the_terminal_that_printed_it(store):
    mine = make_receipt_case(store, "T-A", "1234567897")
    theirs = make_receipt_case(store, "T-B", "1234567897")  # unique only per terminal
    assert read_receipt(store, "T-A", "1234567897", "8000").progress.case_no == mine.case_no
    assert read_receipt(store, "T-B", "1234567897", "8000").progress.case_no == theirs.case_no
    # another terminal of the same jurisdiction has no receipt of that number
    assert read_receipt(store, "T-A2", "1234567897", "8000").progress is None
    # the second factor still decides, also on the terminal that printed the receipt
    assert read_receipt(store, "T-A", "1234567897", "8001").progress is None
    assert read_receipt(store, "T-A", "9999999994", "8000").progress is None


def test_the_code_limit_counts_a_case_whether_named_by_code_or_by_receipt(store):
    case = make_receipt_case(store, "T-A", "1234567897")
    assert read_receipt(store, "T-A", "1234567897", "0000").progress is None
    assert read(store, "T-B", case.query_code, "0001").progress is None
    # two failures for this case: the limit holds for both ways of naming it
    limited = read_receipt(store, "T-A", "1234567897", "8000", T0 + timedelta(seconds=1))
    assert limited.progress is None and limited.retry_after == 30 * 60 - 1
    assert read(store, "T-N", case.query_code, "8000",
                T0 + timedelta(seconds=1)).retry_after == 30 * 60 - 1
    # guesses at receipt numbers no case has count per number typed
    for second in (0, 1):
        assert read_receipt(store, "T-A2", "5555555553", "8000",
                            T0 + timedelta(seconds=second)).progress is None
    assert read_receipt(store, "T-A2", "5555555553", "8000",
                        T0 + timedelta(seconds=2)).retry_after == 30 * 60 - 2
    conn = sqlite3.connect(store.db_path)
    hashes = [row[0] for row in conn.execute("SELECT code_hash FROM case_query_failures")]
    conn.close()
    assert all("5555555553" not in h and case.query_code not in h for h in hashes)
