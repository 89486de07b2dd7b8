"""Every choice the citizen makes on a screen, declared once: code, label, hint, icon.

The screens show these lists as they are (through the view-model); validation
accepts exactly their codes; the review screen and the receipt name an answer by
its `term`. The configurable lists (problem categories, purposes) come from
assets/taxonomies/ through kiosk/taxonomy.py and are offered the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk import applies, identity
from kiosk.applies import MAX_REPRESENTATIVES
from kiosk.taxonomy import Taxonomy
from wire.schemas import QUERY_CODE_ALPHABET

Code = str | bool


@dataclass(frozen=True)
class Choice:
    code: Code  # what the document holds
    label: str  # on the tile
    hint: str = ""  # the smaller line under the label
    icon: str = ""  # a line icon of assets/icons/, "" for none
    term: str = ""  # how the review screen and the receipt name it; the label when ""

    @property
    def name(self) -> str:
        return self.term or self.label

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "hint": self.hint, "icon": self.icon}


# The one phrasing that asks for the signature (the consent screen, its prompt, its problem).
SIGN_HERE = "请在下面的框里签名"

KINDS: tuple[Choice, ...] = (
    Choice("petition", "反映新的问题（信访事项）", "第一次向政府反映这件事", "pen", term="信访事项"),
    Choice("review", "申请复查", "对收到的答复意见书不满意", "review", term="复查申请"),
    Choice("re_review", "申请复核", "对收到的复查意见书仍不满意", "review", term="复核申请"),
)
# What 申请复查、复核 asks: which document the citizen holds, each with a picture of it. The
# answer is the kind: a 答复意见书 (the office's reply) is reviewed (复查), a 复查意见书 is
# re-reviewed (复核). A new petition is never offered here: 我要信访 went straight on.
HELD_DOCUMENTS: tuple[Choice, ...] = (
    Choice("review", "答复意见书", "申请复查", "reply-opinion", term="复查申请"),
    Choice("re_review", "复查意见书", "申请复核", "review-opinion", term="复核申请"),
)
APPLYING_AS: tuple[Choice, ...] = (
    Choice("self", "本人申请", "为自己的事情申请", "person", term="本人申请"),
    # the review and the receipt name the answer as the tile does: one name for one choice
    Choice("for_other", "替别人申请（代理）", "需要申请人签名的授权委托书", "hand"),
    Choice("group", "几个人一起申请", f"超过{MAX_REPRESENTATIVES}人要推选代表", "people"),
)
SEXES: tuple[Choice, ...] = (Choice("male", "男"), Choice("female", "女"))
ID_TYPES: tuple[Choice, ...] = tuple(Choice(t.value, label) for t, label in identity.ID_TYPE_LABELS.items())
REPLY_ONLINE: tuple[Choice, ...] = (
    Choice(True, "在网上收到", icon="phone", term="网上收到"),
    Choice(False, "纸质文书", "邮寄或当面领取", "document"),
)
INFORMED_OF_LIMIT: tuple[Choice, ...] = (Choice(True, "告诉了"), Choice(False, "没有告诉"))

# What the citizen agrees to on the consent screen, each a yes the document records.
CONSENTS: tuple[tuple[str, str], ...] = (
    ("consent.privacy", "我同意按上面的说明处理我的个人信息"),
    ("consent.truthful", "我保证所填内容真实，愿意承担相应责任"),
)

# Document numbers typed on the large digit pad, and whether the pad offers X (the check
# character of 18-character numbers; Taiwan travel permits are digits only). Every other
# type is typed with the Pinyin keyboard.
DIGIT_PAD_ID_TYPES: dict[str, bool] = {
    identity.IdType.RESIDENT_ID.value: True,
    identity.IdType.HMT_RESIDENCE_PERMIT.value: True,
    identity.IdType.FOREIGNER_PERMANENT.value: True,
    identity.IdType.TAIWAN_PERMIT.value: False,
}


# How the digit pad takes each kind of number: at most `length` characters, shown in
# `groups` (an 18-character ID number: area code 6, birth date 8, sequence and check
# character 4; a mobile number 3-4-4; a date YYYY MM DD), and whether it offers X.
DIGIT_ENTRY: dict[str, dict] = {
    "id": {"length": 18, "groups": [6, 8, 4], "x": True},
    "phone": {"length": 11, "groups": [3, 4, 4], "x": False},
    "date": {"length": 8, "groups": [4, 2, 2], "x": False},
    # 查询办理进度: the receipt number as the voucher prints it (4 4 2), the phone's last 4
    "receipt": {"length": 10, "groups": [4, 4, 2], "x": False},
    "last4": {"length": 4, "groups": [4], "x": False},
    # the query code on a pad of exactly its characters (wire's alphabet: no 0/O, 1/I/L)
    "code": {"length": 8, "groups": [4, 4], "x": False, "keys": QUERY_CODE_ALPHABET},
}


def terms(choices: tuple[Choice, ...]) -> dict:
    """code → the name the document's readers use."""
    return {c.code: c.name for c in choices}


def categories(taxonomy: Taxonomy) -> tuple[Choice, ...]:
    return tuple(Choice(e.code, e.label, e.hint, e.icon or "dots") for e in taxonomy.categories)


# Not a field of the document: which common-matter tile the citizen tapped, kept with the
# answers (kiosk/visit.py records its category; kiosk/applies.py leaves it out).
COMMON_MATTER = applies.COMMON_MATTER
UNSURE = "unsure"  # the common-matter tile for "不知道选哪个", recording `unclassified`


def common_matters(taxonomy: Taxonomy) -> tuple[Choice, ...]:
    """The common matters in everyday words, those the platform's categories allow."""
    return tuple(Choice(c.code, c.label, c.hint, c.icon) for c in taxonomy.common)


def unsure(taxonomy: Taxonomy) -> Choice:
    """The choice for a citizen who cannot tell (a common-matter tile of its own, shown
    across the screen): it records `unclassified`, for the office to classify."""
    return Choice(UNSURE, taxonomy.unsure.label, taxonomy.unsure.hint,
                  taxonomy.unsure.icon or "dots", term=taxonomy.unsure_term)


def common_category(code: str, taxonomy: Taxonomy) -> str | None:
    """The category a common-matter tile records, None for no such tile."""
    if code == UNSURE:
        return taxonomy.unsure.code
    matter = taxonomy.common_matter(code)
    return matter.category if matter else None


def purposes(taxonomy: Taxonomy) -> tuple[Choice, ...]:
    return tuple(Choice(e.code, e.label, e.hint) for e in taxonomy.purposes)


def reply_document(kind: str | None) -> str:
    """The document a review disagrees with: the reply, or for a re-review the review opinion."""
    return "复查意见书" if kind == "re_review" else "答复意见书"


_FIXED: dict[str, tuple[Choice, ...]] = {
    "kind": HELD_DOCUMENTS,
    "applying_as": APPLYING_AS,
    "applicants.id_type": ID_TYPES,
    "applicants.sex": SEXES,
    "agent.id_type": ID_TYPES,
    "agent.sex": SEXES,
    "matter.earlier_reply.online": REPLY_ONLINE,
    "matter.earlier_reply.informed_of_limit": INFORMED_OF_LIMIT,
}
_INDEX = re.compile(r"\[\d+\]")


# Every field's label, one wording wherever the field appears: on the screen that asks it
# and on the review screen (kiosk/summary.py). Keyed by the path without indices and
# without the person's prefix for a person's fields; "{doc}" is the document a review
# disagrees with. An optional field adds OPTIONAL on entry; nothing else is added.
PERSON_LABELS: dict[str, str] = {
    "id_type": "证件类型", "id_number": "证件号码", "name": "姓名", "sex": "性别",
    "birth_date": "出生日期", "phone": "手机号码", "address": "通讯地址",
}
LABELS: dict[str, str] = {
    "kind": "办理事项",
    "applying_as": "谁来申请",
    "matter.earlier_reply.online": "{doc}是怎么收到的？",
    "matter.earlier_reply.number": "{doc}上的编号",
    "matter.earlier_reply.received_on": "收到{doc}的日期",
    "matter.earlier_reply.informed_of_limit": "{doc}上有没有告诉您申请期限和途径？",
    "matter.earlier_reply.known_on": "您是哪天知道申请期限的？",
    "category": "问题类别",
    "purpose": "您希望怎么处理？",
    "matter.request": "您的具体请求",
    "matter.facts_and_reasons": "事实和理由",
    "matter.place": "问题发生的地点",
    "matter.concerned_body": "涉及的单位",
    "agent.authorisation.matters": "委托事项",
    "agent.authorisation.powers": "委托权限",
    "agent.authorisation.valid_from": "委托开始日期",
    "agent.authorisation.valid_until": "委托截止日期",
}
OPTIONAL = "（选填）"


def label(path: str, answers: dict) -> str:
    """The label of the field at `path` ("applicants[0].phone", "matter.place"), in the
    words of this visit's answers; "" for a path that has none."""
    key = _INDEX.sub("", path)
    kind = answers.get("kind")
    reply = (answers.get("matter") or {}).get("earlier_reply") if isinstance(
        answers.get("matter"), dict) else None
    if key == "matter.earlier_reply.received_on" and isinstance(reply, dict) \
            and reply.get("online") is True:
        words = "第一次在网上打开{doc}的日期"  # an online reply is "received" when opened
    elif key == "matter.concerned_body" and applies.review(answers):
        words = "作出答复的单位"
    else:
        owner, _, field = key.partition(".")
        words = LABELS.get(key) or (PERSON_LABELS.get(field, "")
                                    if owner in ("applicants", "agent") else "")
    return words.replace("{doc}", reply_document(kind))


def for_path(path: str, taxonomy: Taxonomy) -> tuple[Choice, ...]:
    """The choices offered for a field path ("applicants[2].id_type" → the ID types);
    () for a field that is not a choice."""
    key = _INDEX.sub("", path)
    if key == "category":
        return categories(taxonomy)
    if key == COMMON_MATTER:
        return common_matters(taxonomy)
    if key == "purpose":
        return purposes(taxonomy)
    return _FIXED.get(key, ())
