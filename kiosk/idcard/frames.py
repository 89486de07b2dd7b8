"""The SAM serial framing of second-generation ID-card readers (GA 467, "SAM V").

Every reader certified for the resident ID card carries a SAM module that speaks one
frame format on its serial (or USB-serial) line. Written by hand because no library
for it exists on PyPI; the layout below is the one documented by the readers' makers
and used by the public drivers (e.g. hev-dbus-object-idcard-reader.c by Heiher, and the
vendors' SDK notes "Preamble | Len1 | Len2 | CMD | Para | Data | CHK_SUM"):

    request  AA AA AA 96 69 | LEN (2, big-endian) | CMD | PARA | DATA | CHK
    answer   AA AA AA 96 69 | LEN (2, big-endian) | SW1 | SW2 | SW3 | DATA | CHK

LEN counts everything after itself, the checksum included; CHK is the XOR of every
byte between the preamble and itself (LEN included). SW3 is the SAM's status.
tests/core/test_idcard_frames.py holds the encoder to the published command bytes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

PREAMBLE = bytes.fromhex("AAAAAA9669")
HEADER = len(PREAMBLE) + 2  # the preamble and LEN: what must arrive before LEN is known
MAX_LENGTH = 0x0A00  # the longest answer (text, photo and fingerprint) is well below this

FIND_CARD = (0x20, 0x01)  # 寻找居民身份证
SELECT_CARD = (0x20, 0x02)  # 选取居民身份证
READ_TEXT_AND_PHOTO = (0x30, 0x01)  # 读机读文字信息和相片信息
SAM_STATUS = (0x11, 0xFF)  # SAM 状态检测

# SW3, the SAM's status (GA 467 / the makers' tables).
OK = 0x90
FOUND = 0x9F  # the answer to find card when a card lies on the reader
STATUS_WORDS = {
    0x10: "the SAM got a command with a wrong checksum",
    0x11: "the SAM got a command of the wrong length",
    0x21: "the SAM does not know the command",
    0x23: "operation not permitted",
    0x24: "unrecognised error",
    0x31: "the card did not authenticate the reader",
    0x32: "the reader did not authenticate the card",
    0x33: "information check failed",
    0x40: "card type not recognised",
    0x41: "reading the card failed",
    0x47: "getting a random number failed",
    0x60: "the SAM's self test failed",
    0x66: "the SAM is not authorised",
    0x80: "no card found",
    0x81: "selecting the card failed",
    0x91: "the card holds no such information",
}


class Port(Protocol):
    """What a frame needs of a serial port (pyserial's `Serial`, or a test's pipe)."""

    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...
    def reset_input_buffer(self) -> None: ...


class FrameError(Exception):
    """The line carried no usable answer. `kind` says which way, for the plain words."""

    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind  # silent | garbage | truncated | checksum


@dataclass(frozen=True)
class Answer:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def status(self) -> str:
        return STATUS_WORDS.get(self.sw3, f"status 0x{self.sw3:02X}")


def checksum(body: bytes) -> int:
    value = 0
    for b in body:
        value ^= b
    return value


def command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """One request frame."""
    body = bytes([cmd, para]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def answer_frame(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """One answer frame, as a reader sends it (the simulator's side)."""
    body = bytes([sw1, sw2, sw3]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([checksum(length + body)])


def parse(frame: bytes) -> Answer:
    """A whole answer frame (preamble first) checked and split."""
    if not frame.startswith(PREAMBLE) or len(frame) < HEADER + 4:
        raise FrameError("garbage", "not an answer frame")
    length = int.from_bytes(frame[5:7], "big")
    if len(frame) != HEADER + length:
        raise FrameError("truncated", f"frame of {len(frame)} bytes, LEN says {HEADER + length}")
    if checksum(frame[5:-1]) != frame[-1]:
        raise FrameError("checksum", "answer checksum does not match")
    return Answer(frame[7], frame[8], frame[9], frame[10:-1])


def receive(port: Port, timeout: float) -> Answer:
    """Reads one answer: bytes before a preamble are skipped (line noise, a half frame
    left over), then LEN bytes more. Raises FrameError when the time runs out."""
    deadline = time.monotonic() + timeout
    buffer = bytearray()
    skipped = 0
    while True:
        start = buffer.find(PREAMBLE)
        if start < 0:  # keep only what may still begin a preamble
            keep = len(PREAMBLE) - 1
            skipped += max(0, len(buffer) - keep)
            del buffer[:-keep or None]
        elif start > 0:
            skipped += start
            del buffer[:start]
        if buffer.startswith(PREAMBLE) and len(buffer) >= HEADER:
            length = int.from_bytes(buffer[5:7], "big")
            if not 4 <= length <= MAX_LENGTH:
                skipped += 1
                del buffer[:1]  # a false preamble inside noise: look further
                continue
            if len(buffer) >= HEADER + length:
                return parse(bytes(buffer[:HEADER + length]))
        if time.monotonic() >= deadline:
            break
        buffer += port.read(4096)  # the port's own short timeout bounds each wait
    if buffer.startswith(PREAMBLE):
        raise FrameError("truncated", f"answer stopped after {len(buffer)} bytes")
    if skipped or buffer:
        raise FrameError("garbage", f"{skipped + len(buffer)} bytes that are no answer frame")
    raise FrameError("silent", f"no answer within {timeout:g} s")


def exchange(port: Port, request: tuple[int, int], timeout: float) -> Answer:
    """Sends one command and reads its answer."""
    port.reset_input_buffer()
    port.write(command(*request))
    return receive(port, timeout)
