"""The carry file: a station's queued submissions on a USB stick, and the platform's
acknowledgement of them.

A carry file is a POSIX tar archive (the standard library's `tarfile`: a well-kept,
standard container any `tar tvf` can list, members stored as they are — sealed bytes
do not compress). Its members, in this order:

- `submissions/<submission id>.json` — the wire body `POST /submissions` sends
  (`schemas.SubmissionRequest`, without inline data): the envelope sealed to the
  platform's key, the routing metadata, the signed receipt;
- `attachments/<sealed digest>` — each sealed attachment, byte for byte as in the outbox;
- `manifest.json` — the carry id, the terminal, the platform it was sealed for (the
  fingerprint of its sealing key), and every member above with its size and sha256;
- `manifest.sig` — the terminal's Ed25519 signature over the manifest.

The archive is written deterministically (`_tar_info`: no owner, time or mode taken
from the machine), so a reader rebuilds it from the members it read and compares the
whole file's sha256: a byte changed anywhere — a member, a header, the padding —
refuses the file, not only one inside what the manifest lists.

Nothing in it is readable without the platform's private key: the envelopes and the
attachments were sealed before they reached the outbox, and the routing metadata is
what the network path sends in the clear to the platform too (kind, category, receipt
number), never a name, an ID number or what the petition says.

The acknowledgement (`<carry file's stem>.ack.json`, JSON) holds one item per
submission, each signed on its own by the platform's Ed25519 key, so a station keeps
each item's signed answer with its submission, as it keeps a network answer.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import io
import json
import os
import re
import tarfile
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from wire import schemas

FORMAT = "petition-carry/1"
ACK_FORMAT = "petition-carry-ack/1"
SUFFIX = ".petition-carry"
ACK_SUFFIX = ".ack.json"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# What each signature is over starts with its purpose, so the terminal's key (which
# also signs requests and receipts) and the platform's never sign one thing as another.
_MANIFEST_CONTEXT = b"petition-carry/1 manifest\n"
_ACK_CONTEXT = b"petition-carry-ack/1 item\n"
_SUBMISSION_NAME = re.compile(r"submissions/([A-Za-z0-9_-]{1,64})\.json")
_ATTACHMENT_NAME = re.compile(r"attachments/([0-9a-f]{64})")
_FILE_NAME = re.compile(r"carry-[A-Za-z0-9_.-]{1,80}" + re.escape(SUFFIX))
# A carry file larger than this is not read (a stick is not a disk image).
MAX_FILE_BYTES = 4 * 1024 ** 3


class CarryRefused(Exception):
    """A carry file or an acknowledgement that cannot be taken as it is; the message
    says why in words for the operator (what the screen shows is `plain`)."""

    def __init__(self, message: str, plain: str):
        super().__init__(message)
        self.plain = plain


def platform_fingerprint(platform_public_key: str) -> str:
    """Names the platform a file was sealed for: the sha256 of its sealing key (base64
    text, as handed to terminals at enrollment)."""
    return hashlib.sha256(platform_public_key.strip().encode()).hexdigest()


def file_name(terminal_id: str, created_at: datetime, carry_id: str) -> str:
    stamp = created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"carry-{terminal_id}-{stamp}-{carry_id[:8]}{SUFFIX}"


def ack_name(carry_file_name: str) -> str:
    return carry_file_name.removesuffix(SUFFIX) + ACK_SUFFIX


def is_carry_name(name: str) -> bool:
    return _FILE_NAME.fullmatch(name) is not None


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


class _Hashing(io.RawIOBase):
    """A sink that only hashes what is written: the rebuilt archive never exists."""

    def __init__(self) -> None:
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.sha256.update(data)
        return len(data)


@dataclass(frozen=True)
class Manifest:
    carry_id: str
    terminal_id: str
    platform: str  # platform_fingerprint of the key the envelopes were sealed to
    created_at: str
    submissions: list[str]
    members: list[dict[str, Any]]  # name, size, sha256

    def to_bytes(self) -> bytes:
        return json.dumps({"format": FORMAT, "carry_id": self.carry_id,
                           "terminal_id": self.terminal_id, "platform": self.platform,
                           "created_at": self.created_at, "submissions": self.submissions,
                           "members": self.members}, sort_keys=True,
                          separators=(",", ":")).encode()


class Writer:
    """Writes one carry file to `out` (a file opened for writing) member by member, so
    a large queue never sits in memory; `finish` signs and closes the archive."""

    def __init__(self, out: IO[bytes], terminal_id: str, platform_public_key: str,
                 signing_key: Ed25519PrivateKey, now: datetime | None = None,
                 carry_id: str | None = None):
        self.carry_id = carry_id or uuid.uuid4().hex
        self.created_at = (now or datetime.now(UTC)).astimezone(UTC)
        self.terminal_id = terminal_id
        self._platform = platform_fingerprint(platform_public_key)
        self._key = signing_key
        self._tar = tarfile.open(fileobj=out, mode="w|", format=tarfile.USTAR_FORMAT)
        self._members: list[dict[str, Any]] = []
        self._names: set[str] = set()
        self.submissions: list[str] = []

    @property
    def name(self) -> str:
        return file_name(self.terminal_id, self.created_at, self.carry_id)

    def _add(self, name: str, data: bytes) -> None:
        self._tar.addfile(_tar_info(name, len(data)), io.BytesIO(data))
        self._names.add(name)
        self._members.append({"name": name, "size": len(data),
                              "sha256": hashlib.sha256(data).hexdigest()})

    def add(self, body: schemas.SubmissionRequest, attachments: Callable[[str], bytes]) -> None:
        """One submission: its wire body, and each sealed attachment (by sealed digest)
        not in the file yet."""
        if body.terminal_id != self.terminal_id:
            raise ValueError("a carry file holds one terminal's submissions")
        for ref in body.attachments:
            name = f"attachments/{ref.sealed_digest}"
            if name not in self._names:
                self._add(name, attachments(ref.sealed_digest))
        self._add(f"submissions/{body.submission_id}.json",
                  body.model_dump_json(exclude={"inline"}).encode())
        self.submissions.append(body.submission_id)

    def finish(self) -> Manifest:
        manifest = Manifest(self.carry_id, self.terminal_id, self._platform,
                            self.created_at.isoformat(), self.submissions, self._members)
        data = manifest.to_bytes()
        signature = base64.b64encode(self._key.sign(_MANIFEST_CONTEXT + data))
        self._tar.addfile(_tar_info(MANIFEST, len(data)), io.BytesIO(data))
        self._tar.addfile(_tar_info(SIGNATURE, len(signature)), io.BytesIO(signature))
        self._tar.close()
        return manifest


@dataclass(frozen=True)
class CarryFile:
    """A carry file read and checked against itself (not yet against a terminal's key:
    `verify`)."""

    manifest: Manifest
    manifest_bytes: bytes
    signature: bytes
    sha256: str
    bodies: dict[str, schemas.SubmissionRequest]  # by submission id, in the manifest's order
    attachments: dict[str, bytes]  # sealed digest -> sealed bytes

    def verify(self, terminal_public_key: Ed25519PublicKey) -> None:
        """CarryRefused unless the manifest carries this terminal key's signature."""
        try:
            terminal_public_key.verify(self.signature, _MANIFEST_CONTEXT + self.manifest_bytes)
        except InvalidSignature:
            raise CarryRefused(
                f"the manifest of carry {self.manifest.carry_id} is not signed by terminal "
                f"{self.manifest.terminal_id}'s enrolled key",
                "文件上的终端签名对不上，可能被改动过，或不是这台登记过的终端导出的。没有导入任何内容。"
            ) from None

    def with_inline(self, submission_id: str) -> schemas.SubmissionRequest:
        """The body with its attachments inline, as intake takes them."""
        body = self.bodies[submission_id]
        inline = [schemas.InlineAttachment(sealed_digest=ref.sealed_digest,
                                           data=base64.b64encode(
                                               self.attachments[ref.sealed_digest]).decode())
                  for ref in dict((r.sealed_digest, r) for r in body.attachments).values()]
        return body.model_copy(update={"inline": inline})


_DAMAGED = "文件不完整或被改动过（可能U盘没有安全弹出）。没有导入任何内容，请在站点重新导出。"


def _damaged(why: str) -> CarryRefused:
    return CarryRefused(f"the carry file is damaged or incomplete: {why}", _DAMAGED)


def read(data: bytes) -> CarryFile:
    """The carry file in `data`, checked whole: CarryRefused for a truncated or changed
    file, a member that is not one of the format's, or one the manifest does not list."""
    if len(data) > MAX_FILE_BYTES:
        raise _damaged("larger than any carry file")
    members: dict[str, bytes] = {}
    order: list[str] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for info in tar:
                if not info.isreg() or info.name in members:
                    raise _damaged(f"unexpected member {info.name!r}")
                extracted = tar.extractfile(info)
                assert extracted is not None
                content = extracted.read()
                if len(content) != info.size:
                    raise _damaged(f"member {info.name!r} is cut short")
                members[info.name] = content
                order.append(info.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _damaged(str(exc) or type(exc).__name__) from None
    if order[-2:] != [MANIFEST, SIGNATURE]:
        raise _damaged("no manifest at its end")
    sink = _Hashing()
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.USTAR_FORMAT) as rebuilt:
        for name in order:
            rebuilt.addfile(_tar_info(name, len(members[name])), io.BytesIO(members[name]))
    sha256 = hashlib.sha256(data).hexdigest()
    if sink.sha256.hexdigest() != sha256:
        raise _damaged("its bytes differ from the archive its members make")
    manifest_bytes = members[MANIFEST]
    try:
        raw = json.loads(manifest_bytes)
        signature = base64.b64decode(members[SIGNATURE], validate=True)
        if raw.get("format") != FORMAT:  # before its signature is checked: damage or another
            raise _damaged(f"its manifest is not of format {FORMAT} ({raw.get('format')!r})")
        manifest = Manifest(str(raw["carry_id"]), str(raw["terminal_id"]), str(raw["platform"]),
                            str(raw["created_at"]), [str(s) for s in raw["submissions"]],
                            [dict(m) for m in raw["members"]])
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise _damaged(f"the manifest cannot be read ({exc})") from None
    listed = {m.get("name"): m for m in manifest.members}
    if set(listed) != set(order[:-2]) or len(listed) != len(manifest.members):
        raise _damaged("its members are not the ones the manifest lists")
    for name, content in members.items():
        entry = listed.get(name)
        if entry is not None and (entry.get("size") != len(content) or
                                  entry.get("sha256") != hashlib.sha256(content).hexdigest()):
            raise _damaged(f"member {name!r} differs from the manifest")
    bodies: dict[str, schemas.SubmissionRequest] = {}
    attachments: dict[str, bytes] = {}
    for name, content in members.items():
        if (found := _ATTACHMENT_NAME.fullmatch(name)) is not None:
            if hashlib.sha256(content).hexdigest() != found.group(1):
                raise _damaged(f"attachment {name!r} does not have the sha256 it is named by")
            attachments[found.group(1)] = content
        elif (found := _SUBMISSION_NAME.fullmatch(name)) is not None:
            try:
                body = schemas.SubmissionRequest.model_validate_json(content)
            except ValueError as exc:
                raise _damaged(f"{name!r} is not a submission ({exc})") from None
            if body.submission_id != found.group(1) or body.terminal_id != manifest.terminal_id:
                raise _damaged(f"{name!r} names another submission or terminal")
            bodies[body.submission_id] = body
        elif name not in (MANIFEST, SIGNATURE):
            raise _damaged(f"unexpected member {name!r}")
    if list(bodies) != manifest.submissions and sorted(bodies) != sorted(manifest.submissions):
        raise _damaged("its submissions are not the ones the manifest lists")
    for body in bodies.values():
        if any(ref.sealed_digest not in attachments for ref in body.attachments):
            raise _damaged(f"an attachment of {body.submission_id} is missing")
    bodies = {sid: bodies[sid] for sid in manifest.submissions}
    return CarryFile(manifest, manifest_bytes, signature, sha256, bodies, attachments)


# --- the acknowledgement -----------------------------------------------------------------


@dataclass(frozen=True)
class AckItem:
    """The platform's answer to one carried submission, as signed."""

    carry_id: str
    carry_sha256: str
    terminal_id: str
    submission_id: str
    status: int  # the HTTP status POST /submissions answers (201, 200: a case)
    answer: dict[str, Any]  # SubmissionAccepted or ErrorBody
    acknowledged_at: str
    signed: str  # the item as kept by the station: {"body": …, "signature": …}

    @property
    def accepted(self) -> schemas.SubmissionAccepted | None:
        if 200 <= self.status < 300:
            return schemas.SubmissionAccepted.model_validate(self.answer)
        return None


def sign_item(key: Ed25519PrivateKey, *, carry_id: str, carry_sha256: str, terminal_id: str,
              submission_id: str, status: int, answer: dict[str, Any],
              acknowledged_at: datetime) -> dict[str, str]:
    body = json.dumps({"format": ACK_FORMAT, "carry_id": carry_id, "carry_sha256": carry_sha256,
                       "terminal_id": terminal_id, "submission_id": submission_id,
                       "status": status, "answer": answer,
                       "acknowledged_at": acknowledged_at.astimezone(UTC).isoformat()},
                      sort_keys=True, separators=(",", ":"))
    return {"body": body,
            "signature": base64.b64encode(key.sign(_ACK_CONTEXT + body.encode())).decode()}


def ack_document(carry: CarryFile, items: Iterable[dict[str, str]], platform_key_fingerprint: str
                 ) -> bytes:
    return (json.dumps({"format": ACK_FORMAT, "carry_id": carry.manifest.carry_id,
                        "carry_sha256": carry.sha256, "terminal_id": carry.manifest.terminal_id,
                        "platform_signing_key": platform_key_fingerprint,
                        "items": list(items)}, indent=1, sort_keys=True) + "\n").encode()


_FORGED = ("回执上的平台签名对不上，可能是伪造的或属于另一个平台。没有据此改动任何记录。")


def read_ack(data: bytes, platform_key: Ed25519PublicKey) -> list[AckItem]:
    """The items of an acknowledgement, each verified against the platform's key;
    CarryRefused (nothing taken from it) if any does not verify."""
    try:
        document = json.loads(data)
        if document.get("format") != ACK_FORMAT:
            raise ValueError(f"format {document.get('format')!r}")
        raw_items = list(document["items"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CarryRefused(f"not an acknowledgement file ({exc})",
                           "回执文件不完整或被改动过。没有据此改动任何记录。") from None
    items = []
    for raw in raw_items:
        try:
            body, signature = str(raw["body"]), base64.b64decode(raw["signature"], validate=True)
            platform_key.verify(signature, _ACK_CONTEXT + body.encode())
            fields = json.loads(body)
            if fields.get("format") != ACK_FORMAT:
                raise ValueError("format")
            items.append(AckItem(fields["carry_id"], fields["carry_sha256"],
                                 fields["terminal_id"], fields["submission_id"],
                                 int(fields["status"]), dict(fields["answer"]),
                                 fields["acknowledged_at"],
                                 json.dumps(raw, sort_keys=True, separators=(",", ":"))))
        except (InvalidSignature, ValueError, KeyError, TypeError, AttributeError,
                binascii.Error) as exc:
            raise CarryRefused(f"an item of the acknowledgement does not carry the platform's "
                               f"valid signature ({type(exc).__name__})", _FORGED) from None
    return items


def ack_carry_id(data: bytes) -> str | None:
    """The carry id an acknowledgement names, unverified (to find a file's ack)."""
    try:
        value = json.loads(data).get("carry_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


# --- writing on the stick ------------------------------------------------------------------

class StickFull(Exception):
    """The stick filled up (or failed) while a file was written; nothing is left of it."""


def write_on_stick(path: Any, fill: Callable[[IO[bytes]], Any]) -> Any:
    """Writes `path` atomically: `fill` writes into a temporary file beside it, which is
    fsync'd, renamed to `path` and its folder fsync'd; returns what `fill` returns.

    Written here rather than with `wire.durable.write_file`: a carry file is streamed
    member by member (a queue can be larger than memory), and a stick is usually FAT,
    where chmod fails, so no mode is set. Any failure — a full stick above all — removes
    the temporary file and raises StickFull with the system's reason."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise StickFull(f"cannot write in {path.parent}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as out:
            result = fill(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        raise StickFull(("the stick is full" if full else "writing on the stick failed")
                        + f": {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result
