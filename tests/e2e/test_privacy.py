"""Nothing personal stays on disk: visitors complete petitions on the real window
with marker values; after delivery and purge, every file the kiosk wrote — database,
WAL, attachments, logs, its home, config and temp directories — is searched for them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import factories
from tests.support.common import ROOT
from tests.support.platform_server import issue_code, running_receiver
from tests.support.terminal import make_terminal

pytest.importorskip("PySide6.QtQuick")

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")


def _marker_docs() -> list[dict]:
    docs = []
    for i, (name, street, request) in enumerate([
        ("隐私标记甲", "标记路九十一号", "标记请求内容一号ZQXJ"),
        ("隐私标记乙", "标记路九十二号", "标记请求内容二号ZQXK"),
        ("隐私标记丙", "标记路九十三号", "标记请求内容三号ZQXL"),
    ]):
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


def test_no_marker_survives_in_any_file_the_kiosk_wrote(tmp_path):
    docs = _marker_docs()
    markers = _markers(docs)
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

        markers_file = tmp_path / "markers.json"
        markers_file.write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
        child = subprocess.run(
            [sys.executable, "-m", "tests.support.privacy_child", str(term.config_path), str(markers_file)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert child.returncode == 0, child.stderr[-3000:]
        markers_file.unlink()
        sessions = json.loads(child.stdout.strip().splitlines()[-1])
        assert len(sessions) == 3
        for seen in sessions:
            assert seen == {"screen": "home", "answers": {}, "signed": False, "photos": 0, "clipboard": "",
                            "last_confirmed": False}

        status = term.status()
        assert status["counts"]["queued"] == 3
        # Before delivery, what is on disk is sealed or masked already.
        _assert_clean(tmp_path, markers, exclude=[tmp_path / "platform"])

        sync = subprocess.run([sys.executable, "-m", "app", "sync", "--once", "--config",
                               str(term.config_path)], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
        assert sync.returncode == 0, sync.stderr
        cases = json.loads(rx.cli("cases", "--json").stdout)
        assert len(cases) == 3

    status = term.status()
    assert status["counts"]["purged"] == 3, status  # retention 0: purged on the first pass
    files = _assert_clean(tmp_path, markers, exclude=[tmp_path / "platform"])
    names = {p.name for p in files}
    assert {"kiosk.db", "ui.jsonl"} <= names, names
    # the keyboard's private dictionary directory went with the process
    assert not any(p.name.startswith("kiosk-ui-") for p in tmp.iterdir())


def _assert_clean(root: Path, markers: list[str], exclude: list[Path]) -> list[Path]:
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()
             and not any(p.is_relative_to(e) for e in exclude)]
    assert files
    for path in files:
        data = path.read_bytes()
        for marker in markers:
            for encoding in ENCODINGS:
                assert marker.encode(encoding) not in data, (str(path.relative_to(root)), marker)
    return files
