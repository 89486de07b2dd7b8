"""A SAM reader on a pseudo-terminal, speaking the same frames as a real one: what the
tests, the tour and a technician without a reader drive the kiosk with.

`Simulator(mode)` opens a pty; `port` is the path the kiosk opens like /dev/ttyUSB0.
The modes are the ways a real read ends: `good` (a card lies on it), `no_card`,
`pulled` (the card is taken away while its read answer is on the line: the answer
stops part way), `garbage` (line noise instead of frames), `checksum` (frames whose
checksum is wrong) and `silent` (no answer at all). `mode` may change between reads.
"""

from __future__ import annotations

import os
import select
import threading
import tty
from datetime import date

from kiosk import identity
from kiosk.idcard import frames
from kiosk.idcard.card import PHOTO_BYTES, Card, text_block

MODES = ("good", "no_card", "pulled", "garbage", "checksum", "silent")


def _sample_number() -> str:
    body = "110105" + "19460308" + "002"  # the last digit even: a woman
    return body + identity.check_char(body)


# A made-up card: the name, number and address belong to no one.
SAMPLE_CARD = Card(name="王秀英", sex="female", nation="汉", birth_date=date(1946, 3, 8),
                   address="演示省演示市演示县城关镇和平街12号", id_number=_sample_number(),
                   authority="演示县公安局", valid_from=date(2016, 5, 20), valid_until=None)
# Where the read answer stops in `pulled` mode: inside the text, before the photo.
PULLED_AFTER = 200


class Simulator:
    def __init__(self, mode: str = "good", card: Card = SAMPLE_CARD, *, marker: str = ""):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        self.mode = mode
        self.card = card
        self.marker = marker  # the text block's card-type mark ('J', 'I', or none)
        self.commands: list[tuple[int, int]] = []  # what the kiosk asked, in order
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no line discipline: bytes as they are
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="sam-simulator", daemon=True)
        self._thread.start()

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        for fd in (self._master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    # ---- the reader's side -----------------------------------------------------------
    def answer(self, request: tuple[int, int]) -> bytes:
        """The bytes a reader in this mode sends back to one command."""
        if self.mode == "silent":
            return b""
        if self.mode == "garbage":
            return bytes(range(0x30, 0x70))  # no preamble anywhere in it
        if request == frames.SAM_STATUS:
            frame = frames.answer_frame(frames.OK)
        elif request == frames.FIND_CARD:
            frame = (frames.answer_frame(frames.FOUND, bytes(4)) if self.mode != "no_card"
                     else frames.answer_frame(0x80))
        elif request == frames.SELECT_CARD:
            frame = frames.answer_frame(frames.OK, bytes(8))
        elif request == frames.READ_TEXT_AND_PHOTO:
            text = text_block(self.card, marker=self.marker)
            photo = bytes((i * 7) & 0xFF for i in range(PHOTO_BYTES))  # stands in for the wlt
            data = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
            frame = frames.answer_frame(frames.OK, data)
            if self.mode == "pulled":
                return frame[:frames.HEADER + 3 + 4 + PULLED_AFTER]
        else:
            frame = frames.answer_frame(0x21)
        if self.mode == "checksum":
            frame = frame[:-1] + bytes([frame[-1] ^ 0xFF])
        return frame

    def _serve(self) -> None:
        buffer = bytearray()
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                buffer += os.read(self._master, 4096)
            except OSError:
                return
            while True:
                start = buffer.find(frames.PREAMBLE)
                if start < 0 or len(buffer) < start + frames.HEADER:
                    break
                length = int.from_bytes(buffer[start + 5:start + 7], "big")
                end = start + frames.HEADER + length
                if len(buffer) < end:
                    break
                request = bytes(buffer[start:end])
                del buffer[:end]
                self.commands.append((request[7], request[8]))
                if frames.checksum(request[5:-1]) != request[-1]:
                    reply = frames.answer_frame(0x10)  # the SAM's "checksum wrong"
                else:
                    reply = self.answer((request[7], request[8]))
                if reply:
                    os.write(self._master, reply)
