"""Terminal content the platform publishes (notices, QR targets), as the sync worker
last pulled it into the data directory (`content.json`, with its ETag).

Read here, Qt-free, so the UI shows what the platform says now and falls back to
the terminal's own configuration when nothing was pulled yet or the file is damaged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

CONTENT_FILE = "content.json"


@dataclass(frozen=True)
class QrTarget:
    name: str
    label: str  # shown under the code
    url: str


@dataclass(frozen=True)
class Content:
    version: int
    notices: list[tuple[str, str]]  # (title, body)
    qr_targets: list[QrTarget]


def read(data_dir: Path) -> Content | None:
    """The last pulled content, or None (never pulled, unreadable, or malformed)."""
    try:
        record = json.loads((Path(data_dir) / CONTENT_FILE).read_text(encoding="utf-8"))
        content = record["content"]
        targets = []
        for t in content.get("qr_targets") or []:
            name, url = str(t["name"]), str(t["url"])
            if not url.startswith(("http://", "https://")):
                continue  # a QR code the citizen scans must open a web page
            label = f"微信：{name}" if t.get("kind") == "wechat" else name
            targets.append(QrTarget(name, label, url))
        notices = [(str(n["title"]), str(n["body"])) for n in content.get("notices") or []]
        return Content(int(content.get("version", 0)), notices, targets)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
