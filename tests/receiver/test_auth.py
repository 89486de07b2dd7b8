"""The platform's signature, nonce and idempotency checks without a server: requests
signed with `wire.signing` as a terminal signs them, taken apart as the router serves
them (`ReceivedRequest`), and judged by `receiver.auth.Authenticator` against a real
store on disk. Every tampered part is refused with its catalogued code."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from receiver.auth import (
    IN_PROGRESS_RETRY_AFTER,
    NONCE_HOLD_SECONDS,
    Authenticator,
    Claims,
    NoncesInFlight,
    same_terminal,
)
from receiver.errors import ApiError
from receiver.storage import Refuse, Signer, SignerRefused, Store, StoredAnswer
from receiver.storage.nonces import NONCE_KEEP
from wire import errors, signing

T, OTHER = "T-0001", "T-0002"
URL = "http://platform.test/api/v1/submissions?batch=1"
BODY = b'{"submission_id": "00000001-0000-4000-8000-000000000000"}'
NONCE = "n" * 24
BAD_SIGNATURE = "signature does not match the request"


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store(tmp_path / "platform")
    yield opened
    opened.close()


def enroll(store: Store, terminal_id: str = T):
    """A terminal enrolled with a fresh key; returns its private key."""
    key = signing.generate_signing_key()
    code, _, _ = store.add_terminal(terminal_id)
    store.enroll(terminal_id, code, signing.encode_signing_public_key(key.public_key()))
    return key


@pytest.fixture
def key(store):
    return enroll(store)


@pytest.fixture
def auth(store) -> Authenticator:
    return Authenticator(store)


def headers_for(key, *, method: str = "POST", url: str = URL, body: bytes = BODY,
                terminal_id: str = T, nonce: str = NONCE, created: float | None = None,
                extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = dict(extra or {})
    headers.update(signing.signature_headers(method, url, headers, body, terminal_id, key,
                                             created=time.time() if created is None else created,
                                             nonce=nonce))
    return headers


def received(headers: dict[str, str], *, method: str = "POST",
             url: str = URL) -> signing.ReceivedRequest:
    return signing.ReceivedRequest.of_url(method, url, headers)


def refusal(auth: Authenticator, request: signing.ReceivedRequest,
            body: bytes = BODY) -> tuple[str, str]:
    with pytest.raises(ApiError) as refused:
        auth.authenticate(request, body)
    assert refused.value.status == refused.value.error.status
    return refused.value.error.code, str(refused.value)


def with_param(headers: dict[str, str], name: str, value: str) -> dict[str, str]:
    """The same headers with one Signature-Input parameter changed (the signature kept)."""
    changed = re.sub(rf';{name}=("[^"]*"|-?[0-9]+)', f";{name}={value}",
                     headers["Signature-Input"], count=1)
    assert changed != headers["Signature-Input"]
    return {**headers, "Signature-Input": changed}


# --- a signature that checks out ---------------------------------------------------------

def test_a_signed_request_names_its_signer(auth, store, key):
    signer = auth.authenticate(received(headers_for(key)), BODY)
    assert signer == Signer(T, NONCE, store.signing_key(T))
    assert not signer.spent and (T, NONCE) in auth.in_flight
    assert not store.nonce_used(T, NONCE)  # claimed in memory, spent only with a write


def test_headers_first_then_the_body(auth, key):
    pending = auth.check_headers(received(headers_for(key)))
    assert (pending.verified.terminal_id, pending.verified.nonce) == (T, NONCE)
    assert pending.verified.content_digest == signing.content_digest(BODY)
    assert auth.authenticate(pending, BODY).nonce == NONCE


def test_the_idempotency_key_is_covered_when_present(auth, key):
    headers = headers_for(key, extra={"Idempotency-Key": "abc"})
    assert '"idempotency-key"' in headers["Signature-Input"]
    assert auth.authenticate(received(headers), BODY).terminal_id == T
    other = refusal(auth, received({**headers, "Idempotency-Key": "abd"}))
    assert other == ("signature_invalid", BAD_SIGNATURE)


# --- tampering: each part refused with its code ------------------------------------------

def test_another_method_is_refused(auth, key):
    assert refusal(auth, received(headers_for(key), method="PUT")) == \
        ("signature_invalid", BAD_SIGNATURE)


@pytest.mark.parametrize("url", [
    "http://platform.test/api/v1/submissions/batch?batch=1",  # another path
    "http://platform.test/api/v1/%73ubmissions?batch=1",      # the same path, encoded
    "http://platform.test/api/v1/submissions?batch=2",        # another query
    "http://platform.test/api/v1/submissions",                # the query dropped
    "http://platform.test/api/v1/submissions?batch=1&x=",     # the query extended
])
def test_another_target_is_refused(auth, key, url):
    assert refusal(auth, received(headers_for(key), url=url)) == \
        ("signature_invalid", BAD_SIGNATURE)


def test_a_body_that_is_not_the_signed_one_is_refused(auth, store, key):
    assert refusal(auth, received(headers_for(key)), BODY + b" ") == \
        ("signature_invalid", "Content-Digest does not match the body")
    # Refused before it is claimed: the genuine body may still come with this nonce.
    assert (T, NONCE) not in auth.in_flight and not store.nonce_used(T, NONCE)
    assert auth.authenticate(received(headers_for(key)), BODY).nonce == NONCE


def test_a_digest_header_that_is_not_the_signed_one_is_refused(auth, key):
    headers = headers_for(key)
    forged = {**headers, "Content-Digest": signing.content_digest(b"another body")}
    assert refusal(auth, received(forged), b"another body") == \
        ("signature_invalid", BAD_SIGNATURE)


@pytest.mark.parametrize(("name", "value"), [
    ("created", None),  # one second earlier than signed
    ("nonce", '"' + "m" * 24 + '"'),
    ("keyid", f'"{OTHER}"'),
])
def test_a_changed_signature_parameter_is_refused(auth, store, key, name, value):
    enroll(store, OTHER)
    signed_at = int(time.time())
    headers = headers_for(key, created=signed_at)
    value = str(signed_at - 1) if value is None else value
    assert refusal(auth, received(with_param(headers, name, value))) == \
        ("signature_invalid", BAD_SIGNATURE)


def test_signed_by_another_terminals_key_is_refused(auth, store, key):
    enroll(store, OTHER)
    assert refusal(auth, received(headers_for(key, terminal_id=OTHER))) == \
        ("signature_invalid", BAD_SIGNATURE)


def test_an_unknown_terminal_is_answered_as_a_bad_signature(auth, key):
    """Whether a terminal id is enrolled is not told to whoever asks."""
    assert refusal(auth, received(headers_for(key, terminal_id="T-9999"))) == \
        ("signature_invalid", BAD_SIGNATURE)


def test_a_revoked_terminal_signing_with_its_own_key_is_told_so(auth, store, key):
    store.revoke_terminal(T)
    assert refusal(auth, received(headers_for(key))) == \
        ("terminal_unknown", f"terminal {T!r} is revoked")


def test_a_stale_or_future_signature_is_refused(auth, key):
    skew = signing.MAX_CLOCK_SKEW.total_seconds()
    for created in (time.time() - skew - 60, time.time() + skew + 60):
        assert refusal(auth, received(headers_for(key, created=created))) == (
            "signature_stale", "signature created too far from the platform's clock, or expired")
    # Well inside the window either way: accepted.
    assert auth.authenticate(received(headers_for(key, created=time.time() - skew + 60)),
                             BODY).nonce == NONCE


def test_a_short_nonce_is_refused(auth, key):
    assert refusal(auth, received(headers_for(key, nonce="n" * 15))) == \
        ("signature_invalid", "signature must carry a nonce and a created time")
    assert auth.authenticate(received(headers_for(key, nonce="n" * 16)), BODY).nonce == "n" * 16


def test_an_unsigned_request_is_refused(auth, key):
    headers = headers_for(key)
    assert refusal(auth, received({"Content-Digest": headers["Content-Digest"]})) == \
        ("unsigned", "request is not signed")
    no_digest = {k: v for k, v in headers.items() if k != "Content-Digest"}
    assert refusal(auth, received(no_digest)) == ("unsigned", "request has no Content-Digest")


# --- a nonce is spent once ---------------------------------------------------------------

def test_a_nonce_is_spent_once_a_restart_included(auth, store, key):
    with auth.signed(received(headers_for(key)), BODY) as signer:
        assert not store.nonce_used(T, NONCE)
    assert signer.spent and store.nonce_used(T, NONCE)
    assert (T, NONCE) not in auth.in_flight  # durable now: the database refuses it
    assert refusal(auth, received(headers_for(key))) == \
        ("signature_replayed", "this signature's nonce was already used")
    restarted = Authenticator(store)
    assert refusal(restarted, received(headers_for(key))) == \
        ("signature_replayed", "this signature's nonce was already used")
    # Another nonce of the same terminal, and the same nonce of another terminal, are new.
    assert auth.authenticate(received(headers_for(key, nonce="o" * 24)), BODY).nonce == "o" * 24
    other = enroll(store, OTHER)
    assert auth.authenticate(received(headers_for(other, terminal_id=OTHER)),
                             BODY).terminal_id == OTHER


def test_the_same_request_twice_at_once_is_refused_before_either_writes(auth, store, key):
    first = auth.authenticate(received(headers_for(key)), BODY)
    assert refusal(auth, received(headers_for(key))) == \
        ("signature_replayed", "this signature's nonce was already used")
    with pytest.raises(ApiError) as early:  # part (a) already sees it in flight
        auth.check_headers(received(headers_for(key)))
    assert early.value.error is errors.SIGNATURE_REPLAYED
    store.spend(first)
    assert first.spent and store.nonce_used(T, NONCE)


def test_a_request_refused_on_its_own_still_uses_its_nonce_up(auth, store, key):
    with pytest.raises(ApiError) as refused:
        with auth.signed(received(headers_for(key)), BODY):
            raise ApiError(errors.ENVELOPE_INVALID, "cannot open")
    assert refused.value.error is errors.ENVELOPE_INVALID  # its own answer is kept
    assert store.nonce_used(T, NONCE) and (T, NONCE) not in auth.in_flight


def test_a_nonce_spent_meanwhile_by_another_process_overrides_the_answer(auth, key, tmp_path):
    with pytest.raises(ApiError) as refused:
        with auth.signed(received(headers_for(key)), BODY) as signer:
            other_process = Store(tmp_path / "platform")
            other_process.spend(Signer(T, NONCE, signer.key))
            other_process.close()
    assert (refused.value.error, str(refused.value)) == \
        (errors.SIGNATURE_REPLAYED, "this signature's nonce was already used")
    assert not signer.spent


def test_a_key_changed_or_revoked_during_the_request_overrides_the_answer(auth, store, key):
    with pytest.raises(ApiError) as changed:
        with auth.signed(received(headers_for(key)), BODY):
            enroll(store, T)  # enrolled anew meanwhile: the signature's key is gone
    assert (changed.value.error, str(changed.value)) == \
        (errors.SIGNATURE_INVALID, "signed with a key the terminal no longer has")
    assert not store.nonce_used(T, NONCE)  # the whole write was refused, nonce included

    new_key = enroll(store, T)
    with pytest.raises(ApiError) as revoked:
        with auth.signed(received(headers_for(new_key, nonce="r" * 24)), BODY):
            store.revoke_terminal(T)
    assert (revoked.value.error, str(revoked.value)) == \
        (errors.TERMINAL_UNKNOWN, f"unknown terminal {T!r}")


def test_a_write_that_finds_the_key_gone_raises_signer_refused(store, key):
    signer = Signer(T, NONCE, store.signing_key(T))
    store.revoke_terminal(T)
    with pytest.raises(SignerRefused) as refused:
        store.spend(signer)
    assert refused.value.revoked is True and not store.nonce_used(T, NONCE)
    fresh = enroll(store, T)
    assert signing.encode_signing_public_key(fresh.public_key()) != signer.key
    with pytest.raises(SignerRefused) as changed:
        store.spend(signer)
    assert changed.value.revoked is False


def test_spent_nonces_are_pruned_past_their_keep_at_most_once_a_minute(store, key):
    """A spent nonce is kept NONCE_KEEP (past the signature window), then pruned by a
    later spend; pruning runs when more than a minute passed since it last ran."""
    t0 = datetime(2026, 11, 26, 8, tzinfo=UTC)
    text = store.signing_key(T)

    def spend(nonce: str, at: datetime) -> None:
        store.spend(Signer(T, nonce, text), at)

    old = t0 - NONCE_KEEP + timedelta(seconds=30)
    spend("old" * 6, old)  # prunes (the first spend), nothing to prune
    spend("a" * 16, t0)  # prunes: "old" is 30 s short of its keep, stays
    assert store.nonce_used(T, "old" * 6)
    spend("b" * 16, t0 + timedelta(seconds=60))  # a minute since the last prune: none
    assert store.nonce_used(T, "old" * 6)  # past its keep now, but not yet pruned
    spend("c" * 16, t0 + timedelta(seconds=61))  # more than a minute: pruned
    assert not store.nonce_used(T, "old" * 6)
    assert all(store.nonce_used(T, n * 16) for n in "abc")  # within their keep
    spend("d" * 16, t0 + NONCE_KEEP + timedelta(seconds=60.5))
    assert [store.nonce_used(T, n * 16) for n in "abcd"] == [False, False, True, True]


def test_a_nonce_held_exactly_to_the_horizon_is_released():
    now = [1000.0]
    in_flight = NoncesInFlight(clock=lambda: now[0])
    assert in_flight.claim((T, "a"))
    now[0] += NONCE_HOLD_SECONDS
    assert in_flight.claim((T, "a"))  # claimed NONCE_HOLD_SECONDS ago: released, claimable


def test_a_request_about_a_terminal_must_be_signed_by_it():
    same_terminal(Signer(T, NONCE, "k"), T)
    with pytest.raises(ApiError) as refused:
        same_terminal(Signer(T, NONCE, "k"), OTHER)
    assert (refused.value.error, str(refused.value)) == \
        (errors.TERMINAL_MISMATCH, f"signed by terminal {T!r}, not {OTHER!r}")


def test_a_nonce_claimed_and_never_spent_is_held_past_the_signature_window():
    now = [1000.0]
    in_flight = NoncesInFlight(clock=lambda: now[0])
    assert in_flight.claim((T, "a")) and not in_flight.claim((T, "a"))
    assert in_flight.claim((OTHER, "a"))  # a nonce is the terminal's own
    now[0] += NONCE_HOLD_SECONDS - 1  # a second short of the horizon: still held
    assert not in_flight.claim((T, "a")) and (T, "a") in in_flight  # this claim pruned
    now[0] += 60  # pruned at most once a minute: not yet again
    assert in_flight.claim((T, "b")) and (T, "a") in in_flight
    now[0] += 1
    assert in_flight.claim((T, "c"))  # prunes what is past the horizon
    assert (T, "a") not in in_flight and (T, "b") in in_flight
    in_flight.release((T, "b"))
    in_flight.release((T, "never claimed"))
    assert (T, "b") not in in_flight and in_flight.claim((T, "b"))


# --- idempotency: per terminal, one request at a time ------------------------------------

def test_an_idempotency_key_is_held_by_one_request_at_a_time():
    claims = Claims()
    with claims.hold(f"{T} k"):
        with pytest.raises(ApiError) as busy:
            with claims.hold(f"{T} k"):
                pass
        with claims.hold(f"{OTHER} k"):  # another terminal's key of the same text
            pass
    assert (busy.value.error, str(busy.value), busy.value.headers) == (
        errors.IN_PROGRESS, "a request with this Idempotency-Key is still being processed",
        {"Retry-After": str(IN_PROGRESS_RETRY_AFTER)})
    assert IN_PROGRESS_RETRY_AFTER == 1
    with pytest.raises(RuntimeError), claims.hold(f"{T} k"):
        raise RuntimeError("the request failed")
    with claims.hold(f"{T} k"):  # released on the way out, whatever happened
        pass


def test_kept_answers_are_per_terminal(store):
    mine = Refuse("k", T, "a" * 64, 422, '{"error": "envelope_invalid"}')
    theirs = Refuse("k", OTHER, "b" * 64, 400, '{"error": "invalid_body"}')
    assert store.record([mine]) == [StoredAnswer(422, mine.body, "a" * 64)]
    assert store.stored_answer(OTHER, "k") is None
    assert store.record([theirs]) == [StoredAnswer(400, theirs.body, "b" * 64)]
    assert store.stored_answer(T, "k") == StoredAnswer(422, mine.body, "a" * 64)
    assert store.stored_answer(OTHER, "k") == StoredAnswer(400, theirs.body, "b" * 64)
    # A key answered already keeps its answer.
    assert store.record([Refuse("k", T, "c" * 64, 400, "{}")]) == \
        [StoredAnswer(422, mine.body, "a" * 64)]
