"""Renders docs/screens/technician/: the PIN pad and the technician screen on both
canvases, normal and 大字, over a real store and real log lines of a terminal whose
platform has been down for a while (what the delivery and the UI log then), and the
confirmation of 退出自助服务. Writes audit.json beside the PNGs (ui/audit.py's minima).

Usage: python scripts/technician_screens.py [OUT_DIR]   (default docs/screens/technician)
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")

PIN = "480215"
REFUSED = ("submission: 422 envelope_invalid: the envelope cannot be opened with the "
           "platform's sealing key")
UNREACHABLE = ("ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=8700): Max retries "
               "exceeded with url: /api/v1/submission-batches (Caused by NewConnectionError("
               "\"HTTPConnection(host='127.0.0.1', port=8700): Failed to establish a new "
               "connection: [Errno 111] Connection refused\"))")


def seed(data: Path) -> None:
    """Three submissions waiting (the oldest confirmed 2 h 40 min ago), one the platform
    refused; the log lines the delivery and a failed confirm leave."""
    from kiosk import logs
    from kiosk import technician as tech
    from kiosk.store import Outbox, Settlement, StoreError
    from tests.support.store import claim_one, new_submission, settle_one

    tech.set_pin(data, PIN)
    now = datetime.now(UTC)
    with Outbox.open(data) as box:
        refused = box.confirm(new_submission(created_at=now - timedelta(hours=5)))
        claimed = claim_one(box)
        assert claimed and claimed.submission_id == refused.submission_id
        settle_one(box, Settlement.needs_attention(claimed.submission_id, REFUSED))
        for minutes in (160, 75, 12):
            box.confirm(new_submission(created_at=now - timedelta(minutes=minutes)))
    logs.setup_logging(data, "sync", stderr=False)
    logging.getLogger("kiosk.sync").warning(
        "delivery of %s will be retried at %s: %s", "3 submissions (receipts 1 … 3)",
        (now + timedelta(seconds=60)).isoformat(timespec="seconds"), UNREACHABLE)
    logging.getLogger("kiosk.sync").error("receipt %s set aside for a technician: %s",
                                          refused.receipt_no, REFUSED)
    logs.setup_logging(data, "ui", stderr=False)
    full = StoreError.from_exception(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                                     "confirm: write attachment")
    logging.getLogger("ui.session").error("confirm failed: %s", full)
    for handler in list(logging.getLogger().handlers):
        logging.getLogger().removeHandler(handler)
        handler.close()


def render(out: Path, size: tuple[int, int], elderly: bool, report: dict) -> None:
    """One canvas: the pad, the screen (top, end, a cause's English) and 退出's question."""
    from kiosk import config
    from ui import app as app_mod
    from ui import audit
    from ui.driver import find, pump, tap, wait_until

    name = f"{size[0]}x{size[1]}" + ("-elderly" if elderly else "")
    heading = 78 if elderly else 52
    with tempfile.TemporaryDirectory() as tmp:
        loaded = config.demo(Path(tmp) / "data")
        seed(loaded.data_dir)
        k = app_mod.build(loaded, size=size, voice_engine="off")
        w, t = k.window, k.technician
        w.show()
        pump(100)

        def save(what: str) -> None:
            pump(150)
            w.grabWindow().save(str(out / f"{what}-{name}.png"))
            report[f"{what}-{name}"] = audit.measure(w, heading)

        k.session.elderly = elderly
        t.openPad()
        pump(50)
        for ch in PIN[:3]:
            tap(w, f"pin:{ch}")
        save("pin")
        for ch in PIN[3:]:
            tap(w, f"pin:{ch}")
        tap(w, "pin:ok")
        assert wait_until(lambda: t.mode == "screen", 10_000)
        k.session.elderly = elderly  # entering wiped the session, 大字 with it
        assert wait_until(lambda: t.info.get("counts") is not None, 10_000)
        save("screen")
        flick = find(w, "techFlick")
        flick.setProperty("contentY", max(0, flick.property("contentHeight") - flick.height()))
        save("screen-end")
        detail = find(w, "error:0:detail", required=False)
        if detail is not None:  # the English behind 详情
            tap(w, detail)
            pump(50)
            english = find(w, "error:0:english")
            y = english.mapToItem(flick.property("contentItem"), 0, 0).y()
            flick.setProperty("contentY", max(0, y - flick.height() / 2))
            save("screen-detail")
        tap(w, "tech:leave")
        save("confirm-leave")
        k.close()


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screens" / "technician"
    out.mkdir(parents=True, exist_ok=True)
    from ui import app as app_mod

    app_mod.application(offscreen=True)
    report: dict = {}
    for size in ((1080, 1920), (1920, 1080)):
        for elderly in (False, True):
            render(out, size, elderly, report)
    (out / "audit.json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    print(f"saved {len(report)} screens to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
