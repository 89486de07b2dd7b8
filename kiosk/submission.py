"""From a valid petition document to a sealed, queued submission.

The one path both the touch UI and `kiosk submit` take: validate, attach the
material's bytes, seal everything to the delivery platform's key, and confirm it
in the local outbox. Only masked fields stay readable on the terminal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk import clock_trust, identity, pages, terminal_key, wake
from kiosk.config import LoadedConfig
from kiosk.petition import ATTACHMENT_ROLES, KINDS, Validation
from kiosk.problems import Problem, errors
from kiosk.store import NewSubmission, Outbox, Receipt, SealedAttachment
from kiosk.taxonomy import Taxonomy
from wire import receipt as wire_receipt
from wire import sealing

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


@dataclass(frozen=True)
class AttachmentData:
    role: str
    media_type: str
    content: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_attachment(data: AttachmentData, path: str) -> list[Problem]:
    label = ATTACHMENT_ROLES.get(data.role, "材料")
    if not data.content:
        return [Problem(path, f"{label}的文件是空的，请重新拍照或上传", "attachment.empty")]
    if len(data.content) > MAX_ATTACHMENT_BYTES:
        size_mb = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        return [Problem(path, f"{label}的文件太大，不能超过{size_mb}MB", "attachment.too_large")]
    if not data.content.startswith(_MAGIC.get(data.media_type, (b"",))):
        return [Problem(path, f"{label}的文件内容和文件类型不符，请重新拍照或上传",
                        "attachment.type_mismatch")]
    return []


def read_attachment_files(document: dict, base_dir: Path) -> tuple[list[AttachmentData],
                                                                   list[Problem]]:
    """Reads the files a petition document names (paths relative to the document), each
    made a page as the camera's photos are (`as_page`)."""
    found, problems = [], []
    for i, entry in enumerate(document.get("attachments") or []):
        path = f"attachments[{i}].file"
        name = entry.get("file")
        if not name:
            problems.append(Problem(path, "这份材料没有文件", "attachment.no_file"))
            continue
        file_path = (base_dir / name)
        try:
            content = file_path.read_bytes()
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            reason = getattr(exc, "strerror", None) or "文件名无效"
            problems.append(Problem(path, f"读不到材料文件“{name}”：{reason}",
                                    "attachment.unreadable"))
            continue
        data = AttachmentData(entry["role"], entry["media_type"], content)
        wrong = check_attachment(data, path)
        if not wrong:
            try:
                data = as_page(data)
            except pages.PageRefused as refused:
                wrong = [Problem(path, refused.message, refused.code)]
        problems.extend(wrong)
        if not wrong:
            found.append(data)
    return found, problems + check_attachments(found)


def as_page(data: AttachmentData) -> AttachmentData:
    """Material as it is sealed: a page scaled and compressed for a village link
    (`kiosk/pages.py`); the signature is the pad's own small PNG and stays as it is.
    PageRefused when the file cannot be a page."""
    if data.role == "signature":
        return data
    page = pages.compress(data.content, data.media_type)
    return AttachmentData(data.role, page.media_type, page.content)


def check_attachments(attachments: list[AttachmentData]) -> list[Problem]:
    """Each file on its own, and no file given twice (one digest per submission)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(attachments):
        problems.extend(check_attachment(data, f"attachments[{i}].file"))
        if data.digest in seen:
            problems.append(Problem(f"attachments[{i}].file",
                                    f"这份材料和第{seen[data.digest] + 1}份是同一个文件，请换一份",
                                    "attachment.duplicate"))
        seen.setdefault(data.digest, i)
    return problems


def receipt_fields(document: dict, taxonomy: Taxonomy) -> dict[str, Any]:
    """What the receipt and the technician may show: labels and masked values only."""
    applicants = document.get("applicants") or []
    first = applicants[0] if applicants else {}
    category = taxonomy.category(document.get("category") or "")
    purpose = taxonomy.purpose(document.get("purpose") or "")
    return {
        "kind": document.get("kind"),
        "kind_label": KINDS.get(document.get("kind"), ""),
        "category_label": category.label if category else "",
        "purpose_label": purpose.label if purpose else None,
        "applicant_name": identity.mask_name(first.get("name") or ""),
        "applicant_id": identity.mask_id(first.get("id_number") or ""),
        "applicant_phone": identity.mask_phone(first.get("phone") or ""),
        "applicant_count": len(applicants),
        "attachment_count": len(document.get("attachments") or []),
        # material the citizen hands in on paper (材料另交): the receipt says what and where
        "separate_material": [ATTACHMENT_ROLES.get(r, r)
                              for r in document.get("separate_material") or []],
    }


def receipt_signing_key(loaded: LoadedConfig):
    """The terminal's key for signing receipts, or None while it has none (not enrolled):
    the submission is confirmed and delivered all the same, its receipt unsigned. A
    damaged key file is the technician's to fix; it never stops a citizen's confirm."""
    try:
        return terminal_key.load_if_enrolled(loaded.data_dir)
    except (terminal_key.KeyDamaged, OSError) as exc:
        log.warning("the terminal's signing key cannot be read, receipts go unsigned: %s", exc)
        return None


def receipt_qr(loaded: LoadedConfig, token: str | None) -> str | None:
    """What the receipt's QR code carries: the platform's receipt page for the signed
    receipt, so a phone camera opens it. None for an unsigned receipt."""
    root = loaded.config.delivery_platform.receipt_page_root()
    if token is None or root is None:
        return None
    return wire_receipt.receipt_url(root, token)


def build(validation: Validation, attachments: list[AttachmentData], loaded: LoadedConfig,
          taxonomy: Taxonomy, *, now: datetime | None = None,
          submission_id: str | None = None) -> NewSubmission:
    """Seals a validated document and its material into a submission ready to confirm,
    with the terminal's key to sign its receipt (`receipt_signing_key`)."""
    if not validation.ok or errors(check_attachments(attachments)):
        raise ValueError("only a valid petition document with valid material can be sealed")
    now = now or datetime.now(UTC)
    submission_id = submission_id or str(uuid.uuid4())
    config = loaded.config
    public_key = sealing.decode_public_key(config.delivery_platform.public_key or "")

    document = dict(validation.document)
    document["attachments"] = [
        {"role": a.role, "media_type": a.media_type, "digest": a.digest, "size": len(a.content)}
        for a in attachments
    ]
    envelope = {
        "submission_id": submission_id,
        "terminal_id": config.terminal.id,
        "jurisdiction": config.jurisdiction.name,
        "created_at": now.isoformat(),
        "document": document,
    }
    plaintext = json.dumps(envelope, ensure_ascii=False, sort_keys=True).encode()
    return NewSubmission(
        submission_id=submission_id,
        kind=document["kind"],
        category=document["category"],
        purpose=document.get("purpose"),
        terminal_id=config.terminal.id,
        jurisdiction=config.jurisdiction.name,
        created_at=now,
        envelope=sealing.seal(plaintext, public_key, submission_id, "envelope"),
        receipt_fields=receipt_fields(document, taxonomy),
        attachments=[
            SealedAttachment(
                role=a.role,
                media_type=a.media_type,
                digest=a.digest,
                sealed=sealing.seal(a.content, public_key, submission_id,
                                    sealing.attachment_part(a.digest)),
            )
            for a in attachments
        ],
        signing_key=receipt_signing_key(loaded),
        # How far this clock could be trusted at this moment: the platform decides from it
        # whether the receipt's confirmation time counts for the time limits.
        clock_trust=clock_trust.confirmation_clock(
            clock_trust.current(loaded.data_dir, now.timestamp()), now),
        # the agent session's own record (`petition.validate(acting_agent=…)`), never typed
        agent_id=(document.get("proxy") or {}).get("agent_id"),
    )


def confirm(outbox: Outbox, validation: Validation, attachments: list[AttachmentData],
            loaded: LoadedConfig, taxonomy: Taxonomy, *, now: datetime | None = None,
            submission_id: str | None = None) -> Receipt:
    """The durable step: returns only once the submission is committed to disk.

    Pass the same `submission_id` when confirming a draft again after a failure:
    the outbox then returns the first receipt if that commit did land."""
    receipt = outbox.confirm(build(validation, attachments, loaded, taxonomy, now=now,
                                   submission_id=submission_id))
    wake.notify(loaded.data_dir)  # the sync worker starts delivering at once
    return receipt
