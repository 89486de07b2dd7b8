"""Log files: JSON lines, rotation, redaction of personal data, and `kiosk logs`."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import logs
from tests.support.common import ROOT
from tests.support.terminal import make_terminal
from wire import sealing

ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"
MATTER = "本人于二〇二五年在某工地务工，工资至今被拖欠，请求依法处理。"


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_line_has_its_fields_and_an_exception_only_its_type(tmp_path, root_logger, capsys):
    path = logs.setup_logging(tmp_path, "sync")
    assert path == tmp_path / "logs" / "sync.jsonl"
    log = logging.getLogger("sync.worker")
    log.info("delivered %d item(s)", 3)
    try:
        raise ConnectionError(f"reset while sending for {MOBILE}")
    except ConnectionError:
        log.exception("delivery failed")
    first, second = read_lines(path)
    assert set(first) == {"time", "level", "component", "logger", "message"}
    assert first["level"] == "INFO" and first["component"] == "sync"
    assert first["logger"] == "sync.worker" and first["message"] == "delivered 3 item(s)"
    when = datetime.fromisoformat(first["time"].replace("Z", "+00:00"))
    assert when.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - when) < timedelta(seconds=10)
    assert second["exc_type"] == "ConnectionError"
    assert second["exc_where"].startswith("test_logs.py:")
    text = path.read_text(encoding="utf-8")
    assert "Traceback" not in text and "reset while sending" not in text and MOBILE not in text
    err = capsys.readouterr().err
    assert "delivered 3 item(s)" in err and "[ConnectionError at test_logs.py:" in err
    assert "Traceback" not in err and MOBILE not in err


def test_id_numbers_mobile_numbers_and_long_chinese_text_never_reach_the_file(
        tmp_path, root_logger, capsys):
    path = logs.setup_logging(tmp_path, "ui")
    log = logging.getLogger("ui.session")
    log.warning(f"applicant {ID_NUMBER} phone {MOBILE}")
    log.warning("as arguments: %s / %s", ID_NUMBER.lower(), "+86 138-1234-5678")
    log.warning("full-width: １１０１０５１９４９１２３１００２Ｘ")
    log.warning("matter: %s", MATTER)
    log.info("receipt 2026112601 confirmed at 演示县信访局 网上信访自助服务区 1号机")
    text = path.read_text(encoding="utf-8") + capsys.readouterr().err
    for secret in (ID_NUMBER, ID_NUMBER.lower(), MOBILE, "138-1234-5678", "１１０１０５", MATTER[:13]):
        assert secret not in text
    lines = read_lines(path)
    assert lines[0]["message"] == f"applicant {logs.ID_MASK} phone {logs.MOBILE_MASK}"
    assert lines[3]["message"] == f"matter: {logs.CJK_MASK}"
    # What the kiosk does log stays readable: receipt numbers, short place names.
    assert lines[4]["message"] == "receipt 2026112601 confirmed at 演示县信访局 网上信访自助服务区 1号机"


def test_files_rotate_and_keep_five_at_most(tmp_path, root_logger):
    path = logs.setup_logging(tmp_path, "sync", stderr=False, max_bytes=4000)
    log = logging.getLogger("sync.worker")
    for i in range(400):
        log.info("heartbeat %04d sent", i)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == ["sync.jsonl", *(f"sync.jsonl.{n}" for n in range(1, 5))]
    assert all(p.stat().st_size <= 4000 for p in path.parent.iterdir())
    entries, unreadable = logs.read_entries(tmp_path)
    numbers = [int(e.data["message"].split()[1]) for e in entries]
    assert unreadable == 0
    assert numbers == list(range(numbers[0], 400))  # the newest kept, oldest first
    assert numbers[0] > 0  # the oldest went with the rotation


def test_default_rotation_is_five_files_of_five_megabytes(tmp_path, root_logger):
    logs.setup_logging(tmp_path, "ui", stderr=False)
    logs.setup_logging(tmp_path, "ui", stderr=False)  # again: replaces, never doubles
    mine = [h for h in logging.getLogger().handlers if isinstance(h, logging.FileHandler)
            and h.baseFilename == str(tmp_path / "logs" / "ui.jsonl")]
    assert len(mine) == 1
    assert mine[0].maxBytes == 5 * 1024 * 1024 and mine[0].backupCount == 4


def test_an_unwritable_log_directory_falls_back_to_stderr(tmp_path, root_logger, capsys):
    (tmp_path / "logs").write_text("not a directory")
    assert logs.setup_logging(tmp_path, "ui") is None
    logging.getLogger("ui").warning("still logged")
    err = capsys.readouterr().err
    assert "cannot write logs" in err and "still logged" in err


def _write(path: Path, *lines: tuple[datetime, str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        for when, level, message in lines:
            fh.write(json.dumps({"time": when.isoformat().replace("+00:00", "Z"), "level": level,
                                 "component": path.name.split(".")[0], "logger": "x",
                                 "message": message}, ensure_ascii=False) + "\n")


def run_logs(config_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "logs", "--config", str(config_path),
                           *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_kiosk_logs_merges_components_by_time_and_filters_by_since(tmp_path):
    public_key = sealing.encode_public_key(sealing.generate_private_key().public_key())
    terminal = make_terminal(tmp_path, "http://127.0.0.1:9/api/v1", public_key)
    folder = terminal.data_dir / "logs"
    now = datetime.now(UTC)
    _write(folder / "sync.jsonl.1", (now - timedelta(days=3), "INFO", "sync three days ago"),
           (now - timedelta(hours=2), "INFO", "sync two hours ago"))
    _write(folder / "sync.jsonl", (now - timedelta(minutes=40), "WARNING", "sync forty minutes ago"),
           (now - timedelta(minutes=5), "INFO", "sync five minutes ago"))
    _write(folder / "ui.jsonl", (now - timedelta(days=2), "INFO", "ui two days ago"),
           (now - timedelta(minutes=20), "ERROR", "ui twenty minutes ago"))
    with (folder / "ui.jsonl").open("a") as fh:
        fh.write('{"time": "2026-11-2')  # a line cut short by a power cut

    def messages(*args: str) -> list[str]:
        done = run_logs(terminal.config_path, "--json", *args)
        assert done.returncode == 0, done.stderr
        return [json.loads(line)["message"] for line in done.stdout.splitlines()]

    assert messages("--since", "1h") == [
        "sync forty minutes ago", "ui twenty minutes ago", "sync five minutes ago"]
    assert messages("--since", "30m") == ["ui twenty minutes ago", "sync five minutes ago"]
    assert messages("--since", "1h", "--component", "sync") == [
        "sync forty minutes ago", "sync five minutes ago"]
    assert messages() == [
        "sync three days ago", "ui two days ago", "sync two hours ago", "sync forty minutes ago",
        "ui twenty minutes ago", "sync five minutes ago"]

    human = run_logs(terminal.config_path, "--since", "30m")
    assert human.returncode == 0
    first, second = human.stdout.splitlines()
    assert "ERROR" in first and "ui" in first and first.endswith("x: ui twenty minutes ago")
    local = (now - timedelta(minutes=20)).astimezone().strftime("%Y-%m-%d %H:%M")
    assert first.startswith(local)
    assert "1 unreadable line(s) skipped" in human.stderr

    bad = run_logs(terminal.config_path, "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr
    unknown = run_logs(terminal.config_path, "--component", "printer")
    assert unknown.returncode == 2 and "found: sync, ui" in unknown.stderr


def test_since_accepts_durations_and_local_times():
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    assert logs.parse_since("90m", now) == now - timedelta(minutes=90)
    assert logs.parse_since("2d", now) == now - timedelta(days=2)
    assert logs.parse_since("2026-11-26T08:00+08:00", now) == datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        logs.parse_since("soon", now)
