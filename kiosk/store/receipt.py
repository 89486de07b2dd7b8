"""Receipt numbers: ten digits a person can read out over the phone.

Nine random digits and a Damm check digit. Damm catches every single wrong digit
and every swap of two neighbouring digits, the two mistakes people make most
when reading or typing a number.
"""

from __future__ import annotations

import secrets
import unicodedata

RECEIPT_DIGITS = 10

# The order-10 weakly totally anti-symmetric quasigroup from Damm (2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

_ASCII_DIGITS = frozenset("0123456789")
# What people put between groups when they write or type the number.
_SEPARATORS = frozenset(" -_.·")


def _damm_interim(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _DAMM[interim][ord(ch) - 48]
    return interim


def damm_check_digit(digits: str) -> str:
    """The Damm check digit for a string of ASCII digits."""
    if not digits or not set(digits) <= _ASCII_DIGITS:
        raise ValueError("digits expected")
    return str(_damm_interim(digits))


def new_receipt_no() -> str:
    """A fresh random receipt number (uniqueness is the database's job)."""
    # No leading zero: spreadsheets and people both tend to drop it.
    body = str(10 ** (RECEIPT_DIGITS - 2) + secrets.randbelow(9 * 10 ** (RECEIPT_DIGITS - 2)))
    return body + damm_check_digit(body)


def is_valid_receipt_no(receipt_no: str) -> bool:
    """Whether a bare 10-digit string is a receipt number (its check digit fits)."""
    return (
        isinstance(receipt_no, str)
        and len(receipt_no) == RECEIPT_DIGITS
        and set(receipt_no) <= _ASCII_DIGITS
        and _damm_interim(receipt_no) == 0
    )


def format_receipt_no(receipt_no: str) -> str:
    """Grouped for reading aloud: "4827105936" -> "4827 1059 36"."""
    if len(receipt_no) != RECEIPT_DIGITS or not set(receipt_no) <= _ASCII_DIGITS:
        raise ValueError("not a 10-digit receipt number")
    return f"{receipt_no[:4]} {receipt_no[4:8]} {receipt_no[8:]}"


def parse_receipt_no(text: str) -> str | None:
    """The bare receipt number in what someone typed, or None if it is not a valid one.

    Accepts full-width digits and spaces (a Chinese keyboard gives those) and the
    usual group separators.
    """
    if not isinstance(text, str):
        return None
    normalized = unicodedata.normalize("NFKC", text).strip()
    digits = []
    for ch in normalized:
        if ch in _ASCII_DIGITS:
            digits.append(ch)
        elif ch not in _SEPARATORS and not ch.isspace():
            return None
    candidate = "".join(digits)
    return candidate if is_valid_receipt_no(candidate) else None
