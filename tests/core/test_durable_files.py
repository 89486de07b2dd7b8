"""The one durable-file helper: atomic replacement, final mode whatever the umask,
no writing through links, nothing left behind when a write fails."""

import errno
import os
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk import config, technician
from wire import durable
from wire.durable import fsync_dir, make_dir, write_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
@pytest.mark.parametrize("mode", [0o600, 0o644])
def test_the_file_gets_its_mode_whatever_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_file(tmp_path / "f", b"x", mode=mode)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "f") == mode


def test_replaces_the_old_content_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "key"
    write_file(target, "first\n")
    write_file(target, "second\n")
    assert target.read_text() == "second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


def test_a_planted_link_is_replaced_never_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.write_text("not yours\n")
    inside = tmp_path / "data"
    inside.mkdir()
    (inside / "pin.json").symlink_to(outside)
    write_file(inside / "pin.json", "{}\n")
    assert outside.read_text() == "not yours\n"
    assert not (inside / "pin.json").is_symlink()
    assert (inside / "pin.json").read_text() == "{}\n"


def test_the_temporary_file_goes_in_temp_dir_when_asked(tmp_path):
    tmp_dir, final_dir = tmp_path / "tmp", tmp_path / "final"
    tmp_dir.mkdir()
    final_dir.mkdir()
    write_file(final_dir / "blob", b"\x00" * 10, temp_dir=tmp_dir, sync_directory=False)
    fsync_dir(final_dir)
    assert (final_dir / "blob").read_bytes() == b"\x00" * 10
    assert list(tmp_dir.iterdir()) == []


def test_a_missing_directory_is_an_error_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_file(tmp_path / "absent" / "f", b"x")
    assert list(tmp_path.iterdir()) == []


def test_a_rename_across_file_systems_fails_cleanly(tmp_path):
    """The temporary file is removed and the destination untouched when the rename fails."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the test's folder")
    target = tmp_path / "f"
    target.write_bytes(b"old")
    temp_dir = shm / f"durable-test-{os.getpid()}"
    temp_dir.mkdir()
    try:
        with pytest.raises(OSError) as raised:
            write_file(target, b"new", temp_dir=temp_dir)
        assert raised.value.errno == errno.EXDEV
        assert list(temp_dir.iterdir()) == []
    finally:
        temp_dir.rmdir()
    assert target.read_bytes() == b"old"


def test_a_full_disk_keeps_the_old_file(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True
    ).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        target = mnt / "content.json"
        write_file(target, b"old")
        with pytest.raises(OSError) as raised:
            write_file(target, b"\x01" * (2 * 1024 * 1024))
        assert raised.value.errno == errno.ENOSPC
        assert target.read_bytes() == b"old"
        assert sorted(p.name for p in mnt.iterdir()) == ["content.json"]
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_make_dir_makes_parents_with_the_mode(tmp_path):
    old = os.umask(0o022)
    try:
        make_dir(tmp_path / "a" / "b", 0o700)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a") == 0o700
    assert _mode(tmp_path / "a" / "b") == 0o700
    make_dir(tmp_path / "a" / "b", 0o755)  # an existing directory is left as it is
    assert _mode(tmp_path / "a" / "b") == 0o700


# --- a temporary name someone else took -----------------------------------------------------


def _names(monkeypatch, *names: str) -> None:
    """The random part of the next temporary names, in order (then random again)."""
    queue = list(names)
    real = durable.secrets.token_hex
    monkeypatch.setattr(durable.secrets, "token_hex",
                        lambda n=None: queue.pop(0) if queue else real(n))


def test_a_link_or_file_planted_at_the_temporary_name_is_passed_over_untouched(
        tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.write_text("not yours\n")
    data = tmp_path / "data"
    data.mkdir()
    link = data / ".terminal-signing.key.planted.tmp"
    link.symlink_to(outside)
    taken = data / ".terminal-signing.key.taken.tmp"
    taken.write_text("someone's\n")
    taken.chmod(0o644)
    _names(monkeypatch, "planted", "taken", "fresh")
    old_umask = os.umask(0)
    try:
        write_file(data / "terminal-signing.key", "SECRET\n", mode=0o600)
    finally:
        os.umask(old_umask)
    assert outside.read_text() == "not yours\n"  # the key never went through the link
    assert link.is_symlink() and os.readlink(link) == str(outside)
    assert taken.read_text() == "someone's\n" and _mode(taken) == 0o644
    key = data / "terminal-signing.key"
    assert key.read_text() == "SECRET\n" and _mode(key) == 0o600 and not key.is_symlink()
    assert sorted(p.name for p in data.iterdir()) == sorted(
        ["terminal-signing.key", link.name, taken.name])


def test_when_every_temporary_name_is_taken_the_write_refuses_and_touches_nothing(
        tmp_path, monkeypatch):
    outside = tmp_path / "outside"
    outside.write_text("not yours\n")
    data = tmp_path / "data"
    data.mkdir()
    (data / ".platform.key.planted.tmp").symlink_to(outside)
    _names(monkeypatch, *["planted"] * 8)
    with pytest.raises(FileExistsError):
        write_file(data / "platform.key", "SECRET\n")
    assert outside.read_text() == "not yours\n"
    assert not (data / "platform.key").exists()
    assert [p.name for p in data.iterdir()] == [".platform.key.planted.tmp"]


# --- the core's private files go through it -------------------------------------------------


def _plant(path: Path, outside: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    outside.write_text("not yours\n")
    path.symlink_to(outside)


def _set_pin(data: Path) -> Path:
    technician.set_pin(data, "24681357")
    return data / technician.PIN_FILE


def _lock_out(data: Path) -> Path:
    technician.set_pin(data, "24681357")
    for _ in range(technician.MAX_TRIES):
        technician.verify(data, "11111111", terminal_id="T-TEST-01")
    return data / technician.LOCK_FILE


@pytest.mark.parametrize("write, name", [
    (_set_pin, technician.PIN_FILE),
    (_lock_out, technician.LOCK_FILE),
])
def test_the_cores_secrets_are_never_written_through_a_link_nor_readable_by_others(
        tmp_path, write, name):
    data = tmp_path / "data"
    outside = tmp_path / "outside"
    _plant(data / name, outside)
    old_umask = os.umask(0)
    try:
        path = write(data)
    finally:
        os.umask(old_umask)
    assert outside.read_text() == "not yours\n"
    assert not path.is_symlink() and _mode(path) == 0o600


def test_the_demo_platform_key_is_private_from_its_creation(tmp_path):
    data = tmp_path / "data"
    old_umask = os.umask(0)
    try:
        config.demo_platform_public_key(data)
    finally:
        os.umask(old_umask)
    path = config.demo_platform_private_key_path(data)
    assert not path.is_symlink() and _mode(path) == 0o600
