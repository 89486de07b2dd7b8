"""What the receipt screen says about what comes after it: only what works today.

The receipt's QR code opens the platform's receipt page (`wire.receipt`, served by the
platform at `/r/…`), which checks the receipt and shows the case's progress; an office
finds a case by its terminal and receipt number, and the home screen's 查询办理进度 reads it
with the receipt number and the phone's last 4 digits (`kiosk/casequery.py`).
"""

from __future__ import annotations

from kiosk import terminal_key

# The one place that says where progress can be checked (screen, voice, voucher).
WHERE_TO_CHECK_PROGRESS = ("用手机扫描二维码，可以核对这张回执、查看办理进度；"
                           "也可以在首页点“查询办理进度”，输入回执编号和手机号码后4位查询。")
QR_CAPTION = "扫码核对回执、查看进度"
# Said instead when the receipt carries no signature (no QR code is shown then).
UNSIGNED = terminal_key.NOT_ENROLLED + "。"
UNSIGNED_WHERE_TO_CHECK = "请凭回执编号到信访窗口查询办理进度。"


def for_receipt(signed: bool) -> dict[str, object]:
    """The receipt screen's words for a signed receipt (with its QR code) or an unsigned one."""
    return {"signed": signed, "qrCaption": QR_CAPTION,
            "whereToCheck": WHERE_TO_CHECK_PROGRESS if signed
            else UNSIGNED + UNSIGNED_WHERE_TO_CHECK}


# What the citizen applied for, as the receipt's sentence names it.
_RECEIVED = {"petition": "您反映的问题", "review": "您的复查申请", "re_review": "您的复核申请"}
# WORD JOINER: no line break between the characters it stands between (Unicode UAX #14).
WORD_JOINER = "\u2060"


def unbroken(text: str) -> str:
    """`text` kept on one line (a date: "2026年12月16日" never split after "2026")."""
    return WORD_JOINER.join(text)


def headline(kind: str, category: str, first_by: str, first_step: str) -> str:
    """The receipt's one sentence: what was received and what happens next, in plain words.
    `category` is the category's label ("" for none, or one the office will choose);
    `first_by` and `first_step` the latest day and the words of the first step after it
    (timelimits.next_steps' first milestone, the same words as the list under it). The
    rules behind the dates stand under it in small print, never in this sentence."""
    what = _RECEIVED.get(kind, "您的申请")
    about = f"（{category}）" if category and kind == "petition" else ""
    then = f"最晚{unbroken(first_by)}{first_step}" if first_by and first_step else "会尽快办理"
    return f"{what}{about}已经提交，本机会把它送到信访部门，{then}。"
