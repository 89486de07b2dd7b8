"""Published content (table `content`): notices, QR targets, categories, purposes.

Each publication is a new version with its ETag; terminals get the newest. A database
without any content gets `DEFAULT_CONTENT` as version 1 when it is opened.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime
from typing import Any

from receiver.storage.database import stamp
from wire import schemas

DEFAULT_NOTICE = schemas.Notice(
    title="网上信访须知",
    body=(
        "一、信访人应当如实反映情况，对所提供材料内容的真实性负责，不得捏造、歪曲事实，"
        "不得诬告、陷害他人。\n"
        "二、请向依法有权处理的本级或者上一级机关提出信访事项。已经或者依法应当通过诉讼、"
        "仲裁、行政复议等法定途径解决的，请按照法定途径提出。\n"
        "三、有关机关收到信访事项后，能够当场告知的当场书面告知；不能当场告知的，自收到之日起"
        "15日内书面告知是否受理。\n"
        "四、对处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关的上一级机关复查；"
        "对复查意见不服的，可以自收到书面答复之日起30日内向复查机关的上一级机关请求复核。\n"
        "五、提交后请妥善保管回执和查询码。用手机扫描回执上的二维码，可以核对回执、查看办理进展。\n"
        "六、您提供的个人信息仅用于办理本信访事项，依法予以保护。"
    ),
)
# Empty categories / purposes: the terminal keeps its own taxonomy.
DEFAULT_CONTENT = schemas.TerminalContent(version=1, notices=[DEFAULT_NOTICE])


def etag(version: int, body: str) -> str:
    return f'"{version}-{hashlib.sha256(body.encode()).hexdigest()[:16]}"'


def current(conn: sqlite3.Connection) -> tuple[str, str] | None:
    """(TerminalContent JSON, ETag) of the newest version, or None before any."""
    return conn.execute("SELECT body, etag FROM content ORDER BY version DESC LIMIT 1").fetchone()


def publish(conn: sqlite3.Connection, data: dict[str, Any], now: datetime) -> tuple[int, str]:
    """A new version of `data` (its `version` is assigned here); returns (version, ETag).
    Raises pydantic's ValidationError for data that is not terminal content."""
    last = conn.execute("SELECT max(version) FROM content").fetchone()[0] or 0
    doc = schemas.TerminalContent.model_validate({**data, "version": last + 1})
    body = doc.model_dump_json()
    tag = etag(doc.version, body)
    conn.execute("INSERT INTO content (version, body, etag, created_at) VALUES (?, ?, ?, ?)",
                 (doc.version, body, tag, stamp(now)))
    return doc.version, tag


def publish_default_if_empty(conn: sqlite3.Connection, now: datetime) -> None:
    if conn.execute("SELECT 1 FROM content LIMIT 1").fetchone() is None:
        publish(conn, DEFAULT_CONTENT.model_dump(mode="json"), now)
