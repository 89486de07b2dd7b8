"""Spent signature nonces (table `nonces`): a nonce is usable once, a restart included.

A signed request's nonce is spent in the transaction of the request's own write, after
checking in that transaction that the terminal still has the key the signature was
checked with (`spend`); a request that writes nothing else spends it in a transaction
of its own. Either way the nonce is durable before the answer. Rows older than the
signature window are pruned, at most once a minute.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from receiver.storage import terminals
from receiver.storage.database import stamp

NONCE_KEEP = timedelta(minutes=15)  # > the 10-minute window in which a signature is valid


@dataclass
class Signer:
    """A request whose signature checked out with `key` (base64): its nonce is spent once,
    in the transaction of the request's own write or in one of its own (`spent` after)."""

    terminal_id: str
    nonce: str
    key: str
    spent: bool = field(default=False, compare=False)


class NonceReused(Exception):
    """The signer's nonce was spent before."""


class SignerRefused(Exception):
    """The terminal is no longer enrolled with the key the signature was checked with:
    `revoked` when it has no usable key at all (revoked, unknown), else its key changed."""

    def __init__(self, revoked: bool):
        super().__init__(revoked)
        self.revoked = revoked


class Nonces:
    def __init__(self) -> None:
        self._last_prune = 0.0

    @staticmethod
    def used(conn: sqlite3.Connection, terminal_id: str, nonce: str) -> bool:
        """Whether the nonce was spent (a look before any work; the spend itself decides)."""
        return conn.execute("SELECT 1 FROM nonces WHERE terminal_id = ? AND nonce = ?",
                            (terminal_id, nonce)).fetchone() is not None

    def spend(self, conn: sqlite3.Connection, signer: Signer, now: datetime) -> None:
        """Inside a write: the key is still the terminal's, and the nonce is new."""
        key = terminals.signing_key(conn, signer.terminal_id)
        if key != signer.key:  # revoked, or enrolled anew, since the signature was checked
            raise SignerRefused(revoked=key is None)
        if now.timestamp() - self._last_prune > 60:
            conn.execute("DELETE FROM nonces WHERE created_at < ?", (stamp(now - NONCE_KEEP),))
            self._last_prune = now.timestamp()
        cur = conn.execute("INSERT INTO nonces (terminal_id, nonce, created_at) VALUES (?, ?, ?) "
                           "ON CONFLICT DO NOTHING", (signer.terminal_id, signer.nonce, stamp(now)))
        if cur.rowcount != 1:
            raise NonceReused(signer.nonce)
