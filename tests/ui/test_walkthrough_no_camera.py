"""A walk-through in 大字 as a new user would: a 复查 application on a terminal without a
camera, from the home screen to the receipt, by taps, the Pinyin keyboard and the digit
pads of the real window, with no dead end. What cannot be photographed is said before
the citizen starts, recorded as 材料另交 in the sealed document, shown on the review and
the receipt with what to bring and where; the review shows no problem no screen fixes.

Every screen passed through is saved as a PNG (under $KIOSK_WALK_OUT when set, to look at)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kiosk import config
from kiosk.store import Outbox
from tests.support.store import claim_one
from ui.driver import all_items, choose_candidate, drag, find, pump, shown, tap, type_pinyin, wait_until
from ui.tour import keyboard_key
from wire import sealing

ID_NUMBER = "11010519491231002X"
PHONE = "13912345678"
DESK = "演示县信访接待窗口，或交给本服务点的工作人员"


def _done_typing(w) -> None:
    if find(w, "inputPanel", required=False) is not None:
        tap(w, keyboard_key(w, "收起键盘"))  # the keyboard's own key: the form has its room back
        assert wait_until(lambda: find(w, "inputPanel", required=False) is None, 2000)


def _focused_in(w, name: str) -> bool:
    """Whether the window's focus is in the item `name` (or one of its children)."""
    item, focus = find(w, name, required=False), w.activeFocusItem()
    while item is not None and focus is not None:
        if focus == item:
            return True
        focus = focus.parentItem()
    return False


def _type_word(w, field: str, pinyin: str, word: str) -> None:
    tap(w, field)
    if not wait_until(lambda: _focused_in(w, field), 1500):  # the tap came as it moved
        tap(w, field)
    assert wait_until(lambda: _focused_in(w, field), 3000), field
    assert wait_until(lambda: find(w, "inputPanel", required=False) is not None, 3000), field
    candidates = type_pinyin(w, pinyin)
    assert word in candidates, candidates
    choose_candidate(w, word)
    _done_typing(w)


def _digits(w, field: str, text: str) -> None:
    tap(w, field)
    for ch in text:
        tap(w, f"key:{ch}")
    tap(w, "key:完成")
    # the pad gone and the form laid out again (in landscape it docks beside the form)
    assert wait_until(lambda: find(w, "key:完成", required=False) is None, 3000)
    pump(100)


def _texts(w) -> str:
    return "\n".join(str(i.property("text")) for i in all_items(w)
                     if shown(i) and isinstance(i.property("text"), str))


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_a_review_in_big_text_without_a_camera_reaches_the_receipt(kiosk_window, tmp_path, size):
    make, loaded = kiosk_window
    k = make(size=size, camera=False)
    w, s = k.window, k.session
    out = Path(os.environ.get("KIOSK_WALK_OUT") or tmp_path / "walk") / f"{size[0]}x{size[1]}"
    out.mkdir(parents=True, exist_ok=True)
    seen: list[str] = []

    def shot(name: str) -> None:
        pump(100)
        w.grabWindow().save(str(out / f"{name}.png"))
        seen.append(name)

    tap(w, "btn:elderly")
    assert s.elderly
    shot("01-home")
    tap(w, "btn:review")
    assert s.screen == "kind" and s.elderly  # 大字 stays for the whole visit
    tap(w, "choice:kind:review")
    shot("02-kind")
    tap(w, "btn:next")

    # Before the citizen starts: this terminal cannot photograph, what to bring and where.
    assert s.screen == "earlier_reply"
    notice = find(w, "materialNotice:text").property("text")
    assert notice.startswith("本机不能拍照。") and "申请人身份证明、答复意见书" in notice
    assert DESK in notice
    shot("03-earlier-reply")
    tap(w, "choice:matter.earlier_reply.online:false")
    _type_word(w, "field:matter.earlier_reply.number", "xinfang", "信访")
    _digits(w, "digits:matter.earlier_reply.received_on", "20261110")
    tap(w, "choice:matter.earlier_reply.informed_of_limit:true")
    assert "30" in s.deadlineText
    tap(w, "btn:next")

    assert s.screen == "applying_as", s.problems
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    assert s.screen == "applicant"
    _digits(w, "digits:applicants[0].id_number", ID_NUMBER)
    _type_word(w, "field:applicants[0].name", "xinfang", "信访")
    _digits(w, "digits:applicants[0].phone", PHONE)
    _type_word(w, "field:applicants[0].address", "beijing", "北京")
    shot("05-applicant")
    tap(w, "btn:next")

    # The common matters in everyday words first; the full list one tap away.
    assert s.screen == "category", s.problems
    assert find(w, "choice:category:labour", required=False) is None  # 更多类别 closed
    tap(w, "choice:common_matter:wages_owed")
    assert s.value("category") == "labour"
    shot("07-category")
    tap(w, "btn:moreCategories")
    assert find(w, "choice:category:labour").property("selected") is True
    shot("07b-category-all")
    tap(w, "btn:next")

    assert s.screen == "matter", s.problems
    _type_word(w, "area:matter.request", "gongzi", "工资")
    _type_word(w, "area:matter.facts_and_reasons", "gongzi", "工资")
    _type_word(w, "field:matter.concerned_body", "gongsi", "公司")
    tap(w, "btn:next")

    # The material step asks for no photo: each required item is handed in separately.
    assert s.screen == "attachments", s.problems
    assert s.prompt == "本机不能拍照。需要的材料请另交，申请照常提交。"
    assert find(w, "shoot:id_proof", required=False) is None
    for role in ("id_proof", "reply_opinion"):
        said = find(w, f"material:{role}:state").property("text")
        assert said == f"材料另交：请带上原件，交到{DESK}"
    assert "按“拍照”" not in _texts(w)
    shot("10-attachments")
    tap(w, "btn:next")

    # No problem on the review that no screen could fix.
    assert s.screen == "review"
    assert s.reviewProblems == [], s.reviewProblems
    material = next(x for x in s.reviewSections if x["step"] == "attachments")["rows"]
    assert [r["label"] for r in material] == ["申请人身份证明", "答复意见书"]
    assert all(r["value"] == f"材料另交：请带上原件，交到{DESK}" for r in material)
    category = next(x for x in s.reviewSections if x["step"] == "category")["rows"]
    assert category[0]["value"] == "工资被拖欠（劳动社保）"
    assert "请提供答复意见书" not in _texts(w)
    shot("11-review")
    tap(w, "btn:next")

    assert s.screen == "consent"
    tap(w, "consent:consent.privacy")
    tap(w, "consent:consent.truthful")
    pad = find(w, "signaturePad")
    drag(w, pad, [(40, 40), (120, 160), (200, 60), (280, 150)])
    shot("13-consent-signed")
    tap(w, "btn:next")  # 确认提交
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.problems, s.general, s.storeError)
    said = find(w, "receiptSeparate:text").property("text")
    assert said == f"还要交的材料　申请人身份证明、答复意见书：请带上原件，交到{DESK}。"
    shot("14-receipt")

    # Sealed with the rest: the document says the material is handed in separately.
    assert s.last_confirmed["separate_material"] == ["id_proof", "reply_opinion"]
    with Outbox.open(loaded.data_dir) as outbox:
        [item] = outbox.items()
        assert item.receipt_fields["separate_material"] == ["申请人身份证明", "答复意见书"]
        claimed = claim_one(outbox)
    key = sealing.decode_private_key(config.demo_platform_private_key_path(loaded.data_dir)
                                     .read_text())
    envelope = json.loads(sealing.unseal(claimed.envelope, key, claimed.submission_id, "envelope"))
    assert envelope["document"]["separate_material"] == ["id_proof", "reply_opinion"]
    assert envelope["document"]["kind"] == "review" and "common_matter" not in envelope["document"]
    assert [a["role"] for a in envelope["document"]["attachments"]] == ["signature"]
    tap(w, "btn:finish")
    assert s.screen == "home" and s.answers == {}
    assert len(seen) == 10


def test_with_a_camera_a_required_material_may_be_brought_on_paper(kiosk_window):
    """The review's 修改 for a missing material leads to a step that can fix it: 拍照, or
    带原件另交; and 不知道选哪个 on the category step is a valid answer."""
    from ui.tour import REVIEW_SAMPLE, sample_petition

    make, _ = kiosk_window
    k = make(camera=True)
    w, s = k.window, k.session
    tap(w, "btn:review")
    tap(w, "choice:kind:review")
    doc = sample_petition()
    doc.pop("purpose")
    doc.update(kind="review", consent={"privacy": True, "truthful": True})
    doc["matter"]["earlier_reply"] = dict(REVIEW_SAMPLE)
    s.load(doc)
    s.goTo("category")
    pump(20)
    tap(w, "choice:common_matter:unsure")
    assert s.value("category") == "unclassified"
    s.goTo("review")
    pump(20)
    assert [p["message"] for p in s.reviewProblems] == ["请提供申请人的身份证明", "请提供答复意见书"]
    tap(w, "fix:attachments")
    assert s.screen == "attachments"
    assert find(w, "shoot:reply_opinion") is not None
    tap(w, "separate:reply_opinion")
    tap(w, "separate:id_proof")
    assert find(w, "separate:reply_opinion").property("selected") is True
    assert find(w, "material:reply_opinion:state").property("text").startswith("材料另交")
    tap(w, "btn:next")  # 改好了，回到核对
    assert s.screen == "review" and s.reviewProblems == []
    rows = next(x for x in s.reviewSections if x["step"] == "category")["rows"]
    assert rows[0]["value"] == "请工作人员分类"
    tap(w, "btn:next")
    drag(w, find(w, "signaturePad"), [(40, 40), (120, 160), (200, 60)])
    tap(w, "btn:next")
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.problems, s.general)
    assert s.last_confirmed["category"] == "unclassified"
    assert s.last_confirmed["separate_material"] == ["reply_opinion", "id_proof"]
