"""Valid petition documents to start tests from; each test breaks one thing."""

from __future__ import annotations

import copy
from datetime import date

from kiosk.identity import check_char


def resident_id(area: str = "110105", birth: date = date(1949, 12, 31), seq: str = "002") -> str:
    body = area + birth.strftime("%Y%m%d") + seq
    return body + check_char(body)


def person(i: int = 0, *, birth: date = date(1950, 1, 1) , male: bool = False,
           contact: bool = True) -> dict:
    seq = f"{(i * 2 + (1 if male else 0)) % 1000:03d}"
    p = {
        "name": "王秀兰" if i == 0 else f"李{'一二三四五六七八九十'[i % 10]}",
        "id_type": "resident_id",
        "id_number": resident_id(birth=birth, seq=seq),
    }
    if contact:
        p["phone"] = f"139{i:08d}"
        p["address"] = f"演示县城关镇幸福路{i + 1}号"
    return p


SIGNATURE = {"role": "signature", "media_type": "image/png", "file": "signature.png"}


def petition(**overrides) -> dict:
    doc = {
        "format": 1,
        "kind": "petition",
        "purpose": "demand",
        "category": "labour",
        "applying_as": "self",
        "applicants": [person(0)],
        "matter": {
            "request": "请求督促支付拖欠的工资。",
            "facts_and_reasons": "2026年3月至8月在工地做饭，工资只付了三个月。",
            "place": "演示县城关镇",
            "concerned_body": "某建筑工程有限公司",
        },
        "attachments": [dict(SIGNATURE)],
        "consent": {"privacy": True, "truthful": True},
    }
    doc.update(copy.deepcopy(overrides))
    return doc


def review(kind: str = "review", *, received_on: str = "2026-11-10", online: bool = False,
           **overrides) -> dict:
    doc = petition()
    del doc["purpose"]
    doc["kind"] = kind
    doc["matter"]["earlier_reply"] = {
        "online": online,
        "number": "演信复〔2026〕12号",
        "received_on": received_on,
        "informed_of_limit": True,
    }
    roles = ["id_proof"]
    if not online:
        roles.append("reply_opinion")
        if kind == "re_review":
            roles += ["review_application", "review_opinion"]
    doc["attachments"] += [{"role": r, "media_type": "image/jpeg", "file": f"{r}.jpg"}
                           for r in roles]
    doc.update(copy.deepcopy(overrides))
    return doc


def agent(**overrides) -> dict:
    a = person(7, birth=date(1980, 5, 6), male=True)
    a["name"] = "赵代理"
    a["authorisation"] = {
        "matters": "代为提交信访事项",
        "powers": "代为填写、提交和查询",
        "valid_from": "2026-11-01",
        "valid_until": "2027-05-01",
    }
    a.update(overrides)
    return a


def group(size: int, representatives: list[int] | None = None) -> dict:
    big = size > 5
    people = [person(i, contact=not big or i in (representatives or [])) for i in range(size)]
    doc = petition(applying_as="group", applicants=people)
    if representatives is not None:
        doc["representatives"] = representatives
    return doc


def page_image(n: int = 0, fmt: str = "JPEG", size: tuple[int, int] = (120, 160)) -> bytes:
    """A small real picture (JPEG or PNG), a different one for each `n`: material a
    petition document names, which `kiosk submit` opens to make a page of it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).rectangle((10, 10 + n * 7 % 100, 100, 30 + n * 7 % 100), fill="black")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()
