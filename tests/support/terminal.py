"""A terminal set up against a real reference platform, for sync and end-to-end tests."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from kiosk import config, petition, submission, taxonomy
from kiosk.store import Outbox
from tests.support import factories
from tests.support.common import ROOT, TODAY, run_kiosk
from tests.support.platform_server import issue_code

SIGNATURE_PNG = (ROOT / "docs" / "examples" / "signature.png").read_bytes()


@dataclass
class Terminal:
    """A kiosk terminal: its configuration file and data directory."""

    config_path: Path
    data_dir: Path
    terminal_id: str

    def kiosk(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return run_kiosk(*args, "--config", str(self.config_path), env=env)

    def loaded(self) -> config.LoadedConfig:
        return config.load_file(self.config_path)

    def status(self) -> dict:
        result = self.kiosk("status", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def queue_unopenable(self, platform_public_key: str, count: int = 1) -> list[str]:
        """Confirms `count` petitions sealed to a key the platform does not hold: it can
        never open them (422), whatever the terminal does."""
        from wire import sealing

        text = self.config_path.read_text(encoding="utf-8")
        wrong = sealing.encode_public_key(sealing.generate_private_key().public_key())
        self.config_path.write_text(text.replace(platform_public_key, wrong), encoding="utf-8")
        try:
            return self.queue(count)
        finally:
            self.config_path.write_text(text, encoding="utf-8")

    def queue(self, count: int, *, with_attachment_every: int = 0) -> list[str]:
        """Confirms `count` valid petitions through the same path the UI takes."""
        loaded = self.loaded()
        tax = taxonomy.load()
        receipts = []
        with Outbox.open(self.data_dir) as outbox:
            for i in range(count):
                doc = factories.petition()
                doc["applicants"][0]["name"] = f"测试{'甲乙丙丁戊己庚辛壬癸'[i % 10]}"
                result = petition.validate(doc, taxonomy=tax, today=TODAY)
                assert result.ok, result.problems
                files = [submission.AttachmentData("signature", "image/png", SIGNATURE_PNG)]
                if with_attachment_every and i % with_attachment_every == 0:
                    files.append(submission.AttachmentData(
                        "evidence", "application/pdf", b"%PDF-1.4\n" + os.urandom(300_000)))
                receipt = submission.confirm(outbox, result, files, loaded, tax)
                receipts.append(receipt.receipt_no)
        return receipts

    def start_sync(self, *extra_env: tuple[str, str]) -> subprocess.Popen:
        env = dict(os.environ)
        env.update(dict(extra_env))
        # stderr to a file: a pipe nobody reads fills up and blocks the worker's logging.
        with open(self.config_path.parent / "sync-stderr.log", "ab") as stderr:
            return subprocess.Popen(
                [sys.executable, "-m", "app", "sync", "--config", str(self.config_path)],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


def make_terminal(tmp_path: Path, api_url: str, platform_public_key: str,
                  terminal_id: str = "T-TEST-01", *, read_timeout: float = 5.0,
                  backoff_cap: float = 300.0, proxy_station: bool = False) -> Terminal:
    data_dir = tmp_path / "kiosk-data"
    data = {
        "terminal": {"id": terminal_id, "name": "测试终端", "proxy_station": proxy_station},
        "jurisdiction": {"level": "county", "name": "测试县", "platform": "county"},
        "platforms": [{
            "id": "county", "name": "测试县网上信访受理平台", "level": "county",
            "web_url": "http://127.0.0.1/county", "api_url": api_url,
            "public_key": platform_public_key,
        }],
        "sync": {"connect_timeout_seconds": 2, "read_timeout_seconds": read_timeout,
                 "backoff_base_seconds": 0.2, "backoff_cap_seconds": backoff_cap},
        "data": {"dir": str(data_dir)},
    }
    path = tmp_path / "kiosk.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return Terminal(path, data_dir, terminal_id)


def wait_for(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def make_due(term: Terminal) -> None:
    """Moves every queued item's next attempt into the past, as if the wait were over."""
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    try:
        conn.execute("UPDATE submissions SET next_attempt_at = '2000-01-01 00:00:00.000000'"
                     " WHERE state = 'queued'")
        conn.commit()
    finally:
        conn.close()


def unrecord_delivered_followups(term: Terminal, *, only_oldest: bool = False) -> None:
    """Puts delivered follow-ups back to `sending`, as a worker killed between the
    platform's commit and its own record of it leaves them: sent again on the next start,
    they must get the platform's stored answer, never a second one."""
    which = ("id = (SELECT id FROM followups WHERE state = 'delivered' ORDER BY created_at "
             "LIMIT 1)") if only_oldest else "state = 'delivered'"
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    try:
        conn.execute("UPDATE followups SET state = 'sending', case_no = NULL, delivered_at = "
                     f"NULL, platform_ack = NULL WHERE {which}")
        conn.commit()
    finally:
        conn.close()


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
    if process.poll() is None:
        process.send_signal(sig)
    return process.wait(timeout=timeout)


def enrollment_code(text: str) -> str:
    """The code printed by `kiosk-receiver terminal add`, without its grouping."""
    match = re.search(r"([A-Z0-9]{3,}(?:[ -][A-Z0-9]{3,})+|[A-Z0-9]{8,})\s*$", text.strip())
    assert match, text
    return re.sub(r"[ -]", "", match.group(1))


def enrolled_terminal(tmp_path, rx, **kwargs) -> Terminal:
    """A terminal enrolled with the running platform `rx` through the real `kiosk enroll`."""
    term = make_terminal(tmp_path, rx.api_url, rx.platform_public_key, **kwargs)
    code = issue_code(rx, term.terminal_id)
    result = term.kiosk("enroll", "--code", code)
    assert result.returncode == 0, result.stderr
    assert f"enrolled terminal {term.terminal_id}" in result.stdout
    return term


def receiver_cases(rx) -> list[dict]:
    """Every case the platform holds, as `kiosk-receiver cases --json` lists them."""
    return json.loads(rx.cli("cases", "--json").stdout)
