"""The `kiosk` command, run as a real child process against a real data directory."""

import json
import shutil
from datetime import datetime

from tests.support import factories as f
from tests.support.common import EXAMPLE, run_kiosk


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _copy_example(tmp_path, doc=None):
    folder = tmp_path / "doc"
    folder.mkdir(exist_ok=True)
    shutil.copy(EXAMPLE.parent / "signature.png", folder / "signature.png")
    path = folder / "petition.json"
    if doc is None:
        shutil.copy(EXAMPLE, path)
    else:
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def _status(tmp_path):
    result = run_kiosk("status", "--json", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_submit_example_queues_it_and_prints_the_receipt(tmp_path):
    result = run_kiosk("submit", str(EXAMPLE), "--json", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["ok"] and len(out["receipt_no"]) == 10
    assert [m["label"] for m in out["next_steps"]]
    status = _status(tmp_path)
    assert status["counts"]["queued"] == 1 and status["total"] == 1
    assert status["oldest_queued_age_seconds"] is not None

    human = run_kiosk("submit", str(EXAMPLE), env=_env(tmp_path))
    assert human.returncode == 0
    assert "queued: receipt number " in human.stdout
    assert _status(tmp_path)["counts"]["queued"] == 2


def test_invalid_document_lists_every_problem_and_queues_nothing(tmp_path):
    doc = f.petition()
    doc["applicants"][0]["id_number"] = "11010519491231002"  # 17 characters
    del doc["matter"]["request"]
    path = _copy_example(tmp_path, doc)
    result = run_kiosk("submit", str(path), env=_env(tmp_path))
    assert result.returncode == 2
    assert "applicants[0].id_number:" in result.stderr
    assert "matter.request: 请填写您的具体请求" in result.stderr
    assert "nothing queued" in result.stderr
    assert _status(tmp_path)["total"] == 0


def test_missing_attachment_file_is_a_problem(tmp_path):
    doc = f.petition()
    doc["attachments"][0]["file"] = "nope.png"
    path = _copy_example(tmp_path, doc)
    result = run_kiosk("submit", str(path), env=_env(tmp_path))
    assert result.returncode == 2
    assert "attachments[0].file:" in result.stderr
    assert _status(tmp_path)["total"] == 0


def test_the_same_file_twice_is_a_problem(tmp_path):
    doc = f.petition()
    doc["attachments"].append({"role": "evidence", "media_type": "image/png",
                               "file": "signature.png"})
    path = _copy_example(tmp_path, doc)
    result = run_kiosk("submit", str(path), env=_env(tmp_path))
    assert result.returncode == 2
    assert "attachments[1].file:" in result.stderr and "attachment.duplicate" in result.stderr


def test_dry_run_queues_nothing(tmp_path):
    result = run_kiosk("submit", str(EXAMPLE), "--dry-run", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "nothing queued" in result.stdout
    assert _status(tmp_path)["total"] == 0


def test_unreadable_and_malformed_files(tmp_path):
    missing = run_kiosk("submit", str(tmp_path / "none.json"), env=_env(tmp_path))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    broken = run_kiosk("submit", str(bad), env=_env(tmp_path))
    assert broken.returncode == 2 and "not valid UTF-8 JSON" in broken.stderr
    assert "Traceback" not in missing.stderr + broken.stderr


def test_late_review_is_queued_with_a_warning(tmp_path):
    doc = f.review(received_on="2026-10-08")
    path = _copy_example(tmp_path, doc)
    for n, role in enumerate(("id_proof", "reply_opinion")):
        (path.parent / f"{role}.jpg").write_bytes(f.page_image(n))
    result = run_kiosk("submit", str(path), "--today", "2026-11-26", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "warning: matter.earlier_reply.received_on" in result.stderr
    assert _status(tmp_path)["counts"]["queued"] == 1


def test_nothing_personal_in_plain_bytes_on_disk(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    result = run_kiosk("submit", str(EXAMPLE), env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    person = doc["applicants"][0]
    markers = [person["name"], person["id_number"], person["phone"], person["address"],
               doc["matter"]["request"][:12], doc["matter"]["facts_and_reasons"][:12]]
    files = [p for p in (tmp_path / "xdg-data").rglob("*") if p.is_file()]
    assert any(p.name == "kiosk.db" for p in files)
    signature = (EXAMPLE.parent / "signature.png").read_bytes()
    for path in files:
        data = path.read_bytes()
        for marker in markers:
            for encoding in ("utf-8", "utf-16-le", "gb18030"):
                assert marker.encode(encoding) not in data, (path.name, marker)
        assert signature[16:200] not in data, path.name


def test_status_on_an_empty_outbox(tmp_path):
    status = _status(tmp_path)
    assert status["total"] == 0
    assert set(status["counts"]) >= {"queued", "sending", "delivered", "needs_attention"}
    assert status["oldest_queued_age_seconds"] is None
    human = run_kiosk("status", env=_env(tmp_path))
    assert human.returncode == 0 and "oldest queued: none" in human.stdout


def test_submit_signs_the_receipt_once_enrolled_and_says_so_before(tmp_path):
    """Not enrolled: queued all the same, `receipt_qr` null, and stderr says why in plain
    words. With the terminal's key: `receipt_qr` is the platform's receipt page carrying a
    receipt signed by that key, naming this receipt number and the stored sealed envelope."""
    import hashlib
    import sqlite3

    from kiosk import terminal_key
    from kiosk.paths import APP_NAME
    from wire import keys, receipt

    before = run_kiosk("submit", str(EXAMPLE), "--json", env=_env(tmp_path))
    assert before.returncode == 0, before.stderr
    unsigned = json.loads(before.stdout)
    assert unsigned["receipt_qr"] is None and unsigned["receipt"] is None
    assert terminal_key.NOT_ENROLLED in before.stderr

    data_dir = tmp_path / "xdg-data" / APP_NAME / "demo"  # the demo configuration's
    key = keys.generate_signing_key()
    terminal_key.save(data_dir, key)
    result = run_kiosk("submit", str(EXAMPLE), "--json", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["receipt_qr"] == "http://127.0.0.1:8700/r/" + out["receipt"]
    signed = receipt.parse(out["receipt_qr"])
    signed.verify(key.public_key())
    assert (signed.receipt_no, signed.kind) == (out["receipt_no"], "petition")
    assert abs(signed.confirmed_at.timestamp()
               - datetime.fromisoformat(out["created_at"]).timestamp()) < 1
    conn = sqlite3.connect(data_dir / "kiosk.db")
    try:
        envelope, token = conn.execute("SELECT envelope, receipt_token FROM submissions "
                                       "WHERE receipt_no = ?", (out["receipt_no"],)).fetchone()
    finally:
        conn.close()
    assert token == out["receipt"]
    assert signed.envelope_sha256 == hashlib.sha256(envelope).hexdigest()
    assert terminal_key.NOT_ENROLLED not in result.stderr
    human = run_kiosk("submit", str(EXAMPLE), env=_env(tmp_path))
    assert "signed receipt: http://127.0.0.1:8700/r/R1" in human.stdout


def test_status_says_the_last_error_in_words_with_the_recorded_english_after(tmp_path):
    """A delivery that failed on a refused connection: `kiosk status` says it as the
    technician screen does (kiosk/causes.py), the English kept in brackets and in --json."""
    from datetime import UTC, timedelta

    from kiosk import causes
    from kiosk.paths import APP_NAME
    from kiosk.store import Outbox
    from kiosk.store.records import Settlement

    assert run_kiosk("submit", str(EXAMPLE), env=_env(tmp_path)).returncode == 0
    error = "ConnectionRefusedError: [Errno 111] Connection refused"
    with Outbox.open(tmp_path / "xdg-data" / APP_NAME / "demo") as outbox:  # the embedded default
        (claimed,) = outbox.claim_batch(1)
        outbox.settle([Settlement.retry(claimed.submission_id, error,
                                        datetime.now(UTC) + timedelta(minutes=5))])
    words = causes.explain(error).words
    assert words and "Connection" not in words  # plain Chinese, not the English again
    status = _status(tmp_path)
    assert status["last_error"] == error and status["last_error_words"] == words
    human = run_kiosk("status", env=_env(tmp_path))
    assert f"last error: {words}  [{error}]" in human.stdout
