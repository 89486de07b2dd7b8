from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.calendar import DEFAULT_PATH, WorkCalendar
from kiosk.problems import errors
from kiosk.timelimits import (
    Milestone,
    ReviewDeadline,
    assess_review_deadline,
    format_date_zh,
    next_steps,
    review_deadline_problems,
)

CAL = WorkCalendar()  # the package's holidays only, independent of the shipped overrides


def write_toml(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "calendar.toml"
    p.write_text(text, encoding="utf-8")
    return p


# --- the calendar --------------------------------------------------------------------------


def test_2026_national_day_arrangement():
    # State Council: 10月1日至7日放假调休，9月20日（周日）、10月10日（周六）上班.
    for day in range(1, 8):
        assert not CAL.is_working_day(date(2026, 10, day))
    assert CAL.is_working_day(date(2026, 10, 8))
    assert CAL.is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert CAL.is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert not CAL.is_working_day(date(2026, 10, 11))  # ordinary Sunday


def test_ordinary_weekend_and_weekday():
    assert CAL.is_working_day(date(2026, 11, 4))  # Wednesday
    assert not CAL.is_working_day(date(2026, 11, 7))  # Saturday
    assert not CAL.is_working_day(date(2026, 11, 8))  # Sunday


def test_make_up_day_in_previous_december():
    # The 2012 New Year arrangement made Saturday 2011-12-31 a working day.
    assert CAL.is_working_day(date(2011, 12, 31))
    assert not CAL.is_working_day(date(2012, 1, 3))


def test_next_working_day():
    assert CAL.next_working_day(date(2026, 11, 4)) == date(2026, 11, 4)
    assert CAL.next_working_day(date(2026, 11, 7)) == date(2026, 11, 9)
    assert CAL.next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert CAL.next_working_day(datetime(2026, 10, 1, 15, 30)) == date(2026, 10, 8)


def test_add_calendar_days_moves_off_holidays_and_weekends():
    assert CAL.add_calendar_days(date(2026, 9, 1), 30) == date(2026, 10, 8)  # day 30 = Oct 1
    assert CAL.add_calendar_days(date(2026, 10, 8), 30) == date(2026, 11, 9)  # day 30 = Sat
    assert CAL.add_calendar_days(date(2026, 10, 14), 30) == date(2026, 11, 13)  # Friday stays
    # Day 30 is the make-up Saturday 2026-10-10: a working day, so it stays.
    assert CAL.add_calendar_days(date(2026, 9, 10), 30) == date(2026, 10, 10)
    # Spring Festival 2026: 2月15日至23日放假.
    assert CAL.add_calendar_days(date(2026, 1, 16), 30) == date(2026, 2, 24)
    with pytest.raises(ValueError):
        CAL.add_calendar_days(date(2026, 9, 1), -1)


def test_add_working_days():
    # Monday 2026-09-28: Tue, Wed, then 1-7 October off, Thursday 8th.
    assert CAL.add_working_days(date(2026, 9, 28), 3) == date(2026, 10, 8)
    # Friday 2026-10-09 + 1 working day = the make-up Saturday.
    assert CAL.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    assert CAL.add_working_days(date(2026, 11, 6), 1) == date(2026, 11, 9)  # Fri -> Mon
    assert CAL.add_working_days(date(2026, 11, 7), 0) == date(2026, 11, 7)


# --- the override file ---------------------------------------------------------------------


def test_shipped_calendar_file_loads():
    assert DEFAULT_PATH.is_file()
    cal = WorkCalendar.load()
    assert cal.is_working_day(date(2026, 10, 10))
    assert not cal.is_working_day(date(2026, 10, 1))


def test_overrides_take_effect(tmp_path):
    path = write_toml(
        tmp_path,
        "# a local day off and a make-up Saturday\n"
        "extra_holidays = [2026-11-09, '2026-11-10']\n"
        "extra_working_days = [2026-11-14, 2026-10-07]\n",
    )
    cal = WorkCalendar.load(path)
    assert not cal.is_working_day(date(2026, 11, 9))  # a Monday, now off
    assert not cal.is_working_day(date(2026, 11, 10))  # quoted dates are accepted too
    assert cal.is_working_day(date(2026, 11, 14))  # a Saturday, now working
    assert cal.is_working_day(date(2026, 10, 7))  # a package day off, overridden
    # Received 2026-10-08: day 30 is Sat 7 Nov; Mon 9 and Tue 10 are now off.
    assert cal.add_calendar_days(date(2026, 10, 8), 30) == date(2026, 11, 11)
    result = assess_review_deadline("review", date(2026, 10, 8), date(2026, 11, 11), calendar=cal)
    assert result.status == "in_time" and result.days_left == 0


def test_empty_file_means_package_only(tmp_path):
    cal = WorkCalendar.load(write_toml(tmp_path, ""))
    assert cal.extra_holidays == frozenset() and cal.extra_working_days == frozenset()
    assert cal.add_calendar_days(date(2026, 9, 1), 30) == date(2026, 10, 8)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("extra_holidays = 2026-10-01\n", "extra_holidays"),
        ("extra_holidays = [2026-10-01, 'tomorrow']\n", "extra_holidays[1]"),
        ("extra_working_days = ['2026-13-01']\n", "extra_working_days[0]"),
        ("extra_working_days = [2026-09-20T08:00:00]\n", "extra_working_days[0]"),
        ("extra_working_days = [20260920]\n", "extra_working_days[0]"),
        ("extra_holiday = [2026-10-01]\n", "extra_holiday"),
        (
            "extra_holidays = [2026-10-12]\nextra_working_days = [2026-10-12]\n",
            "2026-10-12",
        ),
    ],
)
def test_bad_data_names_the_key(tmp_path, text, names):
    with pytest.raises(ValueError) as info:
        WorkCalendar.load(write_toml(tmp_path, text))
    assert names in str(info.value)
    assert "calendar.toml" in str(info.value)


def test_broken_toml_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="TOML"):
        WorkCalendar.load(write_toml(tmp_path, "extra_holidays = [2026-10-01\n"))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        WorkCalendar.load(tmp_path / "nope.toml")


# --- review deadlines ----------------------------------------------------------------------


def test_format_date_zh():
    assert format_date_zh(date(2026, 11, 9)) == "2026年11月9日"
    assert format_date_zh(date(2026, 1, 2)) == "2026年1月2日"


def test_in_time_with_days_left():
    r = assess_review_deadline("review", date(2026, 10, 8), date(2026, 11, 4), calendar=CAL)
    assert r == ReviewDeadline(
        status="in_time",
        counted_from=date(2026, 10, 9),
        deadline=date(2026, 11, 9),
        days_left=5,
        days_late=0,
        explanation=r.explanation,
    )
    assert "2026年10月8日" in r.explanation
    assert "答复意见书" in r.explanation and "复查" in r.explanation
    assert "2026年11月9日" in r.explanation
    assert "顺延" in r.explanation  # day 30 was a Saturday
    assert "还剩5天" in r.explanation


def test_deadline_on_national_day_moves_to_next_working_day():
    r = assess_review_deadline("re_review", date(2026, 9, 1), date(2026, 10, 2), calendar=CAL)
    assert r.deadline == date(2026, 10, 8)
    assert r.status == "in_time" and r.days_left == 6
    assert "复查意见书" in r.explanation and "复核" in r.explanation
    assert "2026年10月1日" in r.explanation and "顺延" in r.explanation


def test_no_move_mentioned_when_not_moved():
    r = assess_review_deadline("review", date(2026, 10, 14), date(2026, 10, 20), calendar=CAL)
    assert r.deadline == date(2026, 11, 13)
    assert "顺延" not in r.explanation


def test_last_day_is_in_time():
    r = assess_review_deadline("review", date(2026, 9, 1), date(2026, 10, 8), calendar=CAL)
    assert r.status == "in_time" and r.days_left == 0 and r.days_late == 0
    assert "最后一天" in r.explanation


def test_one_day_after_is_late_by_one():
    r = assess_review_deadline("review", date(2026, 9, 1), date(2026, 10, 9), calendar=CAL)
    assert r.status == "late" and r.days_late == 1 and r.days_left == 0
    assert "超过期限1天" in r.explanation


def test_uninformed_without_known_date():
    r = assess_review_deadline(
        "review", date(2026, 3, 2), date(2026, 10, 9), informed_of_limit=False, calendar=CAL
    )
    assert r.status == "uninformed"
    assert r.days_late == 0
    # The petitioner knows the limit today at the latest: count from today.
    assert r.counted_from == date(2026, 10, 10)
    assert r.deadline == date(2026, 11, 9)  # day 30 = Sunday 8 November
    assert "知道或者应当知道" in r.explanation
    assert "信访部门认定" in r.explanation and "现在就可以提出申请" in r.explanation


def test_uninformed_with_known_date_in_time_and_late():
    r = assess_review_deadline(
        "review",
        date(2026, 3, 2),
        date(2026, 10, 9),
        informed_of_limit=False,
        known_on=date(2026, 9, 15),
        calendar=CAL,
    )
    assert r.status == "in_time"
    assert r.counted_from == date(2026, 9, 16)
    assert r.deadline == date(2026, 10, 15)
    assert r.days_left == 6
    assert "知道或者应当知道" in r.explanation and "2026年9月15日" in r.explanation

    late = assess_review_deadline(
        "review",
        date(2026, 3, 2),
        date(2026, 10, 9),
        informed_of_limit=False,
        known_on=date(2026, 3, 2),
        calendar=CAL,
    )
    assert late.status == "late"
    assert late.deadline == date(2026, 4, 1)
    assert late.days_late == 191


def test_known_on_ignored_when_informed():
    r = assess_review_deadline(
        "review", date(2026, 9, 1), date(2026, 10, 9), known_on=date(2026, 10, 1), calendar=CAL
    )
    assert r.status == "late" and r.deadline == date(2026, 10, 8)


def test_assess_refuses_impossible_dates():
    with pytest.raises(ValueError):
        assess_review_deadline("review", date(2026, 10, 10), date(2026, 10, 9), calendar=CAL)
    with pytest.raises(ValueError):
        assess_review_deadline(
            "review",
            date(2026, 9, 1),
            date(2026, 10, 9),
            informed_of_limit=False,
            known_on=date(2026, 8, 1),
            calendar=CAL,
        )


# --- problems ------------------------------------------------------------------------------

PATH = "matter.earlier_reply.received_on"


def test_future_received_date_is_an_error():
    ps = review_deadline_problems(
        "review", date(2026, 10, 10), date(2026, 10, 9), calendar=CAL, path=PATH
    )
    assert [(p.path, p.code, p.severity) for p in ps] == [
        (PATH, "deadline.received_in_future", "error")
    ]
    assert "今天" in ps[0].message


def test_known_before_received_is_an_error():
    ps = review_deadline_problems(
        "review",
        date(2026, 9, 1),
        date(2026, 10, 9),
        informed_of_limit=False,
        known_on=date(2026, 8, 31),
        calendar=CAL,
        path=PATH,
        known_on_path="matter.earlier_reply.known_on",
    )
    assert [(p.path, p.code, p.severity) for p in ps] == [
        ("matter.earlier_reply.known_on", "deadline.known_before_received", "error")
    ]


def test_late_is_only_a_warning():
    ps = review_deadline_problems(
        "review", date(2026, 9, 1), date(2026, 10, 12), calendar=CAL, path=PATH
    )
    assert [(p.path, p.code, p.severity) for p in ps] == [(PATH, "deadline.late", "warning")]
    assert errors(ps) == []
    assert "4天" in ps[0].message and "信访部门决定" in ps[0].message


def test_in_time_and_uninformed_have_no_problems():
    assert (
        review_deadline_problems(
            "review", date(2026, 9, 1), date(2026, 10, 8), calendar=CAL, path=PATH
        )
        == []
    )
    assert (
        review_deadline_problems(
            "re_review",
            date(2025, 1, 1),
            date(2026, 10, 8),
            informed_of_limit=False,
            calendar=CAL,
            path=PATH,
        )
        == []
    )


# --- next steps ----------------------------------------------------------------------------


def test_next_steps_petition():
    steps = next_steps("petition", date(2026, 9, 28), CAL)
    assert all(isinstance(m, Milestone) for m in steps)
    assert [m.by for m in steps] == [
        date(2026, 10, 13),  # 15 days
        date(2026, 12, 14),  # 60 days after that: Saturday 12 December -> Monday
        date(2027, 1, 11),  # extended by at most 30 days
    ]
    assert "受理" in steps[0].label
    assert "延长" in steps[1].basis and "30日" in steps[1].basis
    assert "第三十四条" in steps[1].basis


def test_next_steps_review_and_re_review():
    review = next_steps("review", date(2026, 9, 28), CAL)
    assert [m.by for m in review] == [date(2026, 10, 8), date(2026, 10, 28)]
    assert "3个工作日" in review[0].basis
    assert "复查" in review[1].label and "第三十五条" in review[1].basis
    re_review = next_steps("re_review", date(2026, 9, 28), CAL)
    assert "复核" in re_review[1].label and "第三十六条" in re_review[1].basis


# --- properties ----------------------------------------------------------------------------

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=300, deadline=None)
@given(received=dates, offset=st.integers(min_value=0, max_value=120))
def test_deadline_properties(received, offset):
    today = received + timedelta(days=offset)
    r = assess_review_deadline("review", received, today, calendar=CAL)
    nominal = received + timedelta(days=30)
    assert r.deadline >= nominal
    assert CAL.is_working_day(r.deadline)
    # The longest run of non-working days is Spring Festival 2020 (10 days).
    assert (r.deadline - nominal).days <= 14
    if today > r.deadline:
        assert (r.status, r.days_left, r.days_late) == ("late", 0, (today - r.deadline).days)
    else:
        assert (r.status, r.days_left, r.days_late) == ("in_time", (r.deadline - today).days, 0)


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_add_working_days_properties(start, n):
    d = CAL.add_working_days(start, n)
    assert CAL.is_working_day(d)
    assert d > start
    assert CAL.add_working_days(start, n + 1) > d
    # exactly n working days after start, up to and including d
    span = [start + timedelta(days=i) for i in range(1, (d - start).days + 1)]
    assert sum(CAL.is_working_day(x) for x in span) == n


def test_known_on_problems_use_their_own_path():
    known = "matter.earlier_reply.known_on"
    future = review_deadline_problems(
        "review",
        date(2026, 9, 1),
        date(2026, 10, 9),
        informed_of_limit=False,
        known_on=date(2026, 10, 10),
        calendar=CAL,
        path=PATH,
        known_on_path=known,
    )
    assert [(p.path, p.code, p.severity) for p in future] == [
        (known, "deadline.known_in_future", "error")
    ]
    late = review_deadline_problems(
        "re_review",
        date(2026, 3, 2),
        date(2026, 10, 9),
        informed_of_limit=False,
        known_on=date(2026, 3, 2),
        calendar=CAL,
        path=PATH,
        known_on_path=known,
    )
    assert [(p.path, p.code, p.severity) for p in late] == [(known, "deadline.late", "warning")]
    assert "复核" in late[0].message
