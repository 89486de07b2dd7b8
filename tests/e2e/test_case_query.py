"""查询办理进度 against one real platform process for the module: `kiosk query` (exit 0 /
1 / 2) and the query screen of a real window (offscreen), by this terminal's receipt
number or by the query code, before and after delivery, with a wrong second factor,
over the limit of failed reads, and with the platform unreachable."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.support import factories
from tests.support.platform_server import ReceiverProcess, running_receiver
from tests.support.terminal import Terminal, enrolled_terminal, receiver_cases

LAST4 = factories.petition()["applicants"][0]["phone"][-4:]
WRONG = "1234" if LAST4 != "1234" else "4321"


@dataclass
class Hall:
    rx: ReceiverProcess
    here: Terminal  # the terminal that printed the receipts
    there: Terminal  # another terminal of the platform
    offline: Terminal  # `here`'s data, its platform address unreachable
    accepted: str  # receipt numbers: a case the office accepted,
    received: str  # one only received,
    guessed: str  # and one the screen's test guesses at until it is over the limit
    delivered: dict[str, dict]  # receipt number -> the platform's case


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("query")
    for place in ("here", "there"):
        (root / place).mkdir()
    with running_receiver(root / "platform") as rx:
        here = enrolled_terminal(root / "here", rx, terminal_id="T-QUERY-HERE")
        there = enrolled_terminal(root / "there", rx, terminal_id="T-QUERY-THERE")
        receipts = here.queue(3)
        assert here.kiosk("sync", "--once").returncode == 0
        by_receipt = {c["receipt_no"]: c for c in receiver_cases(rx)}
        assert set(receipts) <= set(by_receipt)
        rx.cli("case", "set-status", by_receipt[receipts[0]]["case_no"], "accepted",
               "--note", "转县人社局办理")
        # the same terminal and data, its platform at a port where nothing listens
        text = here.config_path.read_text(encoding="utf-8")
        assert rx.api_url in text
        (root / "offline.toml").write_text(
            text.replace(rx.api_url, rx.api_url.replace(f":{rx.port}", ":9")), encoding="utf-8")
        offline = Terminal(root / "offline.toml", here.data_dir, here.terminal_id)
        yield Hall(rx, here, there, offline, *receipts, {r: by_receipt[r] for r in receipts})


def grouped(receipt: str) -> str:
    return f"{receipt[:4]} {receipt[4:8]} {receipt[8:]}"


def test_kiosk_query_by_receipt_before_and_after_delivery_and_by_query_code(hall):
    received = hall.delivered[hall.received]
    found = hall.here.kiosk("query", grouped(hall.received), "--phone-last4", LAST4, "--json")
    assert found.returncode == 0, found.stderr
    answer = json.loads(found.stdout)
    assert (answer["state"], answer["progress"]["case_no"]) == ("found", received["case_no"])
    assert answer["status_label"] == "已收到" and answer["ahead"], answer

    first = hall.accepted
    case = hall.delivered[first]
    told = hall.here.kiosk("query", first, "--phone-last4", LAST4)
    assert told.returncode == 0, told.stderr
    assert "已受理" in told.stdout and "转县人社局办理" in told.stdout
    assert "下一步" in told.stdout and "最晚" in told.stdout

    # a receipt number names a case only where it was printed; the query code anywhere
    elsewhere = hall.there.kiosk("query", first, "--phone-last4", LAST4)
    assert elsewhere.returncode == 1 and "没有查到" in elsewhere.stderr
    by_code = hall.there.kiosk("query", case["query_code"].lower(), "--phone-last4", LAST4)
    assert by_code.returncode == 0 and case["case_no"] in by_code.stdout, by_code.stderr
    wrong = hall.here.kiosk("query", first, "--phone-last4", WRONG)
    assert wrong.returncode == 1 and "没有查到" in wrong.stderr

    # confirmed here, not delivered yet: answered from the outbox, network or not
    [pending] = hall.here.queue(1)
    for term in (hall.here, hall.offline):
        waiting = term.kiosk("query", pending, "--phone-last4", LAST4)
        assert waiting.returncode == 0, waiting.stderr
        assert "已在本机确认，尚未送达" in waiting.stdout and "不需要再次提交" in waiting.stdout
    assert hall.here.kiosk("query", pending, "--phone-last4", WRONG).returncode == 1
    # the platform's log shows the reads, never what was typed
    log = "\n".join(hall.rx.output)
    assert first not in log and case["query_code"] not in log
    assert factories.petition()["applicants"][0]["phone"] not in log
    reads = [line for line in hall.rx.output if "case-queries" in line]
    assert reads and all(line.rstrip().endswith(" ms") for line in reads)


def test_kiosk_query_refuses_bad_input_with_every_problem_and_says_when_offline(hall):
    first = hall.accepted
    before = len(hall.rx.output)
    for args, messages in (
            (("123", "--phone-last4", "12a"), ("回执编号是10位数字", "最后4位数字")),
            ((first[:-1] + str((int(first[-1]) + 1) % 10), "--phone-last4", LAST4),
             ("可能有一位输错了",)),
            (("ABCD-EFG0", "--phone-last4", LAST4), ("查询码里没有 0",)),
            ((first,), ("手机号码的最后4位",))):
        bad = hall.here.kiosk("query", *args)
        assert bad.returncode == 2, (args, bad.stderr)
        assert all(m in bad.stderr for m in messages), bad.stderr
        assert "Traceback" not in bad.stderr
    assert len(hall.rx.output) == before  # refused before anything was sent
    down = hall.offline.kiosk("query", first, "--phone-last4", LAST4)
    assert down.returncode == 1 and "连不上受理平台" in down.stderr, down.stderr


def tap_shown(window, name: str) -> None:
    """Taps an item once it is shown (a page of the screen appearing after a tap)."""
    from ui.driver import find, tap, wait_until

    assert wait_until(lambda: find(window, name, required=False) is not None, 5000), name
    tap(window, name)


def _type(window, field: str, digits: str) -> None:
    from ui.driver import tap

    tap_shown(window, f"digits:{field}")
    tap_shown(window, "key:清空")
    for d in digits:
        tap(window, f"key:{d}")
    tap(window, "key:完成")


def _ask(k, number: str, last4: str, until) -> None:
    from ui.driver import tap, wait_until

    _type(k.window, "query.number", number)
    _type(k.window, "query.phone_last4", last4)
    tap(k.window, "btn:query")
    assert wait_until(lambda: not k.query.busy and until(k.query), 20_000), \
        (k.query.page, k.query.message)


def test_the_query_screen_reads_the_platform_off_the_gui_thread(hall, kiosk_window):
    from app.cases import query_for
    from ui.driver import find, tap

    make, _ = kiosk_window
    loaded = hall.here.loaded()
    k = make(loaded=loaded, case_reader=query_for(loaded))
    first, second = hall.accepted, hall.guessed
    tap(k.window, "btn:startQuery")
    assert k.session.screen == "query"

    _ask(k, first, WRONG, lambda q: q.message != "")
    assert "没有查到" in k.query.message and k.query.page == "entry"
    assert find(k.window, "query:messageText").property("text") == k.query.message

    _ask(k, first, LAST4, lambda q: q.page == "found")
    assert k.query.result["caseNo"] == hall.delivered[first]["case_no"]
    assert find(k.window, "query:status").property("text") == "已受理"
    history = [line["text"] for line in k.query.result["history"]]
    assert history == ["已收到", "已受理：转县人社局办理"]

    # the same case by its query code, on the pad of the code's characters
    tap(k.window, "btn:queryAgain")
    tap_shown(k.window, "query:by:code")
    _ask(k, hall.delivered[first]["query_code"], LAST4, lambda q: q.page == "found")
    assert k.query.result["caseNo"] == hall.delivered[first]["case_no"]
    tap(k.window, "btn:queryAgain")
    tap_shown(k.window, "query:by:receipt")

    # over the platform's limit of failed reads for one case: how long to wait, plainly
    for _ in range(5):
        _ask(k, second, WRONG, lambda q: q.message != "")
    _ask(k, second, LAST4, lambda q: "后再试" in q.message)
    assert "分钟" in k.query.message and k.query.page == "entry"

    # 返回首页 forgets everything typed and read
    tap(k.window, "btn:home")
    assert k.session.screen == "home" and k.query.number == "" and k.query.result == {}


def test_the_query_screen_offline_says_so_and_shows_the_platforms_code(hall, kiosk_window):
    from app.cases import query_for
    from ui.driver import all_items, find, images_ready, shown, tap, wait_until

    make, _ = kiosk_window
    loaded = hall.offline.loaded()
    k = make(size=(1920, 1080), loaded=loaded, case_reader=query_for(loaded))
    first = hall.accepted
    tap(k.window, "btn:startQuery")
    _ask(k, first, LAST4, lambda q: q.page == "offline")
    assert "网络不通" in find(k.window, "query:offlineText").property("text")
    codes = [i for i in all_items(k.window)
             if i.objectName().startswith("query:qr:") and shown(i)]
    assert [c.objectName() for c in codes] == ["query:qr:测试县网上信访受理平台"]
    assert all(c.width() >= 400 and c.height() >= 400 for c in codes)
    assert wait_until(lambda: images_ready(k.window), 5000)
    tap(k.window, "btn:queryRetry")
    assert wait_until(lambda: k.query.page == "entry", 5000)
    assert k.query.page == "entry" and k.query.number == first  # what was typed stays


def _receipt_qr(terminal_id: str, receipt_no: str) -> str:
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from wire import receipt

    text = receipt.sign(Ed25519PrivateKey.generate(), terminal_id=terminal_id, receipt_no=receipt_no,
                        kind="petition", confirmed_at=datetime(2026, 11, 20, tzinfo=UTC),
                        envelope=b"sealed")
    return receipt.receipt_url("http://127.0.0.1:8700", text)


def test_kiosk_query_takes_the_receipts_qr_text_as_the_query_screens_camera_reads_it(hall):
    received = hall.delivered[hall.received]
    scanned = _receipt_qr(hall.here.terminal_id, hall.received)
    found = hall.here.kiosk("query", scanned, "--phone-last4", LAST4, "--json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["progress"]["case_no"] == received["case_no"]
    # another terminal's receipt, or a code that is no receipt: exit 2, said plainly
    elsewhere = hall.there.kiosk("query", scanned, "--phone-last4", LAST4)
    assert elsewhere.returncode == 2 and "查询码" in elsewhere.stderr, elsewhere.stderr
    broken = hall.here.kiosk("query", scanned[:-8], "--phone-last4", LAST4)
    assert broken.returncode == 2 and "不是回执上的二维码" in broken.stderr, broken.stderr
