"""The printed voucher (回执单) as data, without Qt or a printer: what the paper says.

The same content wherever it is printed from — the receipt screen right after the commit,
or `kiosk print RECEIPT` later: the receipt number large and grouped, the query code once
the platform gave one, the signed receipt's QR code (the same page the receipt screen's
code opens, `submission.receipt_qr`), kind and category, the legal dates ahead, the
terminal and the time. Never the ID number, a name, a phone or what the petition says:
nothing of `receipt_fields` but the two labels is read here, so a masked value cannot
reach the paper either. `kiosk/printing.py` turns it into ESC/POS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from kiosk import submission, timelimits
from kiosk.config import LoadedConfig
from kiosk.petition import KINDS
from kiosk.store.receipt import format_receipt_no

# The voucher states China's time whatever the machine's zone (a kiosk set up in UTC
# must not print a time eight hours off the hall's clock).
CHINA = timezone(timedelta(hours=8), "CST")
TITLE = "网上信访回执单"
FOOTER = "请妥善保管本回执单。凭回执编号或查询码和手机号码后4位，可在本机或受理平台查询办理进度。"


@dataclass(frozen=True)
class DateAhead:
    label: str  # what happens, in plain Chinese
    by: str  # "2026年12月11日"


@dataclass(frozen=True)
class Voucher:
    receipt_no: str  # grouped for reading: "4827 1059 36"
    query_code: str | None  # the platform's code, once delivered; None before
    qr_url: str | None  # the signed receipt's page; None for an unsigned receipt
    kind_label: str
    category_label: str
    dates_ahead: tuple[DateAhead, ...]
    terminal_id: str
    jurisdiction: str
    confirmed_at: str  # "2026-12-01 18:24"
    printed_at: str

    def lines(self) -> list[str]:
        """Every line of text the voucher carries, in order (the QR code aside): what the
        printer prints, the picture draws, and the tests read."""
        out = [TITLE, "回执编号", self.receipt_no]
        if self.query_code:
            out += ["查询码", self.query_code]
        out += [f"事项：{self.kind_label}"]
        if self.category_label:
            out += [f"类别：{self.category_label}"]
        if self.dates_ahead:
            out += ["接下来会怎样"]
            out += [f"{i}. 最晚{d.by}：{d.label}" for i, d in enumerate(self.dates_ahead, 1)]
        out += [f"提交时间：{self.confirmed_at}", f"终端：{self.terminal_id}（{self.jurisdiction}）",
                f"打印时间：{self.printed_at}", FOOTER]
        return out


def _china_time(when: datetime) -> str:
    return when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def group_code(code: str) -> str:
    """A query code in groups of four, as the screen shows it (no look-alikes to begin with)."""
    bare = code.replace(" ", "")
    return " ".join(bare[i:i + 4] for i in range(0, len(bare), 4))


def build(loaded: LoadedConfig, *, receipt_no: str, kind: str, category_label: str,
          created_at: datetime, token: str | None, query_code: str | None = None,
          now: datetime | None = None) -> Voucher:
    """The voucher of one confirmed submission of this terminal."""
    config = loaded.config
    steps = timelimits.next_steps(kind, created_at.astimezone(CHINA).date())
    return Voucher(
        receipt_no=format_receipt_no(receipt_no),
        query_code=group_code(query_code) if query_code else None,
        qr_url=submission.receipt_qr(loaded, token),  # the receipt screen's own code
        kind_label=KINDS.get(kind, ""),
        category_label=category_label,
        dates_ahead=tuple(DateAhead(m.label, timelimits.format_date_zh(m.by)) for m in steps),
        terminal_id=config.terminal.id,
        jurisdiction=config.jurisdiction.name,
        confirmed_at=_china_time(created_at),
        printed_at=_china_time(now or datetime.now(CHINA)),
    )


def for_submission(loaded: LoadedConfig, info, taxonomy, *, now: datetime | None = None) -> Voucher:
    """From what the outbox keeps of a submission (`SubmissionInfo`): also after the
    purge, which drops the masked fields but keeps number, kind, category and the codes."""
    category = taxonomy.category(info.category or "")
    return build(loaded, receipt_no=info.receipt_no, kind=info.kind,
                 category_label=category.label if category else "",
                 created_at=info.created_at, token=info.receipt_token,
                 query_code=info.query_code, now=now)


def for_receipt(loaded: LoadedConfig, receipt, kind: str, *, now: datetime | None = None) -> Voucher:
    """From the receipt of a confirm just made (`store.Receipt`)."""
    return build(loaded, receipt_no=receipt.receipt_no, kind=kind,
                 category_label=str(receipt.receipt_fields.get("category_label") or ""),
                 created_at=receipt.created_at, token=receipt.token, now=now)
