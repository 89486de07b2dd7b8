from datetime import date

import pytest

from kiosk import petition
from tests.support import factories as f
from tests.support.common import TODAY


def check(doc, tax, today=TODAY):
    return petition.validate(doc, taxonomy=tax, today=today)


def codes(result, path=None):
    return {p.code for p in result.problems if path is None or p.path == path}


def test_example_document_is_valid(example_doc, tax):
    result = check(example_doc, tax)
    assert result.ok, result.problems
    person = result.document["applicants"][0]
    # sex and birth date are read from the ID number
    assert person["sex"] == "female" and person["birth_date"] == "1949-12-31"


@pytest.mark.parametrize("doc", [
    f.petition(),
    f.review(),
    f.review("re_review"),
    f.review(online=True),
    f.review("re_review", online=True),
    f.petition(applying_as="for_other", agent=f.agent(), attachments=[
        dict(f.SIGNATURE),
        {"role": "authorisation", "media_type": "image/jpeg", "file": "a.jpg"},
        {"role": "agent_id_proof", "media_type": "image/jpeg", "file": "b.jpg"}]),
    f.group(3),
    f.group(8, representatives=[0, 3]),
], ids=["petition", "review", "re_review", "review-online", "re_review-online", "agent",
        "group3", "group8"])
def test_valid_documents(doc, tax):
    result = check(doc, tax)
    assert result.ok, result.problems


def test_not_an_object(tax):
    assert codes(check([], tax)) == {"type"}
    assert codes(check(None, tax)) == {"required"}


def test_every_problem_has_path_and_chinese_message(tax):
    result = check({"kind": "x", "applicants": [{}], "matter": {}, "bogus": 1}, tax)
    assert not result.ok
    for p in result.problems:
        assert p.message and any("\u4e00" <= ch <= "\u9fff" for ch in p.message)
        assert p.code
    paths = {p.path for p in result.problems}
    assert {"kind", "bogus", "applicants[0].name", "applicants[0].id_type",
            "applicants[0].id_number", "matter.request", "consent"} <= paths


def test_normalises_full_width_and_lower_case_id(tax):
    doc = f.petition()
    number = f.resident_id(seq="00" + "2")
    doc["applicants"][0]["id_number"] = number
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    doc["applicants"][0]["id_number"] = " " + full_width + " "
    result = check(doc, tax)
    assert result.ok, result.problems
    assert result.document["applicants"][0]["id_number"] == number


def test_bad_id_number_is_reported_at_its_path(tax):
    doc = f.petition()
    n = doc["applicants"][0]["id_number"]
    doc["applicants"][0]["id_number"] = n[:-1] + ("0" if n[-1] != "0" else "1")
    result = check(doc, tax)
    assert not result.ok
    assert [p.path for p in result.problems] == ["applicants[0].id_number"]


def test_stated_sex_or_birth_must_match_the_number(tax):
    doc = f.petition()
    doc["applicants"][0]["sex"] = "male"
    doc["applicants"][0]["birth_date"] = "1950-01-02"
    result = check(doc, tax)
    assert codes(result) == {"person.sex_mismatch", "person.birth_mismatch"}


def test_passport_holder_needs_sex_and_birth_for_review(tax):
    doc = f.review()
    doc["applicants"][0].update(id_type="passport", id_number="E12345678")
    result = check(doc, tax)
    assert {"applicants[0].sex", "applicants[0].birth_date"} <= {
        p.path for p in result.problems if p.code == "required"}
    doc["applicants"][0].update(sex="female", birth_date="1960-03-04")
    assert check(doc, tax).ok


def test_phone_and_address_required_for_the_applicant(tax):
    doc = f.petition()
    del doc["applicants"][0]["phone"]
    doc["applicants"][0]["address"] = "   "
    result = check(doc, tax)
    assert {p.path for p in result.problems} == {"applicants[0].phone", "applicants[0].address"}
    doc = f.petition()
    doc["applicants"][0]["phone"] = "12345678901"
    assert "applicants[0].phone" in {p.path for p in check(doc, tax).problems}


@pytest.mark.parametrize("name,ok", [("王秀兰", True), ("阿卜杜·热合曼", True), ("John Smith", True),
                                     ("王2兰", False), ("<script>", False)])
def test_names(tax, name, ok):
    doc = f.petition()
    doc["applicants"][0]["name"] = name
    assert check(doc, tax).ok is ok


def test_text_lengths_and_control_characters(tax):
    doc = f.petition()
    doc["matter"]["request"] = "请" * (petition.LIMITS["request"] + 1)
    doc["matter"]["place"] = "城关镇\x07"
    result = check(doc, tax)
    assert codes(result, "matter.request") == {"text.too_long"}
    assert codes(result, "matter.place") == {"text.control"}
    # a multi-line request keeps its lines; single-line fields collapse spaces
    doc = f.petition()
    doc["matter"]["facts_and_reasons"] = "第一行\r\n第二行"
    doc["matter"]["place"] = "  城关镇   幸福路 "
    result = check(doc, tax)
    assert result.document["matter"]["facts_and_reasons"] == "第一行\n第二行"
    assert result.document["matter"]["place"] == "城关镇 幸福路"


def test_category_and_purpose_come_from_the_taxonomy(tax):
    result = check(f.petition(category="nope", purpose="nope"), tax)
    assert codes(result) == {"choice"}
    assert {p.path for p in result.problems} == {"category", "purpose"}
    assert codes(check(f.review(purpose="demand"), tax)) == {"purpose.not_applicable"}


def test_group_of_more_than_five_needs_at_most_five_representatives(tax):
    assert codes(check(f.group(6), tax), "representatives") == {"representatives.required"}
    big = f.group(8, representatives=[0, 1, 2, 3, 4, 5])
    big["applicants"][5].update(phone="13900000005", address="幸福路6号")
    assert codes(check(big, tax), "representatives") == {"representatives.too_many"}
    assert "representatives.unknown" in codes(check(f.group(8, representatives=[0, 9]), tax))
    # representatives must be reachable
    doc = f.group(8, representatives=[0, 3])
    del doc["applicants"][3]["phone"]
    assert {p.path for p in check(doc, tax).problems} == {"applicants[3].phone"}
    # five or fewer: everyone gives contact details, representatives optional
    small = f.group(5)
    assert check(small, tax).ok
    del small["applicants"][4]["address"]
    assert {p.path for p in check(small, tax).problems} == {"applicants[4].address"}


def test_group_rules_on_counts_and_duplicates(tax):
    assert "applicants.count" in codes(check(f.group(1), tax))
    doc = f.group(3)
    doc["applicants"][2]["id_number"] = doc["applicants"][0]["id_number"]
    assert codes(check(doc, tax), "applicants[2].id_number") == {"applicants.duplicate"}
    assert "applicants.count" in codes(check(f.petition(applicants=[f.person(0), f.person(1)]),
                                             tax))


def test_agent_needs_identity_authorisation_and_material(tax):
    doc = f.petition(applying_as="for_other")
    result = check(doc, tax)
    assert "agent" in {p.path for p in result.problems}
    assert {"attachment.missing.authorisation", "attachment.missing.agent_id_proof"} <= codes(result)
    doc = f.petition(applying_as="for_other", agent=f.agent(authorisation={
        "matters": "代为提交", "powers": "提交", "valid_from": "2026-01-01",
        "valid_until": "2026-06-30"}))
    assert "authorisation.expired" in codes(check(doc, tax))
    same = f.agent()
    same["id_number"] = f.person(0)["id_number"]
    assert "agent.same_person" in codes(check(f.petition(applying_as="for_other", agent=same), tax))
    assert "agent.not_applicable" in codes(check(f.petition(agent=f.agent()), tax))


def test_review_requires_reply_material_unless_online(tax):
    doc = f.review("re_review")
    doc["attachments"] = [dict(f.SIGNATURE)]
    missing = {c for c in codes(check(doc, tax)) if c.startswith("attachment.missing")}
    assert missing == {"attachment.missing.id_proof", "attachment.missing.reply_opinion",
                       "attachment.missing.review_application",
                       "attachment.missing.review_opinion"}
    online = f.review("re_review", online=True)
    assert check(online, tax).ok


def test_review_time_limit(tax):
    # received 2026-10-08: day 30 is Saturday 11-07, moved to Monday 11-09
    in_time = check(f.review(received_on="2026-11-10"), tax)
    assert in_time.ok and in_time.deadline.status == "in_time"
    late = check(f.review(received_on="2026-10-08"), tax)
    assert late.ok, "late is a warning: the office decides, the kiosk still records it"
    assert late.deadline.status == "late" and late.deadline.days_late == 17
    assert [p.severity for p in late.problems] == ["warning"]
    future = check(f.review(received_on="2026-12-01"), tax)
    assert not future.ok
    assert {p.path for p in future.problems} == {"matter.earlier_reply.received_on"}


def test_never_told_the_limit_runs_from_when_they_knew(tax):
    doc = f.review(received_on="2025-01-10")
    doc["matter"]["earlier_reply"].update(informed_of_limit=False, known_on="2026-11-20")
    result = check(doc, tax)
    assert result.ok and result.deadline.status == "in_time"
    doc["matter"]["earlier_reply"]["known_on"] = None
    result = check(doc, tax)
    assert result.ok and result.deadline.status == "uninformed"
    doc["matter"]["earlier_reply"]["known_on"] = "2024-01-01"
    assert {p.path for p in check(doc, tax).problems} == {"matter.earlier_reply.known_on"}


def test_consent_and_signature_are_required(tax):
    doc = f.petition(consent={"privacy": False, "truthful": True}, attachments=[])
    assert {"consent.privacy", "attachment.missing.signature"} <= codes(check(doc, tax))


def test_bad_dates_and_types(tax):
    doc = f.review(received_on="2026-02-30")
    assert codes(check(doc, tax), "matter.earlier_reply.received_on") == {"date.format"}
    doc = f.petition()
    doc["applicants"][0]["name"] = 12
    doc["consent"]["privacy"] = "yes"
    result = check(doc, tax)
    assert codes(result, "applicants[0].name") == {"type"}
    assert codes(result, "consent.privacy") == {"type"}


def test_validation_never_raises_on_odd_shapes(tax):
    for raw in [{"applicants": "x"}, {"applicants": [None, 3]}, {"matter": []},
                {"representatives": ["a"], "applying_as": "group"}, {"attachments": [1]},
                {"consent": 1}, {"kind": ["review"]}, {"matter": {"earlier_reply": 5},
                                                        "kind": "review"}]:
        result = check(raw, tax)
        assert not result.ok


def test_today_matters_for_future_birth_dates(tax):
    doc = f.petition()
    doc["applicants"][0]["id_number"] = f.resident_id(birth=date(2026, 12, 1))
    assert not check(doc, tax, today=date(2026, 11, 26)).ok
    assert check(doc, tax, today=date(2026, 12, 2)).ok
