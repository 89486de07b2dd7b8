"""After the query, on a real window (the read handed in, the store real): 补充材料 while the
office waits for material, 撤回申请 before the opinion, 评价 of an answered case — each
checked as the commands check it, sealed and queued in the outbox's follow-ups, the
result then saying what is kept and offering it no more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtGui import QColor, QImage

from kiosk import casequery
from kiosk.store import Outbox
from tests.ui.test_query_screen import RECEIPT, type_into
from ui.driver import all_items, find, pump, tap, wait_until
from wire import schemas

AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def progress(status: str, note: str | None = None) -> schemas.CaseProgress:
    history = [schemas.CaseEvent(at=AT, status="received", status_label="已收到")]
    if status != "received":
        history.append(schemas.CaseEvent(at=AT + timedelta(days=1), status=status,
                                         status_label=schemas.CASE_STATUSES[status], note=note))
    return schemas.CaseProgress(
        case_no="XF2026112000003", query_code="7KQ3MZ4P", kind="review", status=status,
        status_label=schemas.CASE_STATUSES[status], received_at=AT, updated_at=AT,
        history=history)


def read_case(k, status: str, note: str | None = None) -> None:
    k.query._reader = lambda lookup: casequery.Answer("found", progress=progress(status, note))
    tap(k.window, "btn:startQuery")
    type_into(k.window, "query.number", RECEIPT)
    type_into(k.window, "query.phone_last4", "8000")
    tap(k.window, "btn:query")
    assert wait_until(lambda: k.query.page == "found", 5000)
    pump(50)


def photo(color: str) -> QImage:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    return image


def shown(window, name: str) -> bool:
    return any(i.objectName() == name and i.isVisible() for i in all_items(window))


def held(loaded):
    with Outbox.open(loaded.data_dir) as box:
        return box.followups.for_case("XF2026112000003", "7KQ3MZ4P")


def test_material_the_office_asked_for_is_photographed_sealed_and_queued(kiosk_window):
    make, loaded = kiosk_window
    k = make()
    said = []
    k.session.speak.connect(said.append)
    read_case(k, "material_requested", "缺少身份证复印件")
    assert "缺少身份证复印件" in find(k.window, "query:statusText").property("text")
    assert shown(k.window, "query:material")
    assert not shown(k.window, "query:evaluationSlot")  # not answered yet
    tap(k.window, "btn:openSupplement")
    assert k.query.page == "supplement" and "一页一页" in said[-1]
    k.query.submitSupplement()  # nothing photographed yet
    pump(30)
    assert "至少拍一页" in find(k.window, "supplement:problem").property("text")
    for color in ("white", "lightgray"):  # as the camera hands its pictures in
        k.session.addPhoto(k.query.supplementRole, photo(color))
    pump(30)
    assert "已经拍了 2 页" in find(k.window, "supplement:count").property("text")
    tap(k.window, "btn:submitSupplement")
    assert wait_until(lambda: k.query.page == "done", 5000)
    assert "2页材料已经保存" in k.query.doneText and said[-1] == k.query.doneText
    assert k.query.pageCount == 0  # gone from the screen's memory
    [added] = held(loaded)
    assert (added.kind, added.payload, added.state) == ("supplement", {"pages": 2}, "queued")
    assert added.query_code == "7KQ3MZ4P"  # a case of another terminal: named by its code
    assert b"\xff\xd8\xff" not in added.sealed  # the pages are sealed, not kept readable


def test_a_withdrawal_is_signed_and_queued_once_and_then_no_longer_offered(kiosk_window):
    make, loaded = kiosk_window
    k = make(size=(1920, 1080))
    read_case(k, "in_progress")
    tap(k.window, "btn:openWithdraw")
    assert k.query.page == "withdraw"
    tap(k.window, "btn:submitWithdrawal")
    pump(30)
    assert "请在下面的框里签名" in find(k.window, "withdraw:problem").property("text")
    k.session.addStroke([{"x": 10, "y": 10}, {"x": 200, "y": 80}, {"x": 300, "y": 40}],
                        600, 300)
    tap(k.window, "btn:submitWithdrawal")
    assert wait_until(lambda: k.query.page == "done", 5000)
    assert "撤回申请已经保存" in k.query.doneText
    [asked] = held(loaded)
    assert asked.kind == "withdrawal" and asked.state == "queued"
    assert asked.sealed and b"PNG" not in asked.sealed  # sealed, never the PNG itself
    # the next read of the case: the withdrawal is held here, so it is not offered again
    tap(k.window, "btn:doneHome")
    read_case(k, "in_progress")
    assert not shown(k.window, "btn:openWithdraw")
    assert any("撤回申请已保存" in w for w in k.query.result["held"])


def test_an_answered_case_is_rated_from_the_query_screen_once(kiosk_window):
    make, loaded = kiosk_window
    k = make()
    read_case(k, "answered")
    assert shown(k.window, "query:evaluationSlot")
    assert not shown(k.window, "btn:openWithdraw")  # the opinion came: too late
    tap(k.window, "btn:openRate")
    assert k.query.page == "rate"
    assert k.evaluation.service == "case" and k.evaluation.level == ""  # nothing preselected
    k.evaluation.choose("very_satisfied")
    tap(k.window, "btn:submitCaseRating")
    assert wait_until(lambda: k.evaluation.done, 5000)
    [rated] = held(loaded)
    assert (rated.kind, rated.service, rated.payload["level"]) == (
        "evaluation", "case", "very_satisfied")
    tap(k.window, "btn:rateDone")
    assert k.query.page == "found" and not k.query.result["canRate"]
    assert not shown(k.window, "query:evaluationSlot")
