"""The voucher (`kiosk/voucher.py`) on an ESC/POS receipt printer, through python-escpos.

USB, serial and network printers (`[devices.printer]`). Before printing, the printer's
real-time status is read (DLE EOT: online, the offline cause, the paper sensor), so paper
out or an open cover is said in plain words instead of a voucher lost in a dead printer;
a printer that does not answer within the timeout is "no answer". Nothing here blocks a
confirm: the screen runs it on its own thread after the commit, `kiosk print` on its own.

python-escpos is an extra (`pip install petition-kiosk[printer]`): it is imported only
when a printer is used, so the core imports and runs without it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kiosk.config import Printer as PrinterSettings
from kiosk.voucher import Voucher

log = logging.getLogger(__name__)

WIDTH_DOTS = 576  # 80 mm paper at 203 dpi: what the picture of the voucher is drawn at

# DLE EOT n (ESC/POS real-time status). python-escpos names 1 (online) and 4 (paper) and
# reads them (`is_online`, `paper_status`); 2, the cause of being offline, it leaves out,
# so it is asked here through its own `query_status`.
STATUS_OFFLINE_CAUSE = b"\x10\x04\x02"
COVER_OPEN_BIT = 0x04  # in the answer to DLE EOT 2
# Chinese text: python-escpos writes a line holding Chinese as GB 18030 (its encoder's
# own rule), but many printers sold here start in their single-byte mode and print those
# bytes as Latin-1 garbage until told otherwise. FS & selects the Chinese (Kanji) mode
# and FS . leaves it, written by hand around the library's text (tests/core/
# test_printing.py holds that the library still writes GB 18030 for Chinese).
CHINESE_ON = b"\x1c\x26"
CHINESE_OFF = b"\x1c\x2e"

# What each outcome is called, and what the receipt screen says (the receipt stays there).
WORDS = {
    "printed": "回执单已经打印好，请从出纸口取走。",
    "paper_out": "打印机没有纸了，回执单没有打印出来。请记下屏幕上的回执编号，"
                 "或请工作人员加纸后按“再打印一次”。",
    "cover_open": "打印机的盖子没有关好，回执单没有打印出来。请工作人员关好盖子后按“再打印一次”。",
    "offline": "打印机现在不能打印，回执单没有打印出来。请记下屏幕上的回执编号，或请工作人员帮助。",
    "no_answer": "打印机没有响应，回执单没有打印出来。请记下屏幕上的回执编号，或请工作人员帮助。",
    "no_printer": "",  # a terminal without a printer says nothing of paper
}
# The same in one short line (the receipt screen's bottom bar, where there is room).
BRIEF = {
    "printed": "回执单已打印，请取走。",
    "paper_out": "打印机没有纸，回执单没打印出来。",
    "cover_open": "打印机盖子没关好，回执单没打印出来。",
    "offline": "打印机不能打印，回执单没打印出来。",
    "no_answer": "打印机没有响应，回执单没打印出来。",
}
# For the command and the doctor: the same outcomes in the technician's words, with the fix.
FIXES = {
    "paper_out": "paper out: load a new roll and close the cover",
    "cover_open": "the cover is open: close it until it clicks",
    "offline": "the printer says it is offline: check its error light, then switch it off and on",
    "no_answer": "the printer does not answer: check its cable or network address "
                 "([devices.printer] in kiosk.toml) and that it is switched on",
    "unavailable": "python-escpos is not installed: pip install 'petition-kiosk[printer]'",
}


@dataclass(frozen=True)
class Result:
    outcome: str  # printed, paper_out, cover_open, offline, no_answer, no_printer, unavailable
    detail: str = ""  # English, for logs and the command; never personal data

    @property
    def ok(self) -> bool:
        return self.outcome in ("printed", "no_printer")

    @property
    def words(self) -> str:
        return WORDS.get(self.outcome, WORDS["no_answer"])

    @property
    def brief(self) -> str:
        return BRIEF.get(self.outcome, "" if self.outcome == "no_printer" else BRIEF["no_answer"])


@dataclass(frozen=True)
class Status:
    online: bool
    cover_open: bool
    paper: int  # python-escpos' paper_status: 2 enough, 1 near the end, 0 none

    @property
    def outcome(self) -> str | None:
        """What stops printing, or None when the printer can print."""
        if self.paper == 0:
            return "paper_out"
        if self.cover_open:
            return "cover_open"
        if not self.online:
            return "offline"
        return None


class Unavailable(Exception):
    """python-escpos (or the library a kind of printer needs) is not installed."""


def open_printer(settings: PrinterSettings):
    """The configured printer as a python-escpos printer object, opened."""
    try:
        from escpos import printer as escpos_printer
    except ImportError as exc:
        raise Unavailable(str(exc)) from None
    if settings.kind == "network":
        device = escpos_printer.Network(settings.host, port=settings.tcp_port,
                                        timeout=settings.timeout_seconds)
    elif settings.kind == "serial":
        device = escpos_printer.Serial(settings.port, baudrate=settings.baudrate,
                                       timeout=settings.timeout_seconds)
    elif settings.kind == "usb":
        device = escpos_printer.Usb(int(settings.vendor_id, 16), int(settings.product_id, 16),
                                    timeout=int(settings.timeout_seconds * 1000))
    else:
        raise ValueError(f"no printer of kind {settings.kind!r}")
    device.open()
    return device


def read_status(device) -> Status:
    """DLE EOT 1, 2 and 4, as the printer answers them now."""
    online = device.is_online()
    cause = device.query_status(STATUS_OFFLINE_CAUSE)
    return Status(online=online, cover_open=bool(cause and cause[0] & COVER_OPEN_BIT),
                  paper=device.paper_status())


def _chinese(device, text: str) -> None:
    device._raw(CHINESE_ON)
    device.text(text + "\n")
    device._raw(CHINESE_OFF)


def render(device, voucher: Voucher) -> None:
    """The voucher as ESC/POS on `device` (any python-escpos printer, `Dummy` included)."""
    device.hw("INIT")
    device.set(align="center", bold=True, double_height=True, double_width=True)
    _chinese(device, voucher.lines()[0])
    device.set(align="center", normal_textsize=True)
    _chinese(device, "回执编号")
    # The number the citizen copies: as large as the paper takes, in its groups.
    device.set(align="center", bold=True, custom_size=True, width=3, height=3)
    device.text(voucher.receipt_no + "\n")
    if voucher.query_code:
        device.set(align="center", normal_textsize=True)
        _chinese(device, "查询码")
        device.set(align="center", bold=True, custom_size=True, width=2, height=2)
        device.text(voucher.query_code + "\n")
    device.set(align="left", normal_textsize=True)
    skip = 3 + (2 if voucher.query_code else 0)
    footer = voucher.lines()[-1]
    for line in voucher.lines()[skip:-1]:
        _chinese(device, line)
    if voucher.qr_url:
        device.set(align="center", normal_textsize=True)
        device.qr(voucher.qr_url, size=6, native=True)
        _chinese(device, "扫码查看回执和办理进度")
    device.set(align="left", normal_textsize=True)
    _chinese(device, footer)
    device.cut()


def print_voucher(settings: PrinterSettings, voucher: Voucher, *, connect=open_printer) -> Result:
    """Status first, then the voucher; every failure is a Result, never an exception."""
    return _run(settings, voucher, connect)


def check(settings: PrinterSettings, *, connect=open_printer) -> Result:
    """For `kiosk doctor`: does the configured printer answer, and could it print now
    ("printed" here means ready; nothing is printed)."""
    return _run(settings, None, connect)


def _run(settings: PrinterSettings, voucher: Voucher | None, connect) -> Result:
    if settings.kind == "none":
        return Result("no_printer")
    device = None
    try:
        device = connect(settings)
        blocked = read_status(device).outcome
        if blocked is not None:
            return Result(blocked, FIXES[blocked])
        if voucher is not None:
            render(device, voucher)
        return Result("printed", "" if voucher is not None else "ready")
    except Unavailable as exc:
        return Result("unavailable", f"{FIXES['unavailable']} ({exc})")
    except Exception as exc:  # a printer that is away, silent, or hangs up mid-way
        return Result("no_answer", f"{type(exc).__name__}: {exc}"[:300])
    finally:
        if device is not None:
            try:
                device.close()
            except Exception:  # closing a printer that already went away
                pass


def describe(settings: PrinterSettings) -> str:
    """Which printer the settings name, for the command and the doctor."""
    if settings.kind == "network":
        return f"network printer {settings.host}:{settings.tcp_port}"
    if settings.kind == "serial":
        return f"serial printer {settings.port}"
    if settings.kind == "usb":
        return f"USB printer {settings.vendor_id}:{settings.product_id}"
    return "no printer"


def parse_spec(text: str) -> PrinterSettings:
    """`--printer`: none, network:HOST[:PORT], serial:DEVICE[@BAUD], usb:VVVV:PPPP.
    ValueError with the reason for anything else."""
    kind, _, rest = text.partition(":")
    try:
        if kind == "none" and not rest:
            return PrinterSettings()
        if kind == "network" and rest:
            host, _, port = rest.rpartition(":") if rest.count(":") == 1 else (rest, "", "")
            return PrinterSettings(kind="network", host=host,
                                   **({"tcp_port": int(port)} if port else {}))
        if kind == "serial" and rest:
            port, _, baud = rest.partition("@")
            return PrinterSettings(kind="serial", port=port,
                                   **({"baudrate": int(baud)} if baud else {}))
        if kind == "usb" and rest.count(":") == 1:
            vendor, product = rest.split(":")
            return PrinterSettings(kind="usb", vendor_id=vendor, product_id=product)
    except ValueError as exc:  # pydantic's ValidationError is one
        raise ValueError(f"--printer {text!r}: {str(exc).splitlines()[-1].strip()}") from None
    raise ValueError(f"--printer {text!r}: expected none, network:HOST[:PORT], "
                     "serial:DEVICE[@BAUD] or usb:VENDOR:PRODUCT (hex ids)")
