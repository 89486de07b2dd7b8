"""End to end on the real window: a petition completed by taps and the Pinyin keyboard."""

from __future__ import annotations

import pytest

from kiosk import config  # noqa: E402
from kiosk.store import Outbox  # noqa: E402
from tests.support.common import fill_up
from tests.support.store import claim_one, files_under
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
    assert s.screen == "applying_as" and s.problems["applying_as"] == "请选择谁来申请"
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

    tap(w, "btn:moreCategories")  # the full list, under the common matters
    tap(w, "choice:category:labour")
    tap(w, "btn:next")
    assert s.screen == "purpose", s.problems  # one question per screen: what the citizen wants done
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
    # not enrolled (no terminal key here): no QR code, and the screen says why plainly
    assert s.receiptQr == "" and s.receiptWords["signed"] is False  # the QR column is hidden
    where = find(w, "receiptWhereToCheck").property("text")
    assert "尚未注册" in where and "二维码" not in where and "本机" not in where

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


def _signed_sample_petition(k) -> None:
    from ui.tour import sample_petition

    tap(k.window, "btn:petition")
    k.session.load(sample_petition() | {"consent": {"privacy": True, "truthful": True}})
    k.session.goTo("consent")
    pump(20)
    drag(k.window, find(k.window, "signaturePad"), [(30, 30), (200, 100)])


@pytest.mark.parametrize("earlier_visitor", [True, False], ids=["store-open", "first-confirm"])
def test_storage_failure_keeps_every_answer(kiosk_window, small_tmpfs, earlier_visitor):
    """The data directory on a real small file system, filled to the last byte: the
    citizen sees the plain message whether the attachment write, the commit or the
    opening of the store (the first confirm since the kiosk started) meets the full
    disk; nothing entered is lost, nothing half-written stays, and once space is freed
    确认提交 lands, once."""
    from kiosk.store.errors import MESSAGE_FULL

    make, _ = kiosk_window
    loaded = config.demo(small_tmpfs / "data")
    Outbox.open(loaded.data_dir).close()  # an installed terminal: its store exists
    k = make(size=(1920, 1080), loaded=loaded)
    s = k.session
    landed_receipts = []
    if earlier_visitor:  # a first visitor's petition opens the store and lands
        _signed_sample_petition(k)
        tap(k.window, "btn:next")
        assert wait_until(lambda: s.screen == "receipt", 10_000), (s.storeError, s.problems)
        landed_receipts.append(s.receiptNo)
        tap(k.window, "btn:finish")
    attachments = loaded.data_dir / "attachments"
    landed = files_under(attachments)

    _signed_sample_petition(k)
    answers = s.answers
    filler = fill_up(small_tmpfs)
    for _ in ("the attachment write", "the store opened again"):
        tap(k.window, "btn:next")  # 确认提交
        assert wait_until(lambda: not s.busy and s.storeError != "", 10_000)
        assert s.screen == "consent" and "存储空间已满" in s.storeError
        assert s.storeError == MESSAGE_FULL
        assert s.value("applicants[0].name") == "王秀兰" and s.signed
        assert s.answers == answers

    filler.unlink()
    assert files_under(attachments) == landed  # nothing half-written stays
    with Outbox.open(loaded.data_dir) as outbox:
        assert [i.display_no for i in outbox.items()] == landed_receipts

    tap(k.window, "btn:next")  # 确认提交, with space again
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.storeError, s.problems)
    with Outbox.open(loaded.data_dir) as outbox:
        items = outbox.items()
        assert sorted(i.display_no for i in items) == sorted([*landed_receipts, s.receiptNo])
        assert {i.state for i in items} == {"queued"}
    second = next(i for i in items if i.display_no == s.receiptNo)
    assert len(files_under(attachments) - landed) == 1  # its one signature file
    assert all(name.startswith(second.submission_id + "/")
               for name in files_under(attachments) - landed)


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_review_without_camera_reaches_the_review_screen_with_no_material_problem(kiosk_window,
                                                                                   size):
    """Without a camera the material is handed in separately (材料另交): the review lists
    what is still missing elsewhere, never a material that no screen could take."""
    make, _ = kiosk_window
    k = make(size=size, camera=False)
    s, w = k.session, k.window
    tap(w, "btn:review")
    tap(w, "choice:kind:review")
    tap(w, "btn:next")
    assert s.screen == "earlier_reply"
    assert "本机不能拍照" in find(w, "materialNotice:text").property("text")
    s.goTo("attachments")
    pump(20)
    assert find(w, "material:id_proof:state").property("text").startswith("材料另交")
    assert find(w, "shoot:id_proof", required=False) is None
    tap(w, "btn:next")
    assert s.screen == "review"
    assert s.reviewProblems  # the applicant, the matter … are still missing
    assert not any(p["step"] == "attachments" for p in s.reviewProblems), s.reviewProblems
    assert not any("身份证明" in p["message"] for p in s.reviewProblems)
    tap(w, "btn:next")
    assert s.screen == "review"  # cannot go on to sign while something is missing
