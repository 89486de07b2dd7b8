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
