"""Reading a card: find, select, read over the serial line, or a vendor's plug-in.

Every way a read can end other than with a card is a `ReadFailed` with its `kind` and
the plain words the screen says (`WORDS`); typing by hand stays possible after each.
The serial line is pyserial's, a main dependency of the core (a small pure-Python
package with no Qt or network behind it; see docs/architecture.md).
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

import serial
from serial.tools import list_ports

from kiosk.config import IdReader
from kiosk.idcard import frames
from kiosk.idcard.card import Card, CardError, from_read_answer

log = logging.getLogger(__name__)

# What the screen says for each way a read fails; each leaves typing by hand open.
BY_HAND = "也可以直接在下面填写。"
WORDS = {
    "not_configured": "本机没有接身份证阅读器，请直接在下面填写。",
    "unavailable": "身份证阅读器没有连接好。请直接在下面填写，或请工作人员帮助。",
    "silent": "身份证阅读器没有回答。请直接在下面填写，或请工作人员帮助。",
    "no_card": "没有读到身份证。请把身份证平放在阅读器上，再按一次“刷身份证”。" + BY_HAND,
    "pulled": "身份证没有读完就拿开了。请把身份证放在阅读器上不要动，再按一次“刷身份证”。" + BY_HAND,
    "garbage": "这次没有读清楚。请再按一次“刷身份证”。" + BY_HAND,
    "checksum": "这次没有读清楚。请再按一次“刷身份证”。" + BY_HAND,
    "unreadable": "这张证件的信息没有读清楚。请再按一次“刷身份证”。" + BY_HAND,
    "unsupported": "这种证件不能自动读出，请直接在下面填写。",
    "plugin": "身份证阅读器出了问题。请直接在下面填写，或请工作人员帮助。",
}
# Of the failures, the ones that are the citizen's to retry, not the terminal's fault.
CITIZEN_KINDS = frozenset({"no_card", "pulled", "unsupported"})
# A short read timeout on the port: `frames.receive` loops on it until its own deadline.
POLL_SECONDS = 0.05
# Auto: the ports a USB reader appears as (its own CDC-ACM, or a USB-serial bridge).
AUTO_PREFIXES = ("/dev/ttyUSB", "/dev/ttyACM")


class ReadFailed(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail  # English, for the technician; never personal data

    @property
    def words(self) -> str:
        return WORDS[self.kind]


def open_port(port: str, baud: int) -> serial.Serial:
    try:
        return serial.Serial(port, baudrate=baud, timeout=POLL_SECONDS, write_timeout=1.0)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise ReadFailed("unavailable", f"cannot open {port}: {exc}") from None


def candidate_ports() -> list[str]:
    return sorted(p.device for p in list_ports.comports()
                  if p.device.startswith(AUTO_PREFIXES))


def find_reader(settings: IdReader) -> str:
    """The port a SAM reader answers on: the configured one, or with `auto` the first USB
    serial port whose find-card command gets an answer frame (card or not)."""
    if settings.port != "auto":
        return settings.port
    tried = []
    for port in candidate_ports():
        try:
            with open_port(port, settings.baud) as line:
                frames.exchange(line, frames.FIND_CARD, settings.timeout_seconds)
            return port
        except (ReadFailed, frames.FrameError, serial.SerialException, OSError) as exc:
            tried.append(f"{port} ({exc})")
    raise ReadFailed("unavailable", "no SAM reader answered on " + (", ".join(tried) or
                                                                    "any USB serial port"))


def probe(settings: IdReader) -> tuple[str, bool]:
    """For the doctor: the port, and whether a card lies on the reader now."""
    port = find_reader(settings)
    with open_port(port, settings.baud) as line:
        try:
            answer = frames.exchange(line, frames.FIND_CARD, settings.timeout_seconds)
        except frames.FrameError as exc:
            raise ReadFailed(exc.kind, f"{port}: {exc}") from None
    return port, answer.sw3 == frames.FOUND


def read_over(line: frames.Port, timeout: float) -> Card:
    """Find, select, read on an open line. The photo in the answer is dropped unread."""
    stage = "find"
    try:
        found = frames.exchange(line, frames.FIND_CARD, timeout)
        if found.sw3 != frames.FOUND:
            raise ReadFailed("no_card", found.status)
        stage = "select"
        selected = frames.exchange(line, frames.SELECT_CARD, timeout)
        if selected.sw3 != frames.OK:  # found, then gone before it could be selected
            raise ReadFailed("pulled", f"select: {selected.status}")
        stage = "read"
        read = frames.exchange(line, frames.READ_TEXT_AND_PHOTO, timeout)
        if read.sw3 != frames.OK:
            raise ReadFailed("pulled", f"read: {read.status}")
        return from_read_answer(read.data)
    except frames.FrameError as exc:
        # A frame cut off once the card was selected: it was taken away while being read.
        kind = "pulled" if exc.kind == "truncated" and stage == "read" else exc.kind
        if kind == "truncated":
            kind = "garbage"
        raise ReadFailed(kind, f"{stage}: {exc}") from None
    except CardError as exc:
        raise ReadFailed(exc.kind, str(exc)) from None


# A reader that only ships a vendor library: its Python package declares an entry point
# in this group, and `[devices.id_reader] plugin` names it (docs/devices.md). An entry
# point, not a module path in the configuration: the core imports nothing by a name it
# is given (tests/core/test_layers.py), and what is installed says what may be loaded.
PLUGIN_GROUP = "petition_kiosk.id_readers"


def plugin(settings: IdReader) -> Callable[[IdReader], Any]:
    """The vendor's callable: the entry point `plugin` names in PLUGIN_GROUP."""
    found = importlib.metadata.entry_points(group=PLUGIN_GROUP, name=settings.plugin or "")
    if not found:
        raise ReadFailed("plugin", f"no installed package offers the {PLUGIN_GROUP} entry point "
                                   f"{settings.plugin!r}")
    try:
        target = next(iter(found)).load()
    except (ImportError, AttributeError, ValueError) as exc:
        raise ReadFailed("plugin", f"plugin {settings.plugin!r} cannot be loaded: "
                                   f"{type(exc).__name__}") from None
    if not callable(target):
        raise ReadFailed("plugin", f"plugin {settings.plugin!r} is not callable")
    return target


def _read_with_plugin(settings: IdReader) -> Card:
    try:
        card = plugin(settings)(settings)
    except ReadFailed:
        raise
    except Exception as exc:  # the vendor's code: whatever it raises is one plain message
        raise ReadFailed("plugin", f"plugin raised {type(exc).__name__}") from None
    if not isinstance(card, Card):
        raise ReadFailed("plugin", f"plugin returned {type(card).__name__}, not a Card")
    return card


def read_card(settings: IdReader | None) -> Card:
    """One read: the card's text, or ReadFailed saying why not."""
    try:
        if settings is None:
            raise ReadFailed("not_configured", "no [devices.id_reader] in the configuration")
        if settings.plugin:
            return _read_with_plugin(settings)
        port = find_reader(settings)
        with open_port(port, settings.baud) as line:
            return read_over(line, settings.timeout_seconds)
    except ReadFailed as exc:
        if exc.kind not in CITIZEN_KINDS and exc.kind != "not_configured":
            log.warning("ID card reader failed: %s", exc.detail)
        raise
