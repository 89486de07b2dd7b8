"""Time limits of petitions and of review (复查) / re-review (复核) applications.

Rules (信访工作条例 2022 and the 复查复核规程, seed document 4):

* Review: within 30 days of receiving the written reply (答复意见书), Art. 35;
  re-review: within 30 days of receiving the review opinion (复查意见书), Art. 36.
* The limit is counted from the day after receipt (规程 Art. 12). A reply sent by
  post counts as received on the postmark or signed receipt date; a reply given
  online counts as received on the day the petitioner first opened it. The
  caller works that date out and passes it as `received_on`.
* If the petitioner was never told the time limit and the channel, the limit
  runs from the day they knew or should have known them (规程 Art. 12 (三)).
* A limit whose last day is not a working day moves to the next working day.
* Applying late is not refused here: the office decides whether it accepts
  (规程 Art. 14), and every visit must be recorded, so lateness is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from kiosk.calendar import WorkCalendar
from kiosk.problems import Problem

ReviewKind = Literal["review", "re_review"]
Status = Literal["in_time", "late", "uninformed"]

REVIEW_LIMIT_DAYS = 30  # 信访工作条例 Arts. 35, 36
PETITION_ACCEPT_DAYS = 15  # Arts. 22-23
PETITION_HANDLE_DAYS = 60  # Art. 34
PETITION_EXTENSION_DAYS = 30  # Art. 34: once, at most 30 days
REVIEW_ACCEPT_WORKING_DAYS = 3  # 规程 Art. 14
REVIEW_OPINION_DAYS = 30  # Arts. 35, 36; 规程 Art. 14

# kind -> (the document the limit runs from, what is applied for)
_WORDS: dict[str, tuple[str, str]] = {
    "review": ("答复意见书", "复查"),
    "re_review": ("复查意见书", "复核"),
}

_UNINFORMED_RULE = "如果当时没有告知您申请期限和途径，期限从您知道或者应当知道之日起计算。"


def format_date_zh(d: date) -> str:
    """2026-11-09 -> "2026年11月9日" (no leading zeros, easier to read aloud)."""
    return f"{d.year}年{d.month}月{d.day}日"


@lru_cache(maxsize=1)
def _default_calendar() -> WorkCalendar:
    return WorkCalendar.load()


@dataclass(frozen=True)
class ReviewDeadline:
    """Whether a review / re-review application is inside its time limit.

    `counted_from` is the first day counted (the day after receipt, or after
    the day the petitioner knew of the limit); `deadline` is the last day,
    already moved past weekends and holidays. `days_left` is 0 on the last day.

    For "uninformed" without a known date, the office decides where counting
    starts; the dates then count from today, because the petitioner knows the
    limit now at the latest, so `deadline` is the latest safe day to apply.
    """

    status: Status
    counted_from: date
    deadline: date
    days_left: int
    days_late: int
    explanation: str


def _limit_sentence(start: date, deadline: date) -> str:
    """The "截止到…" sentence, with the reason when the last day was moved."""
    nominal = start + timedelta(days=REVIEW_LIMIT_DAYS)
    if nominal == deadline:
        return f"截止到{format_date_zh(deadline)}。"
    return (
        f"截止到{format_date_zh(deadline)}"
        f"（第{REVIEW_LIMIT_DAYS}天{format_date_zh(nominal)}是休息日，顺延到下一个工作日）。"
    )


def _today_sentence(today: date, deadline: date) -> str:
    if today < deadline:
        return f"今天是{format_date_zh(today)}，还剩{(deadline - today).days}天。"
    if today == deadline:
        return f"今天是{format_date_zh(today)}，今天是最后一天。"
    return (
        f"今天是{format_date_zh(today)}，已经超过期限{(today - deadline).days}天。"
        "是否受理由信访部门决定，您的申请仍然会登记。"
    )


def assess_review_deadline(
    kind: ReviewKind,
    received_on: date,
    today: date,
    *,
    informed_of_limit: bool = True,
    known_on: date | None = None,
    calendar: WorkCalendar | None = None,
) -> ReviewDeadline:
    """Assess the 30-day limit for applying for review or re-review.

    `received_on`: the day the reply (review) or review opinion (re-review) was
    received; for an online reply, the day it was first opened.
    `informed_of_limit`: whether that document told the petitioner the time
    limit and the channel for applying. If not, `known_on` is the day they
    knew or should have known them, or None when nobody can say yet.
    `known_on` is ignored when `informed_of_limit` is true.

    Raises ValueError for dates that `review_deadline_problems` reports as
    errors (received in the future, known before received or in the future).
    """
    if kind not in _WORDS:
        raise ValueError(f"unknown kind: {kind!r}")
    bad = _date_errors(received_on, today, informed_of_limit, known_on, "", "")
    if bad:
        raise ValueError(bad[0].message)
    cal = calendar if calendar is not None else _default_calendar()
    document, applying = _WORDS[kind]
    intro = (
        f"您于{format_date_zh(received_on)}收到{document}，"
        f"申请{applying}的期限是{REVIEW_LIMIT_DAYS}日，从次日起算，"
    )

    if informed_of_limit:
        start = received_on
        text = intro
    elif known_on is not None:
        start = known_on
        text = (
            _UNINFORMED_RULE
            + f"您于{format_date_zh(known_on)}知道了申请{applying}的期限和途径，"
            + f"期限{REVIEW_LIMIT_DAYS}日，从次日起算，"
        )
    else:
        deadline = cal.add_calendar_days(today, REVIEW_LIMIT_DAYS)
        return ReviewDeadline(
            status="uninformed",
            counted_from=today + timedelta(days=1),
            deadline=deadline,
            days_left=(deadline - today).days,
            days_late=0,
            explanation=(
                _UNINFORMED_RULE
                + "具体从哪天起算由信访部门认定，您现在就可以提出申请。"
                + f"为稳妥起见，请最晚在{format_date_zh(deadline)}之前提出。"
            ),
        )

    deadline = cal.add_calendar_days(start, REVIEW_LIMIT_DAYS)
    text += _limit_sentence(start, deadline) + _today_sentence(today, deadline)
    late = today > deadline
    return ReviewDeadline(
        status="late" if late else "in_time",
        counted_from=start + timedelta(days=1),
        deadline=deadline,
        days_left=0 if late else (deadline - today).days,
        days_late=(today - deadline).days if late else 0,
        explanation=text,
    )


def _date_errors(
    received_on: date,
    today: date,
    informed_of_limit: bool,
    known_on: date | None,
    path: str,
    known_on_path: str,
) -> list[Problem]:
    problems = []
    if received_on > today:
        problems.append(
            Problem(
                path,
                "收到日期不能晚于今天，请核对。",
                "deadline.received_in_future",
            )
        )
    if not informed_of_limit and known_on is not None:
        if known_on < received_on:
            problems.append(
                Problem(
                    known_on_path,
                    "知道申请期限的日期不能早于收到日期，请核对。",
                    "deadline.known_before_received",
                )
            )
        if known_on > today:
            problems.append(
                Problem(
                    known_on_path,
                    "知道申请期限的日期不能晚于今天，请核对。",
                    "deadline.known_in_future",
                )
            )
    return problems


def review_deadline_problems(
    kind: ReviewKind,
    received_on: date,
    today: date,
    *,
    informed_of_limit: bool = True,
    known_on: date | None = None,
    calendar: WorkCalendar | None = None,
    path: str = "",
    known_on_path: str | None = None,
) -> list[Problem]:
    """Problems with the dates of a review / re-review application.

    `path` names the received-on field (e.g. "matter.earlier_reply.received_on"),
    `known_on_path` the known-on field (default: `path`). Impossible dates are
    errors; a late application is only a warning ("deadline.late"), because the
    office decides whether to accept it and the kiosk still records it.
    """
    kp = path if known_on_path is None else known_on_path
    problems = _date_errors(received_on, today, informed_of_limit, known_on, path, kp)
    if problems:
        return problems
    result = assess_review_deadline(
        kind,
        received_on,
        today,
        informed_of_limit=informed_of_limit,
        known_on=known_on,
        calendar=calendar,
    )
    if result.status == "late":
        applying = _WORDS[kind][1]
        late_path = kp if (not informed_of_limit and known_on is not None) else path
        problems.append(
            Problem(
                late_path,
                f"已超过申请{applying}的期限{result.days_late}天"
                f"（截止到{format_date_zh(result.deadline)}）。"
                "仍可提交，是否受理由信访部门决定。",
                "deadline.late",
                "warning",
            )
        )
    return problems


@dataclass(frozen=True)
class Milestone:
    label: str  # what happens, in plain Chinese
    by: date  # the latest day it should happen
    basis: str  # the rule behind it, in plain Chinese


def next_steps(
    kind: Literal["petition", "review", "re_review"],
    submitted_on: date,
    calendar: WorkCalendar | None = None,
) -> list[Milestone]:
    """What happens after submitting on `submitted_on`, and by when at the latest.

    Dates are the latest the rules allow; an office may be faster. Later steps
    are counted from the latest date of the step before, since the kiosk does
    not know when the office will act.
    """
    cal = calendar if calendar is not None else _default_calendar()
    if kind == "petition":
        accept_by = cal.add_calendar_days(submitted_on, PETITION_ACCEPT_DAYS)
        handle_by = cal.add_calendar_days(accept_by, PETITION_HANDLE_DAYS)
        extended_by = cal.add_calendar_days(
            accept_by, PETITION_HANDLE_DAYS + PETITION_EXTENSION_DAYS
        )
        return [
            Milestone(
                "告知您是否受理",
                accept_by,
                f"《信访工作条例》第二十二条、第二十三条：收到信访事项后{PETITION_ACCEPT_DAYS}日内"
                "告知是否受理。",
            ),
            Milestone(
                "办理完毕，给您书面处理意见",
                handle_by,
                f"《信访工作条例》第三十四条：从受理之日起{PETITION_HANDLE_DAYS}日内办结。"
                f"情况复杂的，可以延长一次，最多延长{PETITION_EXTENSION_DAYS}日，并告诉您延期理由。",
            ),
            Milestone(
                "如果延期，最晚办结",
                extended_by,
                f"《信访工作条例》第三十四条：延长办理期限不超过{PETITION_EXTENSION_DAYS}日。",
            ),
        ]
    if kind not in _WORDS:
        raise ValueError(f"unknown kind: {kind!r}")
    applying = _WORDS[kind][1]
    article = "第三十五条" if kind == "review" else "第三十六条"
    return [
        Milestone(
            "决定是否受理",
            cal.add_working_days(submitted_on, REVIEW_ACCEPT_WORKING_DAYS),
            f"《信访事项复查复核规程》第十四条：收到申请后{REVIEW_ACCEPT_WORKING_DAYS}个工作日内"
            "决定是否受理；不受理的，会书面告诉您理由。",
        ),
        Milestone(
            f"作出{applying}意见",
            cal.add_calendar_days(submitted_on, REVIEW_OPINION_DAYS),
            f"《信访工作条例》{article}：收到申请之日起{REVIEW_OPINION_DAYS}日内作出{applying}意见。"
            "如果需要补交材料，从补齐材料那天起算。",
        ),
    ]
