"""The query screen on a real window without a platform: the read is a function handed to
the window, so these pin what the screen itself does — problems next to the fields, the
answer read aloud, the GUI thread never waiting on the read, a late answer after the
session ended never shown. (Against a real platform: tests/e2e/test_case_query.py.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from kiosk import casequery
from ui.driver import all_items, find, pump, shown, tap, wait_until
from wire import schemas

RECEIPT = "4827105933"


def progress(status: str = "answered") -> schemas.CaseProgress:
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    return schemas.CaseProgress(
        case_no="XF2026112000003", query_code="7KQ3MZ4P", kind="petition", status=status,
        status_label=schemas.CASE_STATUSES[status], received_at=at, updated_at=at,
        history=[schemas.CaseEvent(at=at, status="received", status_label="已收到")])


def type_into(window, field: str, digits: str) -> None:
    tap(window, f"digits:{field}")
    tap(window, "key:清空")
    for d in digits:
        tap(window, f"key:{d}")
    tap(window, "key:完成")


def test_problems_show_next_to_their_fields_and_nothing_is_read(kiosk_window):
    asked = []
    make, _ = kiosk_window
    k = make(case_reader=lambda lookup: asked.append(lookup))
    said = []
    k.session.speak.connect(said.append)
    tap(k.window, "btn:startQuery")
    assert k.session.screen == "query" and "手机号码的最后4位" in said[-1]
    type_into(k.window, "query.number", RECEIPT[:-1] + "0")  # a wrong check digit
    type_into(k.window, "query.phone_last4", "12")
    tap(k.window, "btn:query")
    pump(50)
    assert "可能有一位输错了" in find(k.window, "problem:query.number").property("text")
    assert "最后4位数字" in find(k.window, "problem:query.phone_last4").property("text")
    assert said[-1] == k.query.problems["number"]  # the first problem, read aloud
    assert asked == []
    # typing again clears that field's problem
    type_into(k.window, "query.phone_last4", "1234")
    assert "phone_last4" not in k.query.problems and "number" in k.query.problems


def test_the_read_runs_off_the_gui_thread_and_a_late_answer_is_never_shown(kiosk_window):
    release, started = threading.Event(), threading.Event()
    threads = []

    def slow_reader(lookup: casequery.Lookup) -> casequery.Answer:
        threads.append(threading.current_thread())
        started.set()
        release.wait(30)
        return casequery.Answer("found", progress=progress())

    make, _ = kiosk_window
    k = make(case_reader=slow_reader)
    tap(k.window, "btn:startQuery")
    type_into(k.window, "query.number", RECEIPT)
    type_into(k.window, "query.phone_last4", "8000")
    tap(k.window, "btn:query")
    assert wait_until(started.is_set, 5000)
    assert threads[0] is not threading.main_thread() and k.query.busy
    assert find(k.window, "btn:query").property("text") == "正在查询，请稍候……"
    # the window answers touches while the read waits: the citizen leaves
    tap(k.window, "btn:home")
    assert k.session.screen == "home" and k.query.number == "" and not k.query.busy
    release.set()
    pump(300)
    assert k.query.page == "entry" and k.query.result == {}  # dropped, not shown


def test_an_answered_case_is_read_aloud_and_leaves_the_place_for_the_evaluation(kiosk_window):
    make, _ = kiosk_window
    k = make(case_reader=lambda lookup: casequery.Answer("found", progress=progress()))
    said = []
    k.session.speak.connect(said.append)
    tap(k.window, "btn:startQuery")
    type_into(k.window, "query.number", RECEIPT)
    type_into(k.window, "query.phone_last4", "8000")
    tap(k.window, "btn:query")
    assert wait_until(lambda: k.query.page == "found", 5000)
    pump(50)
    assert find(k.window, "query:status").property("text") == "已出具处理意见"
    assert "已出具处理意见" in said[-1] and "信访事项" in said[-1]
    assert k.query.result["answered"] and k.query.result["notes"]
    [slot] = [i for i in all_items(k.window) if i.objectName() == "query:evaluationSlot"]
    assert slot.isVisible()  # the place for 评价: there only for an answered case
    tap(k.window, "btn:queryAgain", settle_ms=50)
    assert k.query.page == "entry" and k.query.number == RECEIPT  # what was typed stays
    assert not slot.isVisible()


def test_a_limited_read_says_how_long_to_wait_and_an_offline_one_offers_the_phone(kiosk_window):
    answers = [casequery.Answer("limited", retry_after=1500), casequery.Answer("offline")]
    make, _ = kiosk_window
    k = make(size=(1920, 1080), case_reader=lambda lookup: answers.pop(0))
    tap(k.window, "btn:startQuery")
    type_into(k.window, "query.number", RECEIPT)
    type_into(k.window, "query.phone_last4", "8000")
    tap(k.window, "btn:query")
    assert wait_until(lambda: k.query.message != "", 5000)
    pump(50)
    assert "请 25 分钟 后再试" in find(k.window, "query:messageText").property("text")
    tap(k.window, "btn:query")
    assert wait_until(lambda: k.query.page == "offline", 5000)
    pump(50)
    assert "网络不通" in find(k.window, "query:offlineText").property("text")
    assert find(k.window, "query:qr:演示市网上信访受理平台").width() >= 400


def test_a_query_code_is_typed_on_a_pad_of_exactly_its_characters(kiosk_window):
    asked = []

    def reader(lookup: casequery.Lookup) -> casequery.Answer:
        asked.append(lookup)
        return casequery.Answer("not_found")

    make, _ = kiosk_window
    for size in ((1080, 1920), (1920, 1080)):
        k = make(size=size, case_reader=reader)
        tap(k.window, "btn:startQuery")
        type_into(k.window, "query.number", "4827")
        tap(k.window, "query:by:code", settle_ms=50)
        assert k.query.by == "code" and k.query.number == ""  # the digits were the other kind
        tap(k.window, "digits:query.number")
        keys = {i.objectName()[4:] for i in all_items(k.window)  # the keys on screen (the
                if i.objectName().startswith("key:") and i.isEnabled() and shown(i)}  # 手写 pad's are hidden)
        assert keys == set(schemas.QUERY_CODE_ALPHABET) | {"⌫", "清空", "完成"}
        for ch in "7KQ3MZX4P":  # the ninth is one too many
            tap(k.window, f"key:{ch}")
        tap(k.window, "key:完成")
        type_into(k.window, "query.phone_last4", "8000")
        tap(k.window, "btn:query")
        query = k.query
        assert wait_until(lambda: query.message != "", 5000)  # noqa: B023 (used at once)
        assert asked[-1] == casequery.Lookup("code", "7KQ3MZX4", "8000")
