"""The terminal's identity with its platform: its Ed25519 signing key, made at
enrollment and never leaving the terminal, and what the platform answered."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wire import schemas, signing
from wire.durable import make_dir, write_file

KEY_FILE = "terminal-signing.key"
STATE_FILE = "enrollment.json"


class NotEnrolled(Exception):
    pass


@dataclass(frozen=True)
class Enrollment:
    terminal_id: str
    api_url: str
    platform_public_key: str
    enrolled_at: str
    signing_key: Ed25519PrivateKey


def _write_private(path: Path, text: str) -> None:
    """Writes a secret file atomically with mode 0600."""
    make_dir(path.parent)
    write_file(path, text, mode=0o600)


def save_key(data_dir: Path, key: Ed25519PrivateKey) -> None:
    """The terminal's signing key, kept only in its data directory (0600)."""
    _write_private(data_dir / KEY_FILE, signing.encode_signing_private_key(key) + "\n")


def save(data_dir: Path, response: schemas.EnrollmentResponse, api_url: str) -> None:
    state = {
        "terminal_id": response.terminal_id,
        "api_url": api_url,
        "platform_public_key": response.platform_public_key,
        "enrolled_at": response.enrolled_at.isoformat(),
    }
    _write_private(data_dir / STATE_FILE, json.dumps(state, indent=2) + "\n")


def load(data_dir: Path) -> Enrollment:
    try:
        state = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
        key = signing.decode_signing_private_key((data_dir / KEY_FILE).read_text())
    except FileNotFoundError:
        raise NotEnrolled(
            "this terminal is not enrolled: run `kiosk enroll --platform URL --code CODE`"
        ) from None
    except (ValueError, OSError) as exc:
        raise NotEnrolled(f"the enrollment in {data_dir} is damaged ({exc}); enroll again") \
            from None
    return Enrollment(state["terminal_id"], state["api_url"], state["platform_public_key"],
                      state["enrolled_at"], key)
