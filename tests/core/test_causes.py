"""kiosk/causes.py: every cause the code can record or log has plain Chinese words, and
the English is kept as it was. The table is walked against what the code produces: the
platform's error catalogue, the store's errors made of real OS and SQLite failures, every
warning and error the code logs (read from the source), and the exceptions of the
delivery's HTTP client."""

from __future__ import annotations

import ast
import errno
import os
import re
import sqlite3
from pathlib import Path

import pytest

from kiosk import causes
from kiosk.store import StoreError
from wire import errors

ROOT = Path(__file__).resolve().parents[2]
LATIN = re.compile(r"[A-Za-z]{4,}")  # an English word; short names (DNS, GB, HTTP) may stay


def plain(text: str) -> causes.Cause:
    cause = causes.explain(text)
    assert cause.known, text
    assert cause.words != causes.UNKNOWN
    assert cause.detail == text.strip()
    return cause


def test_every_error_code_of_the_platform_has_words():
    missing = sorted(set(errors.CATALOGUE) - set(causes.PLATFORM_CODES))
    assert not missing
    for code, entry in errors.CATALOGUE.items():
        # As the delivery records a refusal: "<what>: <status> <code>: <message>".
        cause = plain(f"submission: {entry.status} {code}: {entry.meaning}")
        assert cause.words == causes.PLATFORM_CODES[code], code
        assert not LATIN.search(cause.words.replace("kiosk", "").replace("api_url", "")), code


def test_a_code_this_terminal_does_not_know_goes_by_its_status():
    assert plain("submission: 422 shiny_new_rule: whatever").words == causes.HTTP_STATUSES[422]
    assert plain("submission: 503 shiny_new_rule: later").words == causes.HTTP_STATUSES[503]
    assert "平台出错" in plain("limits: HTTP 599").words


def test_a_refusal_not_from_the_platform_says_so():
    from sync.answers import NOT_THE_ITEM

    words = plain(f"submission: HTTP 404 ({NOT_THE_ITEM})").words
    assert causes.HTTP_STATUSES[404] in words and causes.NOT_THE_ITEM_WORDS in words


@pytest.mark.parametrize(("failure", "expected"), [
    (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), "磁盘已满"),
    (OSError(errno.EDQUOT, os.strerror(errno.EDQUOT)), "配额"),
    (OSError(errno.EROFS, os.strerror(errno.EROFS)), "只读"),
    (OSError(errno.EACCES, os.strerror(errno.EACCES)), "权限"),
    (OSError(errno.EIO, os.strerror(errno.EIO)), "磁盘读写出错"),
    (OSError(errno.EMFILE, os.strerror(errno.EMFILE)), "文件太多"),
    (OSError(errno.ENOENT, os.strerror(errno.ENOENT)), "不见了"),
    (sqlite3.OperationalError("database or disk is full"), "数据库写不进去"),
    (sqlite3.OperationalError("disk I/O error"), "磁盘读写出错"),
    (sqlite3.OperationalError("database is locked"), "占用"),
    (sqlite3.DatabaseError("database disk image is malformed"), "损坏"),
    (sqlite3.DatabaseError("file is not a database"), "损坏"),
    (sqlite3.OperationalError("unable to open database file"), "权限"),
])
def test_the_stores_errors_have_words(failure, expected):
    for action in ("confirm: write attachment", "confirm: commit", "open", "claim_batch"):
        error = StoreError.from_exception(failure, action)
        # As the UI logs a failed confirm, and as the delivery records a store failure.
        assert expected in plain(f"ui.session: confirm failed: {error}").words
        assert expected in plain(f"local store: {error}").words
    assert "回执编号" in plain(str(StoreError("no free receipt number"))).words


def test_a_full_store_with_a_roomy_disk_says_the_disk_is_not_what_is_full():
    error = StoreError.from_exception(sqlite3.OperationalError("database or disk is full"),
                                      "confirm: commit")
    roomy = causes.explain(f"confirm failed: {error}", free_bytes=77 * 1024 ** 3)
    assert "还有 77.0 GB 可用" in roomy.words and "配额或系统临时目录" in roomy.words
    tight = causes.explain(f"confirm failed: {error}", free_bytes=20 * 1024 ** 2)
    assert "只剩 20 MB" in tight.words
    # Free space says nothing of a cause that is not about room.
    assert "可用" not in causes.explain("confirm failed: confirm: commit: EIO",
                                        free_bytes=77 * 1024 ** 3).words


def logged_formats() -> list[tuple[str, str]]:
    """Every warning, error and exception the code logs: (where, format string)."""
    found = []
    for package in ("kiosk", "sync", "ui", "app", "wire"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr in ("warning", "error", "exception", "critical")):
                    continue
                owner = node.func.value
                name = getattr(owner, "id", None) or getattr(owner, "attr", None) or ""
                if "log" not in name.lower() or not node.args:
                    continue
                first = node.args[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                assert isinstance(first, ast.Constant) and isinstance(first.value, str), \
                    f"{where}: log with a constant format string, so its words can be found"
                found.append((where, first.value))
    return found


def test_every_warning_and_error_the_code_logs_has_words():
    formats = logged_formats()
    assert len(formats) >= 20  # the walk found the code's log calls
    for where, fmt in formats:
        # The arguments filled with something neutral: the event alone must be known.
        line = re.sub(r"%(\.\d+)?[sdfr]", "x", fmt)
        assert causes.event_words(line) or causes.cause_words(line), (where, fmt)


def test_a_log_line_says_what_happened_and_why():
    line = ("kiosk.sync: delivery of receipt 1234567890 will be retried at "
            "2026-11-27T03:58:16+00:00: ConnectionError: HTTPConnectionPool(host='127.0.0.1', "
            "port=8700): Max retries exceeded with url: /api/v1/submissions (Caused by "
            "NewConnectionError(\"HTTPConnection(host='127.0.0.1', port=8700): Failed to "
            "establish a new connection: [Errno 111] Connection refused\"))")
    words = plain(line).words
    assert words.startswith("这次没有送到平台，发送程序会自动重试")
    assert "平台拒绝连接（平台服务可能没有运行" in words
    assert not LATIN.search(words)


def test_the_http_clients_exceptions_have_words():
    requests = pytest.importorskip("requests")
    from requests import exceptions

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    kinds = {c for c in subclasses(exceptions.RequestException)
             if c.__module__.startswith("requests")}
    assert kinds >= {exceptions.ConnectTimeout, exceptions.ReadTimeout, exceptions.SSLError}
    for kind in kinds:
        # As the client records it (sync/client.py): "<type>: <message>", with a message
        # that names nothing more than the type does.
        plain(f"{kind.__name__}: request to the platform failed")
    assert requests  # imported for the walk


def test_unknown_text_keeps_the_english_and_says_so():
    cause = causes.explain("  something nobody foresaw  ")
    assert not cause.known and cause.words == causes.UNKNOWN
    assert cause.detail == "something nobody foresaw"
