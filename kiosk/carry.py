"""Carrying the queue on a USB stick, at the station (no network, no Qt).

- `export` writes every item not delivered yet into one carry file in a folder (the
  stick), sealed envelopes and attachments as they are in the outbox, the manifest
  signed with the terminal's key (`wire/carry.py` is the format). The items stay
  queued: a stick that is lost loses nothing (and reveals nothing: it holds only what
  the platform's private key opens).
- `read_acknowledgements` takes the platform's signed acknowledgements from the folder
  and settles each item through the outbox's own path (`Outbox.settle`, the transition
  table): delivered with its case number, so the sync worker never sends it again; the
  same delivery again (a stick read twice, the network answer first) is a no-op.

The CLI (`kiosk carry …`, `app/carry.py`) and the technician screen (`ui/carry.py`)
both call these, with the keys of the enrollment.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.outgoing import wire_body
from kiosk.store import Outbox, Settlement
from wire import carry

log = logging.getLogger("kiosk.carry")
Progress = Callable[[int, int], None]  # (done, total)
# What the platform answers for good (the request's own bytes): the item needs a
# technician, as after the same answer by network. Anything else is left queued.
_LASTING_REFUSALS = (400, 413, 422)


class CarryError(Exception):
    """Export or import could not be done; `plain` is the screen's words, the message
    the CLI's."""

    def __init__(self, message: str, plain: str, *, bad_input: bool = False):
        super().__init__(message)
        self.plain = plain
        self.bad_input = bad_input


def _folder(folder: Path) -> Path:
    folder = Path(folder)
    if not folder.is_dir():
        raise CarryError(f"{folder} is not a folder", "找不到U盘上的文件夹，请重新插好U盘。",
                         bad_input=True)
    return folder


@dataclass(frozen=True)
class Exported:
    path: Path | None  # None: nothing was waiting
    submissions: int
    attachments: int
    bytes: int


def export(outbox: Outbox, folder: Path, *, terminal_id: str, platform_public_key: str,
           signing_key: Ed25519PrivateKey, progress: Progress | None = None) -> Exported:
    """One carry file in `folder` with every item waiting; nothing is written when none
    waits. CarryError (nothing left on the stick) when it cannot be written."""
    folder = _folder(folder)
    items = outbox.undelivered()
    foreign = sorted({i.terminal_id for i in items} - {terminal_id})
    if foreign:
        raise CarryError(f"the outbox holds submissions of terminal(s) {', '.join(foreign)}, "
                         f"not of {terminal_id} as enrolled",
                         "本机排队的申请属于另一个终端编号，不能导出。请联系技术支持。")
    if not items:
        return Exported(None, 0, 0, 0)
    total = len(items)
    counted: dict[str, int] = {}
    carry_id, now = uuid.uuid4().hex, datetime.now(UTC)
    path = folder / carry.file_name(terminal_id, now, carry_id)

    def fill(out: IO[bytes]) -> None:
        writer = carry.Writer(out, terminal_id, platform_public_key, signing_key, now=now,
                              carry_id=carry_id)
        for done, item in enumerate(items, 1):
            sealed = {a.sealed_digest: a for a in item.attachments}
            counted.update((d, a.size) for d, a in sealed.items())
            writer.add(wire_body(item), lambda digest, s=sealed: outbox.read_claimed(s[digest]))
            if progress is not None:
                progress(done, total)
        writer.finish()

    try:
        carry.write_on_stick(path, fill)
    except carry.StickFull as exc:
        log.warning("carry export failed: %s", exc)
        raise CarryError(f"nothing was written: {exc}",
                         "U盘空间不够（或写入失败），U盘上没有留下任何不完整的文件。"
                         "所有申请仍在本机排队，一件也没有丢。请换一个空间更大的U盘再导出。"
                         ) from exc
    log.info("carry export: %d submission(s) into %s", total, path.name)
    return Exported(path, total, len(counted), path.stat().st_size)


@dataclass
class AckResult:
    files: int = 0
    delivered: int = 0  # newly marked delivered
    already: int = 0  # delivered before (by network or an earlier import)
    needs_attention: int = 0
    left_queued: int = 0  # answers that were not a case (the platform was busy…)
    other_stations: int = 0  # items of other terminals (a relay's stick)
    unknown: list[str] = field(default_factory=list)  # ids this outbox does not know


def read_acknowledgements(outbox: Outbox, folder: Path, *, terminal_id: str,
                          platform_key: Ed25519PublicKey,
                          progress: Progress | None = None) -> AckResult:
    """Settles the items of every acknowledgement in `folder`. Every file is verified
    before anything is settled: one that does not carry the platform's signature raises
    CarryError and nothing is changed."""
    folder = _folder(folder)
    paths = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.name.endswith(carry.ACK_SUFFIX))
    if not paths:
        raise CarryError(f"no acknowledgement (*{carry.ACK_SUFFIX}) in {folder}",
                         "U盘上没有平台的回执文件。请先把U盘拿到平台导入，再插回本机。",
                         bad_input=True)
    verified: list[carry.AckItem] = []
    for path in paths:
        try:
            verified.extend(carry.read_ack(path.read_bytes(), platform_key))
        except carry.CarryRefused as exc:
            log.warning("carry acknowledgement refused: %s", exc)
            raise CarryError(f"{path.name}: {exc}", exc.plain, bad_input=True) from None
    result = AckResult(files=len(paths))
    ours = [i for i in verified if i.terminal_id == terminal_id]
    result.other_stations = len(verified) - len(ours)
    settlements: list[Settlement] = []
    for done, item in enumerate(ours, 1):
        known = outbox.get(item.submission_id)
        if known is None:
            result.unknown.append(item.submission_id)
            continue
        accepted = item.accepted
        if accepted is not None:
            if known.state in ("delivered", "purged") and known.case_no == accepted.case_no:
                result.already += 1
                continue
            settlements.append(Settlement.delivered(item.submission_id, accepted.case_no,
                                                    accepted.query_code, accepted.received_at,
                                                    acknowledgement=item.signed))
            result.delivered += 1
        elif item.status in _LASTING_REFUSALS and known.state in ("queued", "sending"):
            reason = str(item.answer.get("message") or item.answer.get("error") or item.status)
            settlements.append(Settlement.needs_attention(item.submission_id, reason,
                                                          acknowledgement=item.signed))
            result.needs_attention += 1
        else:
            result.left_queued += 1
        if progress is not None:
            progress(done, len(ours))
    skipped = outbox.settle(settlements)
    if skipped:  # a state the table allows no such change from: said, never forced
        log.warning("carry acknowledgement: %d item(s) left as they are", len(skipped))
        result.delivered -= sum(1 for s in settlements if s.submission_id in skipped
                                and s.case_no is not None)
        result.needs_attention -= sum(1 for s in settlements if s.submission_id in skipped
                                      and s.case_no is None)
        result.unknown.extend(skipped)
    log.info("carry acknowledgements: %d delivered, %d already, %d need attention",
             result.delivered, result.already, result.needs_attention)
    return result


@dataclass(frozen=True)
class StationKeys:
    """What the enrollment gave the station, for export and import (read by the command,
    which owns the enrollment file, and handed to the screen)."""

    terminal_id: str
    platform_public_key: str  # X25519, base64: what the envelopes were sealed to
    signing_key: Ed25519PrivateKey  # the terminal's own
    platform_key: Ed25519PublicKey  # the key of the platform's acknowledgements
