"""Who is asking, and whether this request was seen before: signatures (through
`wire.signing`), nonces in flight and spent, and idempotency claims.

A signed request's nonce is claimed in memory the moment its signature checks out
(its headers, when the server checks them before the body: `Authenticator.admit`)
and looked up in the database before any work, so a replay is refused before it
writes anything; it is spent exactly once and durably before the answer, in the
transaction of the request's own write or in one of its own (`Authenticator.signed`).
An Idempotency-Key is held by one request of this process at a time (`Claims`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from receiver.errors import ApiError
from receiver.storage import NonceReused, Signer, SignerRefused, Store
from wire import errors, signing

IN_PROGRESS_RETRY_AFTER = 1
# A claimed, never spent nonce is kept in memory past the 10-minute signature window.
NONCE_HOLD_SECONDS = 15 * 60
_KEY_CACHE_SIZE = 10_000


class Claims:
    """Idempotency keys being processed in this process right now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: set[str] = set()

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Holds `key` for the block; `409 in_progress` while another request holds it."""
        with self._lock:
            if key in self._held:
                raise ApiError(errors.IN_PROGRESS,
                               "a request with this Idempotency-Key is still being processed",
                               headers={"Retry-After": str(IN_PROGRESS_RETRY_AFTER)})
            self._held.add(key)
        try:
            yield
        finally:
            with self._lock:
                self._held.discard(key)


class NoncesInFlight:
    """Nonces of this process's requests not yet spent in the database.

    Claimed right after the signature checks out, so the same signed request sent
    twice at once is refused before either does anything; released once the nonce
    is durable (the database refuses it from then on). A nonce whose request ended
    without spending it stays claimed until it is past the signature window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], float] = {}
        self._pruned = clock()

    def claim(self, key: tuple[str, str]) -> bool:
        now = self._clock()
        with self._lock:
            if now - self._pruned > 60:
                horizon = now - NONCE_HOLD_SECONDS
                self._held = {k: t for k, t in self._held.items() if t > horizon}
                self._pruned = now
            if key in self._held:
                return False
            self._held[key] = now
            return True

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._held

    def release(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._held.pop(key, None)


@dataclass(eq=False)
class PendingSigner:
    """A request whose headers checked out (part a); its body is still to be checked.

    `claimed`: admitted (`Authenticator.admit`), its nonce held in flight since. `taken`:
    its body checked out and the request took the claim over, to spend the nonce; a
    claimed pending is taken at most once, and one never taken is let go (`abandon`)."""

    verified: signing.VerifiedRequest
    signer: Signer
    claimed: bool = False
    taken: bool = False

    @property
    def nonce_key(self) -> tuple[str, str]:
        return self.signer.terminal_id, self.signer.nonce


def replayed() -> ApiError:
    return ApiError(errors.SIGNATURE_REPLAYED, "this signature's nonce was already used")


def same_terminal(signer: Signer, terminal_id: str) -> None:
    """A request about a terminal (its heartbeat, a submission's terminal_id) must be
    signed by that terminal."""
    if signer.terminal_id != terminal_id:
        raise ApiError(errors.TERMINAL_MISMATCH,
                       f"signed by terminal {signer.terminal_id!r}, not {terminal_id!r}")


class Authenticator:
    """Checks the signatures of one platform's requests against its enrolled terminals."""

    def __init__(self, store: Store):
        self.store = store
        self.in_flight = NoncesInFlight()
        self._keys_by_text: dict[str, Ed25519PublicKey] = {}  # decoded once per enrolled key

    def _lookup_key(self, terminal_id: str) -> tuple[str, Ed25519PublicKey, bool] | None:
        # The key is read on every request (one indexed row), so a revoke or a new
        # enrollment made by another process counts at once; only decoding is cached.
        state = self.store.signing_key_state(terminal_id)
        if state is None:
            return None
        text, revoked = state
        key = self._keys_by_text.get(text)
        if key is None:
            if len(self._keys_by_text) > _KEY_CACHE_SIZE:
                self._keys_by_text.clear()
            key = self._keys_by_text[text] = signing.decode_signing_public_key(text)
        return text, key, revoked

    def check_headers(self, request: signing.ReceivedRequest) -> PendingSigner:
        """Verification part (a), from the request line and headers alone (the key read
        from the database, the signature, its window, the nonce not in flight here): what
        a server may run before it reads the body. Then `authenticate` with the body, part (b).

        A signature that does not check out answers the same whatever terminal it names
        (an unknown one included); a revoked terminal is told so only when it signed
        with its own key."""
        found: dict[str, tuple[str, Ed25519PublicKey, bool] | None] = {}

        def lookup(terminal_id: str) -> Ed25519PublicKey | None:
            if terminal_id not in found:
                found[terminal_id] = self._lookup_key(terminal_id)
            entry = found[terminal_id]
            return entry[1] if entry else None

        try:
            verified = signing.verify_request_headers(request, lookup)
        except signing.SignatureRefused as exc:
            raise ApiError(exc.error, str(exc) or exc.code) from None
        entry = found.get(verified.terminal_id)
        if entry is None:  # cannot happen: the signature was checked with this key
            raise ApiError(errors.SIGNATURE_INVALID, "signature does not match the request")
        text, _, revoked = entry
        if revoked:
            raise ApiError(errors.TERMINAL_UNKNOWN, f"terminal {verified.terminal_id!r} is "
                                                    "revoked")
        if (verified.terminal_id, verified.nonce) in self.in_flight:
            raise replayed()
        return PendingSigner(verified, Signer(verified.terminal_id, verified.nonce, text))

    def admit(self, request: signing.ReceivedRequest) -> PendingSigner:
        """`check_headers`, then the nonce claimed in flight and looked up in the database:
        everything but the body, for a server to run before it reads one. The claim is
        held until the request spends the nonce (`signed`) or is let go (`abandon`)."""
        pending = self.check_headers(request)
        self._claim(pending.signer)
        pending.claimed = True
        return pending

    def abandon(self, pending: PendingSigner) -> None:
        """Lets an admitted request's nonce go if the request never took it over (it ended
        before its body checked out: refused, cut off, answered a test fault): nothing was
        written, so the same signed request may come again. Idempotent."""
        if pending.claimed and not pending.taken:
            pending.claimed = False
            self.in_flight.release(pending.nonce_key)

    def authenticate(self, request: signing.ReceivedRequest | PendingSigner,
                     body: bytes) -> Signer:
        """The signer of a request whose signature checks out, over its headers (part a,
        unless given already checked) and its body (part b), and whose nonce is new;
        the nonce is claimed in memory from here (from `admit`, if admitted) until it is
        spent."""
        pending = request if isinstance(request, PendingSigner) else self.check_headers(request)
        if pending.taken:  # a bug, never a client's doing: one request, one nonce, one use
            raise AssertionError("an admitted request was authenticated twice")
        try:
            signing.check_content_digest(pending.verified, body)
        except signing.SignatureRefused as exc:
            raise ApiError(exc.error, str(exc) or exc.code) from None
        if pending.claimed:
            pending.taken = True
        else:
            self._claim(pending.signer)
        return pending.signer

    def _claim(self, signer: Signer) -> None:
        # Claimed, then looked up before any work; the nonce is spent (and so decided) in
        # the transaction of the request's own write, or in one of its own.
        if not self.in_flight.claim((signer.terminal_id, signer.nonce)) \
                or self.store.nonce_used(signer.terminal_id, signer.nonce):
            raise replayed()

    @contextmanager
    def signed(self, request: signing.ReceivedRequest | PendingSigner,
               body: bytes) -> Iterator[Signer]:
        """Authenticates a request; on the way out its nonce is spent if nothing else did.

        A replayed nonce or a revoked terminal found at that point overrides the answer,
        and whatever the request would have written was rolled back with it."""
        signer = self.authenticate(request, body)
        try:
            yield signer
        except NonceReused:
            raise replayed() from None
        except SignerRefused as exc:
            raise self._signer_refused(signer, exc) from None
        except BaseException:
            if not signer.spent:
                self._spend(signer)  # a refusal of its own still uses the nonce up
            raise
        else:
            self._spend(signer)
        finally:
            if signer.spent:
                self.in_flight.release((signer.terminal_id, signer.nonce))

    def _spend(self, signer: Signer) -> None:
        try:
            self.store.spend(signer)
        except NonceReused:
            raise replayed() from None
        except SignerRefused as exc:
            raise self._signer_refused(signer, exc) from None

    @staticmethod
    def _signer_refused(signer: Signer, exc: SignerRefused) -> ApiError:
        if exc.revoked:
            return ApiError(errors.TERMINAL_UNKNOWN, f"unknown terminal {signer.terminal_id!r}")
        return ApiError(errors.SIGNATURE_INVALID, "signed with a key the terminal no longer has")
