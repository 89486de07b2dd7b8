"""What the review screen (核对信息) shows: every answer in plain words, grouped by the
step that edits it, so each section's 修改 goes to that step.

ID numbers are masked (first 6 + ******** + last 4); dates are written out in
Chinese; what was not answered says so. Only steps that apply get a section.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk import applies, choices, docpath, flow, identity, petition, timelimits
from kiosk.taxonomy import Taxonomy

NOT_FILLED = "（未填）"
NOT_CHOSEN = "（未选）"


def date_zh(value: Any) -> str:
    if not value:
        return NOT_FILLED
    try:
        return timelimits.format_date_zh(date.fromisoformat(identity.normalize(str(value))))
    except ValueError:
        return str(value)


def person_rows(p: dict, *, who: str) -> list[dict]:
    id_type = p.get("id_type")
    label = identity.ID_TYPE_LABELS.get(identity.IdType(id_type), "") if id_type in \
        identity.IdType._value2member_map_ else ""
    rows = [{"label": f"{who}姓名", "value": p.get("name") or NOT_FILLED},
            {"label": "证件", "value": (label + "　" if label else "") +
             (identity.mask_id(p.get("id_number") or "") or NOT_FILLED)}]
    number = p.get("id_number") or ""
    check = identity.check_id(id_type, number) if id_type and number else None
    sex = check.sex if check and check.ok and check.sex else p.get("sex")
    birth = check.birth_date.isoformat() if check and check.ok and check.birth_date \
        else p.get("birth_date")
    if sex:
        rows.append({"label": "性别", "value": petition.SEXES.get(sex, "")})
    if birth:
        rows.append({"label": "出生日期", "value": date_zh(birth)})
    if p.get("phone"):
        rows.append({"label": "手机号码", "value": p["phone"]})
    if p.get("address"):
        rows.append({"label": "通讯地址", "value": p["address"]})
    return rows


def separate_words(roles: list[str], material_desk: str) -> str:
    """What the citizen brings and where, for material handed in separately (材料另交)."""
    names = "、".join(petition.ATTACHMENT_ROLES.get(r, r) for r in roles)
    return f"{names}：请带上原件，交到{material_desk}。" if roles else ""


def sections(doc: dict, taxonomy: Taxonomy, photo_roles: list[str], *,
             material_desk: str = "", common_matter: str | None = None) -> list[dict]:
    """[{step, title, rows: [{label, value}]}] for the effective answers `doc`;
    `photo_roles` has one entry per photo taken (the signature is not among them);
    `doc["separate_material"]` the roles handed in separately (材料另交), said with
    `material_desk`; `common_matter` the everyday words the citizen tapped, if any."""
    out: list[dict] = []
    walked = {s.id for s in flow.steps_for(doc)}

    def add(step: str, rows: list[dict]) -> None:
        if step in walked:
            out.append({"step": step, "title": flow.BY_ID[step].title, "rows": rows})

    add("kind", [{"label": "办理事项", "value": petition.KINDS.get(doc.get("kind"), NOT_CHOSEN)}])
    reply = docpath.get(doc, "matter.earlier_reply") or {}
    if reply:
        add("earlier_reply", [
            {"label": "收到方式", "value": choices.terms(choices.REPLY_ONLINE)[bool(reply.get("online"))]},
            {"label": "文书编号", "value": reply.get("number") or NOT_FILLED},
            {"label": "收到日期", "value": date_zh(reply.get("received_on"))},
        ])
    add("applying_as", [{"label": "申请方式",
                         "value": petition.APPLYING_AS.get(doc.get("applying_as"), NOT_CHOSEN)}])
    people = doc.get("applicants") or []
    if applies.group(doc):
        add("group", [{"label": f"第{i + 1}位", "value": f"{p.get('name') or NOT_FILLED}　"
                       f"{identity.mask_id(p.get('id_number') or '')}"} for i, p in enumerate(people)])
        reps = doc.get("representatives") or []
        if reps:
            add("representatives", [{"label": "代表", "value": "、".join(
                (people[i].get("name") or "") for i in reps if i < len(people))}])
    else:
        add("applicant", person_rows(people[0] if people else {}, who=""))
    agent = doc.get("agent") or {}
    if applies.agent(doc):
        auth = agent.get("authorisation") or {}
        add("agent", person_rows(agent, who="代理人") + [
            {"label": "委托事项", "value": auth.get("matters") or NOT_FILLED},
            {"label": "委托权限", "value": auth.get("powers") or NOT_FILLED},
            {"label": "委托期限", "value": f"{date_zh(auth.get('valid_from'))} 至 "
                                          f"{date_zh(auth.get('valid_until'))}"}])
    category = taxonomy.category(doc.get("category") or "")
    words = taxonomy.common_matter(common_matter or "")
    value = category.label if category else NOT_CHOSEN
    if category and words and words.category == category.code:
        value = f"{words.label}（{category.label}）"  # the citizen's words first
    rows = [{"label": "问题类别", "value": value}]
    if applies.purpose(doc):
        purpose = taxonomy.purpose(doc.get("purpose") or "")
        rows.append({"label": "信访目的", "value": purpose.label if purpose else NOT_CHOSEN})
    add("category", rows)
    matter = doc.get("matter") or {}
    rows = [{"label": "具体请求", "value": matter.get("request") or NOT_FILLED},
            {"label": "事实和理由", "value": matter.get("facts_and_reasons") or NOT_FILLED}]
    if matter.get("place"):
        rows.append({"label": "发生地点", "value": matter["place"]})
    if matter.get("concerned_body"):
        rows.append({"label": "涉及单位", "value": matter["concerned_body"]})
    add("matter", rows)
    counts: dict[str, int] = {}
    for role in photo_roles:
        counts[role] = counts.get(role, 0) + 1
    rows = [{"label": petition.ATTACHMENT_ROLES[r], "value": f"{n}张照片"}
            for r, n in counts.items()]
    separate = doc.get("separate_material") or []
    rows += [{"label": petition.ATTACHMENT_ROLES[r],
              "value": f"材料另交：请带上原件，交到{material_desk}"} for r in separate]
    add("attachments", rows or [{"label": "材料", "value": "没有拍照"}])
    return out
