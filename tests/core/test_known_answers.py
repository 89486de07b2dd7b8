"""Known answers from the standards the wire contract rests on, so that an upgrade of
`cryptography` or `http-message-signatures` that changes either is caught:

- RFC 9421 Appendix B.2.6: the Ed25519 signature of the test request (Appendix B.2)
  with `test-key-ed25519` (Appendix B.1.4) — its signature base and its signature byte
  for byte (Ed25519 is deterministic), and `wire.signing`'s verdict on it;
- RFC 9180 Appendix A test vectors (shipped by the `cryptography-vectors` package) for
  the sealing suite: base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
  ChaCha20-Poly1305 — the shared secret, key, nonce and ciphertexts, and `wire.sealing`
  opening and making what the standard's key schedule makes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import cryptography_vectors
import http_message_signatures as hms
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from wire import sealing, signing

# --- RFC 9421 ---------------------------------------------------------------------------

# Appendix B.1.4, "Example Ed25519 Test Key"
TEST_KEY_ED25519_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
TEST_KEY_ED25519_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
# Appendix B.2, the test request
TEST_REQUEST_HEADERS = [
    ("Host", "example.com"),
    ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
    ("Content-Type", "application/json"),
    ("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7"
                       "BNNyealdVLvRwEmTHWXvJwew==:"),
    ("Content-Length", "18"),
]
TEST_REQUEST_BODY = b'{"hello": "world"}'
# Appendix B.2.6, the signature base (RFC 8792 line wrapping undone) and the fields
B26_COVERED = ("date", "@method", "@path", "@authority", "content-type", "content-length")
B26_BASE = (
    b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    b'"@method": POST\n'
    b'"@path": /foo\n'
    b'"@authority": example.com\n'
    b'"content-type": application/json\n'
    b'"content-length": 18\n'
    b'"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    b'"content-length");created=1618884473;keyid="test-key-ed25519"')
B26_SIGNATURE_INPUT = ('sig-b26=("date" "@method" "@path" "@authority" "content-type" '
                       '"content-length");created=1618884473;keyid="test-key-ed25519"')
B26_SIGNATURE = ("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w"
                 "6vuQv5lIp5WPpBKRCw==:")


def _test_request(*extra: tuple[str, str]) -> signing.ReceivedRequest:
    return signing.ReceivedRequest("POST", "/foo", "param=Value&Pet=dog",
                                   signing.FieldLines([*TEST_REQUEST_HEADERS, *extra]))


def _public_key():
    return load_pem_public_key(TEST_KEY_ED25519_PUBLIC)


def test_rfc_9421_b26_signature_base_and_signature_byte_for_byte():
    private = load_pem_private_key(TEST_KEY_ED25519_PRIVATE, None)
    assert private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == \
        _public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    request = _test_request()
    prepared = hms.HTTPMessageSigner(
        signature_algorithm=hms.algorithms.ED25519,
        component_resolver_class=signing.RequestComponents).prepare(
        request, key_id="test-key-ed25519", label="sig-b26", include_alg=False,
        created=datetime.fromtimestamp(1618884473, UTC), covered_component_ids=B26_COVERED,
        use_existing_digest=True)
    assert prepared.signature_base == B26_BASE
    assert f"sig-b26={prepared.signature_params}" == B26_SIGNATURE_INPUT
    signature = private.sign(prepared.signature_base)
    assert f"sig-b26=:{base64.b64encode(signature).decode()}:" == B26_SIGNATURE


def test_rfc_9421_b26_verdict():
    """The general verifier accepts the RFC's signature with the RFC's key and refuses it
    with one bit flipped, or with another key; the platform's policy refuses it (it covers
    neither @query nor content-digest, and has no nonce)."""
    request = _test_request(("Signature-Input", B26_SIGNATURE_INPUT),
                            ("Signature", B26_SIGNATURE))
    keys = {"test-key-ed25519": _public_key()}
    [result] = signing.verify_signatures(request, keys.get)
    assert result.label == "sig-b26"
    assert result.parameters == {"created": 1618884473, "keyid": "test-key-ed25519"}
    assert list(result.covered_components) == [f'"{c}"' for c in B26_COVERED] + [
        '"@signature-params"']

    raw = bytearray(base64.b64decode(B26_SIGNATURE.split(":")[1]))
    for bit in (0, 7, 8 * 31 + 3, 8 * 63 + 7):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        tampered = _test_request(("Signature-Input", B26_SIGNATURE_INPUT),
                                 ("Signature", f"sig-b26=:{base64.b64encode(flipped).decode()}:"))
        with pytest.raises(signing.SignatureRefused):
            signing.verify_signatures(tampered, keys.get)
    moved = signing.ReceivedRequest("POST", "/bar", "param=Value&Pet=dog", request.headers)
    with pytest.raises(signing.SignatureRefused):
        signing.verify_signatures(moved, keys.get)
    other = signing.generate_signing_key().public_key()
    with pytest.raises(signing.SignatureRefused):
        signing.verify_signatures(request, {"test-key-ed25519": other}.get)

    with pytest.raises(signing.SignatureRefused) as refused:
        signing.verify_request(request, TEST_REQUEST_BODY, keys.get,
                               now=datetime.fromtimestamp(1618884473, UTC))
    assert refused.value.code == "signature_invalid"


def test_the_terminals_form_checks_through_both_verifiers():
    """What `signature_headers` makes is checked directly; the general verifier, given the
    same request, agrees with it."""
    key = signing.generate_signing_key()
    url = "https://platform.example/api/v1/attachments/ab?x=%20y"
    fields = {"Upload-Offset": "0", "Upload-Length": "1"}
    headers = signing.signature_headers("PUT", url, fields, b"x", "T-0001", key)
    request = signing.ReceivedRequest.of_url("PUT", url, {**fields, **headers})
    lookup = {"T-0001": key.public_key()}.get
    verified = signing.verify_request(request, b"x", lookup)
    assert verified.terminal_id == "T-0001" and len(verified.nonce) >= 16
    [result] = signing.verify_signatures(request, lookup)
    assert result.covered_components['"@path"'] == "/api/v1/attachments/ab"
    assert result.covered_components['"@query"'] == "?x=%20y"
    with pytest.raises(signing.SignatureRefused):
        signing.verify_request(request, b"y", lookup)


# --- RFC 9180 ---------------------------------------------------------------------------

KEM_X25519, KDF_HKDF_SHA256, AEAD_CHACHA20_POLY1305 = 0x0020, 0x0001, 0x0003


def _vectors() -> list[dict]:
    with cryptography_vectors.open_vector_file("HPKE/test-vectors.json", "r") as f:
        every = json.load(f)
    chosen = [v for v in every if (v["mode"], v["kem_id"], v["kdf_id"], v["aead_id"])
              == (0, KEM_X25519, KDF_HKDF_SHA256, AEAD_CHACHA20_POLY1305)]
    assert chosen, "the RFC 9180 vectors hold one for the sealing suite"
    return chosen


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out, counter = out + block, counter + 1
    return out[:length]


class KeySchedule:
    """RFC 9180 §4 and §5.1, written out from the text: DHKEM(X25519, HKDF-SHA256) and the
    base-mode key schedule for HKDF-SHA256 with ChaCha20-Poly1305."""

    KEM_SUITE = b"KEM" + KEM_X25519.to_bytes(2, "big")
    HPKE_SUITE = (b"HPKE" + KEM_X25519.to_bytes(2, "big") + KDF_HKDF_SHA256.to_bytes(2, "big")
                  + AEAD_CHACHA20_POLY1305.to_bytes(2, "big"))

    @staticmethod
    def labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
        return _extract(salt, b"HPKE-v1" + suite + label + ikm)

    @staticmethod
    def labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
        return _expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info,
                       length)

    @classmethod
    def derive_private_key(cls, ikm: bytes) -> bytes:
        prk = cls.labeled_extract(cls.KEM_SUITE, b"", b"dkp_prk", ikm)
        return cls.labeled_expand(cls.KEM_SUITE, prk, b"sk", b"", 32)

    @classmethod
    def shared_secret(cls, dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
        prk = cls.labeled_extract(cls.KEM_SUITE, b"", b"eae_prk", dh)
        return cls.labeled_expand(cls.KEM_SUITE, prk, b"shared_secret", enc + pk_r, 32)

    @classmethod
    def key_and_nonce(cls, shared_secret: bytes, info: bytes) -> tuple[bytes, bytes]:
        psk_id_hash = cls.labeled_extract(cls.HPKE_SUITE, b"", b"psk_id_hash", b"")
        info_hash = cls.labeled_extract(cls.HPKE_SUITE, b"", b"info_hash", info)
        context = b"\x00" + psk_id_hash + info_hash
        secret = cls.labeled_extract(cls.HPKE_SUITE, shared_secret, b"secret", b"")
        return (cls.labeled_expand(cls.HPKE_SUITE, secret, b"key", context, 32),
                cls.labeled_expand(cls.HPKE_SUITE, secret, b"base_nonce", context, 12))

    @classmethod
    def seal(cls, sk_e: X25519PrivateKey, pk_r: X25519PublicKey, info: bytes,
             plaintext: bytes) -> bytes:
        """Single-shot base-mode encryption (sequence 0, empty aad): enc || ciphertext."""
        enc = sk_e.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        raw_r = pk_r.public_bytes(Encoding.Raw, PublicFormat.Raw)
        key, nonce = cls.key_and_nonce(cls.shared_secret(sk_e.exchange(pk_r), enc, raw_r), info)
        return enc + ChaCha20Poly1305(key).encrypt(nonce, plaintext, b"")

    @classmethod
    def open(cls, sk_r: X25519PrivateKey, info: bytes, sealed: bytes) -> bytes:
        enc, ciphertext = sealed[:32], sealed[32:]
        raw_r = sk_r.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        dh = sk_r.exchange(X25519PublicKey.from_public_bytes(enc))
        key, nonce = cls.key_and_nonce(cls.shared_secret(dh, enc, raw_r), info)
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext, b"")


def _hex(v: dict, name: str) -> bytes:
    return bytes.fromhex(v[name])


def test_rfc_9180_vectors_of_the_sealing_suite():
    """The vector's keys, shared secret, key, nonce and every ciphertext, from its inputs."""
    for v in _vectors():
        sk_e = X25519PrivateKey.from_private_bytes(_hex(v, "skEm"))
        sk_r = X25519PrivateKey.from_private_bytes(_hex(v, "skRm"))
        assert KeySchedule.derive_private_key(_hex(v, "ikmE")) == _hex(v, "skEm")
        assert KeySchedule.derive_private_key(_hex(v, "ikmR")) == _hex(v, "skRm")
        pk_r = sk_r.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        enc = sk_e.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert (pk_r, enc) == (_hex(v, "pkRm"), _hex(v, "enc"))
        shared = KeySchedule.shared_secret(sk_e.exchange(sk_r.public_key()), enc, pk_r)
        assert shared == _hex(v, "shared_secret")
        # the receiver's side of the DH gives the same secret
        assert KeySchedule.shared_secret(
            sk_r.exchange(X25519PublicKey.from_public_bytes(enc)), enc, pk_r) == shared
        key, base_nonce = KeySchedule.key_and_nonce(shared, _hex(v, "info"))
        assert (key, base_nonce) == (_hex(v, "key"), _hex(v, "base_nonce"))
        for seq, encryption in enumerate(v["encryptions"]):
            nonce = bytes(a ^ b for a, b in zip(base_nonce, seq.to_bytes(12, "big"),
                                                strict=True))
            assert nonce == _hex(encryption, "nonce")
            ciphertext = ChaCha20Poly1305(key).encrypt(nonce, _hex(encryption, "pt"),
                                                       _hex(encryption, "aad"))
            assert ciphertext == _hex(encryption, "ct"), seq


def test_wire_sealing_is_rfc_9180_with_the_vectors_keys():
    """`wire.sealing` opens what the standard's key schedule makes from the vector's fixed
    ephemeral key (the library takes no fixed one), with the project's own `info`; and the
    standard's key schedule opens what `wire.sealing` makes."""
    [v] = _vectors()
    sk_e = X25519PrivateKey.from_private_bytes(_hex(v, "skEm"))
    sk_r = X25519PrivateKey.from_private_bytes(_hex(v, "skRm"))
    plaintext = _hex(v["encryptions"][0], "pt")
    # the vector's own info, through the suite wire.sealing uses
    made = KeySchedule.seal(sk_e, sk_r.public_key(), _hex(v, "info"), plaintext)
    assert made[:32] == _hex(v, "enc")
    assert sealing.SUITE.decrypt(made, sk_r, info=_hex(v, "info")) == plaintext
    # the project's info, through its open path
    info = sealing.info("sub-1", "envelope")
    blob = sealing.MAGIC + KeySchedule.seal(sk_e, sk_r.public_key(), info, plaintext)
    assert sealing.unseal(blob, sk_r, "sub-1", "envelope") == plaintext
    with pytest.raises(sealing.SealingError):
        sealing.unseal(blob, sk_r, "sub-2", "envelope")
    # and the other way: what seal() makes opens by the standard's key schedule
    sealed = sealing.seal(plaintext, sk_r.public_key(), "sub-1", "envelope")
    assert sealed.startswith(sealing.MAGIC)
    assert KeySchedule.open(sk_r, info, sealed[len(sealing.MAGIC):]) == plaintext
