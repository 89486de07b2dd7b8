"""What a signed receipt says, in plain words: for `kiosk-receiver receipt verify` and the
receipt page a phone opens from the receipt's QR code (`receiver/api/receipts.py`).

Nothing personal is shown: the receipt carries none, and of the case only its number,
kind, status, dates and the office's notes. Times are in China's time (UTC+8).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from receiver.storage.cases import CASE_DAY_TZ
from receiver.storage.receipts import BASES, ReceiptCheck, ReceiptRefused
from wire import schemas

KIND_LABELS = {"petition": "信访事项", "review": "复查申请", "re_review": "复核申请"}
NOT_ARRIVED = "已在自助终端确认，尚未送达"
NOT_ARRIVED_MORE = ("申请已在自助终端确认并保存，正在等待网络送达平台（网络中断时终端会一直保存并自动重发）。"
                    "送达后，这里会显示受理和办理进度。")
# Each status in plain words, by its label (`schemas.CASE_STATUSES`; a status this page
# does not know shows its label alone).
STATUS_WORDS = {
    "已收到": "平台已收到您的申请，正在审查是否受理。",
    "已受理": "您的申请已受理，正在按规定的期限办理。",
    "不予受理": "您的申请不予受理，理由以书面告知为准。",
    "正在办理": "您的申请正在办理中。",
    "已出具处理意见": "已出具处理意见，请留意书面意见。",
    "已办结": "已办结。",
    "已撤回": "已撤回。",
    "待补充材料": "办理单位需要您补充材料，请在告知之日起10个工作日内补充（可在自助终端拍照补交）。",
    "已补充材料": "补充的材料已送到，材料齐全之日视为收到申请之日。",
    "申请撤回，待确认": "您申请撤回，正在等待办理单位确认。",
}
REFUSALS_ZH = {
    "malformed": "这不是有效的自助终端回执，或者回执内容不完整。",
    "unknown_terminal": "回执上的自助终端不属于本平台。",
    "other_terminal": "回执不是由它上面写的自助终端签发的，不能作为凭证。",
    "forged": "回执签名核验失败：回执被改动过或是伪造的，不能作为凭证。",
    "other_envelope": "回执签名有效，但平台收到的这个编号的申请与回执不一致，请带回执到窗口咨询。",
}


def zh_time(at: datetime) -> str:
    local = at.astimezone(CASE_DAY_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def group_receipt_no(number: str) -> str:
    return f"{number[:4]} {number[4:7]} {number[7:]}"


@dataclass(frozen=True)
class Limit:
    label: str
    by: str  # a date, or the rule in words when the date is not known yet
    basis: str


def _first(history: list[schemas.CaseEvent], status: str) -> datetime | None:
    return next((e.at for e in history if e.status == status), None)


def _last(history: list[schemas.CaseEvent], status: str) -> datetime | None:
    return next((e.at for e in reversed(history) if e.status == status), None)


def limits_ahead(kind: str, applied_at: datetime, history: list[schemas.CaseEvent],
                 status: str) -> list[Limit]:
    """The legal time limits still ahead of a case. Calendar-day limits get their date;
    the working-day one (a review's acceptance, 3 working days) is said in words, since
    the platform's office calendar decides it."""
    if status in ("not_accepted", "answered", "closed", "withdrawn", "withdrawal_requested"):
        return []
    if status == "material_requested":
        return [Limit("补充材料", "办理单位告知之日起10个工作日内",
                      "复查复核规程第十四条：补充材料的时间不计入办理期限")]
    applied = applied_at.astimezone(CASE_DAY_TZ).date()
    completed = _last(history, "material_added")  # Art. 14: that day counts as receipt
    if completed is not None:
        applied = max(applied, completed.astimezone(CASE_DAY_TZ).date())
    accepted = _first(history, "accepted")
    accepted_day = accepted.astimezone(CASE_DAY_TZ).date() if accepted else None
    out: list[Limit] = []
    if kind == "petition":
        if accepted_day is None:
            out.append(Limit("告知是否受理", zh_date(applied + timedelta(days=15)),
                             "《信访工作条例》第二十二条、第二十三条：收到之日起15日内"))
        out.append(Limit("办理完毕、出具处理意见",
                         zh_date(accepted_day + timedelta(days=60)) if accepted_day
                         else "受理之日起60日内",
                         "《信访工作条例》第三十四条：受理之日起60日内，情况复杂的可延长不超过30日"))
    else:
        what = "复查" if kind == "review" else "复核"
        if accepted_day is None:
            out.append(Limit("决定是否受理", "收到申请之日起3个工作日内",
                             "复查复核规程第十四条"))
        out.append(Limit(f"出具{what}意见",
                         zh_date(accepted_day + timedelta(days=30)) if accepted_day
                         else "受理之日起30日内",
                         "《信访工作条例》第三十五条、第三十六条：受理之日起30日内"))
    return out


def facts(check: ReceiptCheck) -> dict:
    """What `receipt verify --json` prints and the page shows: the receipt's own fields,
    the terminal, and the case once it arrived."""
    signed, case = check.receipt, check.case
    out: dict = {
        "valid": True,
        "terminal_id": signed.terminal_id,
        "receipt_no": signed.receipt_no,
        "kind": signed.kind,
        "kind_label": KIND_LABELS[signed.kind],
        "confirmed_at": signed.confirmed_at.isoformat(),
        "envelope_sha256": signed.envelope_sha256,
        "terminal_name": check.terminal_name,
        "signed_with_key_bound_at": check.key.bound_at.isoformat(),
        "arrived": case is not None,
    }
    if case is not None:
        out.update({
            "case_no": case.case_no,
            "status": case.status,
            "status_label": schemas.CASE_STATUSES.get(case.status, case.status),
            "received_at": case.received_at.isoformat(),
            "applied_at": case.applied_at.isoformat(),
            "applied_basis": case.applied_basis,
            "applied_basis_label": BASES.get(case.applied_basis, case.applied_basis),
        })
    return out


# --- the page -------------------------------------------------------------------------------

_STYLE = """
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC",
"Microsoft YaHei",sans-serif;font-size:18px;line-height:1.6;color:#1a1a1a;background:#f5f7fa}
header{background:#0b3d91;color:#fff;padding:16px 20px}
header h1{margin:0;font-size:22px;font-weight:700}
main{padding:12px 16px 32px;max-width:640px;margin:0 auto}
section{background:#fff;border:1px solid #d0d7e2;border-radius:8px;padding:14px 16px;margin:12px 0}
h2{font-size:19px;margin:0 0 8px;color:#0b3d91}
.status{font-size:24px;font-weight:700;margin:4px 0}
.ok{border-left:6px solid #1b6e3a}.wait{border-left:6px solid #8a5a00}.bad{border-left:6px solid #b00020}
.mark{font-weight:700}
dl{margin:0;display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}
dt{color:#444}dd{margin:0;font-weight:600}
.number{font-size:22px;letter-spacing:2px;font-variant-numeric:tabular-nums}
ol{margin:0;padding-left:20px}li{margin:4px 0}
.basis{color:#444;font-size:15px}
footer{color:#444;font-size:15px;padding:0 16px 24px;max-width:640px;margin:0 auto}
"""


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta name=\"robots\" content=\"noindex\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<header><h1>网上信访 · 回执查询</h1></header><main>{body}</main>"
            "<footer>本页只显示回执上的信息和办理进度，不显示任何个人信息。"
            "如有疑问，请带回执到信访窗口咨询。</footer>"
            "</body></html>")


def _rows(pairs: list[tuple[str, str]], number_keys: tuple[str, ...] = ()) -> str:
    number = ' class="number"'
    cells = "".join(
        f"<dt>{html.escape(k)}</dt><dd{number if k in number_keys else ''}>"
        f"{html.escape(v)}</dd>" for k, v in pairs)
    return f"<dl>{cells}</dl>"


def render(check: ReceiptCheck) -> str:
    """The receipt page for a receipt whose signature holds."""
    signed, case = check.receipt, check.case
    name = check.terminal_name or signed.terminal_id
    proof = ("<section class=\"ok\"><p class=\"mark\">✓ 回执真实有效</p>"
             f"<p>由自助终端“{html.escape(name)}”签发，内容未被改动。</p></section>")
    receipt_rows = [("回执编号", group_receipt_no(signed.receipt_no)),
                    ("申请类型", KIND_LABELS[signed.kind]),
                    ("终端确认时间", zh_time(signed.confirmed_at))]
    if case is None:
        status = (f"<section class=\"wait\"><h2>办理状态</h2><p class=\"status\">{NOT_ARRIVED}</p>"
                  f"<p>{NOT_ARRIVED_MORE}</p></section>")
        limits = limits_ahead(signed.kind, signed.confirmed_at, [], "received")
        history = ""
    else:
        label = schemas.CASE_STATUSES.get(case.status, case.status)
        words = STATUS_WORDS.get(label, "")
        status = (f"<section class=\"ok\"><h2>办理状态</h2><p class=\"status\">"
                  f"{html.escape(label)}</p><p>{html.escape(words)}</p></section>")
        receipt_rows += [("平台收到时间", zh_time(case.received_at)),
                         ("案件编号", case.case_no),
                         ("申请日期", zh_date(case.applied_at.astimezone(CASE_DAY_TZ).date()))]
        limits = limits_ahead(case.kind, case.applied_at, case.history, case.status)
        steps = "".join(
            f"<li>{html.escape(zh_time(e.at))}　{html.escape(e.status_label)}"
            + (f"：{html.escape(e.note)}" if e.note else "") + "</li>" for e in case.history)
        history = f"<section><h2>办理经过</h2><ol>{steps}</ol></section>"
    details = (f"<section><h2>回执信息</h2>{_rows(receipt_rows, ('回执编号',))}"
               + (f"<p class=\"basis\">申请日期{html.escape(BASES.get(case.applied_basis, ''))}"
                  + ("（复查复核规程第十二条的申请期限按申请日期判断）" if case.kind != "petition"
                     else "") + "。</p>" if case else "")
               + "</section>")
    ahead = ""
    if limits:
        items = "".join(f"<li><b>{html.escape(limit.label)}</b>：{html.escape(limit.by)}"
                        f"<br><span class=\"basis\">{html.escape(limit.basis)}</span></li>"
                        for limit in limits)
        ahead = f"<section><h2>接下来的法定期限</h2><ol>{items}</ol></section>"
    return _page(f"回执 {signed.receipt_no}", proof + status + details + ahead + history)


def render_refused(exc: ReceiptRefused) -> str:
    """The page for a text that is not a receipt of this platform's terminals."""
    words = REFUSALS_ZH.get(exc.kind, REFUSALS_ZH["malformed"])
    return _page("回执无法核验", "<section class=\"bad\"><p class=\"mark\">✗ 回执无法核验</p>"
                 f"<p>{html.escape(words)}</p><p>如有疑问，请带纸质回执到信访窗口咨询。</p>"
                 "</section>")
