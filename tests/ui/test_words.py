"""The screens follow the word list of docs/ui.md (术语表) where a machine can check it:
every field has the same label on the screen that asks it and on the review screen; no
citizen screen shows an internal code; the signature is asked for in one phrasing; the
receipt says in one sentence what was received and what happens next."""

from __future__ import annotations

import copy
import re

import pytest

from kiosk import choices, flow
from ui.driver import all_items, find, pump, shown, tap, wait_until
from ui.tour import AGENT_SAMPLE, REVIEW_SAMPLE, _sign, sample_petition

# Lower-case ASCII words (`category_unknown`, `labour`, `resident_id`, `true`): what the
# document holds, never what a citizen reads. Upper case stays allowed (the X of an ID).
CODE_LIKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# What a screen may add after a field's label: an optional field says so.
SUFFIXES = ("（选填）", "（记不清可以不填）")


def texts_on_screen(window) -> list[str]:
    pump(30)
    return [item.property("text") for item in all_items(window)
            if item.inherits("QQuickText") and shown(item) and item.property("text")]


def review_doc() -> dict:
    doc = sample_petition()
    doc.update(kind="review", applying_as="for_other", agent=copy.deepcopy(AGENT_SAMPLE))
    doc.pop("purpose")
    doc["matter"]["earlier_reply"] = dict(REVIEW_SAMPLE) | {"informed_of_limit": False,
                                                            "known_on": "2026-11-12"}
    doc["matter"]["concerned_body"] = "演示县人力资源和社会保障局"
    return doc


def petition_doc() -> dict:
    doc = sample_petition()
    doc["applicants"][0]["phone"] = "13912345678"
    doc["matter"]["concerned_body"] = "演示县某公司"
    return doc


@pytest.mark.parametrize("make_doc", [review_doc, petition_doc], ids=["review", "petition"])
def test_every_field_is_labelled_on_review_as_on_its_own_screen(kiosk_window, make_doc):
    make, _ = kiosk_window
    k = make()
    w, s = k.window, k.session
    tap(w, "btn:review" if make_doc is review_doc else "btn:petition")
    s.load(make_doc())
    s.goTo("review")
    sections = s.reviewSections
    checked = 0
    for section in sections:
        if section["step"] in ("", "kind", "attachments", "group", "representatives"):
            continue  # no field of its own: a tile, a list of people, photos
        s.goTo(section["step"])
        shown_texts = texts_on_screen(w)
        for row in section["rows"]:
            label = row["label"]
            # as the field's own label, or (sex, birth date) as the number's read-out says it
            read_out = f"{label} {row['value']}"
            assert any(t == label or t in (label + x for x in SUFFIXES) or read_out in t
                       for t in shown_texts), (section["step"], label, shown_texts)
            checked += 1
    assert checked >= (20 if make_doc is review_doc else 10)


def walk_every_citizen_screen(w, s):
    """Every screen of a 复查 with an agent, then a petition to its receipt: their texts."""
    seen: dict[str, list[str]] = {"home": texts_on_screen(w)}
    tap(w, "btn:review")
    seen["kind"] = texts_on_screen(w)
    tap(w, "choice:kind:review")
    s.load(review_doc())
    for step in ("earlier_reply", "applying_as", "applicant", "agent", "category", "matter",
                 "attachments", "review", "consent"):
        s.goTo(step)
        seen[f"review:{step}"] = texts_on_screen(w)
    s.goHome()
    tap(w, "btn:petition")
    s.load(petition_doc())
    for step in ("applying_as", "applicant", "category", "matter", "attachments", "review"):
        s.goTo(step)
        seen[f"petition:{step}"] = texts_on_screen(w)
    s.goTo("consent")
    tap(w, "btn:next")  # nothing agreed or signed: the problems say what to do
    seen["consent-problems"] = texts_on_screen(w)
    for path, _ in choices.CONSENTS:
        tap(w, f"consent:{path}")
    _sign(w)
    tap(w, "btn:next")
    assert wait_until(lambda: s.screen == "receipt", 10_000), s.general
    seen["receipt"] = texts_on_screen(w)
    tap(w, "btn:evaluate")  # the one way on from the receipt
    seen["evaluation"] = texts_on_screen(w)
    return seen


def test_no_citizen_screen_shows_a_code_and_the_words_are_said_once(kiosk_window):
    make, _ = kiosk_window
    k = make()
    w, s = k.window, k.session
    seen = walk_every_citizen_screen(w, s)
    for screen, texts in seen.items():
        codes = [(t, CODE_LIKE.findall(t)) for t in texts if CODE_LIKE.search(t)]
        assert codes == [], (screen, codes)
    # one phrasing asks for the signature, on the screen, in its prompt and in its problem
    asks = [t for t in seen["consent-problems"] if "签名" in t and t != flow.BY_ID["consent"].title]
    assert asks and all(choices.SIGN_HERE in t for t in asks if t != "重新签名"), asks
    # the receipt: one plain sentence first, the rules in small print under the dates
    tap(w, "btn:skipEvaluation")
    assert s.screen == "receipt"
    sentence = find(w, "receiptSummary").property("text")
    assert sentence.startswith("您反映的问题") and "已经提交" in sentence and "最晚" in sentence
    assert sentence.count("。") == 1 and "《" not in sentence and "第" not in sentence
    basis = [item for item in all_items(w) if item.objectName() == "milestoneBasis" and shown(item)]
    assert basis and all("《" in b.property("text") for b in basis)
    body = find(w, "receiptSummary").property("font").pixelSize()
    assert all(b.property("font").pixelSize() < body for b in basis)


def test_the_first_question_is_asked_once(kiosk_window):
    """我要信访 goes on to 谁来申请; 申请复查、复核 asks which document, a picture of each."""
    make, _ = kiosk_window
    k = make()
    w, s = k.window, k.session
    tap(w, "btn:petition")
    assert s.screen == "applying_as" and s.stepText == "第 1 步"
    tap(w, "btn:back")
    assert s.screen == "home"
    tap(w, "btn:review")
    assert s.screen == "kind" and s.stepText == "第 1 步"
    tiles = {c["code"]: c for c in s.answer("kind").options}
    assert set(tiles) == {"review", "re_review"}  # never again "反映新的问题"
    assert (tiles["review"]["label"], tiles["re_review"]["label"]) == ("答复意见书", "复查意见书")
    assert {t["icon"] for t in tiles.values()} == {"reply-opinion", "review-opinion"}
    assert find(w, "choice:kind:re_review").height() >= 300  # the picture, not a small icon
    tap(w, "choice:kind:re_review")
    tap(w, "btn:next")
    assert s.screen == "earlier_reply" and s.replyDocument == "复查意见书"
    totals = []
    s.load(review_doc() | {"kind": "re_review"})
    for step in ("applicant", "agent", "category", "matter", "attachments", "review", "consent"):
        s.goTo(step)
        totals.append(s.stepText.rpartition("共")[2].strip())
    assert totals == ["10 步"] * 7
