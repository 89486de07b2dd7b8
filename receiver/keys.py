"""The platform's two key pairs: X25519 for sealing (terminals seal envelopes to the
public half) and Ed25519 for signing its answers (terminals verify them).

Kept in the data directory as base64 of the 32 raw bytes: `platform.key` (0600) and
`platform.pub` for sealing, the format of `sealing.encode_private_key`;
`platform-signing.key` (0600) and `platform-signing.pub` for signing, the format of
`signing.encode_signing_private_key`. Both are written through `wire.durable`, the
private halves with mode 0600 from the moment the file exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from receiver.files import atomic_write
from wire import ack, sealing, signing

PRIVATE_KEY_FILE = "platform.key"
PUBLIC_KEY_FILE = "platform.pub"
SIGNING_KEY_FILE = "platform-signing.key"
SIGNING_PUBLIC_FILE = "platform-signing.pub"


class PlatformKeyError(Exception):
    """A platform key file is missing, unreadable or not a key."""


@dataclass(frozen=True)
class _Pair:
    """One of the two key pairs: its files, how it is made and written, and the words of
    its errors. Both follow the same life: read if there, made on first use, never
    replaced unless forced."""

    private_file: str
    public_file: str
    generate: Callable[[], Any]
    encode_private: Callable[[Any], str]
    decode_private: Callable[[str], Any]
    public_text: Callable[[Any], str]
    decode_errors: tuple[type[Exception], ...]
    unreadable: str  # "cannot read the {unreadable} {path}"
    not_a_key: str  # "{path} is not a {not_a_key}"

    def path(self, data_dir: Path) -> Path:
        return Path(data_dir) / self.private_file

    def read(self, path: Path) -> Any:
        try:
            text = Path(path).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlatformKeyError(f"cannot read the {self.unreadable} {path}: {exc}") from None
        try:
            return self.decode_private(text)
        except self.decode_errors as exc:
            raise PlatformKeyError(f"{path} is not a {self.not_a_key}: {exc}") from None

    def load(self, data_dir: Path) -> Any | None:
        path = self.path(data_dir)
        return self.read(path) if path.exists() else None

    def create(self, data_dir: Path, *, force: bool = False) -> Any:
        path = self.path(data_dir)
        if path.exists() and not force:
            raise FileExistsError(path)
        Path(data_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
        key = self.generate()
        atomic_write(path, self.encode_private(key) + "\n", mode=0o600)
        atomic_write(Path(data_dir) / self.public_file, self.public_text(key) + "\n")
        return key

    def load_or_create(self, data_dir: Path) -> tuple[Any, bool]:
        key = self.load(data_dir)
        if key is not None:
            return key, False
        try:
            return self.create(data_dir), True
        except FileExistsError:  # another command made it in the meantime
            return self.load(data_dir), False


def public_text(key: X25519PrivateKey) -> str:
    return sealing.encode_public_key(key.public_key())


def signing_public_text(key: Ed25519PrivateKey) -> str:
    return signing.encode_signing_public_key(key.public_key())


def signing_fingerprint(key: Ed25519PrivateKey) -> str:
    return ack.fingerprint(key.public_key())


_SEALING = _Pair(PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, sealing.generate_private_key,
                 sealing.encode_private_key, sealing.decode_private_key, public_text,
                 (sealing.SealingError,), "platform key", "platform private key")
_SIGNING = _Pair(SIGNING_KEY_FILE, SIGNING_PUBLIC_FILE, signing.generate_signing_key,
                 signing.encode_signing_private_key, signing.decode_signing_private_key,
                 signing_public_text, (ValueError,), "platform signing key",
                 "platform signing key")

# --- the sealing key (terminals seal envelopes to it) -------------------------------------


def private_key_path(data_dir: Path) -> Path:
    return _SEALING.path(data_dir)


def read_private_key(path: Path) -> X25519PrivateKey:
    return _SEALING.read(path)


def load(data_dir: Path) -> X25519PrivateKey | None:
    return _SEALING.load(data_dir)


def create(data_dir: Path, *, force: bool = False) -> X25519PrivateKey:
    """Makes a new key pair; refuses to replace an existing one unless `force`."""
    return _SEALING.create(data_dir, force=force)


def load_or_create(data_dir: Path) -> tuple[X25519PrivateKey, bool]:
    """The data directory's key, made on first use; True when it was just made."""
    return _SEALING.load_or_create(data_dir)


# --- the signing key (the platform's answers) ---------------------------------------------


def signing_key_path(data_dir: Path) -> Path:
    return _SIGNING.path(data_dir)


def read_signing_key(path: Path) -> Ed25519PrivateKey:
    return _SIGNING.read(path)


def load_signing(data_dir: Path) -> Ed25519PrivateKey | None:
    return _SIGNING.load(data_dir)


def create_signing(data_dir: Path, *, force: bool = False) -> Ed25519PrivateKey:
    """Makes a new signing key pair; refuses to replace an existing one unless `force`.
    Terminals enrolled before a replacement refuse every answer until enrolled again."""
    return _SIGNING.create(data_dir, force=force)


def load_or_create_signing(data_dir: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The data directory's signing key, made on first use (a data directory of an
    earlier release has none); True when it was just made."""
    return _SIGNING.load_or_create(data_dir)
