"""补充材料 (Art. 14) and 撤回申请 (Art. 17): what a citizen may do to a case they read on
the query screen, with the checks and the queueing the screen and `kiosk supplement` /
`kiosk withdraw` share.

Both start from a case read just now (`casequery.Answer` found): whether the case allows
it is the platform's word of a moment ago (material only while the office waits for
it, a withdrawal only before the opinion). What the citizen gives is sealed to the
platform's key, bound to the new follow-up's id, and queued durably in the outbox's
follow-ups; the sync worker delivers it exactly once. The case is named through this
terminal's own submission when it has it, else by the query code and the phone digits
the citizen just proved (`case_ref`).

Invariants: `check_*` report every problem at once in plain Chinese, each with the path
of its field; nothing is queued with a problem; personal data (pages, the signature)
never stays readable on the terminal once queued.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Any

from kiosk import casequery
from kiosk.problems import Problem
from kiosk.store import CaseRef, FollowUpInfo
from wire import schemas

PAGES = "pages"
SIGNATURE = "signature"
MAX_PAGES = schemas.MAX_SUPPLEMENT_PAGES
# What the pages may weigh together before sealing: the sealed JSON (base64 inside, 4/3)
# must stay under the platform's limit, with room for the envelope.
MAX_PAGES_BYTES = schemas.MAX_SUPPLEMENT_SEALED_BYTES * 3 // 4 - 64 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"


def case_ref(outbox: Any, terminal_id: str, progress: schemas.CaseProgress,
             lookup: casequery.Lookup) -> CaseRef:
    """How a follow-up names the case read: this terminal's submission that became it,
    else its query code with the digits the citizen proved."""
    mine = outbox.find_by_case_no(progress.case_no)
    if mine is not None:
        return CaseRef(submission_id=mine.submission_id)
    return CaseRef(query_code=progress.query_code, phone_last4=lookup.phone_last4,
                   terminal_id=terminal_id)


def held(outbox: Any, progress: schemas.CaseProgress) -> list[FollowUpInfo]:
    """The follow-ups this terminal holds for the case (sent or still waiting)."""
    return outbox.followups.for_case(progress.case_no, progress.query_code)


def withdrawal_held(outbox: Any, progress: schemas.CaseProgress) -> bool:
    return any(f.kind == "withdrawal" for f in held(outbox, progress))


def rated_here(outbox: Any, progress: schemas.CaseProgress, service: str = "case") -> bool:
    return any(f.kind == "evaluation" and f.service == service for f in held(outbox, progress))


# ---- 补充材料 ------------------------------------------------------------------------------


def may_supplement(progress: schemas.CaseProgress) -> bool:
    return casequery.material_asked(progress) is not None


def check_supplement(progress: schemas.CaseProgress, pages: list[Any]) -> list[Problem]:
    """Every problem with adding `pages` (each an `AttachmentData`) to the case."""
    from kiosk.submission import check_attachment

    problems: list[Problem] = []
    if not may_supplement(progress):
        problems.append(Problem("case", "这件事现在不需要补充材料。办理单位要求补充时，查询结果会告诉您。",
                                "supplement.not_asked"))
    if not pages:
        problems.append(Problem(PAGES, "请至少拍一页要补充的材料。", "supplement.no_pages"))
    if len(pages) > MAX_PAGES:
        problems.append(Problem(PAGES, f"一次最多补充{MAX_PAGES}页，现在有{len(pages)}页，"
                                "请分两次补充。", "supplement.too_many"))
    seen: set[str] = set()
    for i, page in enumerate(pages):
        problems.extend(check_attachment(page, f"{PAGES}[{i}]"))
        if page.digest in seen:
            problems.append(Problem(f"{PAGES}[{i}]", f"第{i + 1}页和前面的一页是同一张，请换一页。",
                                    "supplement.duplicate"))
        seen.add(page.digest)
    total = sum(len(p.content) for p in pages)
    if total > MAX_PAGES_BYTES:
        problems.append(Problem(PAGES, f"这些材料一共太大了（超过{MAX_PAGES_BYTES // (1024 * 1024)}MB），"
                                "请分两次补充。", "supplement.too_large"))
    return problems


def queue_supplement(outbox: Any, loaded: Any, case: CaseRef, pages: list[Any],
                     now: datetime | None = None) -> FollowUpInfo:
    """Seals the checked pages together and queues them; wakes the sync worker."""
    from kiosk import wake
    from wire import sealing

    followup_id = str(uuid.uuid4())
    plain = json.dumps([{"media_type": p.media_type, "data": base64.b64encode(p.content).decode()}
                        for p in pages]).encode()
    key = sealing.decode_public_key(loaded.config.delivery_platform.public_key or "")
    sealed = sealing.seal(plain, key, followup_id, schemas.SUPPLEMENT_PART)
    added = outbox.followups.add_supplement(case, len(pages), sealed, followup_id, now)
    wake.notify(loaded.data_dir)
    return added


# ---- 撤回申请 ------------------------------------------------------------------------------


def check_withdrawal(progress: schemas.CaseProgress, signature_png: bytes | None,
                     already_held: bool = False) -> list[Problem]:
    """Every problem with asking to withdraw the case with this signature."""
    problems: list[Problem] = []
    if already_held or progress.status == "withdrawal_requested":
        problems.append(Problem("case", "这件事已经申请撤回了，正在等待办理单位确认，不用再申请。",
                                "withdrawal.already"))
    elif progress.status == "withdrawn":
        problems.append(Problem("case", "这件事已经撤回了。", "withdrawal.withdrawn"))
    elif not casequery.may_withdraw(progress):
        problems.append(Problem("case", "办理单位已经出具处理意见（或已经办结），按规定不能再撤回。",
                                "withdrawal.too_late"))
    if not signature_png:
        problems.append(Problem(SIGNATURE, "请在下面的框里签名，表示是您本人申请撤回。",
                                "withdrawal.signature_missing"))
    elif not signature_png.startswith(_PNG):
        problems.append(Problem(SIGNATURE, "签名要是一张PNG图片。", "withdrawal.signature_type"))
    return problems


def queue_withdrawal(outbox: Any, loaded: Any, case: CaseRef, signature_png: bytes,
                     now: datetime | None = None) -> tuple[FollowUpInfo, bool]:
    """Seals the signature and queues the request; (the one held before, False) when this
    case's withdrawal was asked for already. Wakes the sync worker."""
    from kiosk import wake
    from wire import sealing

    followup_id = str(uuid.uuid4())
    key = sealing.decode_public_key(loaded.config.delivery_platform.public_key or "")
    sealed = sealing.seal(signature_png, key, followup_id, schemas.WITHDRAWAL_PART)
    kept, new = outbox.followups.add_withdrawal(case, sealed, followup_id, now)
    if new:
        wake.notify(loaded.data_dir)
    return kept, new
