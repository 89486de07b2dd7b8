"""Which USB stick is plugged in (kiosk/removable.py) and the doctor's line about it:
mount tables as the kernel writes them, and the machine's own."""

from __future__ import annotations

import os
from pathlib import Path

from kiosk import doctor, removable


def _table(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "mounts"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sticks_under_media_are_found_with_escaped_names_and_read_only_set_apart(tmp_path):
    media = tmp_path / "media"
    spaced, plain, locked = media / "U 盘", media / "KINGSTON", media / "LOCKED"
    for point in (spaced, plain, locked):
        point.mkdir(parents=True)
    escaped = str(spaced).replace(" ", "\\040")
    table = _table(
        tmp_path,
        "sysfs /sys sysfs rw,nosuid 0 0",
        f"/dev/sda1 {escaped} vfat rw,nosuid,nodev,uid=1000 0 0",
        f"/dev/sdb1 {plain} exfat rw,relatime 0 0",
        f"/dev/sdc1 {locked} vfat ro,relatime 0 0",
        f"tmpfs {media / 'scratch'} tmpfs rw 0 0",  # not a stick's file system
        f"/dev/sdd1 {media} ext4 rw 0 0",  # the folder itself is not a stick in it
        "/dev/nvme0n1p2 / ext4 rw,relatime 0 0")
    found = removable.media(table, (media,))
    assert found == [(spaced, True), (plain, True), (locked, False)]
    assert removable.sticks(table, (media,)) == [spaced, plain]
    assert removable.sticks(tmp_path / "no-such-table", (media,)) == []


def test_the_machine_s_own_mount_table_reads(tmp_path):
    # Whatever is mounted here: the real /proc/self/mounts parses, and only paths under
    # the roots come back.
    for point, _ in removable.media():
        assert any(point.is_relative_to(root) for root in removable.ROOTS)


def test_the_doctor_warns_only_of_a_read_only_stick(tmp_path, monkeypatch):
    media = tmp_path / "media"
    (media / "OK").mkdir(parents=True)
    (media / "RO").mkdir()
    ctx = doctor.Context(loaded=None)
    monkeypatch.setattr(removable, "ROOTS", (media,))
    monkeypatch.setattr(removable, "MOUNTS", _table(tmp_path))
    assert doctor.check_usb_stick(ctx).status == doctor.PASS
    monkeypatch.setattr(removable, "MOUNTS", _table(
        tmp_path, f"/dev/sda1 {media / 'OK'} vfat rw 0 0"))
    result = doctor.check_usb_stick(ctx)
    assert result.status == doctor.PASS and "OK" in result.found
    monkeypatch.setattr(removable, "MOUNTS", _table(
        tmp_path, f"/dev/sda1 {media / 'OK'} vfat rw 0 0", f"/dev/sdb1 {media / 'RO'} vfat ro 0 0"))
    result = doctor.check_usb_stick(ctx)
    assert result.status == doctor.WARN and "read-only" in result.found
    assert "remount,rw" in result.fix and os.fspath(media / "RO") in result.fix
