"""The visit model without Qt: a whole visit driven as the touch UI drives it, and what
applies to which answers (kiosk/applies.py, kiosk/choices.py, kiosk/visit.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from kiosk import applies, choices, flow, identity, petition
from kiosk.problems import Problem
from kiosk.visit import HOME, Visit
from tests.support import factories as f
from tests.support.common import ROOT, TODAY

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def visit(tax) -> Visit:
    return Visit(tax, today=lambda: TODAY, render_signature=lambda strokes, size: PNG)


def fill(v: Visit, doc: dict) -> None:
    for path, value in _leaves(doc):
        v.set_value(path, value)


def _leaves(node, prefix=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        for i, value in enumerate(node):
            yield from _leaves(value, f"{prefix}[{i}]")
    else:
        yield prefix, node


def test_the_core_imports_neither_qt_nor_http():
    code = ("import sys, kiosk.visit, kiosk.applies, kiosk.choices, kiosk.flow, kiosk.summary; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'PySide6', 'shiboken6', 'requests', 'urllib3', 'httpx', 'http'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_a_petition_from_home_to_confirm(tax):
    v = visit(tax)
    said = v.start("petition")
    assert v.screen == "applying_as" and said.say == flow.BY_ID["applying_as"].prompt
    blocked = v.next()  # nothing chosen: the problem shows next to the field, the screen stays
    assert v.screen == "applying_as" and v.errors == {"applying_as": "请选择谁来申请"}
    assert blocked.focus == "applying_as" and blocked.say.endswith("请选择谁来申请")
    v.set_value("applying_as", "self")
    assert v.errors == {}  # changing the field clears its problem
    v.next()
    assert v.screen == "applicant" and v.step_text() == "第 2 步 / 共 8 步"
    doc = f.petition()
    fill(v, {k: doc[k] for k in ("applicants", "category", "purpose", "matter")})
    for expected in ("category", "purpose", "matter", "attachments", "review", "consent"):
        v.next()
        assert v.screen == expected, (v.screen, v.errors)
    out = v.next()  # 确认提交 without consent or signature: shown on the consent screen
    assert out.confirm is None and v.screen == "consent"
    # Each problem on the item that fixes it, none in a banner; listed by number and said.
    tick = "请点一下这一项，打上勾"
    assert v.errors == {"consent.privacy": tick, "consent.truthful": tick, "signature": "请在下面的框里签名"}
    assert v.general_messages() == []
    assert [path for path, _ in v.consent_todo()] == ["consent.privacy", "consent.truthful", "signature"]
    assert out.say == ("还有 3 件事没做：1. 勾选“我同意按上面的说明处理我的个人信息”；"
                       "2. 勾选“我保证所填内容真实，愿意承担相应责任”；3. 请在下面的框里签名。")
    assert out.focus == "consent.privacy"  # the first one is brought into view
    v.set_value("consent.privacy", True)
    assert [path for path, _ in v.consent_todo()] == ["consent.truthful", "signature"]
    assert v.replay_text() == v.prompt + ("还有 2 件事没做：1. 勾选“我保证所填内容真实，愿意承担相应责任”；"
                                          "2. 请在下面的框里签名。")
    v.set_value("consent.truthful", True)
    v.add_stroke([(1.0, 1.0), (20.0, 30.0)], 800, 400)
    assert "signature" not in v.errors
    ready = v.next()
    assert ready.confirm is not None and ready.confirm.ok
    assert [a["role"] for a in ready.confirm.document["attachments"]] == ["signature"]
    v.confirmed()
    assert v.screen == "receipt" and not v.in_flow and v.step_text() == ""


def test_what_next_does_is_data_on_the_step():
    assert flow.BY_ID["attachments"].blocks is flow.Blocks.NEVER
    assert flow.BY_ID["review"].blocks is flow.Blocks.ALL_BUT_CONSENT
    assert [s.id for s in flow.STEPS if s.confirms] == ["consent"] == [flow.CONFIRMING.id]
    # after the confirm: the receipt, and the evaluation reached from it by choice only
    assert [s.id for s in flow.STEPS if s.done] == ["receipt", "evaluation"]
    assert flow.DONE.id == "receipt"
    assert not flow.BY_ID["evaluation"].applies({"kind": "petition"})
    assert all(s.blocks is flow.Blocks.OWN for s in flow.STEPS
               if s.id not in ("attachments", "review"))


def test_material_never_blocks_and_the_review_does(tax):
    v = visit(tax)
    v.start("review")
    v.load(f.review() | {"attachments": []})
    v.go_to("attachments")
    assert any(m["required"] and m["count"] == 0 for m in v.material())
    v.next()
    assert v.screen == "review"
    said = v.next()
    assert v.screen == "review" and "修改" in said.say
    problems = v.review_problems()
    assert {"message": "请提供申请人的身份证明", "step": "attachments", "stepTitle": "证明材料",
            "warning": False} in problems
    v.add_photo("id_proof", "image/jpeg", b"\xff\xd8\xff" + b"\x00" * 10)
    v.add_photo("reply_opinion", "image/jpeg", b"\xff\xd8\xff" + b"\x01" * 10)
    v.next()
    assert v.screen == "consent"  # only the consent screen's own problems are left


def test_a_fix_from_the_review_comes_straight_back(tax):
    v = visit(tax)
    v.start("petition")
    v.load(f.petition())
    v.go_to("review")
    v.go_to("matter")
    assert v.from_review
    v.next()
    assert v.screen == "review" and not v.from_review
    v.go_to("matter")
    v.back()  # 上一步 instead: the way back follows the answers, and forgets the review
    assert v.screen == "purpose" and not v.from_review


def test_switching_back_loses_nothing_typed(tax):
    v = visit(tax)
    v.start("review")
    v.load(f.review(applying_as="for_other", agent=f.agent()))
    assert "agent" in v.document()
    v.set_value("applying_as", "self")
    assert "agent" not in v.document() and v.answers["agent"]["name"] == "赵代理"
    v.set_value("applying_as", "for_other")
    assert v.document()["agent"]["name"] == "赵代理"


def test_a_group_and_its_representatives(tax):
    v = visit(tax)
    v.start("petition")
    v.set_value("applying_as", "group")
    v.go_to("group")
    v.add_person()
    assert v.group_editing == 0 and v.answers["applicants"] == [{"id_type": "resident_id"}]
    out = v.next()  # 下一步 while a person is open saves that person first
    assert v.group_editing == 0 and out.focus and out.focus.startswith("applicants[0].")
    fill(v, {"applicants": [f.person(0)]})
    v.next()
    assert v.group_editing == -1 and v.screen == "group"
    for i in range(1, 7):
        v.add_person()
        fill(v, {"applicants": [{}] * i + [f.person(i, contact=False)]})
        v.close_person()
    assert len(v.group_members()) == 7 and applies.representatives(v.answers)
    assert not v.person("applicants[3]")["contact"]  # only representatives must give them
    v.next()
    assert v.screen == "representatives"
    v.toggle_representative(0)
    v.toggle_representative(2)
    v.toggle_representative(2)
    assert v.answers["representatives"] == [0]
    assert [m["representative"] for m in v.group_members()] == [True] + [False] * 6
    v.remove_person(0)
    assert v.answers["representatives"] == [] and len(v.group_members()) == 6


def test_the_person_form_asks_what_applies(tax):
    v = visit(tax)
    v.start("review")
    v.set_value("kind", "review")
    v.set_value("applicants[0].id_type", "passport")
    form = v.person("applicants[0]")
    assert form["asksSexAndBirth"] and not form["digitPad"] and form["contact"]
    v.set_value("applicants[0].id_type", "resident_id")
    v.set_value("applicants[0].id_number", f.resident_id())
    form = v.person("applicants[0]")
    assert form["digitPad"] and form["allowsX"] and not form["asksSexAndBirth"]
    assert (form["sex"], form["birth"]) == ("女", "1949年12月31日")
    assert v.id_info("applicants[0]") == {"sex": "女", "birth": "1949年12月31日"}
    v.set_value("applicants[0].id_type", "taiwan_travel_permit")
    assert not v.person("applicants[0]")["allowsX"]
    v.set_value("kind", "petition")
    v.set_value("applicants[0].id_type", "passport")
    assert not v.person("applicants[0]")["asksSexAndBirth"]


def test_the_time_limit_in_words(tax):
    v = visit(tax)
    v.start("review")
    v.set_value("kind", "review")
    assert v.deadline_text() == ""
    v.set_value("matter.earlier_reply.received_on", "2026-11-10")
    assert "截止到" in v.deadline_text()
    assert not v.what_applies()["known_on"]
    v.set_value("matter.earlier_reply.informed_of_limit", False)
    assert v.what_applies()["known_on"]


def test_the_review_sections_name_the_answers(tax):
    v = visit(tax)
    v.start("review")
    v.load(f.review("re_review", applying_as="for_other", agent=f.agent()))
    v.go_to("review")
    sections = {s["step"]: s for s in v.review_sections()}
    assert list(sections) == ["kind", "earlier_reply", "applying_as", "applicant", "agent", "category",
                              "matter", "attachments"]
    assert sections["kind"]["rows"] == [{"label": "办理事项", "value": "复核申请"}]
    assert sections["applying_as"]["rows"][0]["value"] == "替别人申请（代理）"  # as its tile
    assert sections["earlier_reply"]["rows"][0]["value"] == "纸质文书"
    assert sections["applicant"]["rows"][1] == {"label": "证件类型", "value": "居民身份证"}
    assert "********" in sections["applicant"]["rows"][2]["value"]
    v.go_to("matter")
    assert v.review_sections() == []  # only the review screen has them


def test_leaving_asks_only_with_something_to_lose(tax):
    v = visit(tax)
    assert v.screen == HOME and not v.leave_asks
    v.start("review")
    assert not v.leave_asks  # nothing typed yet
    v.add_stroke([(1.0, 1.0)], 100, 100)
    assert v.leave_asks
    v.wipe()
    assert v.screen == HOME and v.answers == {} and v.strokes == [] and v.photos == []


def test_one_draft_id_per_visit(tax):
    v = visit(tax)
    v.start("petition")
    first = v.draft_id
    v.load(f.petition())
    v.next()
    assert v.draft_id == first  # confirming again after an unclear failure: the same submission
    v.wipe()
    assert v.draft_id != first
    second = v.draft_id
    v.start("petition")
    assert v.draft_id not in (first, second)


def test_effective_leaves_out_what_no_longer_applies():
    answers = {"kind": "review", "purpose": "demand", "applying_as": "self",
               "applicants": [f.person(i) for i in range(7)], "representatives": [0, 1],
               "agent": f.agent(), "matter": {"request": "x", "earlier_reply": {"number": "1"}}}
    doc = applies.effective(answers)
    assert "purpose" not in doc and "agent" not in doc and "representatives" not in doc
    assert len(doc["applicants"]) == 1 and doc["matter"]["earlier_reply"] == {"number": "1"}
    assert len(answers["applicants"]) == 7 and "agent" in answers  # kept in memory
    doc = applies.effective(answers | {"kind": "petition", "applying_as": "group"})
    assert doc["purpose"] == "demand" and "earlier_reply" not in doc["matter"]
    assert len(doc["applicants"]) == 7 and doc["representatives"] == [0, 1]
    small = applies.effective(answers | {"applying_as": "group", "applicants": answers["applicants"][:5]})
    assert "representatives" not in small
    assert applies.effective(answers | {"applying_as": "for_other"})["agent"]["name"] == "赵代理"


@pytest.mark.parametrize("doc, expected", [
    ({"kind": "petition"}, {"review": False, "purpose": True, "place": True}),
    ({"kind": "review"}, {"review": True, "purpose": False, "place": False}),
    ({"kind": "re_review"}, {"review": True, "purpose": False, "place": False}),
])
def test_what_applies_to_the_kind(doc, expected):
    got = applies.for_screens(doc)
    assert {k: got[k] for k in expected} == expected


def test_one_predicate_serves_the_flow_and_validation(tax):
    """More than MAX_REPRESENTATIVES applicants: the representatives step applies exactly
    when validation asks for representatives and lets the others leave out contact."""
    for size in (2, applies.MAX_REPRESENTATIVES, applies.MAX_REPRESENTATIVES + 1, 9):
        doc = f.group(size)
        codes = {p.code for p in petition.validate(doc, taxonomy=tax, today=TODAY).problems}
        steps = [s.id for s in flow.steps_for(doc)]
        assert ("representatives" in steps) == applies.representatives(doc) == \
            ("representatives.required" in codes) == (size > applies.MAX_REPRESENTATIVES)


def test_every_choice_is_what_validation_accepts(tax):
    assert set(petition.KINDS) == {c.code for c in choices.KINDS}
    assert set(petition.APPLYING_AS) == {c.code for c in choices.APPLYING_AS}
    assert set(petition.SEXES) == {c.code for c in choices.SEXES}
    assert petition.KINDS == {"petition": "信访事项", "review": "复查申请", "re_review": "复核申请"}
    # named everywhere as their tiles name them (docs/ui.md 术语表)
    assert petition.APPLYING_AS == {"self": "本人申请", "for_other": "替别人申请（代理）",
                                    "group": "几个人一起申请"}
    # 申请复查、复核 offers the documents held, each deciding a kind validation accepts
    assert [c.code for c in choices.for_path("kind", tax)] == ["review", "re_review"]
    assert str(applies.MAX_REPRESENTATIVES) in choices.APPLYING_AS[2].hint
    for path in ("kind", "applying_as", "applicants[3].id_type", "agent.sex", "category", "purpose",
                 "matter.earlier_reply.online", "matter.earlier_reply.informed_of_limit"):
        offered = choices.for_path(path, tax)
        assert offered and all(c.label for c in offered), path
    assert [c.code for c in choices.for_path("category", tax)] == [e.code for e in tax.categories]
    assert choices.for_path("matter.request", tax) == ()
    for c in choices.categories(tax):
        assert c.icon  # every category tile has an icon ("dots" when the taxonomy gives none)


def test_the_digit_pad_takes_numbers_as_the_rules_read_them():
    from kiosk import identity

    for kind, entry in choices.DIGIT_ENTRY.items():
        assert sum(entry["groups"]) == entry["length"], kind
    assert identity.check_id("resident_id", f.resident_id()).ok
    assert len(f.resident_id()) == choices.DIGIT_ENTRY["id"]["length"]
    assert identity.check_mobile("1" + "3" * (choices.DIGIT_ENTRY["phone"]["length"] - 1))[1] == []
    assert set(choices.DIGIT_PAD_ID_TYPES) <= {t.value for t in identity.IdType}


# --- the session wipe and the counters the screen follows ---------------------------------

COUNTERS = ("edits", "resets", "photo_edits", "stroke_edits")


def counters(v: Visit) -> dict[str, int]:
    return {name: getattr(v, name) for name in COUNTERS}


def test_a_wipe_leaves_the_state_of_a_fresh_visit(tax):
    """Everything a citizen can leave behind goes: after the wipe every field but the
    draft id (new) and the change counters (grown, so the screen reloads) equals a fresh
    visit's, field by field, and a field added later is compared too."""
    v = visit(tax)
    v.start("petition")
    v.load(f.petition())
    v.screen = "review"
    v.go_to("group")  # a 修改 from the review screen
    v.add_person()  # the group screen with an applicant open
    v.errors = {"applicants[0].name": "请填写姓名"}
    v.warnings = {"matter.request": "请写明诉求"}
    v.general = [("applicants", "至少一名申请人")]
    v.add_photo("evidence", "image/jpeg", b"photo")
    v.add_stroke([(1.0, 2.0), (3.0, 4.0)], 640.0, 320.0)
    assert v.signature_png() == PNG  # rendered and cached
    assert (v.from_review, v.group_editing, v.signature_size) == (True, 1, (640.0, 320.0))
    before, draft = counters(v), v.draft_id

    v.wipe()
    fresh = visit(tax)
    assert vars(v).keys() == vars(fresh).keys()
    for name in vars(fresh):
        if name in COUNTERS or name in ("draft_id", "taxonomy", "_today", "_render_signature"):
            continue
        assert getattr(v, name) == getattr(fresh, name), name
        assert type(getattr(v, name)) is type(getattr(fresh, name)), name
    assert (v.answers, v.screen, v.errors, v.warnings, v.general) == ({}, HOME, {}, {}, [])
    assert (v.from_review, v.group_editing, v.strokes, v.photos) == (False, -1, [], [])
    assert (v.signature_size, v._signature_png) == ((800.0, 400.0), None)
    assert v.signature_png() == b"" and v.attachments() == [] and not v.has_answers
    assert v.draft_id not in (draft, fresh.draft_id)
    assert counters(v) == {name: count + 1 for name, count in before.items()}


def test_the_counters_grow_by_one_with_each_change(tax):
    v = visit(tax)
    start = counters(v)
    assert start["edits"] == start["resets"] == 0
    v.set_value("matter.request", "要求")
    v.set_value("matter.request", "要求")  # the same value: no change
    v.set_value("matter.request", "要求退还")
    assert counters(v) == {**start, "edits": 2}
    v.load(f.petition())
    assert counters(v) == {**start, "edits": 3, "resets": 1}
    v.add_photo("evidence", "image/jpeg", b"")  # nothing taken: nothing changes
    v.add_photo("evidence", "image/jpeg", b"a")
    v.add_photo("id_front", "image/jpeg", b"b")
    assert v.photo_edits == start["photo_edits"] + 2
    v.remove_photos("evidence")
    assert [a.role for a in v.photos] == ["id_front"]
    assert v.photo_edits == start["photo_edits"] + 3
    v.add_stroke([], 10.0, 10.0)  # a tap without a line: nothing changes
    assert (v.strokes, v.stroke_edits) == ([], start["stroke_edits"])
    v.add_stroke([(0.0, 0.0)], 10.0, 10.0)
    v.clear_signature()
    assert (v.strokes, v.stroke_edits) == ([], start["stroke_edits"] + 2)
    v.toggle_representative(0)
    assert v.edits == 4
    v.edit_person(0)
    assert (v.group_editing, v.edits, v.resets) == (0, 5, 2)


def test_the_signature_is_rendered_once_per_change_at_its_size(tax):
    rendered = []

    def render(strokes, size):
        rendered.append(([list(s) for s in strokes], size))
        return PNG + bytes([len(rendered)])

    v = Visit(tax, today=lambda: TODAY, render_signature=render)
    assert v.signature_png() == b"" and rendered == []  # no strokes: nothing to render
    v.errors = {"signature": "请签名"}
    v.add_stroke([(1.0, 1.0), (2.0, 2.0)], 600.0, 300.0)
    assert v.errors == {}  # signing clears the signature's problem
    assert v.signature_png() == PNG + b"\x01" and v.signature_png() == PNG + b"\x01"
    assert rendered == [([[(1.0, 1.0), (2.0, 2.0)]], (600.0, 300.0))]
    v.add_stroke([(3.0, 3.0)], 500.0, 250.0)
    assert v.signature_png() == PNG + b"\x02"
    assert rendered[-1] == ([[(1.0, 1.0), (2.0, 2.0)], [(3.0, 3.0)]], (500.0, 250.0))
    v.clear_signature()
    assert v.signature_png() == b"" and len(rendered) == 2
    v.add_stroke([(4.0, 4.0)], 500.0, 250.0)
    assert v.signature_png() == PNG + b"\x03"


def test_typing_clears_that_fields_problems_and_keeps_line_breaks_where_they_belong(tax):
    v = visit(tax)
    v.errors = {"matter.request": "e", "matter.facts_and_reasons": "e2"}
    v.warnings = {"matter.request": "w", "applicants[0].name": "w2"}
    v.general = [("matter", "g1"), ("applicants", "g2"), ("", "g3")]
    v.set_value("matter.request", "第一行\n第二行")
    assert v.value("matter.request") == "第一行\n第二行"  # a multi-line field
    assert v.errors == {"matter.facts_and_reasons": "e2"}
    assert v.warnings == {"applicants[0].name": "w2"}
    assert v.general == [("applicants", "g2"), ("", "g3")]  # only the field's own object
    v.set_value("applicants[0].name", "张\n三")
    assert v.value("applicants[0].name") == "张 三"  # one line
    assert v.answers["applicants"][0]["name"] == "张 三"


def test_loading_a_document_copies_it_without_its_material(tax):
    doc = f.petition()
    doc["attachments"] = [{"role": "evidence", "media_type": "image/jpeg", "digest": "a" * 64}]
    v = visit(tax)
    v.load(doc)
    assert "attachments" not in v.answers and "attachments" in doc
    bare = {key: value for key, value in f.petition().items() if key != "attachments"}
    v.load(bare)  # a document without material loads as well
    assert v.answers == bare and v.answers is not bare
    v.load(doc)
    v.set_value("applicants[0].name", "李四")
    assert doc["applicants"][0]["name"] != "李四"  # a deep copy: the sample stays as it was


def test_moving_keeps_the_open_applicant_only_on_the_group_screen(tax):
    v = visit(tax)
    v.start("petition")
    v.add_person()
    v.go_to("group")
    assert v.group_editing == 0
    v.go_to("matter")
    assert v.group_editing == -1


def test_the_problems_shown_join_per_field_and_keep_their_severity(tax):
    v = visit(tax)
    v._show([Problem("matter.request", "太短", "a"), Problem("matter.request", "太空", "b"),
             Problem("matter.facts_and_reasons", "建议补充", "c", "warning"),
             Problem("applicants", "至少一名", "d")])
    assert v.errors == {"matter.request": "太短；太空"}
    assert v.warnings == {"matter.facts_and_reasons": "建议补充"}
    assert v.general == [("applicants", "至少一名")]


def test_a_representative_chosen_clears_its_problems(tax):
    v = visit(tax)
    v.errors = {"representatives": "请选代表", "other": "x"}
    v.general = [("representatives", "g")]
    v.toggle_representative(2)
    v.toggle_representative(0)
    assert v.answers["representatives"] == [0, 2]
    assert v.errors == {"other": "x"} and v.general == []
    v.toggle_representative(2)
    assert v.answers["representatives"] == [0]


def test_the_reply_document_named_by_the_kind(tax):
    v = visit(tax)
    assert v.reply_document() == "答复意见书"
    v.set_value("kind", "re_review")
    assert v.reply_document() == "复查意见书"


def test_the_material_list_counts_photos_per_role(tax):
    v = visit(tax)
    v.load(f.review())
    v.add_photo("evidence", "image/jpeg", b"a")
    v.add_photo("evidence", "image/jpeg", b"b")
    v.add_photo("authorisation", "image/jpeg", b"c")  # not asked for: listed all the same
    assert v.material() == [
        {"role": "id_proof", "label": "申请人身份证明", "required": True, "count": 0,
         "separate": False},
        {"role": "reply_opinion", "label": "答复意见书", "required": True, "count": 0,
         "separate": False},
        {"role": "authorisation", "label": petition.ATTACHMENT_ROLES["authorisation"],
         "required": False, "count": 1, "separate": False},
        {"role": "evidence", "label": "其他证据材料", "required": False, "count": 2,
         "separate": False},
    ]  # the signature is signed on its own screen, never photographed
    v.add_photo("reply_opinion", "image/jpeg", b"d")  # given: no longer asked for
    assert [(m["role"], m["required"], m["count"]) for m in v.material()] == [
        ("id_proof", True, 0), ("authorisation", False, 1), ("reply_opinion", False, 1),
        ("evidence", False, 2)]


def test_the_group_list_and_removing_a_member(tax):
    v = visit(tax)
    v.load(f.group(3, representatives=[0, 2]))
    v.answers["applicants"][1].pop("name")
    v.answers["applicants"][1].pop("id_number")
    number = v.answers["applicants"][2]["id_number"]
    members = v.group_members()
    assert members[1] == {"index": 1, "name": "（未填姓名）", "id": "", "representative": False}
    assert members[2] == {"index": 2, "name": v.answers["applicants"][2]["name"],
                          "id": identity.mask_id(number), "representative": True}
    assert "*" in members[2]["id"] and number not in members[2]["id"]
    v.edit_person(1)
    v.remove_person(3)  # no such member: nothing goes
    assert len(v.answers["applicants"]) == 3 and v.group_editing == -1
    v.remove_person(1)  # the representative after it moves up with it
    assert len(v.answers["applicants"]) == 2 and v.answers["representatives"] == [0, 1]
    v.remove_person(0)  # a representative removed is no longer one
    assert v.answers["representatives"] == [0]
    assert [m["representative"] for m in v.group_members()] == [True]


def test_the_person_form_in_full(tax):
    """The whole dict the form reads, so no key and no default is left to chance."""
    v = visit(tax)
    empty = {"idType": "", "sex": "", "birth": "", "digitPad": False, "allowsX": False,
             "asksSexAndBirth": False, "contact": True}
    assert v.person("applicants[0]") == empty and v.person("agent") == empty
    v.load(f.review())
    assert v.person("applicants[0]") == {**empty, "idType": "resident_id", "sex": "女",
                                         "birth": "1950年1月1日", "digitPad": True,
                                         "allowsX": True}
    v.set_value("applicants[0].id_number", "")  # no number yet: nothing read, nothing asked
    assert v.person("applicants[0]") == {**empty, "idType": "resident_id", "digitPad": True,
                                         "allowsX": True}
    assert v.id_info("applicants[0]") == {}
    v.set_value("applicants[0].id_type", "passport")
    v.set_value("applicants[0].id_number", "E1234567")
    assert v.person("applicants[0]") == {**empty, "idType": "passport", "asksSexAndBirth": True}
    assert v.id_info("applicants[0]") == {}  # a passport number carries neither


def test_the_person_form_of_a_review_before_a_document_type_is_chosen(tax):
    v = visit(tax)
    v.load(f.review())
    v.set_value("applicants[0].id_type", "")
    assert v.person("applicants[0]")["asksSexAndBirth"] is False  # no type: nothing to ask yet


def test_a_number_is_read_against_the_kiosks_own_date(tax):
    """The visit's clock, not the machine's, decides whether a birth date has come."""
    v = visit(tax)
    v.load(f.review())
    v.set_value("applicants[0].id_number", f.resident_id(birth=TODAY + timedelta(days=2)))
    assert v.id_info("applicants[0]") == {}  # born after the visit's today: not a number


def test_closing_a_person_focuses_their_first_problem(tax):
    v = visit(tax)
    v.start("review")
    assert v.screen == flow.first_step().id  # which application is asked first
    v.add_person()
    closed = v.close_person()
    assert closed.focus == "applicants[0].name" and v.group_editing == 0
    assert list(v.errors)[:2] == ["applicants[0].name", "applicants[0].id_number"]


def test_the_query_screen_is_a_fresh_visit_of_its_own_beside_the_flow(tax):
    from kiosk.visit import QUERY

    v = visit(tax)
    v.start("petition")
    v.set_value("applicants[0].name", "张三")
    said = v.start_query()
    assert v.screen == QUERY and v.answers == {} and not v.in_flow and not v.leave_asks
    assert v.title == "查询办理进度" and "手机号码的最后4位" in said.say
    assert v.step_text() == "" and not v.confirms
    v.back()
    assert v.screen == HOME


def test_the_receipt_says_in_one_sentence_what_was_received_and_what_comes_next():
    from datetime import date as day

    from kiosk import receipt_words, timelimits
    for kind, opening, step in (("petition", "您反映的问题（劳动社保）", "告知您是否受理"),
                                ("review", "您的复查申请", "决定是否受理"),
                                ("re_review", "您的复核申请", "决定是否受理")):
        first = timelimits.next_steps(kind, day(2026, 11, 26))[0]
        assert first.label == step and "《" in first.basis  # the rule, for the small print
        said = receipt_words.headline(kind, "劳动社保", timelimits.format_date_zh(first.by), first.label)
        assert receipt_words.WORD_JOINER in said  # the date is never split across lines
        said = said.replace(receipt_words.WORD_JOINER, "")
        assert said.startswith(opening + "已经提交") and said.endswith(
            f"最晚{timelimits.format_date_zh(first.by)}{step}。")
        assert said.count("。") == 1 and "《" not in said and "条" not in said
    # a category the office will choose (不知道选哪个) is not named as one
    assert receipt_words.headline("petition", "", "2026年12月11日", "告知您是否受理").startswith(
        "您反映的问题已经提交")


def test_a_field_has_one_label_on_entry_and_review():
    answers = {"kind": "re_review", "matter": {"earlier_reply": {"online": True}}}
    assert choices.label("matter.earlier_reply.number", answers) == "复查意见书上的编号"
    assert choices.label("matter.earlier_reply.received_on", answers) == "第一次在网上打开复查意见书的日期"
    assert choices.label("applicants[3].phone", answers) == choices.label("agent.phone", {}) == "手机号码"
    assert choices.label("matter.concerned_body", answers) == "作出答复的单位"
    assert choices.label("matter.concerned_body", {"kind": "petition"}) == "涉及的单位"
    assert choices.label("consent.privacy", {}) == ""
