"""Signed receipts on the platform, without a server: the keys a terminal has had, the
day an application counts as made, the refusal of a receipt that names another
submission, and `check` refusing forged, altered and other-terminal receipts."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

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


# --- the command and the page, in process ---------------------------------------------------


def test_receipt_verify_says_what_it_says_and_refuses_with_exit_2(tmp_path, pub, capsys):
    from receiver.cli import main

    data = tmp_path / "platform"
    store = Store(data)
    try:
        key = _enroll(store, T, NOW - timedelta(days=30))
        req = with_receipt(sealed_submission(pub, T), key, confirmed_at=NOW - timedelta(days=2))
        assert main(["receipt", "verify", req.receipt, "--data", str(data)]) == 0
        out = capsys.readouterr().out
        assert "the signature holds" in out and "arrived: not yet (已在自助终端确认，尚未送达)" in out
        assert f"receipt {req.receipt_no[:4]} {req.receipt_no[4:7]} {req.receipt_no[7:]}" in out
        _accept(store, req)
        assert main(["receipt", "verify", "http://127.0.0.1/r/" + req.receipt, "--json",
                     "--data", str(data)]) == 0
        import json
        said = json.loads(capsys.readouterr().out)
        assert said["arrived"] and said["status"] == "received"
        assert said["applied_basis"] == "terminal"
        assert said["applied_at"] == said["confirmed_at"] == (NOW - timedelta(days=2)).isoformat()
        forged = with_receipt(req, keys.generate_signing_key(), confirmed_at=NOW).receipt
        assert main(["receipt", "verify", forged, "--data", str(data)]) == 2
        err = capsys.readouterr().err
        assert "not a valid receipt" in err and "altered or forged" in err
    finally:
        store.close()


class _Page:
    def __init__(self, status: int, headers: dict[str, str], text: str):
        self.status_code, self.headers, self.text = status, headers, text


class _Client:
    """GET through the whole ASGI app (every middleware), as uvicorn would call it."""

    def __init__(self, app):
        self.app = app

    def get(self, path: str) -> _Page:
        import asyncio

        sent: list[dict] = []

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(),
                 "query_string": b"", "headers": [(b"host", b"127.0.0.1")], "root_path": "",
                 "scheme": "http", "http_version": "1.1", "server": ("127.0.0.1", 80),
                 "client": ("127.0.0.1", 5000)}
        asyncio.run(self.app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        return _Page(start["status"], headers, body.decode())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_the_page_before_and_after_arrival_and_for_a_forgery(tmp_path, pub):
    from receiver.app import create_app

    app = create_app(tmp_path / "platform")
    store = app.state.store
    key = _enroll(store, T, NOW - timedelta(days=30))
    req = with_receipt(sealed_submission(pub, T, kind="review"), key,
                       confirmed_at=NOW - timedelta(days=2))
    with _Client(app) as client:
        before = client.get("/r/" + req.receipt)
        assert before.status_code == 200
        assert before.headers["content-type"].startswith("text/html")
        assert before.headers["cache-control"] == "no-store"
        assert "已在自助终端确认，尚未送达" in before.text and "回执真实有效" in before.text
        assert "收到申请之日起3个工作日内" in before.text
        _accept(store, req)
        store.set_case_status(store.list_cases()[0]["case_no"], "accepted", "转县人社局办理")
        after = client.get("/r/" + req.receipt)
        assert "已受理" in after.text and "转县人社局办理" in after.text
        assert "尚未送达" not in after.text
        assert "以自助终端签名确认的时间为准" in after.text
        accepted = datetime.now(UTC).astimezone(timezone(timedelta(hours=8))).date()
        by = accepted + timedelta(days=30)
        assert f"{by.year}年{by.month}月{by.day}日" in after.text  # the opinion's last day
        assert store.list_cases()[0]["query_code"] not in after.text  # not on a public page
        forged = with_receipt(req, keys.generate_signing_key(), confirmed_at=NOW).receipt
        refused = client.get("/r/" + forged)
        assert refused.status_code == 404 and "回执无法核验" in refused.text
        assert "伪造" in refused.text
        assert client.get("/r/nonsense").status_code == 404
