"""The technician screen's USB stick on the real window: a real tmpfs mounted as the
stick shows up in the real mount table, 导出到U盘 writes the carry file with a progress
bar, 从U盘导入回执 settles the real outbox; without a stick or an enrollment the screen
says so in plain words."""

from __future__ import annotations

import base64
import os
import subprocess
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import carry as station
from kiosk import removable
from kiosk import technician as tech
from kiosk.store import Outbox
from tests.support.store import new_submission
from ui.driver import find, pump, tap, wait_until
from wire import carry

PIN = "480215"
SEALING = base64.b64encode(b"p" * 32).decode()


@pytest.fixture
def stick(tmp_path, monkeypatch):
    """A real file system mounted under a media folder of the test's own, which the
    stick finder is pointed at (as /media and /run/media on a kiosk); root only."""
    media = tmp_path / "media"
    point = media / "KIOSK-USB"
    point.mkdir(parents=True)
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(point)],
            capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    monkeypatch.setattr(removable, "ROOTS", (media,))
    monkeypatch.setattr(removable, "STICK_TYPES", removable.STICK_TYPES | {"tmpfs"})
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], check=False)


def _open_screen(k) -> None:
    w, t = k.window, k.technician
    t.openPad()
    pump(20)
    for ch in PIN:
        tap(w, f"pin:{ch}")
    tap(w, "pin:ok")
    assert wait_until(lambda: t.mode == "screen", 10_000)


def _text(w, name: str) -> str:
    return str(find(w, name).property("text"))


def test_export_and_import_on_the_screen_with_a_real_stick(kiosk_window, stick):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    with Outbox.open(loaded.data_dir) as outbox:
        ids = [outbox.confirm(new_submission(attachments=1)).submission_id for _ in range(3)]
    terminal_key, platform_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    keys = station.StationKeys("T-0001", SEALING, terminal_key, platform_key.public_key())
    k = make(carry_keys=lambda: keys)
    w, c = k.window, k.carry
    _open_screen(k)
    assert wait_until(lambda: c.stick == str(stick), 10_000)
    pump(20)
    assert str(stick) in _text(w, "carry:stick")
    assert find(w, "carry:export").property("enabled")

    tap(w, "carry:export")
    assert wait_until(lambda: not c.busy and c.result, 20_000)
    pump(20)
    assert "已导出 3 件申请" in _text(w, "carry:result") and not c.resultBad
    assert find(w, "carry:progress").isVisible() and c.progress == 1.0
    [carried] = list(stick.glob(f"*{carry.SUFFIX}"))
    found = carry.read(carried.read_bytes())
    found.verify(terminal_key.public_key())
    assert sorted(found.manifest.submissions) == sorted(ids)

    # the platform's acknowledgement, signed item by item, back on the stick
    now = datetime.now(UTC)
    items = [carry.sign_item(platform_key, carry_id=found.manifest.carry_id,
                             carry_sha256=found.sha256, terminal_id="T-0001", submission_id=sid,
                             status=201, answer={"submission_id": sid, "case_no": f"CASE-{n}",
                                                 "query_code": "ABCD2345",
                                                 "received_at": now.isoformat()},
                             acknowledged_at=now) for n, sid in enumerate(ids)]
    (stick / carry.ack_name(carried.name)).write_bytes(
        carry.ack_document(found, items, "SHA256:test"))
    tap(w, "carry:import")
    assert wait_until(lambda: not c.busy and "回执" in c.result, 20_000)
    pump(20)
    assert "3 件标为已送达" in _text(w, "carry:result")
    with Outbox.open(loaded.data_dir) as outbox:
        assert {outbox.get(sid).case_no for sid in ids} == {"CASE-0", "CASE-1", "CASE-2"}
    whats = [line["what"] for line in tech.read_audit(loaded.data_dir)[0]]
    assert "carry_export" in whats and "carry_import" in whats

    # the stick pulled out: the screen says so and the buttons rest
    subprocess.run(["umount", "-l", str(stick)], check=True)
    assert wait_until(lambda: c.stick == "", 10_000)
    pump(20)
    assert "没有发现U盘" in _text(w, "carry:stick")
    assert not find(w, "carry:export").property("enabled")


def test_a_terminal_not_enrolled_is_told_so_and_nothing_is_written(kiosk_window, stick):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    with Outbox.open(loaded.data_dir) as outbox:
        outbox.confirm(new_submission())
    k = make()  # no keys handed in: as a kiosk never enrolled
    _open_screen(k)
    assert wait_until(lambda: k.carry.stick == str(stick), 10_000)
    tap(k.window, "carry:export")
    assert wait_until(lambda: not k.carry.busy and k.carry.result, 20_000)
    pump(20)
    assert "还没有登记" in _text(k.window, "carry:result") and k.carry.resultBad
    assert list(stick.iterdir()) == []
