"""The terminal's identity with its platform: its Ed25519 signing key, made at
enrollment and never leaving the terminal, and what the platform answered — its
sealing key and the key that signs its answers (`wire.ack`), learned at enrollment.

An enrollment made before the platform signed its answers has no platform signing
key: such a terminal delivers nothing (`require_platform_key`) until enrolled again."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk import terminal_key
from wire import ack, schemas, signing
from wire.durable import make_dir, write_file

KEY_FILE = terminal_key.KEY_FILE  # owned by `kiosk/terminal_key.py`, which the core reads too
STATE_FILE = "enrollment.json"


NO_PLATFORM_KEY = (
    "this terminal was enrolled before its platform signed its answers, so it cannot tell "
    "the platform's word from a forger's and delivers nothing: ask the platform operator "
    "for a new code (kiosk-receiver terminal add ID) and run `kiosk enroll --code CODE`")


class NotEnrolled(Exception):
    pass


@dataclass(frozen=True)
class Enrollment:
    terminal_id: str
    api_url: str
    platform_public_key: str
    enrolled_at: str
    signing_key: Ed25519PrivateKey
    platform_signing_key: str | None = None  # Ed25519, base64; None: enrolled before it

    @property
    def platform_key(self) -> Ed25519PublicKey | None:
        """The key the platform's answers are signed with, or None if not known."""
        if not self.platform_signing_key:
            return None
        return signing.decode_signing_public_key(self.platform_signing_key)

    @property
    def platform_key_fingerprint(self) -> str | None:
        key = self.platform_key
        return ack.fingerprint(key) if key is not None else None


def require_platform_key(enrolled: Enrollment) -> Ed25519PublicKey:
    """The platform's signing key; NotEnrolled (saying what to do) if the terminal lacks it."""
    key = enrolled.platform_key
    if key is None:
        raise NotEnrolled(NO_PLATFORM_KEY)
    return key


def _write_private(path: Path, text: str) -> None:
    """Writes a secret file atomically with mode 0600."""
    make_dir(path.parent)
    write_file(path, text, mode=0o600)


def save_key(data_dir: Path, key: Ed25519PrivateKey) -> None:
    """The terminal's signing key, kept only in its data directory (0600)."""
    terminal_key.save(data_dir, key)


def save(data_dir: Path, response: schemas.EnrollmentResponse, api_url: str) -> None:
    state = {
        "terminal_id": response.terminal_id,
        "api_url": api_url,
        "platform_public_key": response.platform_public_key,
        "platform_signing_key": response.platform_signing_key,
        "enrolled_at": response.enrolled_at.isoformat(),
    }
    _write_private(data_dir / STATE_FILE, json.dumps(state, indent=2) + "\n")


def load(data_dir: Path) -> Enrollment:
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
        key = terminal_key.load(data_dir)
        platform_signing_key = state.get("platform_signing_key")
        if platform_signing_key is not None:
            signing.decode_signing_public_key(platform_signing_key)
    except FileNotFoundError:
        raise NotEnrolled(
            "this terminal is not enrolled: run `kiosk enroll --platform URL --code CODE`"
        ) from None
    except (ValueError, OSError, terminal_key.KeyDamaged) as exc:
        raise NotEnrolled(f"the enrollment in {data_dir} is damaged ({exc}); enroll again") \
            from None
    return Enrollment(state["terminal_id"], state["api_url"], state["platform_public_key"],
                      state["enrolled_at"], key, platform_signing_key)
