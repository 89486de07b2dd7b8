"""The guided flow: which question comes after which answer.

Data and plain functions, no Qt: the visit model (kiosk/visit.py) asks this module
where to go; tests walk every path. `answers` is the petition document being
built (kiosk/petition.py), so a step's problems are simply the validation
problems whose paths fall under the fields that step edits.

Navigation is recomputed from the answers every time, never kept as a stack:
changing an answer on the way back changes the way forward. Which steps apply is
kiosk/applies.py's; what 下一步 does on a step is data on the step (`blocks`,
`confirms`), not code about step ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kiosk import applies, choices
from kiosk.applies import MAX_REPRESENTATIVES
from kiosk.problems import Problem

Answers = dict[str, Any]


def _always(_: Answers) -> bool:
    return True


def _by_choice_only(_: Answers) -> bool:
    """Never on the way forward or back: a step reached only by its own button."""
    return False


class Blocks(Enum):
    """Which errors keep the citizen on a step when they press 下一步."""

    OWN = "own"  # the errors this step fixes (shown next to their fields)
    NEVER = "never"  # none: what is missing shows on the review screen
    ALL_BUT_CONSENT = "all_but_consent"  # any error a step before consent fixes


@dataclass(frozen=True)
class Step:
    id: str
    title: str  # the screen's heading
    prompt: str  # what the voice says and the line under the heading shows
    fields: tuple[str, ...]  # path prefixes this step edits
    applies: Callable[[Answers], bool] = _always
    blocks: Blocks = Blocks.OWN  # what 下一步 waits for
    confirms: bool = False  # 下一步 is 确认提交: the submission is confirmed from here
    done: bool = False  # the visit is over: no step number, no 上一步 / 下一步
    # what the prompt says instead on a terminal without a camera ("" for the same)
    prompt_without_camera: str = ""
    # the same step number as the step before it: that question, continued (推选代表 is
    # part of saying who applies together), so the total cannot grow with the answers
    continues: bool = False

    def owns(self, path: str) -> bool:
        return any(path == f or path.startswith((f + ".", f + "[")) for f in self.fields)


STEPS: tuple[Step, ...] = (
    # An agent session only (代办员): first of all the villager agrees to be helped, in
    # plain words, and signs for it (seed document 4 Art. 10(3)); then the petition is
    # the villager's own, with them as the applicant.
    Step("authorisation", "村民授权", "请村民看一看授权的内容，同意的话在下面签名。代办员不能替村民签名。",
         ("proxy",), applies.proxy),
    # Only for 申请复查、复核: 我要信访 has said what the citizen wants (Visit.start). The
    # document the citizen holds decides between 复查 and 复核 (choices.HELD_DOCUMENTS).
    Step("kind", "您手里是哪一份意见书", "请看看您收到的意见书，选一样的那一份。",
         ("kind",), applies.review_to_choose),
    Step("earlier_reply", "您收到的意见书",
         "请告诉我们意见书上的编号和您收到它的日期，我们帮您算一算还在不在申请期限内。",
         ("matter.earlier_reply",), applies.review),
    Step("applying_as", "谁来申请", "请选择：本人申请、替别人申请，还是几个人一起申请。",
         ("applying_as",)),
    Step("applicant", "申请人的身份", "请选择证件类型，输入证件号码、姓名、手机号码和地址。",
         ("applicants",), applies.one_applicant),
    Step("group", "共同申请的人", "请逐一添加每一位申请人。", ("applicants",), applies.group),
    Step("representatives", "推选代表",
         f"申请人超过{MAX_REPRESENTATIVES}位，请选出不超过{MAX_REPRESENTATIVES}位代表。",
         ("representatives",), applies.representatives, continues=True),
    Step("agent", "代理人和授权", "请填写您自己（代理人）的身份，以及申请人授权您办理的事项、权限和期限。",
         ("agent",), applies.agent),
    # One question per screen: the purpose after the long list of categories would sit
    # far below the fold in 大字, where nobody looks for a second question.
    Step("category", "问题类别", "请选择您反映的问题属于哪一类。", ("category",)),
    Step("purpose", "您希望怎么处理？", "请选择您希望有关部门怎么处理这件事。", ("purpose",),
         applies.purpose),
    Step("matter", "您的请求", "请写清楚您的具体请求，以及事实和理由。", ("matter",)),
    # Material never blocks: without a camera the citizen must still reach the review.
    Step("attachments", "证明材料", "请把需要的材料放到拍摄区，按“拍照”。",
         ("attachments", "separate_material"), blocks=Blocks.NEVER,
         prompt_without_camera="本机不能拍照。需要的材料请另交，申请照常提交。"),
    Step("review", "核对信息", "请核对您填写的内容，哪里不对可以点“修改”。", (),
         blocks=Blocks.ALL_BUT_CONSENT),
    Step("consent", "同意并签名", f"请阅读说明，勾选同意。{choices.SIGN_HERE}，然后按“确认提交”。",
         ("consent",), confirms=True),
    Step("receipt", "提交成功", "已经提交成功。请记下回执编号，或用手机扫码查询进度。", (),
         done=True),
    # Reached only from the receipt, by choice: rating is voluntary (GB/T 39734).
    Step("evaluation", "评价本次服务",
         "您愿意的话，请为本次自助服务打个分。不评价也完全没有关系，按“不评价”就可以。",
         ("evaluation_text",), _by_choice_only, done=True),
)
BY_ID = {s.id: s for s in STEPS}
CONFIRMING = next(s for s in STEPS if s.confirms)  # where 下一步 is 确认提交
DONE = next(s for s in STEPS if s.done)  # what the citizen sees once it is confirmed

# Signature problems are reported on the attachment list but belong to the consent screen.
_SIGNATURE_CODE = "attachment.missing.signature"
_AUTHORISATION_SIGNATURE_CODE = "attachment.missing.authorisation_signature"


def steps_for(answers: Answers) -> list[Step]:
    """The steps this citizen walks, given the answers so far."""
    return [s for s in STEPS if s.applies(answers)]


def first_step(answers: Answers | None = None) -> Step:
    """Where a visit starts: 我要信访 (kind already petition) goes straight to the first
    real question; 申请复查、复核 asks which document the citizen holds."""
    return steps_for(answers or {})[0]


def next_step(current: str, answers: Answers) -> Step | None:
    steps = steps_for(answers)
    ids = [s.id for s in steps]
    if current not in ids:  # an answer changed so this step no longer applies
        return _nearest_following(current, steps)
    i = ids.index(current)
    return steps[i + 1] if i + 1 < len(steps) else None


def previous_step(current: str, answers: Answers) -> Step | None:
    steps = steps_for(answers)
    order = [s.id for s in STEPS]
    before = [s for s in steps if order.index(s.id) < order.index(current)]
    return before[-1] if before else None


def _nearest_following(current: str, steps: list[Step]) -> Step | None:
    order = [s.id for s in STEPS]
    after = [s for s in steps if order.index(s.id) > order.index(current)]
    return after[0] if after else None


# The answers that choose which steps a citizen walks (kiosk/applies.py): the total of the
# step indicator is shown once the citizen has passed every step that asks one of them.
DECIDING_FIELDS = ("kind", "applying_as")


def position(current: str, answers: Answers) -> tuple[int, int | None]:
    """(n, total) for the step indicator 第 n 步 / 共 total 步; the receipt (`done`) is not
    counted and a step that `continues` the one before has its number. `total` is None
    while the path is not known yet (on the steps up to the last that chooses it): a
    total that changed as answers changed (1/7, 2/8, 2/7, …) would tell an elderly citizen
    that something went wrong; a number that only grows and a total that, once shown,
    never moves do not."""
    steps = [s for s in steps_for(answers) if not s.done]
    numbered = [s.id for s in steps if not s.continues]
    ids = [s.id for s in steps]
    if current in ids:
        at = ids.index(current)
        while steps[at].continues and at > 0:
            at -= 1
        n = numbered.index(steps[at].id) + 1
    else:
        n = len(numbered)
    order = [s.id for s in STEPS]
    deciding = [order.index(s.id) for s in steps
                if any(s.owns(f) for f in DECIDING_FIELDS)]
    known = current in order and all(order.index(current) > i for i in deciding)
    return n, len(numbered) if known else None


def step_of(problem: Problem, answers: Answers) -> Step | None:
    """The step where the citizen fixes this problem (the review screen's 修改 goes there)."""
    if problem.code == _SIGNATURE_CODE:
        return BY_ID["consent"]
    if problem.code == _AUTHORISATION_SIGNATURE_CODE:
        return BY_ID["authorisation"]
    applicable = steps_for(answers)
    for step in applicable:
        if step.owns(problem.path):
            return step
    # The owning step does not apply yet (e.g. applicants before 谁来申请 is answered):
    # go to the last applicable step before it, the question that decides.
    owners = [i for i, s in enumerate(STEPS) if s.owns(problem.path)]
    if not owners:
        return None
    before = [s for s in applicable if STEPS.index(s) < owners[0]]
    return before[-1] if before else None


def problems_of(step_id: str, problems: list[Problem], answers: Answers) -> list[Problem]:
    step = BY_ID[step_id]
    return [p for p in problems if step_of(p, answers) is step]
