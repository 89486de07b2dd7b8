"""Codes people read and type: enrollment codes and query codes.

No 0/O, 1/I/L: a code is read off paper or over the phone and typed on a touch screen.
"""

from __future__ import annotations

import hashlib
import secrets

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8
ENROLLMENT_CODE_LENGTH = 12
# Random bytes at or above this are skipped, so every character is equally likely.
_CODE_BYTE_LIMIT = 256 - 256 % len(CODE_ALPHABET)


def random_code(length: int) -> str:
    """`length` characters of CODE_ALPHABET, uniformly from the system's CSPRNG (one read
    of random bytes for all of them, rather than one per character)."""
    chars: list[str] = []
    while len(chars) < length:
        chars += [CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in secrets.token_bytes(2 * length)
                  if b < _CODE_BYTE_LIMIT]
    return "".join(chars[:length])


def normalize_code(text: str) -> str:
    """What was typed or read aloud → the code: no spaces or dashes, upper case."""
    return "".join(ch for ch in text if ch.isalnum()).upper()


def group_code(code: str, size: int = 4) -> str:
    return "-".join(code[i:i + size] for i in range(0, len(code), size))


def code_hash(code: str) -> str:
    # An enrollment code carries ~59 bits and lives 7 days: a plain hash is enough at rest.
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()
