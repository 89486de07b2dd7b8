"""查询办理进度 in the core: what is typed, checked with every problem at once, and a
case's progress in plain words with the legal dates ahead (no Qt, no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kiosk import casequery
from kiosk.calendar import WorkCalendar
from kiosk.store.receipt import new_receipt_no
from wire import schemas

CAL = WorkCalendar.load()


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_a_receipt_number_or_a_query_code_and_the_last_4_digits():
    receipt = new_receipt_no()
    lookup, problems = casequery.read_entry(f"{receipt[:4]} {receipt[4:8]} {receipt[8:]}",
                                            full_width("0123"))
    assert problems == [] and lookup == casequery.Lookup("receipt", receipt, "0123")
    lookup, problems = casequery.read_entry("abcd-efgh", "9876")
    assert problems == [] and lookup == casequery.Lookup("code", "ABCDEFGH", "9876")


def test_every_problem_is_reported_on_its_field_in_plain_chinese():
    receipt = new_receipt_no()
    typo = receipt[:-1] + str((int(receipt[-1]) + 1) % 10)
    cases = {
        ("", ""): {"number": "query.number_missing", "phone_last4": "query.phone_missing"},
        (receipt[:9], "12a4"): {"number": "query.receipt_length",
                                "phone_last4": "query.phone_last4"},
        (typo, "123"): {"number": "query.receipt_check_digit",
                        "phone_last4": "query.phone_last4"},
        ("ABC", "1234"): {"number": "query.code_length"},
        ("IO10ABCD", "12345"): {"number": "query.code_characters",
                                "phone_last4": "query.phone_last4"},
    }
    for (number, last4), wanted in cases.items():
        lookup, problems = casequery.read_entry(number, last4)
        assert lookup is None
        assert {p.path: p.code for p in problems} == wanted, (number, last4)
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in p.message) for p in problems)
    _, [wrong] = casequery.read_entry("IO10ABCD", "1234")
    assert "0 1 I O" in wrong.message


def progress(status: str, kind: str = "petition", events=()) -> schemas.CaseProgress:
    received = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 9:00 in China, a Monday
    history = [schemas.CaseEvent(at=received, status="received", status_label="已收到")]
    history += [schemas.CaseEvent(at=at, status=s, status_label=schemas.CASE_STATUSES[s],
                                  note=note) for at, s, note in events]
    return schemas.CaseProgress(case_no="XF2026030200001", query_code="ABCDEFGH", kind=kind,
                                status=status, status_label=schemas.CASE_STATUSES[status],
                                received_at=received, updated_at=history[-1].at,
                                history=history)


def test_a_received_petition_shows_its_legal_dates_ahead():
    told = casequery.explain(progress("received"), date(2026, 3, 5), CAL)
    assert told.status_label == "已收到" and "等待受理" in told.status_text
    assert [line.when for line in told.ahead] == ["最晚 2026年3月17日", "最晚 2026年5月18日",
                                                  "最晚 2026年6月15日"]
    assert "告知您是否受理" in told.ahead[0].text and "第二十二条" in told.rules[0]
    assert told.history[0].when == "2026年3月2日" and not told.answered
    assert "已收到" in told.spoken and "最晚 2026年3月17日" in told.spoken


def test_an_accepted_petition_counts_from_the_day_it_was_accepted():
    accepted = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    told = casequery.explain(progress("accepted", events=[(accepted, "accepted", "转县人社局")]),
                             date(2026, 6, 1), CAL)
    assert [line.when for line in told.ahead] == ["最晚 2026年5月9日", "最晚 2026年6月8日"]
    assert "已经过了" in told.ahead[0].text and "已经过了" not in told.ahead[1].text
    assert told.history[1].text == "已受理：转县人社局"


def test_a_review_counts_working_days_and_an_answered_case_may_be_rated():
    told = casequery.explain(progress("received", kind="review"), date(2026, 3, 2), CAL)
    assert [line.when for line in told.ahead] == ["最晚 2026年3月5日", "最晚 2026年4月1日"]
    answered = casequery.explain(progress("answered", kind="review",
                                          events=[(datetime(2026, 3, 20, tzinfo=UTC),
                                                   "answered", None)]), date(2026, 3, 21), CAL)
    assert answered.answered and answered.ahead == []
    assert "申请复核" in answered.notes[0]
    assert casequery.explain(progress("closed"), date(2026, 3, 21), CAL).answered
    assert not casequery.explain(progress("withdrawn"), date(2026, 3, 21), CAL).answered


def test_what_the_other_answers_say():
    assert casequery.wait_text(30) == "30 秒"
    assert casequery.wait_text(61) == "2 分钟"
    assert casequery.wait_text(3900) == "1 小时 5 分钟"
    limited = casequery.message(casequery.Answer("limited", retry_after=1800))
    assert "30 分钟" in limited
    assert "网络" in casequery.message(casequery.Answer("offline"))
    assert "打印回执的这台机器" in casequery.message(casequery.Answer("not_found"))
    pending = casequery.explain_pending(casequery.Pending(
        "review", datetime(2026, 3, 1, 17, 0, tzinfo=UTC)))
    assert pending.status_label == "已在本机确认，尚未送达"
    assert pending.history[0].when == "2026年3月2日"  # the day in China
    assert "不需要再次提交" in pending.status_text and pending.kind_label == "复查申请"


def test_the_screen_says_which_of_the_two_it_asks_for_and_an_all_digit_code_is_a_code():
    lookup, _ = casequery.read_entry("23456789", "1234")  # a query code may be all digits
    assert lookup == casequery.Lookup("code", "23456789", "1234")
    receipt = new_receipt_no()
    _, [problem] = casequery.read_entry(receipt[:8], "1234", by="receipt")
    assert problem.code == "query.receipt_length"
    _, [problem] = casequery.read_entry("ABCD2345", "1234", by="receipt")
    assert problem.code == "query.receipt_digits"
    _, [problem] = casequery.read_entry(receipt, "1234", by="code")
    assert problem.code == "query.code_length"
    _, [problem] = casequery.read_entry("", "1234", by="code")
    assert problem.message == "请输入8位查询码。"
