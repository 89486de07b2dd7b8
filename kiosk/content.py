"""Terminal content the platform publishes (notices, QR targets), as the sync worker
last pulled it into the data directory (`content.json`, with its ETag).

Read here, Qt-free, so the UI shows what the platform says now and falls back to
the terminal's own configuration when nothing was pulled yet or the file is damaged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
    # the problem categories the platform accepts ({code, label[, hint]}); [] leaves the
    # terminal's own (kiosk/taxonomy.py `accepted_by`)
    categories: list[dict] = field(default_factory=list)
    material_desk: str | None = None  # where material handed in separately goes


def material_desk(data_dir: Path, jurisdiction_name: str) -> str:
    """Where a citizen takes the material the terminal could not photograph (材料另交):
    what the platform publishes, else the jurisdiction's petition reception desk."""
    pulled = read(data_dir)
    if pulled is not None and pulled.material_desk:
        return pulled.material_desk
    return f"{jurisdiction_name}信访接待窗口，或交给本服务点的工作人员"


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
        categories = [{k: str(c[k]) for k in ("code", "label", "hint") if c.get(k)}
                      for c in content.get("categories") or [] if isinstance(c, dict)]
        desk = content.get("material_desk")
        return Content(int(content.get("version", 0)), notices, targets, categories,
                       str(desk).strip() if desk else None)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
