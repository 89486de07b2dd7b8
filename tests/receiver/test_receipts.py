"""Signed receipts on the platform, without a server: the keys a terminal has had, the
day an application counts as made, the refusal of a receipt that names another
submission, and `check` refusing forged, altered and other-terminal receipts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from receiver.auth import Claims
from receiver.intake import ContentCheck, Intake, Judge, SubmissionDecoder
from receiver.limits import LIMITS
from receiver.storage import Accept, Store, receipts
from tests.support.platform_server import sealed_submission, with_receipt
from wire import errors, keys, schemas, sealing

T, OTHER = "T-0001", "T-0002"
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def platform_key():
    return sealing.generate_private_key()


@pytest.fixture(scope="module")
def pub(platform_key) -> str:
    return sealing.encode_public_key(platform_key.public_key())


def _enroll(store: Store, terminal_id: str, at: datetime):
    key = keys.generate_signing_key()
    code, _, _ = store.add_terminal(terminal_id, now=at - timedelta(minutes=1))
    store.enroll(terminal_id, code, keys.encode_signing_public_key(key.public_key()), now=at)
    return key


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store(tmp_path / "platform")
    yield opened
    opened.close()


@pytest.fixture
def terminal_key(store):
    return _enroll(store, T, NOW - timedelta(days=30))


def _accept(store: Store, req: schemas.SubmissionRequest, envelope: bytes | None = None,
            now: datetime = NOW) -> dict:
    import base64
    sealed = envelope if envelope is not None else base64.b64decode(req.envelope)
    [answer] = store.record([Accept(req, sealed, req.identity_sha256())], now=now)
    assert answer.status == 201, answer.body
    case_no = schemas.SubmissionAccepted.model_validate_json(answer.body).case_no
    conn = sqlite3.connect(store.db_path)
    try:
        row = conn.execute("SELECT receipt, confirmed_at, clock_offset_seconds, applied_at, "
                           "applied_basis FROM cases WHERE case_no = ?", (case_no,)).fetchone()
    finally:
        conn.close()
    return dict(zip(("receipt", "confirmed_at", "offset", "applied_at", "basis"), row,
                    strict=True))


def test_a_trusted_confirmation_time_is_the_day_of_application(store, pub, terminal_key):
    """Confirmed offline three days before it arrived: the application counts as made
    when the terminal confirmed it, and the platform records both times."""
    confirmed = NOW - timedelta(days=3)
    req = with_receipt(sealed_submission(pub, T), terminal_key, clock_offset_seconds=-2,
                       confirmed_at=confirmed)
    case = _accept(store, req)
    assert case["basis"] == "terminal" and case["offset"] == -2
    assert case["confirmed_at"].startswith("2026-11-23T08:00:00")
    assert case["applied_at"] == case["confirmed_at"]
    assert case["receipt"] == req.receipt


@pytest.mark.parametrize(("offset", "confirmed", "basis"), [
    (None, NOW - timedelta(days=1), "clock_unknown"),
    (301, NOW - timedelta(days=1), "clock_off"),
    (-400, NOW - timedelta(days=1), "clock_off"),
    (0, NOW + timedelta(minutes=6), "after_arrival"),
    (0, NOW - timedelta(days=31), "before_key"),
])
def test_an_untrusted_time_falls_back_to_arrival_and_says_why(store, pub, terminal_key,
                                                              offset, confirmed, basis):
    req = with_receipt(sealed_submission(pub, T), terminal_key, clock_offset_seconds=offset,
                       confirmed_at=confirmed)
    case = _accept(store, req)
    assert case["basis"] == basis and basis in receipts.BASES
    assert case["applied_at"].startswith("2026-11-26T08:00:00")  # arrival
    assert case["confirmed_at"] is not None  # recorded all the same


def test_no_receipt_from_an_older_terminal_is_accepted_on_arrival(store, pub, terminal_key):
    req = sealed_submission(pub, T)
    case = _accept(store, req)
    assert case == {"receipt": None, "confirmed_at": None, "offset": None,
                    "applied_at": case["applied_at"], "basis": "no_receipt"}
    assert case["applied_at"].startswith("2026-11-26T08:00:00")


def test_a_receipt_signed_with_a_key_it_does_not_have_is_not_trusted(store, pub, terminal_key):
    req = with_receipt(sealed_submission(pub, T), keys.generate_signing_key())
    case = _accept(store, req)
    assert case["basis"] == "signature_unverified" and case["confirmed_at"] is None


def test_a_receipt_signed_before_a_re_enrollment_still_proves_itself(store, pub, terminal_key):
    old = with_receipt(sealed_submission(pub, T), terminal_key,
                       confirmed_at=NOW - timedelta(days=2))
    _enroll(store, T, NOW - timedelta(days=1))  # a replaced disk: a new key
    assert _accept(store, old)["basis"] == "terminal"
    assert store.check_receipt(old.receipt).case is not None
    # a receipt "confirmed" after its key was replaced is not the terminal's word
    late = with_receipt(sealed_submission(pub, T, receipt_no="2026112602"), terminal_key,
                        confirmed_at=NOW - timedelta(hours=2))
    assert _accept(store, late)["basis"] == "before_key"


def _judge(store, platform_key) -> Intake:
    return Intake(store, Judge(store, SubmissionDecoder(LIMITS), ContentCheck(platform_key)),
                  Claims())


@pytest.mark.parametrize(("signed", "named"), [
    ({"receipt_no": "9999999999"}, "receipt number"),
    ({"kind": "review"}, "kind"),
    ({"terminal_id": OTHER}, "terminal"),
    ({"envelope": b"another sealed envelope"}, "envelope"),
    ({"confirmed_at": NOW - timedelta(hours=1)}, "confirmation time"),
])
def test_a_receipt_naming_another_submission_is_a_lasting_refusal(store, pub, platform_key,
                                                                   terminal_key, signed, named):
    req = with_receipt(sealed_submission(pub, T), terminal_key, confirmed_at=NOW)
    if "confirmed_at" in signed:  # signed at another time than the request says
        req = req.model_copy(update={"receipt": with_receipt(
            req, terminal_key, confirmed_at=signed["confirmed_at"]).receipt})
    else:
        req = req.model_copy(update={"receipt": with_receipt(
            req, terminal_key, confirmed_at=NOW, **signed).receipt})
    [answer] = _judge(store, platform_key).deliver([req], None)
    body = schemas.ErrorBody.model_validate_json(answer.body)
    assert (answer.status, body.error) == (422, errors.RECEIPT_MISMATCH.code)
    assert named in body.message
    assert store.list_cases() == []
    [again] = _judge(store, platform_key).deliver([req], None)  # kept: the same answer
    assert again.body == answer.body


def test_not_a_receipt_at_all_is_refused(store, pub, platform_key, terminal_key):
    req = sealed_submission(pub, T).model_copy(update={"receipt": "R1garbage"})
    [answer] = _judge(store, platform_key).deliver([req], None)
    assert schemas.ErrorBody.model_validate_json(answer.body).error == "receipt_mismatch"


def test_the_receipt_and_the_clock_do_not_change_the_identity_but_a_receipt_does(pub,
                                                                                 terminal_key):
    plain = sealed_submission(pub, T)
    assert plain.identity_sha256() == plain.model_copy(
        update={"clock_offset_seconds": 12}).identity_sha256()
    signed = with_receipt(plain, terminal_key, confirmed_at=plain.created_at)
    assert signed.identity_sha256() != plain.identity_sha256()
    assert signed.identity_sha256() == signed.model_copy(
        update={"clock_offset_seconds": None}).identity_sha256()


# --- check: what `receipt verify` and the receipt page rely on -------------------------------


def test_check_before_and_after_arrival(store, pub, terminal_key):
    req = with_receipt(sealed_submission(pub, T), terminal_key, confirmed_at=NOW)
    before = store.check_receipt(req.receipt)
    assert before.case is None and before.receipt.receipt_no == req.receipt_no
    _accept(store, req)
    after = store.check_receipt("https://xf.example.gov.cn/r/" + req.receipt)
    assert after.case is not None and after.case.status == "received"
    assert after.case.applied_basis == "terminal"


def test_check_refuses_forged_altered_and_other_terminal_receipts(store, pub, terminal_key):
    other_key = _enroll(store, OTHER, NOW - timedelta(days=30))
    req = with_receipt(sealed_submission(pub, T), terminal_key, confirmed_at=NOW)
    forged = with_receipt(req, keys.generate_signing_key(), confirmed_at=NOW).receipt
    with pytest.raises(receipts.ReceiptRefused, match="altered or forged"):
        store.check_receipt(forged)
    theirs = with_receipt(req, other_key, confirmed_at=NOW).receipt  # names T, signed by OTHER
    with pytest.raises(receipts.ReceiptRefused, match="signed with the key of terminal T-0002"):
        store.check_receipt(theirs)
    unknown = with_receipt(req, terminal_key, confirmed_at=NOW, terminal_id="T-9999").receipt
    with pytest.raises(receipts.ReceiptRefused, match="no terminal T-9999"):
        store.check_receipt(unknown)
    text = req.receipt
    altered = text[:20] + ("B" if text[20] != "B" else "C") + text[21:]
    with pytest.raises(receipts.ReceiptRefused):
        store.check_receipt(altered)
    with pytest.raises(receipts.ReceiptRefused, match="not a receipt"):
        store.check_receipt("hello")
    # genuine, but the case of that number holds another envelope (a store started afresh)
    _accept(store, sealed_submission(pub, T, receipt_no=req.receipt_no))
    with pytest.raises(receipts.ReceiptRefused, match="another sealed envelope"):
        store.check_receipt(req.receipt)
