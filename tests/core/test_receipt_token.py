"""The signed receipt's text form (`wire.receipt`): a known answer, and every way a
receipt can be forged, altered or cut refused with a precise reason."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wire import receipt

# RFC 8032 §7.1, TEST 1: a published Ed25519 secret key, so the answer below can be
# recomputed by anyone with any Ed25519 implementation.
RFC8032_SECRET = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
KEY = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(RFC8032_SECRET))
CONFIRMED = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
KNOWN_TEXT = (
    "R1AgAHW80VAGsHmagcT3t33hquqZLeelQQJ4LXolCb110di3f_MFdJDYoaDgZULTAwMDHl8Ud-Ss_k1H"
    "uyqitptRM59mPYTMJpaypOVqeOvIRsBLrv5GI8pwTPYoLEb1G0QuFO8LfdQQIsUQ48BhfP7e4I")


def _sign(**changes) -> str:
    fields = dict(terminal_id="T-0001", receipt_no="0123456789", kind="review",
                  confirmed_at=CONFIRMED, envelope=b"sealed envelope")
    fields.update(changes)
    return receipt.sign(KEY, **fields)


def test_known_answer():
    assert _sign() == KNOWN_TEXT
    read = receipt.parse(KNOWN_TEXT)
    assert (read.terminal_id, read.receipt_no, read.kind, read.confirmed_at) == (
        "T-0001", "0123456789", "review", CONFIRMED)
    assert read.envelope_sha256 == hashlib.sha256(b"sealed envelope").hexdigest()
    assert read.matches_envelope(b"sealed envelope")
    assert not read.matches_envelope(b"another envelope")
    read.verify(KEY.public_key())


def test_short_enough_for_a_qr_code():
    longest = _sign(terminal_id="T" * 64)
    assert len(KNOWN_TEXT) <= 160 and len(longest) <= 240
    assert receipt.parse(longest).terminal_id == "T" * 64


@pytest.mark.parametrize("kind", receipt.KINDS)
def test_every_kind_and_edge_numbers_round_trip(kind):
    for number in ("0000000000", "9999999999"):
        read = receipt.parse(_sign(kind=kind, receipt_no=number))
        assert (read.kind, read.receipt_no) == (kind, number)
        read.verify(KEY.public_key())


def test_page_url_carries_the_text_and_parse_takes_either():
    url = receipt.receipt_url("https://xf.example.gov.cn/", KNOWN_TEXT)
    assert url == "https://xf.example.gov.cn/r/" + KNOWN_TEXT
    assert receipt.parse(url).text == KNOWN_TEXT
    assert receipt.parse(url + "?from=qr").text == KNOWN_TEXT
    assert receipt.parse("  " + KNOWN_TEXT + "\n").text == KNOWN_TEXT


def test_another_key_does_not_verify():
    other = Ed25519PrivateKey.generate()
    with pytest.raises(receipt.ReceiptInvalid, match="signature does not hold"):
        receipt.parse(KNOWN_TEXT).verify(other.public_key())
    forged = receipt.sign(other, terminal_id="T-0001", receipt_no="0123456789",
                          kind="review", confirmed_at=CONFIRMED, envelope=b"sealed envelope")
    with pytest.raises(receipt.ReceiptInvalid):
        receipt.parse(forged).verify(KEY.public_key())


def test_every_altered_character_is_refused():
    """Change any one character: the text no longer parses, or its signature fails."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i in range(len(receipt.VERSION), len(KNOWN_TEXT)):
        replacement = alphabet[(alphabet.index(KNOWN_TEXT[i]) + 1) % len(alphabet)]
        altered = KNOWN_TEXT[:i] + replacement + KNOWN_TEXT[i + 1:]
        if altered == KNOWN_TEXT:
            continue
        try:
            read = receipt.parse(altered)
        except receipt.ReceiptInvalid:
            continue
        if read.signed_bytes == receipt.parse(KNOWN_TEXT).signed_bytes and \
                read.signature == receipt.parse(KNOWN_TEXT).signature:
            continue  # the last character's spare bits: the same bytes
        with pytest.raises(receipt.ReceiptInvalid):
            read.verify(KEY.public_key())


@pytest.mark.parametrize(("text", "reason"), [
    ("", "not a receipt"),
    ("hello", "not a receipt"),
    ("R2" + KNOWN_TEXT[2:], "version 'R2'"),
    (KNOWN_TEXT[:60], "cut short"),
    (KNOWN_TEXT[:-4], "length does not match"),
    (KNOWN_TEXT[:40] + "*" + KNOWN_TEXT[41:], "not base64url"),
    ("R1" + "A" * 500, "too long"),
])
def test_malformed_text_says_what_is_wrong(text, reason):
    with pytest.raises(receipt.ReceiptInvalid, match=reason):
        receipt.parse(text)


def test_fields_are_checked_when_signing():
    for bad in (dict(terminal_id="终端"), dict(receipt_no="12345"), dict(kind="complaint"),
                dict(confirmed_at=datetime(2026, 1, 1))):
        with pytest.raises(ValueError):
            _sign(**bad)
