"""查询办理进度: what a citizen types to read their case, what the answer can be, and the
answer in plain words — the same for the query screen and `kiosk query`.

What is typed: the receipt number (ten digits, the last a Damm check digit; it names a
case only on the terminal that printed it) or the query code the platform gave
(8 characters without look-alikes, any terminal), and the second factor, the last 4
digits of the phone number given in the submission. `read_entry` reports every problem
at once, each on the field it belongs to, in the words the screen shows.

The answer (`Answer`) is one of a few states; `explain` turns a found case into the
status, its history and the legal dates ahead, nothing personal (the platform's
progress carries none). Qt-free and network-free: the read itself is `app/cases.py`'s.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from kiosk import timelimits
from kiosk.calendar import WorkCalendar
from kiosk.problems import Problem
from wire import schemas

NUMBER = "number"  # the field of the receipt number or query code
PHONE_LAST4 = "phone_last4"  # the field of the second factor

# Dates are China's (UTC+8 all year), as the platform's case numbers count them.
CHINA = timezone(timedelta(hours=8), "CST")

By = Literal["receipt", "code"]  # how the case is named: this terminal's receipt, or a code
State = Literal["found", "pending", "not_found", "limited", "offline", "unavailable"]


@dataclass(frozen=True)
class Lookup:
    """What the citizen typed, checked: a receipt number of this terminal or a query code."""

    by: By
    value: str  # bare: ten digits, or the 8 characters in upper case
    phone_last4: str


def _typed(text: str) -> str:
    # full-width characters as ASCII; the spaces and dashes of a grouped number dropped
    return "".join(c for c in unicodedata.normalize("NFKC", text or "") if c not in " -_.·\t")


def _looks_like(bare: str) -> By:
    # Ten digits are a receipt number; a query code may be all digits too (2-9), but
    # it has eight, so the two never collide.
    if bare.isdigit() and not (len(bare) == 8 and set(bare) <= set(schemas.QUERY_CODE_ALPHABET)):
        return "receipt"
    return "code"


NOT_A_RECEIPT = "这不是回执上的二维码。请把回执上的二维码放到摄像头下，或者输入回执编号。"
OTHER_TERMINAL = "这张回执是别的终端开的，在这里要用查询码查询：请输入回执上的8位查询码。"


def looks_scanned(text: str) -> bool:
    """A receipt's QR text (the receipt page's address, or the bare `R1…` text)."""
    from wire import receipt

    return receipt.PAGE_PATH + receipt.VERSION in text or text.startswith(receipt.VERSION)


def read_scanned(text: str, terminal_id: str) -> tuple[str | None, str]:
    """A receipt's QR code read by the camera (or pasted into `kiosk query`): its receipt
    number, or None and why not in plain Chinese. A receipt number names a case only on the
    terminal that printed it, so another terminal's receipt asks for the query code."""
    from wire import receipt

    try:
        signed = receipt.parse(text)
    except receipt.ReceiptInvalid:
        return None, NOT_A_RECEIPT
    if terminal_id and signed.terminal_id != terminal_id:
        return None, OTHER_TERMINAL
    return signed.receipt_no, ""


def read_entry(number: str, phone_last4: str,
               by: By | None = None) -> tuple[Lookup | None, list[Problem]]:
    """The lookup in what was typed, or None and every problem (paths NUMBER, PHONE_LAST4).
    `by` says which of the two was asked for (the screen's choice); None: told by shape."""
    problems: list[Problem] = []
    bare = _typed(number).upper()
    by = by or _looks_like(bare)
    if not bare:
        problems.append(Problem(NUMBER, "请输入回执上的回执编号（10位数字）。" if by == "receipt"
                                else "请输入8位查询码。", "query.number_missing"))
    elif by == "receipt" and not bare.isdigit():
        problems.append(Problem(NUMBER, "回执编号只有数字，请对照回执再输一次。",
                                "query.receipt_digits"))
    elif by == "receipt":
        from kiosk.store.receipt import RECEIPT_DIGITS, is_valid_receipt_no

        if len(bare) != RECEIPT_DIGITS:
            problems.append(Problem(NUMBER, f"回执编号是10位数字，您输入了{len(bare)}位，请核对。",
                                    "query.receipt_length"))
        elif not is_valid_receipt_no(bare):
            problems.append(Problem(NUMBER, "这个回执编号不对，可能有一位输错了，请对照回执再输一次。",
                                    "query.receipt_check_digit"))
    else:
        wrong = sorted({c for c in bare if c not in schemas.QUERY_CODE_ALPHABET})
        if len(bare) != 8:
            problems.append(Problem(NUMBER, f"查询码是8位，您输入了{len(bare)}位，请核对。",
                                    "query.code_length"))
        elif wrong:
            problems.append(Problem(NUMBER, "查询码里没有 " + " ".join(wrong)
                                    + "（数字0、1和字母O、I、L都不会出现），请核对。",
                                    "query.code_characters"))
    last4 = _typed(phone_last4)
    if not last4:
        problems.append(Problem(PHONE_LAST4, "请输入您申请时留的手机号码的最后4位。",
                                "query.phone_missing"))
    elif len(last4) != 4 or not last4.isdigit() or not last4.isascii():
        problems.append(Problem(PHONE_LAST4, "请输入手机号码的最后4位数字。",
                                "query.phone_last4"))
    if problems:
        return None, problems
    return Lookup(by, bare, last4), []


@dataclass(frozen=True)
class Pending:
    """A receipt this terminal confirmed that has not reached the platform yet."""

    kind: str
    confirmed_at: datetime
    needs_help: bool = False  # the platform refused it or a technician set it aside


@dataclass(frozen=True)
class Answer:
    """The outcome of one query. `found`: `progress`; `pending`: `pending`; `not_found`: no
    case for this number and these digits (the same answer for either being wrong);
    `limited`: too many failed reads, `retry_after` seconds; `offline`: the platform
    cannot be reached; `unavailable`: this terminal cannot ask (not enrolled, refused)."""

    state: State
    progress: schemas.CaseProgress | None = None
    pending: Pending | None = None
    retry_after: int | None = None
    detail: str = ""  # for the technician's log: never what was typed


def wait_text(seconds: int | float) -> str:
    """A wait in words: "30 秒", "3 分钟", "1 小时 5 分钟" (rounded up: never too short)."""
    s = max(1, math.ceil(seconds))
    if s < 60:
        return f"{s} 秒"
    minutes = math.ceil(s / 60)
    if minutes < 60:
        return f"{minutes} 分钟"
    hours, rest = divmod(minutes, 60)
    return f"{hours} 小时" + (f" {rest} 分钟" if rest else "")


def message(answer: Answer) -> str:
    """What the screen and the command say for an answer that is not a case."""
    if answer.state == "not_found":
        return ("没有查到。请核对回执编号（或查询码）和手机号码后4位。"
                "回执编号只能在打印回执的这台机器上查询，在别处请用查询码。")
    if answer.state == "limited":
        return (f"查询失败的次数太多，为保护您的信息，请 {wait_text(answer.retry_after or 60)} "
                "后再试，或请工作人员帮助。")
    if answer.state == "offline":
        return "现在连不上受理平台（网络不通），暂时查不了。可以用手机扫码查询，或稍后再来。"
    if answer.state == "unavailable":
        return "这台机器现在不能查询，请找工作人员。"
    return ""


@dataclass(frozen=True)
class Line:
    when: str  # a date in words
    text: str


@dataclass(frozen=True)
class Explained:
    """A case in plain words: what the screen shows and the voice reads."""

    case_no: str
    kind_label: str
    status_label: str
    status_text: str  # what the status means for the citizen, one or two sentences
    history: list[Line]  # oldest first
    ahead: list[Line]  # the legal dates ahead ("when" the latest day, "text" what happens)
    rules: list[str]  # the rules behind them, short
    answered: bool  # the office gave its opinion: the service may be rated
    spoken: str = ""
    notes: list[str] = field(default_factory=list)


KIND_LABELS = {"petition": "信访事项", "review": "复查申请", "re_review": "复核申请"}
STATUS_TEXT = {
    "received": "受理平台已经收到您的申请，正在等待受理。",
    "accepted": "您的申请已经受理，正在安排办理。",
    "not_accepted": "您的申请不予受理。办理单位会书面告诉您理由。",
    "in_progress": "您的申请正在办理中。",
    "answered": "办理单位已经出具处理意见，请留意书面答复。",
    "closed": "您的事项已经办结。",
    "withdrawn": "您的申请已经撤回。",
    "material_requested": "办理单位需要您补充材料，可以在自助终端拍照补交，或交到办理单位的窗口。",
    "material_added": "您补充的材料已经送到，办理单位会继续办理。",
    "withdrawal_requested": "您申请撤回，正在等待办理单位确认。",
}
MATERIAL_WORKING_DAYS = 10  # 规程 Art. 14: material is added within 10 working days
_NEXT_STEP = {  # after an opinion: what the citizen may do if not satisfied (Arts. 35, 36)
    "petition": ("如果对处理意见不满意，可以自收到书面意见之日起30日内申请复查"
                 "（《信访工作条例》第三十五条）。"),
    "review": ("如果对复查意见不满意，可以自收到书面意见之日起30日内申请复核"
               "（《信访工作条例》第三十六条）。"),
    "re_review": "复核意见是最终意见。",
}


def _day(at: datetime) -> date:
    return at.astimezone(CHINA).date()


def material_asked(progress: schemas.CaseProgress) -> schemas.CaseEvent | None:
    """The office's request for material a case is waiting on (its note says what)."""
    if progress.status != "material_requested":
        return None
    return next((e for e in reversed(progress.history) if e.status == "material_requested"),
                None)


def material_due(progress: schemas.CaseProgress, cal: WorkCalendar | None = None) -> date | None:
    """The last day to add the material asked for: 10 working days from the request."""
    asked = material_asked(progress)
    if asked is None:
        return None
    return (cal or WorkCalendar.load()).add_working_days(_day(asked.at), MATERIAL_WORKING_DAYS)


def may_withdraw(progress: schemas.CaseProgress) -> bool:
    """Art. 17: before the opinion, and not asked for already."""
    return progress.status in schemas.BEFORE_OPINION


def _ahead(progress: schemas.CaseProgress, cal: WorkCalendar | None
           ) -> list[timelimits.Milestone]:
    received_on = _day(progress.received_at)
    if progress.material_complete_at is not None:  # Art. 14: that day counts as receipt
        received_on = max(received_on, _day(progress.material_complete_at))
    due = material_due(progress, cal)
    if due is not None:
        return [timelimits.Milestone(
            "补充材料", due, f"《信访事项复查复核规程》第十四条：办理单位告知之日起"
            f"{MATERIAL_WORKING_DAYS}个工作日内补充，补充材料的时间不计入办理期限。")]
    accepted_before = any(e.status == "accepted" for e in progress.history)
    if progress.status == "received" or (progress.status == "material_added"
                                         and not accepted_before):
        return timelimits.next_steps(progress.kind, received_on, cal)
    if progress.status not in ("accepted", "in_progress", "material_added"):
        return []
    if progress.kind != "petition":  # the opinion is counted from the application
        return timelimits.next_steps(progress.kind, received_on, cal)[1:]
    accepted = [e.at for e in progress.history if e.status == "accepted"]
    accepted_on = _day(accepted[0]) if accepted else received_on
    handle = timelimits.PETITION_HANDLE_DAYS
    extended = handle + timelimits.PETITION_EXTENSION_DAYS
    calendar = cal or WorkCalendar.load()
    return [
        timelimits.Milestone(
            "办理完毕，给您书面处理意见", calendar.add_calendar_days(accepted_on, handle),
            f"《信访工作条例》第三十四条：从受理之日起{handle}日内办结。"),
        timelimits.Milestone(
            "如果延期，最晚办结", calendar.add_calendar_days(accepted_on, extended),
            f"《信访工作条例》第三十四条：情况复杂的可以延长一次，不超过"
            f"{timelimits.PETITION_EXTENSION_DAYS}日，并告诉您理由。"),
    ]


def explain(progress: schemas.CaseProgress, today: date,
            calendar: WorkCalendar | None = None) -> Explained:
    """The case in plain words, the dates ahead counted by the work calendar."""
    fmt = timelimits.format_date_zh
    history = [Line(fmt(_day(e.at)), e.status_label + (f"：{e.note}" if e.note else ""))
               for e in progress.history]
    ahead, rules = [], []
    for m in _ahead(progress, calendar):
        late = "（这一天已经过了，可以请工作人员帮您询问）" if m.by < today else ""
        ahead.append(Line(f"最晚 {fmt(m.by)}", m.label + late))
        rules.append(m.basis)
    answered = progress.status in ("answered", "closed")
    notes = [_NEXT_STEP[progress.kind]] if progress.status == "answered" else []
    status_text = STATUS_TEXT[progress.status]
    asked = material_asked(progress)
    if asked is not None and asked.note:
        status_text = f"办理单位需要您补充：{asked.note}。可以在自助终端拍照补交，或交到办理单位的窗口。"
    spoken = f"您的{KIND_LABELS[progress.kind]}，现在的状态是：{progress.status_label}。{status_text}"
    if ahead:
        spoken += f"下一步：{ahead[0].text}，{ahead[0].when}。"
    return Explained(progress.case_no, KIND_LABELS[progress.kind], progress.status_label,
                     status_text, history, ahead, rules, answered, spoken, notes)


def explain_pending(pending: Pending) -> Explained:
    """A receipt confirmed here that the platform has not received yet."""
    on = timelimits.format_date_zh(_day(pending.confirmed_at))
    if pending.needs_help:
        text = ("您的申请已在本机确认，但发送时遇到问题，还没有送到受理平台。"
                "请找工作人员帮助，您的申请不会丢失。")
    else:
        text = ("您的申请已在本机确认，还没有送到受理平台，网络通畅后会自动送出，"
                "不需要再次提交。送到后就能查到办理进度。")
    label = "已在本机确认，尚未送达"
    return Explained("", KIND_LABELS.get(pending.kind, "申请"), label, text,
                     [Line(on, "在本机确认提交")], [], [], False,
                     f"您的{KIND_LABELS.get(pending.kind, '申请')}：{label}。{text}")
