"""The terminal's enrollment on disk: its key and the platform's keys, private from
their creation, never written through a planted link; an enrollment of an earlier
release (no platform signing key) delivers nothing and says what to do."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync import enrollment
from wire import ack, schemas, signing


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def _response(with_signing_key: bool = True) -> schemas.EnrollmentResponse:
    return schemas.EnrollmentResponse(
        terminal_id="T-TEST-01", platform_public_key="A" * 43 + "=",
        enrolled_at=datetime(2026, 12, 1, tzinfo=UTC),
        platform_signing_key=signing.encode_signing_public_key(
            signing.generate_signing_key().public_key()) if with_signing_key else None)


@pytest.mark.parametrize("name", [enrollment.KEY_FILE, enrollment.STATE_FILE])
def test_the_key_and_the_enrollment_are_private_and_never_written_through_a_link(tmp_path, name):
    data = tmp_path / "data"
    data.mkdir()
    outside = tmp_path / "outside"
    outside.write_text("not yours\n")
    (data / name).symlink_to(outside)
    old_umask = os.umask(0)
    try:
        enrollment.save_key(data, signing.generate_signing_key())
        enrollment.save(data, _response(), "http://127.0.0.1:8700/api/v1")
    finally:
        os.umask(old_umask)
    assert outside.read_text() == "not yours\n"
    for written in (enrollment.KEY_FILE, enrollment.STATE_FILE):
        assert not (data / written).is_symlink() and _mode(data / written) == 0o600


def test_the_platform_signing_key_is_learned_and_its_fingerprint_shown(tmp_path):
    response = _response()
    enrollment.save_key(tmp_path, signing.generate_signing_key())
    enrollment.save(tmp_path, response, "http://127.0.0.1:8700/api/v1")
    enrolled = enrollment.load(tmp_path)
    key = signing.decode_signing_public_key(response.platform_signing_key)
    assert enrollment.require_platform_key(enrolled).public_bytes_raw() == key.public_bytes_raw()
    assert enrolled.platform_key_fingerprint == ack.fingerprint(key)
    assert enrolled.platform_key_fingerprint.startswith("SHA256:")


def test_an_enrollment_made_before_the_platform_signed_its_answers_delivers_nothing(tmp_path):
    enrollment.save_key(tmp_path, signing.generate_signing_key())
    enrollment.save(tmp_path, _response(with_signing_key=False), "http://127.0.0.1:8700/api/v1")
    state = json.loads((tmp_path / enrollment.STATE_FILE).read_text())
    del state["platform_signing_key"]  # as the earlier release wrote it
    (tmp_path / enrollment.STATE_FILE).write_text(json.dumps(state))
    enrolled = enrollment.load(tmp_path)
    assert enrolled.platform_key is None and enrolled.platform_key_fingerprint is None
    with pytest.raises(enrollment.NotEnrolled) as refused:
        enrollment.require_platform_key(enrolled)
    assert "kiosk enroll --code" in str(refused.value)


def test_a_damaged_platform_signing_key_is_a_damaged_enrollment(tmp_path):
    enrollment.save_key(tmp_path, signing.generate_signing_key())
    enrollment.save(tmp_path, _response(), "http://127.0.0.1:8700/api/v1")
    state = json.loads((tmp_path / enrollment.STATE_FILE).read_text())
    state["platform_signing_key"] = "not a key"
    (tmp_path / enrollment.STATE_FILE).write_text(json.dumps(state))
    with pytest.raises(enrollment.NotEnrolled, match="damaged"):
        enrollment.load(tmp_path)
