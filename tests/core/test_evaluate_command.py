"""`kiosk evaluate`, run as a real child process against a real data directory: the
screen's rules, every problem at once with exit 2, one rating per service, queued."""

import json

from kiosk.store import Outbox
from tests.support.common import EXAMPLE, run_kiosk


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _data_dir(tmp_path):
    return tmp_path / "xdg-data" / "petition-kiosk" / "demo"


def test_a_rating_is_queued_once_and_a_second_is_refused(tmp_path):
    submitted = run_kiosk("submit", str(EXAMPLE), "--json", env=_env(tmp_path))
    assert submitted.returncode == 0, submitted.stderr
    receipt_no = json.loads(submitted.stdout)["receipt_no"]

    done = run_kiosk("evaluate", receipt_no, "--level", "非常不满意", "--reason", "too_slow",
                     "--text", "排队太久", "--json", env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["level"], result["reasons"], result["state"]) == (
        "very_dissatisfied", ["too_slow"], "queued")
    assert "排队太久" not in done.stdout + done.stderr  # sealed, never echoed

    again = run_kiosk("evaluate", receipt_no, "--level", "satisfied", env=_env(tmp_path))
    assert again.returncode == 2 and "已经评价过了" in again.stderr

    # the other service is a rating of its own (sent once the case is answered)
    spaced = f"{receipt_no[:4]} {receipt_no[4:]}"  # as printed on the receipt
    case = run_kiosk("evaluate", spaced, "--service", "case", "--level", "satisfied",
                     env=_env(tmp_path))
    assert case.returncode == 0, case.stderr
    assert "sent once the submission is delivered" in case.stdout

    with Outbox.open(_data_dir(tmp_path)) as box:
        found = box.find_by_receipt(receipt_no)
        kept = box.followups.of_submission(found.submission_id)
    assert [(f.service, f.payload["level"]) for f in kept] == [
        ("terminal", "very_dissatisfied"), ("case", "satisfied")]
    assert kept[0].sealed and "排队太久".encode() not in kept[0].sealed


def test_every_problem_is_said_with_exit_2(tmp_path):
    bad = run_kiosk("evaluate", "0000000000", "--level", "很好", "--service", "hall",
                    "--reason", "nope", "--json", env=_env(tmp_path))
    assert bad.returncode == 2
    codes = sorted(p["code"] for p in json.loads(bad.stdout)["problems"])
    assert codes == ["evaluation.level.unknown", "evaluation.reason.unknown",
                     "evaluation.receipt.unknown", "evaluation.service.unknown"]
    assert "没有找到这个回执编号" in bad.stderr and "评价等级只能是" in bad.stderr
    no_reason = run_kiosk("evaluate", "0000000000", "--level", "dissatisfied",
                          env=_env(tmp_path))
    assert no_reason.returncode == 2 and "请至少选择一个不满意的原因" in no_reason.stderr
