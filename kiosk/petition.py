"""The petition document and its rules (shared/DOMAIN.md).

A petition document is plain JSON-compatible data (docs/petition-format.md). The
touch UI builds it step by step; `kiosk submit` reads it from a file; both call
`validate`, which returns the normalised document and every problem, each with
its field path and a short plain-Chinese message the UI shows as it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kiosk import applies, choices, identity, timelimits
from kiosk.applies import MAX_REPRESENTATIVES
from kiosk.calendar import WorkCalendar
from kiosk.problems import Problem, errors
from kiosk.taxonomy import Taxonomy

FORMAT_VERSION = 1

# code → name, from the choices the screens offer (kiosk/choices.py)
KINDS = choices.terms(choices.KINDS)
APPLYING_AS = choices.terms(choices.APPLYING_AS)
SEXES = choices.terms(choices.SEXES)
MAX_APPLICANTS = 200

ATTACHMENT_ROLES = {
    "id_proof": "申请人身份证明",
    "agent_id_proof": "代理人身份证明",
    "authorisation": "授权委托书",
    "reply_opinion": "答复意见书",
    "review_application": "复查申请书",
    "review_opinion": "复查意见书",
    "evidence": "其他证据材料",
    "signature": "本人签名",
    # in an agent session (代办员): the villager signs the authorisation shown on the screen
    "authorisation_signature": "村民授权签名",
}
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
# Material the citizen may hand in on paper instead (材料另交): every role but the
# signature, which is always drawn on the screen.
SEPARATE_ROLES = tuple(r for r in ATTACHMENT_ROLES
                       if r not in ("signature", "authorisation_signature"))

LIMITS = {  # characters; generous for the matter, tight for identity fields
    "name": 50,
    "address": 200,
    "request": 2000,
    "facts_and_reasons": 10000,
    "place": 200,
    "concerned_body": 100,
    "reply_number": 64,
    "matters": 500,
    "powers": 500,
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")
_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134aA-Za-z·•.\- ]+$")
_REPLY_NUMBER = re.compile(r"^[\w\u3400-\u9fff〔〕\[\]()（）【】\-—/#·.号第字 ]+$")


@dataclass
class Validation:
    document: dict[str, Any]  # normalised: what is sealed and sent
    problems: list[Problem] = field(default_factory=list)
    deadline: timelimits.ReviewDeadline | None = None

    @property
    def ok(self) -> bool:
        return not errors(self.problems)


class _Reader:
    """Reads one JSON object field by field, collecting problems with their paths."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems

    def add(self, path: str, message: str, code: str, severity: str = "error") -> None:
        self.problems.append(Problem(path, message, code, severity))  # type: ignore[arg-type]

    def obj(self, value: Any, path: str, label: str, required: bool = True) -> dict | None:
        if value is None:
            if required:
                self.add(path, f"请填写{label}", "required")
            return None
        if not isinstance(value, dict):
            self.add(path, f"{label}的格式不对", "type")
            return None
        return value

    def text(self, src: dict, key: str, path: str, label: str, *, required: bool = True,
             limit: int = 200, multiline: bool = False, pattern: re.Pattern | None = None,
             pattern_message: str = "") -> str | None:
        value = src.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(path, f"请填写{label}", "required")
            return None
        if not isinstance(value, str):
            self.add(path, f"{label}应该是文字", "type")
            return None
        value = unicodedata.normalize("NFC", value).strip()
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        if not multiline:
            value = " ".join(value.split())
        if _CONTROL.search(value) or (not multiline and "\n" in value):
            self.add(path, f"{label}里有无法显示的字符，请删除后重新输入", "text.control")
            return None
        if len(value) > limit:
            self.add(path, f"{label}最多{limit}个字，现在有{len(value)}个字，请删减", "text.too_long")
            return None
        if pattern is not None and not pattern.match(value):
            self.add(path, pattern_message or f"{label}里有不能使用的字符", "text.characters")
            return None
        return value

    def date(self, src: dict, key: str, path: str, label: str, *,
             required: bool = True) -> date | None:
        value = src.get(key)
        if value is None or value == "":
            if required:
                self.add(path, f"请填写{label}", "required")
            return None
        if isinstance(value, str):
            try:
                return date.fromisoformat(identity.normalize(value))
            except ValueError:
                pass
        self.add(path, f"{label}不是有效的日期，请按“年-月-日”填写，例如 2026-11-05", "date.format")
        return None

    def flag(self, src: dict, key: str, path: str, label: str) -> bool | None:
        value = src.get(key)
        if value is None:
            self.add(path, f"请回答：{label}", "required")
            return None
        if not isinstance(value, bool):
            self.add(path, f"“{label}”只能回答是或否", "type")
            return None
        return value

    def choice(self, src: dict, key: str, path: str, label: str, options: dict[str, str] |
               tuple[str, ...], *, required: bool = True) -> str | None:
        value = src.get(key)
        if value is None or value == "":
            if required:
                self.add(path, f"请选择{label}", "required")
            return None
        if not isinstance(value, str) or value not in options:
            self.add(path, f"{label}的选项不对，请重新选择", "choice")
            return None
        return value


def _person(r: _Reader, raw: Any, path: str, who: str, *, contact: bool, needs_birth: bool,
            today: date) -> dict | None:
    src = r.obj(raw, path, who)
    if src is None:
        return None
    out: dict[str, Any] = {}
    out["name"] = r.text(src, "name", f"{path}.name", f"{who}姓名", limit=LIMITS["name"],
                         pattern=_NAME, pattern_message="姓名只能包含汉字、字母和间隔号“·”")
    id_type = r.choice(src, "id_type", f"{path}.id_type", "证件类型",
                       {t.value: t for t in identity.IdType})
    out["id_type"] = id_type
    raw_number = src.get("id_number")
    if raw_number is None or (isinstance(raw_number, str) and not raw_number.strip()):
        r.add(f"{path}.id_number", "请填写证件号码", "required")
        out["id_number"] = None
    elif not isinstance(raw_number, str):
        r.add(f"{path}.id_number", "证件号码应该是文字", "type")
        out["id_number"] = None
    elif id_type is not None:
        check = identity.check_id(id_type, raw_number, path=f"{path}.id_number", today=today)
        r.problems.extend(check.problems)
        out["id_number"] = check.number if check.ok else None
        encoded_sex, encoded_birth = check.sex, check.birth_date
    else:
        out["id_number"] = None
    if out.get("id_number") is None:
        encoded_sex = encoded_birth = None

    # Sex and birth date: read from the number when it carries them; a stated value
    # that disagrees is an error (the UI shows what was read and asks to confirm).
    sex = r.choice(src, "sex", f"{path}.sex", "性别", SEXES,
                   required=needs_birth and encoded_sex is None)
    birth = r.date(src, "birth_date", f"{path}.birth_date", "出生日期",
                   required=needs_birth and encoded_birth is None)
    if sex and encoded_sex and sex != encoded_sex:
        r.add(f"{path}.sex", "性别与证件号码不一致，请核对", "person.sex_mismatch")
    if birth and encoded_birth and birth != encoded_birth:
        r.add(f"{path}.birth_date", "出生日期与证件号码不一致，请核对", "person.birth_mismatch")
    if birth and not encoded_birth and (birth > today or birth.year < 1900):
        r.add(f"{path}.birth_date", "出生日期不对，请核对", "date.range")
    out["sex"] = encoded_sex or sex
    out["birth_date"] = (encoded_birth or birth).isoformat() if (encoded_birth or birth) else None

    phone = src.get("phone")
    if phone is None or (isinstance(phone, str) and not phone.strip()):
        if contact:
            r.add(f"{path}.phone", "请填写手机号码，方便工作人员联系您", "required")
        out["phone"] = None
    elif not isinstance(phone, str):
        r.add(f"{path}.phone", "手机号码应该是数字", "type")
        out["phone"] = None
    else:
        number, problems = identity.check_mobile(phone, path=f"{path}.phone")
        r.problems.extend(problems)
        out["phone"] = number if not errors(problems) else None
    out["address"] = r.text(src, "address", f"{path}.address", "通讯地址", required=contact,
                            limit=LIMITS["address"])
    return out


def _authorisation(r: _Reader, raw: Any, path: str, today: date) -> dict | None:
    src = r.obj(raw, path, "授权委托内容")
    if src is None:
        return None
    out = {
        "matters": r.text(src, "matters", f"{path}.matters", "委托事项", limit=LIMITS["matters"],
                          multiline=True),
        "powers": r.text(src, "powers", f"{path}.powers", "委托权限", limit=LIMITS["powers"],
                         multiline=True),
        "valid_from": r.date(src, "valid_from", f"{path}.valid_from", "委托开始日期"),
        "valid_until": r.date(src, "valid_until", f"{path}.valid_until", "委托截止日期"),
    }
    start, end = out["valid_from"], out["valid_until"]
    if start and end and end < start:
        r.add(f"{path}.valid_until", "委托截止日期不能早于开始日期", "authorisation.period")
    elif end and end < today:
        r.add(f"{path}.valid_until", "授权委托已经过期，请重新办理授权委托书", "authorisation.expired")
    elif start and start > today:
        r.add(f"{path}.valid_from", "授权委托还没有开始生效", "authorisation.not_yet")
    for key in ("valid_from", "valid_until"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


def _earlier_reply(r: _Reader, raw: Any, path: str, kind: str, today: date,
                   calendar: WorkCalendar | None) -> tuple[dict | None, Any]:
    which = choices.reply_document(kind)
    src = r.obj(raw, path, f"{which}的情况")
    if src is None:
        return None, None
    out: dict[str, Any] = {}
    out["online"] = r.flag(src, "online", f"{path}.online", f"{which}是不是在网上收到的")
    out["number"] = r.text(src, "number", f"{path}.number", f"{which}的编号",
                           limit=LIMITS["reply_number"], pattern=_REPLY_NUMBER,
                           pattern_message="编号里有不能使用的字符，请照着文书上的编号填写")
    received = r.date(src, "received_on", f"{path}.received_on",
                      "第一次打开网上答复的日期" if out["online"] else f"收到{which}的日期")
    informed = src.get("informed_of_limit", True)
    if not isinstance(informed, bool):
        r.add(f"{path}.informed_of_limit", "“是否告知了申请期限”只能回答是或否", "type")
        informed = True
    known = r.date(src, "known_on", f"{path}.known_on", "知道申请期限的日期", required=False)
    out.update(received_on=received.isoformat() if received else None,
               informed_of_limit=informed, known_on=known.isoformat() if known else None)
    deadline = None
    if received:
        deadline_problems = timelimits.review_deadline_problems(
            kind, received, today, informed_of_limit=informed, known_on=known,
            path=f"{path}.received_on", known_on_path=f"{path}.known_on", calendar=calendar)
        r.problems.extend(deadline_problems)
        if not errors(deadline_problems):
            deadline = timelimits.assess_review_deadline(
                kind, received, today, informed_of_limit=informed, known_on=known,
                calendar=calendar)
    return out, deadline


def _attachments(r: _Reader, raw: Any) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        r.add("attachments", "材料清单的格式不对", "type")
        return []
    out = []
    for i, item in enumerate(raw):
        path = f"attachments[{i}]"
        src = r.obj(item, path, "材料")
        if src is None:
            continue
        entry = {
            "role": r.choice(src, "role", f"{path}.role", "材料种类", ATTACHMENT_ROLES),
            "media_type": r.choice(src, "media_type", f"{path}.media_type", "文件类型",
                                   MEDIA_TYPES),
        }
        for key in ("file", "digest"):  # a file to read (CLI) or a digest already made (UI)
            if isinstance(src.get(key), str):
                entry[key] = src[key]
        if "file" not in entry and "digest" not in entry:
            r.add(path, "这份材料没有文件，请重新拍照或上传", "attachment.no_file")
        out.append(entry)
    return out


def _separate_material(r: _Reader, raw: Any, attached: set) -> list[str]:
    """The roles the citizen hands in separately (材料另交), in order, once each."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        r.add("separate_material", "另交材料清单的格式不对", "type")
        return []
    out: list[str] = []
    for i, role in enumerate(raw):
        path = f"separate_material[{i}]"
        if not isinstance(role, str) or role not in SEPARATE_ROLES:
            r.add(path, "另交的材料种类不对", "choice")
        elif role in attached:
            r.add(path, f"{ATTACHMENT_ROLES[role]}已经拍照提交了，不用再另交",
                  "separate_material.attached")
        elif role not in out:
            out.append(role)
    return out


def required_material(doc: dict) -> dict[str, str]:
    """Material required by 复查复核规程 Art. 10 (and the authorisation for an agent):
    role → what is said when it is neither attached nor handed in separately."""
    needed: dict[str, str] = {}
    if applies.agent(doc):
        needed["authorisation"] = "请提供申请人签名的授权委托书"
        needed["agent_id_proof"] = "请提供代理人的身份证明"
    if applies.review(doc):
        needed["id_proof"] = "请提供申请人的身份证明"
    if applies.paper_reply(doc):
        needed["reply_opinion"] = "请提供答复意见书"
        if applies.re_review(doc):
            needed["review_application"] = "请提供复查申请书"
            needed["review_opinion"] = "请提供复查意见书"
    return needed


def validate(raw: Any, *, taxonomy: Taxonomy, today: date,
             calendar: WorkCalendar | None = None,
             acting_agent: dict[str, str] | None = None) -> Validation:
    """Check a petition document against every rule; never raises on bad input.

    `acting_agent` (`kiosk.agents.ActingAgent.proxy()`): an agent session of a proxy
    station submits for a villager, who is the applicant; the agent's identity is the
    session's, written into `proxy` here and never taken from the document, which gives
    only the villager's authorisation (`proxy.authorisation`: matters, powers, period,
    seed document 4 Art. 10(3)), signed by the villager on the screen."""
    problems: list[Problem] = []
    r = _Reader(problems)
    src = r.obj(raw, "", "申请内容")
    if src is None:
        return Validation({}, problems)
    known_keys = {"format", "kind", "purpose", "category", "applying_as", "applicants",
                  "representatives", "agent", "matter", "attachments", "separate_material",
                  "consent", "proxy"}
    for key in sorted(set(src) - known_keys):
        r.add(key, f"无法识别的项目“{key}”", "unknown_key")
    if src.get("format", FORMAT_VERSION) != FORMAT_VERSION:
        r.add("format", f"文件格式版本不对，应为 {FORMAT_VERSION}", "format")

    doc: dict[str, Any] = {"format": FORMAT_VERSION}
    kind = doc["kind"] = r.choice(src, "kind", "kind", "办理事项", KINDS)
    review_like = applies.review(doc)

    doc["category"] = r.choice(src, "category", "category", "问题类别",
                               tuple(sorted(taxonomy.category_codes())))
    if applies.purpose(doc):
        doc["purpose"] = r.choice(src, "purpose", "purpose", "怎么处理",
                                  {e.code: e.label for e in taxonomy.purposes})
    elif src.get("purpose") is not None:
        r.add("purpose", "复查、复核申请不需要选择怎么处理（这一项只用于新的信访事项）",
              "purpose.not_applicable")

    mode = doc["applying_as"] = r.choice(src, "applying_as", "applying_as",
                                                choices.LABELS["applying_as"], APPLYING_AS)
    doc["applicants"] = _applicants(r, src.get("applicants"), mode, review_like, today)
    doc["representatives"] = _representatives(r, src.get("representatives"), doc)
    if applies.representatives(doc):
        _representatives_reachable(r, doc)
    if applies.agent(doc):
        agent = _person(r, src.get("agent"), "agent", "代理人", contact=True,
                        needs_birth=review_like, today=today)
        if agent is not None:
            agent["authorisation"] = _authorisation(
                r, (src.get("agent") or {}).get("authorisation"), "agent.authorisation", today)
            applicant = doc["applicants"][0] if doc["applicants"] else None
            if applicant and applicant.get("id_number") and \
                    applicant["id_number"] == agent.get("id_number"):
                r.add("agent.id_number", "代理人不能是申请人本人；本人申请请选择“本人申请”",
                      "agent.same_person")
        doc["agent"] = agent
    elif src.get("agent") is not None:
        r.add("agent", "只有替他人申请时才需要填写代理人", "agent.not_applicable")

    deadline = None
    matter_src = r.obj(src.get("matter"), "matter", "事项内容")
    if matter_src is not None:
        matter = {
            "request": r.text(matter_src, "request", "matter.request", choices.LABELS["matter.request"],
                              limit=LIMITS["request"], multiline=True),
            "facts_and_reasons": r.text(matter_src, "facts_and_reasons",
                                        "matter.facts_and_reasons", "事实和理由",
                                        limit=LIMITS["facts_and_reasons"], multiline=True),
            "place": r.text(matter_src, "place", "matter.place", choices.LABELS["matter.place"],
                            required=applies.place(doc), limit=LIMITS["place"]),
            "concerned_body": r.text(matter_src, "concerned_body", "matter.concerned_body",
                                     "涉及的单位", required=review_like,
                                     limit=LIMITS["concerned_body"]),
        }
        if review_like:
            matter["earlier_reply"], deadline = _earlier_reply(
                r, matter_src.get("earlier_reply"), "matter.earlier_reply", kind, today,
                calendar)
        elif matter_src.get("earlier_reply") is not None:
            r.add("matter.earlier_reply", "新的信访事项不需要填写答复意见书", "reply.not_applicable")
        doc["matter"] = matter

    doc["attachments"] = _attachments(r, src.get("attachments"))
    present = {a.get("role") for a in doc["attachments"]}
    separate = _separate_material(r, src.get("separate_material"), present)
    if separate:
        doc["separate_material"] = separate
    for role, message in required_material(doc).items():
        if role not in present and role not in separate:
            r.add("attachments", message, f"attachment.missing.{role}")

    consent = r.obj(src.get("consent"), "consent", "同意事项")
    if consent is not None:
        privacy = r.flag(consent, "privacy", "consent.privacy", "是否同意处理您的个人信息")
        truthful = r.flag(consent, "truthful", "consent.truthful", "是否保证所填内容真实")
        if privacy is False:
            r.add("consent.privacy", "需要您同意处理个人信息，才能提交；不同意可以到窗口当面办理",
                  "consent.privacy")
        if truthful is False:
            r.add("consent.truthful", "需要您保证内容真实，才能提交", "consent.truthful")
        doc["consent"] = {"privacy": privacy, "truthful": truthful}
    if "signature" not in present:
        r.add("attachments", choices.SIGN_HERE, "attachment.missing.signature")
    _proxy(r, src, doc, acting_agent, present, today)
    return Validation(doc, problems, deadline)


def _proxy(r: _Reader, src: dict, doc: dict, acting_agent: dict[str, str] | None,
           present: set, today: date) -> None:
    """The agent session's part of the document (see `validate`)."""
    if acting_agent is None:
        if src.get("proxy") is not None:
            r.add("proxy", "代办信息只能由代办员登录后办理时自动记录", "proxy.not_applicable")
        return
    given = r.obj(src.get("proxy"), "proxy", "村民的授权（授权的事项、权限和期限）")
    for key in sorted(set(given or {}) - {"authorisation"}):
        r.add(f"proxy.{key}", "代办员的身份由登录自动记录，不用填写", "proxy.typed")
    if applies.agent(doc):
        r.add("applying_as", "代办员办理时，村民本人就是申请人，请选择“本人申请”",
              "proxy.applying_as")
    doc["proxy"] = {**acting_agent, "authorisation": _authorisation(
        r, (given or {}).get("authorisation"), "proxy.authorisation", today)}
    if "authorisation_signature" not in present:
        # on the signature box of the 村民授权 screen, as the consent's is on its own
        r.add("authorisation_signature", "请村民在授权书上签名",
              "attachment.missing.authorisation_signature")


def _applicants(r: _Reader, raw: Any, mode: str | None, review_like: bool,
                today: date) -> list[dict]:
    if raw is None or raw == []:
        r.add("applicants", "请填写申请人信息", "required")
        return []
    if not isinstance(raw, list):
        r.add("applicants", "申请人信息的格式不对", "type")
        return []
    counted = {"applying_as": mode, "applicants": raw}
    if applies.one_applicant(counted) and len(raw) != 1:
        r.add("applicants", "本人或代理申请时只能有一位申请人；多人申请请选择"
              f"“{APPLYING_AS['group']}”",
              "applicants.count")
    if applies.group(counted) and len(raw) < 2:
        r.add("applicants", "多人共同申请至少需要两位申请人", "applicants.count")
    if len(raw) > MAX_APPLICANTS:
        r.add("applicants", f"申请人最多{MAX_APPLICANTS}位", "applicants.count")
        raw = raw[:MAX_APPLICANTS]
    # In a large group only the representatives must give phone and address.
    contact_all = applies.contact_from_everyone(counted)
    people = []
    for i, item in enumerate(raw):
        person = _person(r, item, f"applicants[{i}]", "申请人", contact=contact_all,
                         needs_birth=review_like, today=today)
        people.append(person or {})
    seen: dict[str, int] = {}
    for i, person in enumerate(people):
        number = person.get("id_number")
        if number and number in seen:
            r.add(f"applicants[{i}].id_number",
                  f"这个证件号码和第{seen[number] + 1}位申请人重复了", "applicants.duplicate")
        elif number:
            seen[number] = i
    return people


def _representatives(r: _Reader, raw: Any, doc: dict) -> list[int]:
    if not applies.group(doc):
        if raw not in (None, []):
            r.add("representatives", "只有多人共同申请时才需要推选代表", "representatives.not_applicable")
        return []
    count = len(doc["applicants"])
    needed = applies.representatives(doc)
    if raw in (None, []):
        if needed:
            r.add("representatives",
                  f"申请人超过{MAX_REPRESENTATIVES}位，请推选代表（最多{MAX_REPRESENTATIVES}位）",
                  "representatives.required")
        return []
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                            for i in raw):
        r.add("representatives", "代表的格式不对，请重新选择", "type")
        return []
    if len(raw) > MAX_REPRESENTATIVES:
        r.add("representatives", f"代表最多{MAX_REPRESENTATIVES}位，现在选了{len(raw)}位",
              "representatives.too_many")
    if len(set(raw)) != len(raw):
        r.add("representatives", "同一位申请人被重复选为代表", "representatives.duplicate")
    if any(i < 0 or i >= count for i in raw):
        r.add("representatives", "选择的代表不在申请人名单里", "representatives.unknown")
        return []
    return sorted(set(raw))


def _representatives_reachable(r: _Reader, doc: dict) -> None:
    """In a large group the office reaches the group through its representatives."""
    flagged = {p.path for p in r.problems}
    for i in doc["representatives"]:
        person = doc["applicants"][i]
        for key, message in (("phone", "请填写代表的手机号码"), ("address", "请填写代表的通讯地址")):
            path = f"applicants[{i}].{key}"
            if not person.get(key) and path not in flagged:
                r.add(path, message, "required")


def contact_people(doc: dict) -> list[tuple[str, dict]]:
    """The people whose phone and address the office uses, with their paths."""
    applicants = doc.get("applicants") or []
    if applies.representatives(doc):
        return [(f"applicants[{i}]", applicants[i]) for i in doc.get("representatives") or []]
    return [(f"applicants[{i}]", a) for i, a in enumerate(applicants)]
