"""Nothing personal stays on disk: visitors type marker values on the real window,
photograph a document and sign, then finish (完成), give up (返回首页) or walk away
(the idle countdown). Each way out leaves nothing in the window or the clipboard; every
file the kiosk wrote — database, WAL, attachments, logs, its home, caches, config and
temp directories (the keyboard's) — is searched for the values and the photos' bytes
while it runs, before delivery and after delivery and purge."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import factories, traces
from tests.support.common import ROOT
from tests.support.platform_server import issue_code, running_receiver
from tests.support.terminal import make_terminal

pytest.importorskip("PySide6.QtQuick")

VISITORS = [
    ("隐私标记甲", "标记路九十一号", "标记请求内容一号ZQXJ"),
    ("隐私标记乙", "标记路九十二号", "标记请求内容二号ZQXK"),
    ("隐私标记丙", "标记路九十三号", "标记请求内容三号ZQXL"),
    ("隐私标记丁", "标记路九十四号", "标记请求内容四号ZQXM"),
    ("隐私标记戊", "标记路九十五号", "标记请求内容五号ZQXN"),
]


def _marker_docs(first: int = 0, count: int = 3) -> list[dict]:
    docs = []
    for i, (name, street, request) in enumerate(VISITORS[first:first + count], start=first):
        doc = factories.petition()
        doc.pop("attachments")
        doc.pop("consent")
        person = doc["applicants"][0]
        person.update(name=name, address=street, phone=f"1390077{i:04d}",
                      id_number=factories.resident_id(area="110105", seq=f"{700 + 2 * i}"))
        doc["matter"].update(request=request, facts_and_reasons=f"事实标记{i}号 QWPZ{i}",
                             concerned_body=f"被反映单位标记{i}号")
        docs.append(doc)
    return docs


def _markers(docs: list[dict]) -> list[str]:
    found = []
    for doc in docs:
        p = doc["applicants"][0]
        found += [p["name"], p["address"], p["phone"], p["id_number"], doc["matter"]["request"],
                  doc["matter"]["facts_and_reasons"], doc["matter"]["concerned_body"]]
    return found


WIPED = {"screen": "home", "answers": {}, "signed": False, "strokes": 0, "photos": 0,
         "clipboard": "", "last_confirmed": False}


def _run_visits(tmp_path: Path, term, env: dict, visits: list[tuple[dict, str]], *,
                idle_warn_ms: int, seed: int) -> list[dict]:
    """Visitors on the real window in a child process, each leaving as `end` says; what
    the window held after each, checked here, and the photos they took (their bytes)."""
    plan_dir = tmp_path / "plan"  # holds the markers: not searched, removed before
    plan_dir.mkdir(exist_ok=True)
    plan_file = plan_dir / "plan.json"
    plan = {"idle_warn_ms": idle_warn_ms, "seed": seed, "scan_root": str(tmp_path),
            "scan_exclude": [str(plan_dir), str(tmp_path / "platform")],
            "sessions": [{"doc": doc, "end": end, "markers": _markers([doc])}
                         for doc, end in visits]}
    plan_file.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    child = subprocess.run(
        [sys.executable, "-m", "tests.support.privacy_child", str(term.config_path), str(plan_file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    plan_dir.joinpath("plan.json").unlink()
    plan_dir.rmdir()
    assert child.returncode == 0, child.stderr[-3000:]
    sessions = json.loads(child.stdout.strip().splitlines()[-1])
    assert [x["end"] for x in sessions] == [end for _, end in visits]
    photos = []
    for seen in sessions:
        photos.append(base64.b64decode(seen.pop("photo")))
        # Every way out wipes everything: answers, signature, photos, clipboard, receipt.
        assert seen["after"] == WIPED, seen
        assert seen["asked"], seen  # 返回首页 asked first; the idle countdown was shown
        assert seen["idle_ended"] == (1 if seen["end"] == "idle" else 0), seen
        # While the kiosk still ran, no file held this visitor's values or photo.
        assert seen["on_disk"] == [], seen
    assert len(set(photos)) == len(photos)  # each visitor's own photo
    return photos


def test_no_marker_survives_in_any_file_the_kiosk_wrote(tmp_path):
    docs = _marker_docs()
    abandoned = _marker_docs(first=3)
    markers = _markers(docs) + _markers(abandoned)
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp),
               XDG_CONFIG_HOME=str(home / ".config"), XDG_CACHE_HOME=str(home / ".cache"),
               XDG_DATA_HOME=str(home / ".local/share"), XDG_RUNTIME_DIR=str(tmp),
               QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software", KIOSK_TTS_ENGINE="off")

    with running_receiver(tmp_path / "platform") as rx:
        term = make_terminal(tmp_path, rx.api_url, rx.platform_public_key)
        cfg_text = term.config_path.read_text(encoding="utf-8")
        term.config_path.write_text(cfg_text.replace("[sync]\n", "[sync]\nretention_days = 0\n"),
                                    encoding="utf-8")
        assert term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id)).returncode == 0

        # Three complete a petition and tap 完成 (the idle countdown far away) …
        photos = _run_visits(tmp_path, term, env, [(doc, "finish") for doc in docs],
                             idle_warn_ms=3_600_000, seed=0)
        # … two give up half way, signed and photographed: 返回首页, and walking away.
        photos += _run_visits(tmp_path, term, env, [(abandoned[0], "home"), (abandoned[1], "idle")],
                              idle_warn_ms=3000, seed=100)
        needles = traces.text_needles(markers) + [
            needle for i, photo in enumerate(photos) for needle in traces.photo_needles(photo, f"photo {i}")]

        status = term.status()
        assert status["counts"]["queued"] == 3  # nothing of those who gave up was queued
        assert sum(status["counts"].values()) == 3, status
        # Before delivery, what is on disk is sealed or masked already.
        _assert_clean(tmp_path, needles, exclude=[tmp_path / "platform"])

        sync = subprocess.run([sys.executable, "-m", "app", "sync", "--once", "--config",
                               str(term.config_path)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert sync.returncode == 0, sync.stderr
        cases = json.loads(rx.cli("cases", "--json").stdout)
        assert len(cases) == 3
        # The photos went, sealed: one attachment besides the signature per case.
        assert rx.counts()["attachments"] == 6, rx.counts()

    status = term.status()
    assert status["counts"]["purged"] == 3, status  # retention 0: purged on the first pass
    files = _assert_clean(tmp_path, needles, exclude=[tmp_path / "platform"])
    names = {p.name for p in files}
    assert {"kiosk.db", "ui.jsonl"} <= names, names
    # the keyboard's private dictionary directory went with the process
    assert not any(p.name.startswith("kiosk-ui-") for p in tmp.iterdir())


def _assert_clean(root: Path, needles: list[tuple[str, bytes]], exclude: list[Path]) -> list[Path]:
    files, found = traces.holding(root, needles, exclude)
    assert files
    assert found == []
    return files
