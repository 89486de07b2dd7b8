import itertools

import pytest

from kiosk import flow, petition
from tests.support import factories as f
from tests.support.common import TODAY

KINDS = ["petition", "review", "re_review"]
MODES = [("self", 1), ("for_other", 1), ("group", 3), ("group", 8)]


def answers(kind, mode, size):
    a = {"kind": kind, "applying_as": mode}
    a["applicants"] = [f.person(i) for i in range(size)]
    return a


def walk(a):
    """Taps 下一步 from the first step to the end, as the UI does."""
    seen, step = [], flow.first_step(a)
    while step is not None:
        seen.append(step.id)
        step = flow.next_step(step.id, a)
    return seen


EXPECTED_BASE = ["applying_as", "category", "purpose", "matter", "attachments", "review",
                 "consent", "receipt"]


@pytest.mark.parametrize("kind,mode_size", list(itertools.product(KINDS, MODES)))
def test_every_path(kind, mode_size):
    mode, size = mode_size
    a = answers(kind, mode, size)
    path = walk(a)
    expected = list(EXPECTED_BASE)
    if kind != "petition":  # 我要信访 went straight on; 申请复查、复核 asks which document
        expected[0:0] = ["kind", "earlier_reply"]
        expected.remove("purpose")  # what the citizen wants done: a petition's question only
    at = expected.index("applying_as") + 1
    extra = {"self": ["applicant"], "for_other": ["applicant", "agent"],
             "group": ["group"] + (["representatives"] if size > 5 else [])}[mode]
    expected[at:at] = extra
    assert path == expected
    # 上一步 walks the same path backwards
    back, step = [], path[-1]
    while step is not None:
        back.append(step)
        prev = flow.previous_step(step, a)
        step = prev.id if prev else None
    assert back == list(reversed(path))
    # the step indicator counts 1..n without the receipt, 推选代表 under the number of the
    # group it continues; the total shows from the first step after 谁来申请, and never moves
    positions = [flow.position(s, a) for s in path[:-1]]
    numbered = [s for s in path[:-1] if s != "representatives"]
    total = len(numbered)
    expected_n = [numbered.index("group" if s == "representatives" else s) + 1 for s in path[:-1]]
    decided = path.index("applying_as") + 1
    assert positions == [(n, total if i >= decided else None) for i, n in enumerate(expected_n)]


def test_changing_an_answer_skips_steps_that_no_longer_apply():
    a = answers("review", "group", 8)
    a["applying_as"] = "self"  # changed on the way back
    assert flow.next_step("representatives", a).id == "category"
    assert flow.previous_step("category", a).id == "applicant"


def test_every_validation_problem_maps_to_a_step(tax):
    docs = [{}, {"kind": "review", "applying_as": "group", "applicants": [{}] * 7,
                 "matter": {"earlier_reply": {}}},
            {"kind": "petition", "applying_as": "for_other", "applicants": [{}], "agent": {}},
            f.group(6)]
    for doc in docs:
        result = petition.validate(doc, taxonomy=tax, today=TODAY)
        for p in result.problems:
            if p.path in ("",):
                continue
            step = flow.step_of(p, doc)
            assert step is not None, p
            assert step.id in [s.id for s in flow.steps_for(doc)]


def test_problems_of_a_step(tax):
    doc = f.petition()
    doc["applicants"][0]["phone"] = "123"
    doc["attachments"] = []
    result = petition.validate(doc, taxonomy=tax, today=TODAY)
    assert [p.path for p in flow.problems_of("applicant", result.problems, doc)] == [
        "applicants[0].phone"]
    assert [p.code for p in flow.problems_of("consent", result.problems, doc)] == [
        "attachment.missing.signature"]
    assert flow.problems_of("matter", result.problems, doc) == []


def test_every_step_has_chinese_title_and_prompt():
    for step in flow.STEPS:
        assert step.title and step.prompt
        assert any("\u4e00" <= ch <= "\u9fff" for ch in step.title + step.prompt)


def test_the_step_total_stays_once_the_path_is_known():
    """Filling in answers after 谁来申请 never changes 共 M 步; only a different path does."""
    a = {"kind": "petition", "applying_as": "group", "applicants": [f.person(0)]}
    assert flow.position("applying_as", a) == (1, None)  # the question that decides
    before = flow.position("group", a)
    a["applicants"] = [f.person(i) for i in range(8)]  # a sixth person: 推选代表 appears
    assert flow.position("group", a) == before == (2, 8)
    assert flow.position("representatives", a) == (2, 8)
    assert flow.position("category", a) == (3, 8)
    assert flow.position("purpose", a) == (4, 8)
    assert flow.first_step(a).id == "applying_as"  # 我要信访 never asks what it said
    assert flow.first_step({}).id == "kind"  # 申请复查、复核: which document
