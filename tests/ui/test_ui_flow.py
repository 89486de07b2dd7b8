"""End to end on the real window: a petition completed by taps and the Pinyin keyboard."""

from __future__ import annotations

import pytest

from kiosk import config  # noqa: E402
from kiosk.store import Outbox  # noqa: E402
from tests.support.store import claim_one
from ui.driver import (  # noqa: E402
    choose_candidate,
    drag,
    find,
    pump,
    tap,
    type_pinyin,
    wait_until,
)
from wire import sealing  # noqa: E402

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"


def type_word(window, field: str, pinyin: str, word: str) -> None:
    tap(window, field)
    assert wait_until(lambda: find(window, "inputPanel", required=False) is not None, 3000)
    candidates = type_pinyin(window, pinyin)
    assert word in candidates, candidates
    choose_candidate(window, word)


def digits(window, field: str, text: str) -> None:
    tap(window, field)
    for ch in text:
        tap(window, f"key:{ch}")
    tap(window, "key:完成")


def test_petition_by_touch_is_queued_once_with_the_typed_values(kiosk_window):
    make, loaded = kiosk_window
    k = make()
    w, s = k.window, k.session

    tap(w, "btn:petition")
    assert s.screen == "applying_as"
    tap(w, "btn:next")  # nothing chosen: the problem shows, the screen stays
    assert s.screen == "applying_as" and s.problems["applying_as"] == "请选择申请方式"
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    assert s.screen == "applicant"

    digits(w, "digits:applicants[0].id_number", ID_NUMBER[:-1] + "1")  # a wrong check digit
    type_word(w, "field:applicants[0].name", "xinfang", "信访")
    digits(w, "digits:applicants[0].phone", PHONE)
    type_word(w, "field:applicants[0].address", "beijing", "北京")
    tap(w, "btn:next")
    assert s.screen == "applicant"
    assert "校验码" in s.problems["applicants[0].id_number"]
    assert s.value("applicants[0].name") == "信访"  # nothing typed is lost
    tap(w, "digits:applicants[0].id_number")
    tap(w, "key:⌫")
    tap(w, "key:X")
    tap(w, "key:完成")
    assert s.idInfo("applicants[0]") == {"sex": "女", "birth": "1949年12月31日"}
    tap(w, "btn:next")
    assert s.screen == "category", s.problems

    tap(w, "choice:category:labour")
    tap(w, "choice:purpose:demand")
    tap(w, "btn:next")
    assert s.screen == "matter"
    type_word(w, "area:matter.request", "xinfang", "信访")
    type_word(w, "area:matter.facts_and_reasons", "gongzi", "工资")
    type_word(w, "field:matter.place", "beijing", "北京")
    tap(w, "btn:next")
    assert s.screen == "attachments", s.problems
    tap(w, "btn:next")
    assert s.screen == "review"
    tap(w, "edit:matter")  # 修改 goes to the step, 下一步 comes straight back
    assert s.screen == "matter" and s.fromReview
    tap(w, "btn:next")
    assert s.screen == "review"
    tap(w, "btn:next")
    assert s.screen == "consent"
    tap(w, "consent:consent.privacy")
    tap(w, "consent:consent.truthful")
    pad = find(w, "signaturePad")
    drag(w, pad, [(40, 40), (120, 160), (200, 60), (280, 150)])
    tap(w, "btn:next")  # 确认提交
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.problems, s.general, s.storeError)

    doc = s.last_confirmed
    assert doc["applicants"][0]["name"] == "信访"
    assert doc["applicants"][0]["id_number"] == ID_NUMBER
    assert doc["applicants"][0]["phone"] == PHONE
    assert doc["applicants"][0]["address"] == "北京"
    assert doc["matter"]["request"] == "信访"
    assert doc["matter"]["facts_and_reasons"] == "工资"
    assert [a["role"] for a in doc["attachments"]] == ["signature"]
    assert find(w, "receiptNo").property("text") == s.receiptNo

    with Outbox.open(loaded.data_dir) as outbox:
        items = outbox.items()
        assert len(items) == 1
        item = items[0]
        assert item.state == "queued" and item.display_no == s.receiptNo
        assert item.receipt_fields["applicant_id"] == "110105********002X"
        assert item.receipt_fields["category_label"] == "劳动社保"
        claimed = claim_one(outbox)
    key = sealing.decode_private_key(config.demo_platform_private_key_path(loaded.data_dir).read_text())
    import json

    envelope = json.loads(sealing.unseal(claimed.envelope, key, claimed.submission_id, "envelope"))
    assert envelope["document"]["matter"]["request"] == "信访"
    assert envelope["document"]["applicants"][0]["name"] == "信访"

    tap(w, "btn:finish")
    assert s.screen == "home" and s.answers == {} and s.last_confirmed is None


def test_storage_failure_keeps_every_answer(kiosk_window, monkeypatch):
    from kiosk import submission
    from kiosk.store import StoreError

    make, _ = kiosk_window
    k = make(size=(1920, 1080))
    s = k.session

    def broken(*args, **kwargs):
        raise StoreError("disk", disk_full=True)

    monkeypatch.setattr(submission, "confirm", broken)
    from ui.tour import sample_petition

    tap(k.window, "btn:petition")
    s.load(sample_petition() | {"consent": {"privacy": True, "truthful": True}})
    s.goTo("consent")
    pump(20)
    drag(k.window, find(k.window, "signaturePad"), [(30, 30), (200, 100)])
    tap(k.window, "btn:next")
    assert wait_until(lambda: s.storeError != "", 5000)
    assert s.screen == "consent" and "存储空间已满" in s.storeError
    assert s.value("applicants[0].name") == "王秀兰" and s.signed


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_review_without_camera_reaches_the_review_screen_with_the_problem(kiosk_window, size):
    make, _ = kiosk_window
    k = make(size=size)
    s, w = k.session, k.window
    tap(w, "btn:review")
    tap(w, "choice:kind:review")
    tap(w, "btn:next")
    assert s.screen == "earlier_reply"
    s.goTo("attachments")
    pump(20)
    assert "没有连接摄像头" in find(w, "cameraNotice:text").property("text")
    tap(w, "btn:next")
    assert s.screen == "review"
    assert any(p["message"] == "请提供申请人的身份证明" and p["step"] == "attachments"
               for p in s.reviewProblems)
    tap(w, "btn:next")
    assert s.screen == "review"  # cannot go on to sign while something is missing
