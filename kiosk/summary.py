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


def person_rows(p: dict, *, prefix: str) -> list[dict]:
    """The rows of one person's answers, labelled as the person's form labels them."""
    id_type = p.get("id_type")
    type_label = identity.ID_TYPE_LABELS.get(identity.IdType(id_type), "") if id_type in \
        identity.IdType._value2member_map_ else ""

    def row(field: str, value: str) -> dict:
        return {"label": choices.label(f"{prefix}.{field}", {}), "value": value}

    rows = [row("name", p.get("name") or NOT_FILLED),
            row("id_type", type_label or NOT_CHOSEN),
            row("id_number", identity.mask_id(p.get("id_number") or "") or NOT_FILLED)]
    number = p.get("id_number") or ""
    check = identity.check_id(id_type, number) if id_type and number else None
    sex = check.sex if check and check.ok and check.sex else p.get("sex")
    birth = check.birth_date.isoformat() if check and check.ok and check.birth_date \
        else p.get("birth_date")
    if sex:
        rows.append(row("sex", petition.SEXES.get(sex, "")))
    if birth:
        rows.append(row("birth_date", date_zh(birth)))
    if p.get("phone"):
        rows.append(row("phone", p["phone"]))
    if p.get("address"):
        rows.append(row("address", p["address"]))
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

    def label(path: str) -> str:
        return choices.label(path, doc)

    # What the citizen applies for, on every path: 修改 only where a step asked it (我要信访
    # said it on the home screen, so a petition's row has no step to go back to).
    out.append({"step": "kind" if "kind" in walked else "", "title": label("kind"),
                "rows": [{"label": label("kind"),
                          "value": petition.KINDS.get(doc.get("kind"), NOT_CHOSEN)}]})
    reply = docpath.get(doc, "matter.earlier_reply") or {}
    if reply:
        at = "matter.earlier_reply."
        rows = [{"label": label(at + "online"),
                 "value": choices.terms(choices.REPLY_ONLINE)[bool(reply.get("online"))]},
                {"label": label(at + "number"), "value": reply.get("number") or NOT_FILLED},
                {"label": label(at + "received_on"), "value": date_zh(reply.get("received_on"))}]
        if "informed_of_limit" in reply:
            rows.append({"label": label(at + "informed_of_limit"),
                         "value": choices.terms(choices.INFORMED_OF_LIMIT).get(
                             reply["informed_of_limit"], NOT_CHOSEN)})
        if reply.get("known_on"):
            rows.append({"label": label(at + "known_on"), "value": date_zh(reply["known_on"])})
        add("earlier_reply", rows)
    add("applying_as", [{"label": label("applying_as"),
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
        add("applicant", person_rows(people[0] if people else {}, prefix="applicants[0]"))
    agent = doc.get("agent") or {}
    if applies.agent(doc):
        auth = agent.get("authorisation") or {}
        at = "agent.authorisation."
        add("agent", person_rows(agent, prefix="agent") + [
            {"label": label(at + "matters"), "value": auth.get("matters") or NOT_FILLED},
            {"label": label(at + "powers"), "value": auth.get("powers") or NOT_FILLED},
            {"label": label(at + "valid_from"), "value": date_zh(auth.get("valid_from"))},
            {"label": label(at + "valid_until"), "value": date_zh(auth.get("valid_until"))}])
    category = taxonomy.category(doc.get("category") or "")
    words = taxonomy.common_matter(common_matter or "")
    value = category.label if category else NOT_CHOSEN
    if category and words and words.category == category.code:
        value = f"{words.label}（{category.label}）"  # the citizen's words first
    add("category", [{"label": label("category"), "value": value}])
    if applies.purpose(doc):
        purpose = taxonomy.purpose(doc.get("purpose") or "")
        add("purpose", [{"label": label("purpose"),
                         "value": purpose.label if purpose else NOT_CHOSEN}])
    matter = doc.get("matter") or {}
    rows = [{"label": label("matter.request"), "value": matter.get("request") or NOT_FILLED},
            {"label": label("matter.facts_and_reasons"),
             "value": matter.get("facts_and_reasons") or NOT_FILLED}]
    asked = {"place": applies.place(doc), "concerned_body": True}  # as the matter screen asks
    for field in ("place", "concerned_body"):
        if matter.get(field) and asked[field]:
            rows.append({"label": label("matter." + field), "value": matter[field]})
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
