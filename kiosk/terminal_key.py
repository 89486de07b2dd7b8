"""The terminal's own Ed25519 signing key: the one place that owns its file.

Made at enrollment (`kiosk enroll`, `sync/enrollment.py`) and kept only once the
platform accepted its public half, in `terminal-signing.key` (0600) in the data
directory. The delivery signs every request with it; the core signs every receipt
with it (`kiosk/store`, through `wire.receipt`). It never leaves the terminal.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wire import keys
from wire.durable import make_dir, write_file

KEY_FILE = "terminal-signing.key"

NOT_ENROLLED = ("本终端尚未注册到接收平台，回执没有终端签名；"
                "申请已保存，注册后照常送达，可凭回执编号查询")


class KeyDamaged(Exception):
    """The key file exists but cannot be read as a key."""


def save(data_dir: Path, key: Ed25519PrivateKey) -> None:
    """Writes the key atomically with mode 0600 (`wire.durable`)."""
    path = data_dir / KEY_FILE
    make_dir(path.parent)
    write_file(path, keys.encode_signing_private_key(key) + "\n", mode=0o600)


def load(data_dir: Path) -> Ed25519PrivateKey:
    """The key; FileNotFoundError when the terminal is not enrolled, KeyDamaged when the
    file is there but unreadable."""
    text = (data_dir / KEY_FILE).read_text()
    try:
        return keys.decode_signing_private_key(text)
    except ValueError as exc:
        raise KeyDamaged(f"{data_dir / KEY_FILE}: {exc}") from None


def load_if_enrolled(data_dir: Path) -> Ed25519PrivateKey | None:
    """The key, or None while there is none (not enrolled yet). KeyDamaged propagates."""
    try:
        return load(data_dir)
    except FileNotFoundError:
        return None
