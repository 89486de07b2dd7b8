"""The service evaluation (好差评): five levels, the reasons a bad rating asks for, and
the checks the screen and `kiosk evaluate` share.

Voluntary (GB/T 39734 forbids forcing a rating): nothing here is ever required to end
a visit; a citizen who does not rate is simply not counted. One rating per service:
the service at the terminal (`terminal`, offered after the receipt) and the handling
of an answered case (`case`, offered on the query screen). A bad rating (the last two
levels) asks for at least one reason tag; the free text is optional, and it is sealed
to the platform like petition content, so the terminal never keeps it readable.

Invariants: `validate` reports every problem at once, in plain Chinese, with the
path of the field it concerns; a `Rating` it returns is always well formed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.problems import Problem

# In the order the screen offers them, best first; codes are the wire's.
LEVELS: tuple[tuple[str, str], ...] = (
    ("very_satisfied", "非常满意"),
    ("satisfied", "满意"),
    ("basically_satisfied", "基本满意"),
    ("dissatisfied", "不满意"),
    ("very_dissatisfied", "非常不满意"),
)
LEVEL_LABELS = dict(LEVELS)
# 差评: the last two. Everything else counts as satisfied (docs/receiver.md).
BAD_LEVELS = frozenset({"dissatisfied", "very_dissatisfied"})
SATISFIED_LEVELS = frozenset(LEVEL_LABELS) - BAD_LEVELS

SERVICES: dict[str, str] = {"terminal": "本次自助服务", "case": "信访事项的办理"}

# What a bad rating may give as its reasons, per service (the tags the screen shows).
REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    "terminal": (
        ("hard_to_use", "操作不方便"),
        ("hard_to_read", "说明看不懂"),
        ("too_slow", "等待时间太长"),
        ("device_fault", "设备有故障"),
        ("no_help", "没有人帮忙"),
        ("other", "其他"),
    ),
    "case": (
        ("outcome", "对处理结果不满意"),
        ("too_slow", "办理时间太长"),
        ("no_reasons", "没有讲清理由"),
        ("attitude", "工作人员态度不好"),
        ("other", "其他"),
    ),
}
MAX_TEXT_CHARS = 200


@dataclass(frozen=True)
class Rating:
    """A valid rating: level and reason codes as the wire carries them; `text` is plain
    here and sealed before it is stored."""

    service: str
    level: str
    reasons: tuple[str, ...] = ()
    text: str = ""

    @property
    def bad(self) -> bool:
        return self.level in BAD_LEVELS

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


def is_bad(level: str) -> bool:
    return level in BAD_LEVELS


def reason_label(service: str, code: str) -> str:
    return dict(REASONS.get(service, ())).get(code, code)


def validate(service: str, level: str | None, reasons: list[str] | tuple[str, ...] = (),
             text: str | None = None) -> tuple[Rating | None, list[Problem]]:
    """The rating, or None and every problem found."""
    problems: list[Problem] = []
    if service not in SERVICES:
        problems.append(Problem("service", "评价的服务只能是本次自助服务或信访事项的办理。",
                                "evaluation.service.unknown"))
    level = (level or "").strip()
    if not level:
        problems.append(Problem("level", "请选择一个评价等级。", "evaluation.level.missing"))
    elif level not in LEVEL_LABELS:
        names = "、".join(label for _, label in LEVELS)
        problems.append(Problem("level", f"评价等级只能是：{names}。", "evaluation.level.unknown"))
    known = dict(REASONS.get(service, ()))
    chosen: list[str] = []
    for i, code in enumerate(reasons):
        if code not in known:
            problems.append(Problem(f"reasons[{i}]", f"没有“{code}”这个原因。",
                                    "evaluation.reason.unknown"))
        elif code not in chosen:
            chosen.append(code)
    clean = (text or "").strip()
    if level in BAD_LEVELS and not reasons:
        problems.append(Problem("reasons", "请至少选择一个不满意的原因。",
                                "evaluation.reason.missing"))
    if level in SATISFIED_LEVELS and (reasons or clean):
        problems.append(Problem("reasons", "只有“不满意”和“非常不满意”需要说明原因。",
                                "evaluation.reason.not_asked"))
    if len(clean) > MAX_TEXT_CHARS:
        problems.append(Problem("text", f"补充说明最多{MAX_TEXT_CHARS}个字，现在有{len(clean)}个字。",
                                "evaluation.text.too_long"))
    if any(not ch.isprintable() for ch in clean):
        problems.append(Problem("text", "补充说明里有不能显示的字符。", "evaluation.text.invalid"))
    if problems:
        return None, problems
    return Rating(service, level, tuple(chosen), clean), []


def level_code(text: str) -> str:
    """A level as typed: its code or its Chinese label (非常满意); unchanged when neither."""
    text = (text or "").strip()
    by_label = {label: code for code, label in LEVELS}
    return by_label.get(text, text)


def queue(outbox: Any, loaded: Any, submission_id: Any, rating: Rating,
          now: datetime | None = None) -> tuple[Any, bool]:
    """Queues a valid rating of a case (a submission id, or a `CaseRef` for a case read
    on the query screen) durably and wakes the sync worker: its free
    text sealed to the delivery platform's key, bound to the new follow-up's id. Returns
    (the follow-up, True), or (the rating kept before, False) when this service of this
    submission was rated already. Store failures raise the store's StoreError."""
    from kiosk import wake
    from wire import schemas, sealing

    followup_id = str(uuid.uuid4())
    sealed = None
    if rating.text:
        key = sealing.decode_public_key(loaded.config.delivery_platform.public_key or "")
        sealed = sealing.seal(rating.text.encode(), key, followup_id,
                              schemas.EVALUATION_TEXT_PART)
    kept, new = outbox.followups.add_evaluation(submission_id, rating.service, rating.level,
                                                rating.reasons, sealed, followup_id, now)
    if new:
        wake.notify(loaded.data_dir)
    return kept, new
