"""The platform's two key pairs: X25519 for sealing (terminals seal envelopes to the
public half) and Ed25519 for signing its answers (terminals verify them).

Kept in the data directory as base64 of the 32 raw bytes: `platform.key` (0600) and
`platform.pub` for sealing, the format of `sealing.encode_private_key`;
`platform-signing.key` (0600) and `platform-signing.pub` for signing, the format of
`signing.encode_signing_private_key`. Both are written through `wire.durable`, the
private halves with mode 0600 from the moment the file exists.
"""

from __future__ import annotations

from pathlib import Path

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


def private_key_path(data_dir: Path) -> Path:
    return Path(data_dir) / PRIVATE_KEY_FILE


def read_private_key(path: Path) -> X25519PrivateKey:
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlatformKeyError(f"cannot read the platform key {path}: {exc}") from None
    try:
        return sealing.decode_private_key(text)
    except sealing.SealingError as exc:
        raise PlatformKeyError(f"{path} is not a platform private key: {exc}") from None


def load(data_dir: Path) -> X25519PrivateKey | None:
    path = private_key_path(data_dir)
    return read_private_key(path) if path.exists() else None


def create(data_dir: Path, *, force: bool = False) -> X25519PrivateKey:
    """Makes a new key pair; refuses to replace an existing one unless `force`."""
    path = private_key_path(data_dir)
    if path.exists() and not force:
        raise FileExistsError(path)
    Path(data_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    key = sealing.generate_private_key()
    atomic_write(path, sealing.encode_private_key(key) + "\n", mode=0o600)
    atomic_write(Path(data_dir) / PUBLIC_KEY_FILE, public_text(key) + "\n")
    return key


def load_or_create(data_dir: Path) -> tuple[X25519PrivateKey, bool]:
    """The data directory's key, made on first use; True when it was just made."""
    key = load(data_dir)
    if key is not None:
        return key, False
    try:
        return create(data_dir), True
    except FileExistsError:  # another command made it in the meantime
        return load(data_dir), False  # type: ignore[return-value]


def public_text(key: X25519PrivateKey) -> str:
    return sealing.encode_public_key(key.public_key())


# --- the signing key (the platform's answers) ---------------------------------------------


def signing_key_path(data_dir: Path) -> Path:
    return Path(data_dir) / SIGNING_KEY_FILE


def read_signing_key(path: Path) -> Ed25519PrivateKey:
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise PlatformKeyError(f"cannot read the platform signing key {path}: {exc}") from None
    try:
        return signing.decode_signing_private_key(text)
    except ValueError as exc:
        raise PlatformKeyError(f"{path} is not a platform signing key: {exc}") from None


def load_signing(data_dir: Path) -> Ed25519PrivateKey | None:
    path = signing_key_path(data_dir)
    return read_signing_key(path) if path.exists() else None


def create_signing(data_dir: Path, *, force: bool = False) -> Ed25519PrivateKey:
    """Makes a new signing key pair; refuses to replace an existing one unless `force`.
    Terminals enrolled before a replacement refuse every answer until enrolled again."""
    path = signing_key_path(data_dir)
    if path.exists() and not force:
        raise FileExistsError(path)
    Path(data_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    key = signing.generate_signing_key()
    atomic_write(path, signing.encode_signing_private_key(key) + "\n", mode=0o600)
    atomic_write(Path(data_dir) / SIGNING_PUBLIC_FILE, signing_public_text(key) + "\n")
    return key


def load_or_create_signing(data_dir: Path) -> tuple[Ed25519PrivateKey, bool]:
    """The data directory's signing key, made on first use (a data directory of an
    earlier release has none); True when it was just made."""
    key = load_signing(data_dir)
    if key is not None:
        return key, False
    try:
        return create_signing(data_dir), True
    except FileExistsError:  # another command made it in the meantime
        return load_signing(data_dir), False  # type: ignore[return-value]


def signing_public_text(key: Ed25519PrivateKey) -> str:
    return signing.encode_signing_public_key(key.public_key())


def signing_fingerprint(key: Ed25519PrivateKey) -> str:
    return ack.fingerprint(key.public_key())
