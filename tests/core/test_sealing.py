import pytest

from wire import sealing


def test_round_trip_and_binding():
    private = sealing.generate_private_key()
    public = sealing.decode_public_key(sealing.encode_public_key(private.public_key()))
    blob = sealing.seal("王秀兰 请求".encode(), public, "sub-1", "envelope")
    assert "王秀兰".encode() not in blob
    assert sealing.unseal(blob, private, "sub-1", "envelope") == "王秀兰 请求".encode()
    # bound to its submission id and its part: neither can be swapped
    with pytest.raises(sealing.SealingError):
        sealing.unseal(blob, private, "sub-2", "envelope")
    with pytest.raises(sealing.SealingError):
        sealing.unseal(blob, private, "sub-1", sealing.attachment_part("ab"))


def test_tampering_and_other_keys_are_refused():
    private = sealing.generate_private_key()
    blob = bytearray(sealing.seal(b"x" * 100, private.public_key(), "s", "envelope"))
    blob[-5] ^= 1
    with pytest.raises(sealing.SealingError):
        sealing.unseal(bytes(blob), private, "s", "envelope")
    other = sealing.generate_private_key()
    good = sealing.seal(b"x", private.public_key(), "s", "envelope")
    with pytest.raises(sealing.SealingError):
        sealing.unseal(good, other, "s", "envelope")
    with pytest.raises(sealing.SealingError):
        sealing.unseal(b"XXXX" + good[4:], private, "s", "envelope")


def test_each_seal_is_fresh():
    private = sealing.generate_private_key()
    a = sealing.seal(b"same", private.public_key(), "s", "envelope")
    b = sealing.seal(b"same", private.public_key(), "s", "envelope")
    assert a != b


@pytest.mark.parametrize("text", ["not base64!!", "AAAA", ""])
def test_bad_public_keys(text):
    with pytest.raises(sealing.SealingError):
        sealing.decode_public_key(text)


def test_private_key_round_trip():
    key = sealing.generate_private_key()
    again = sealing.decode_private_key(sealing.encode_private_key(key))
    assert sealing.encode_public_key(again.public_key()) == sealing.encode_public_key(
        key.public_key())
