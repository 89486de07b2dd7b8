"""The platform's key pairs on disk: sealing and signing, private halves 0600 from
their creation and never written through a planted link; a data directory of an
earlier release (a sealing key only) gets its signing key on first use."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from receiver import keys
from wire import ack, signing


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.mark.parametrize("name", [keys.PRIVATE_KEY_FILE, keys.SIGNING_KEY_FILE])
def test_private_keys_are_private_and_never_written_through_a_link(tmp_path, name):
    data = tmp_path / "platform"
    data.mkdir()
    outside = tmp_path / "outside"
    outside.write_text("not yours\n")
    (data / name).symlink_to(outside)
    old_umask = os.umask(0)
    try:
        keys.create(data, force=True)
        keys.create_signing(data, force=True)
    finally:
        os.umask(old_umask)
    assert outside.read_text() == "not yours\n"
    for private in (keys.PRIVATE_KEY_FILE, keys.SIGNING_KEY_FILE):
        assert not (data / private).is_symlink() and _mode(data / private) == 0o600
    assert _mode(data / keys.SIGNING_PUBLIC_FILE) == 0o644


def test_a_data_directory_without_a_signing_key_gets_one_on_first_use(tmp_path):
    sealing_key = keys.create(tmp_path)  # as an earlier release left it
    assert keys.load_signing(tmp_path) is None
    made, was_made = keys.load_or_create_signing(tmp_path)
    assert was_made
    again, was_made = keys.load_or_create_signing(tmp_path)
    assert not was_made and keys.signing_public_text(again) == keys.signing_public_text(made)
    assert keys.public_text(keys.load(tmp_path)) == keys.public_text(sealing_key)  # kept
    published = (tmp_path / keys.SIGNING_PUBLIC_FILE).read_text().strip()
    assert published == keys.signing_public_text(made)
    assert keys.signing_fingerprint(made) == ack.fingerprint(
        signing.decode_signing_public_key(published))


def test_a_signing_key_is_not_replaced_without_force(tmp_path):
    keys.create_signing(tmp_path)
    with pytest.raises(FileExistsError):
        keys.create_signing(tmp_path)
