"""Carry files at the platform: from a USB stick (`kiosk-receiver carry import DIR`) or
relayed by another terminal (`POST /carry`, `receiver/api/carry.py`). No HTTP here.

A file is taken whole or not at all: its form, the platform it was sealed for, its
terminal (enrolled here, not revoked) and the terminal's signature over every byte are
checked before anything is stored. Then each submission goes through `Intake.deliver`,
the network path's own: the same judge, the same Idempotency-Key (the submission id),
one transaction for all, so a submission that came by network, by another stick or by
a relay keeps the case it got and no case is made twice.

A replay is a carry file the platform has imported before (its carry id): refused,
nothing stored, since its acknowledgement was written then. Importing the same folder
again while the acknowledgement is still beside the file is not a replay but nothing to
do (`kiosk-receiver carry import` says so); a station that lost an acknowledgement
exports again — a new carry file, whose submissions get the cases they already have.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from receiver.auth import Claims
from receiver.errors import ApiError
from receiver.intake import ContentCheck, Intake, Judge, SubmissionDecoder
from receiver.storage import Signer, Store
from wire import ack, carry, schemas, signing

log = logging.getLogger("receiver")


@dataclass(frozen=True)
class Imported:
    carry: carry.CarryFile
    acknowledgement: bytes  # the file to write beside the carry file
    cases: int  # submissions that have a case now (new or kept)
    refused: int  # submissions the platform refused (their answer is in the ack)


def carry_intake(store: Store, limits: schemas.Limits, platform_private_key) -> Intake:
    """The network path's intake, taking each carried attachment inline whatever its
    size: a carry file has no separate upload, and its bytes were checked against the
    terminal's signature already."""
    whole = limits.model_copy(update={"max_inline_bytes": limits.max_attachment_bytes})
    return Intake(store, Judge(store, SubmissionDecoder(whole), ContentCheck(platform_private_key)),
                  Claims())


class CarryImporter:
    def __init__(self, store: Store, intake: Intake, platform_public_key: str,
                 signing_key: Ed25519PrivateKey):
        self.store = store
        self.intake = intake
        self._platform = carry.platform_fingerprint(platform_public_key)
        self._signing_key = signing_key
        self._fingerprint = ack.fingerprint(signing_key.public_key())

    def check(self, data: bytes) -> carry.CarryFile:
        """The file, checked whole; CarryRefused says why it is not taken."""
        found = carry.read(data)
        manifest = found.manifest
        if manifest.platform != self._platform:
            raise carry.CarryRefused(
                f"carry {manifest.carry_id} was sealed for another platform "
                f"(key {manifest.platform[:16]}…, this platform {self._platform[:16]}…)",
                "这个文件是为另一个平台封装的，本平台打不开。没有导入任何内容。")
        state = self.store.signing_key_state(manifest.terminal_id)
        if state is None:
            raise carry.CarryRefused(
                f"terminal {manifest.terminal_id} is not enrolled at this platform",
                "导出这个文件的终端没有在本平台登记。没有导入任何内容。")
        key_text, revoked = state
        found.verify(signing.decode_signing_public_key(key_text))
        if revoked:
            raise carry.CarryRefused(f"terminal {manifest.terminal_id} is revoked",
                                     "导出这个文件的终端已被停用。没有导入任何内容。")
        before = self.store.carry_import(manifest.carry_id)
        if before is not None:
            raise carry.CarryRefused(
                f"carry {manifest.carry_id} was imported on {before['imported_at']} "
                f"(via {before['via']}) and acknowledged then: a replay, not imported again",
                "这个文件以前已经导入过，回执当时已经写出，这次不再导入。"
                "如果站点没有收到回执，请在站点重新导出一次。")
        return found

    def take(self, data: bytes, via: str, signer: Signer | None = None,
             now: datetime | None = None) -> Imported:
        """Checks the file and makes each of its cases exactly once; CarryRefused (nothing
        stored) for a file not taken."""
        found = self.check(data)
        now = now or datetime.now(UTC)
        reqs = [found.with_inline(sid) for sid in found.manifest.submissions]
        answers = self.intake.deliver(reqs, signer) if reqs else []
        items, cases, refused = [], 0, 0
        for req, answer in zip(reqs, answers, strict=True):
            if isinstance(answer, ApiError):
                status, body = answer.status, json.loads(answer.json_text())
            else:
                status, body = answer.status, json.loads(answer.body)
            if 200 <= status < 300:
                cases += 1
            else:
                refused += 1
            items.append(carry.sign_item(
                self._signing_key, carry_id=found.manifest.carry_id, carry_sha256=found.sha256,
                terminal_id=found.manifest.terminal_id, submission_id=req.submission_id,
                status=status, answer=body, acknowledged_at=now))
        self.store.record_carry_import(found.manifest.carry_id, found.manifest.terminal_id,
                                       found.sha256, len(reqs), via, now,
                                       signer=None if reqs else signer)
        log.info("carry %s of terminal %s imported via %s: %d with a case, %d refused",
                 found.manifest.carry_id, found.manifest.terminal_id, via, cases, refused)
        return Imported(found, carry.ack_document(found, items, self._fingerprint), cases,
                        refused)
