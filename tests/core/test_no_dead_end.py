"""No dead end at the kiosk: material the terminal cannot take is handed in separately
(材料另交), and the category step offers the common matters in everyday words, only the
categories the platform accepts, and "不知道选哪个" (kiosk/taxonomy.py, kiosk/petition.py,
kiosk/visit.py, kiosk/summary.py, `kiosk submit`)."""

from __future__ import annotations

import json
import shutil
import tomllib

import pytest

from kiosk import choices, content, flow, paths, petition, taxonomy
from kiosk.visit import Visit
from tests.support import factories as f
from tests.support.common import EXAMPLE, TODAY, run_kiosk
from wire.categories import UNCLASSIFIED

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
DESK = "演示县信访局接待窗口（城关镇和平街1号）"


def visit(tax, *, camera: bool) -> Visit:
    return Visit(tax, today=lambda: TODAY, render_signature=lambda strokes, size: PNG,
                 camera=camera, material_desk=DESK)


def without_material(doc: dict) -> dict:
    doc["attachments"] = [a for a in doc["attachments"] if a["role"] == "signature"]
    return doc


def test_every_common_matter_names_a_category_of_the_taxonomy():
    """The everyday words are data (assets/taxonomies/common.toml), each mapped to a real
    category code; the four the citizens ask for most are among them."""
    raw = tomllib.loads((paths.assets_dir() / "taxonomies" / "common.toml").read_text("utf-8"))
    tax = taxonomy.load()
    codes = {e.code for e in tax.categories}
    assert raw["common"] and all(row["category"] in codes for row in raw["common"])
    assert [c.code for c in tax.common] == [row["code"] for row in raw["common"]]
    labels = {c.label: c.category for c in tax.common}
    assert labels["工资被拖欠"] == "labour" and labels["征地拆迁"] == "land_water_forestry"
    assert labels["看病医保"] == "health" and labels["低保、救助"] == "civil_affairs"
    assert any("养老金" in label for label in labels)
    assert tax.unsure.code == UNCLASSIFIED and tax.unsure.label == "不知道选哪个，请工作人员帮您分"


def test_a_common_matter_naming_no_category_is_refused(tmp_path):
    folder = tmp_path / "taxonomies"
    shutil.copytree(paths.assets_dir() / "taxonomies", folder)
    common = folder / "common.toml"
    common.write_text(common.read_text("utf-8").replace('category = "health"',
                                                        'category = "healthcare"'), "utf-8")
    with pytest.raises(taxonomy.TaxonomyError, match=r"common\[2\]\.category: 'healthcare'"):
        taxonomy.load(folder)
    cats = folder / "categories.toml"
    common.unlink()  # without common.toml: no common matters, the unsure choice still there
    assert taxonomy.load(folder).common == () and taxonomy.load(folder).unsure.code == UNCLASSIFIED
    cats.write_text(cats.read_text("utf-8") + '\n[[category]]\ncode = "unclassified"\n'
                    'label = "x"\nicon = "dots"\nhint = "x"\n', "utf-8")
    with pytest.raises(taxonomy.TaxonomyError, match="not a category"):
        taxonomy.load(folder)


def test_the_screen_offers_only_the_categories_the_platform_publishes(tmp_path):
    local = taxonomy.load()
    assert taxonomy.accepted_by(local, []) is local  # nothing published: the terminal's own
    narrowed = taxonomy.accepted_by(local, [{"code": "labour", "label": "劳动和社会保障"},
                                            {"code": "housing_new", "label": "住房保障"}])
    assert [(e.code, e.label) for e in narrowed.categories] == [("labour", "劳动和社会保障"),
                                                                 ("housing_new", "住房保障")]
    assert narrowed.category("labour").icon == "helmet"  # the terminal's icon and hint kept
    assert [c.code for c in narrowed.common] == ["wages_owed", "pension"]
    offered = [c.code for c in choices.for_path("common_matter", narrowed)]
    assert offered == ["wages_owed", "pension"]
    assert choices.unsure(narrowed).code == choices.UNSURE  # "不知道" is always offered
    assert choices.common_category(choices.UNSURE, narrowed) == UNCLASSIFIED
    # the same taxonomy decides what validation accepts
    doc = f.petition(category="health")
    problems = petition.validate(doc, taxonomy=narrowed, today=TODAY).problems
    assert [p.code for p in problems if p.path == "category"] == ["choice"]
    assert petition.validate(f.petition(category=UNCLASSIFIED), taxonomy=narrowed,
                             today=TODAY).ok

    # what the sync worker pulled (content.json) is what the terminal offers
    data = tmp_path / "data"
    data.mkdir()
    (data / content.CONTENT_FILE).write_text(json.dumps({"etag": "x", "content": {
        "version": 3, "categories": [{"code": "health", "label": "医疗卫生"}],
        "material_desk": DESK}}, ensure_ascii=False), "utf-8")
    pulled = taxonomy.for_terminal(data)
    assert [e.code for e in pulled.categories] == ["health"]
    assert [c.code for c in pulled.common] == ["medical"]
    assert content.material_desk(data, "演示县") == DESK
    assert content.material_desk(tmp_path, "演示县") == "演示县信访接待窗口，或交给本服务点的工作人员"


def test_a_common_matter_records_its_category_and_stays_out_of_the_document(tax):
    v = visit(tax, camera=True)
    v.start("petition")
    v.set_value("common_matter", "pension")
    assert v.value("category") == "labour" and v.value("common_matter") == "pension"
    doc = v.document()
    assert doc["category"] == "labour" and "common_matter" not in doc
    v.set_value("category", "health")  # from the full list: the tile no longer stands for it
    assert v.value("common_matter") is None and v.value("category") == "health"
    v.set_value("common_matter", choices.UNSURE)
    assert v.value("category") == UNCLASSIFIED
    v.load(f.petition())
    v.set_value("common_matter", "wages_owed")
    v.go_to("review")
    rows = next(s for s in v.review_sections() if s["step"] == "category")["rows"]
    assert rows[0] == {"label": "问题类别", "value": "工资被拖欠（劳动社保）"}
    v.set_value("common_matter", choices.UNSURE)
    rows = next(s for s in v.review_sections() if s["step"] == "category")["rows"]
    assert rows[0] == {"label": "问题类别", "value": "请工作人员分类"}


def test_a_review_without_a_camera_hands_the_material_in_separately(tax):
    """Said before the citizen starts, recorded in the document, shown on review; no
    problem the review shows is one that no screen can fix."""
    v = visit(tax, camera=False)
    v.start("review")
    v.set_value("kind", "review")
    v.next()
    assert v.screen == "earlier_reply"
    notice = v.material_notice()
    assert notice.startswith("本机不能拍照。") and "申请人身份证明、答复意见书" in notice
    assert DESK in notice  # where to bring it
    v.set_value("matter.earlier_reply.online", True)  # an online reply: its number is enough
    assert "答复意见书" not in v.material_notice() and "申请人身份证明" in v.material_notice()
    doc = without_material(f.review())
    v.load(doc)
    v.go_to("attachments")
    assert v.prompt == "本机不能拍照。需要的材料请另交，申请照常提交。"
    assert "拍照" not in v.prompt.replace("不能拍照", "")
    assert [(m["role"], m["required"], m["separate"]) for m in v.material()] == [
        ("id_proof", True, True), ("reply_opinion", True, True), ("evidence", False, False)]
    v.next()
    assert v.screen == "review"
    assert v.review_problems() == []  # no 请提供答复意见书 that no screen could fix
    rows = next(s for s in v.review_sections() if s["step"] == "attachments")["rows"]
    assert rows == [{"label": "申请人身份证明", "value": f"材料另交：请带上原件，交到{DESK}"},
                    {"label": "答复意见书", "value": f"材料另交：请带上原件，交到{DESK}"}]
    v.next()
    v.add_stroke([(1.0, 1.0), (20.0, 30.0)], 800, 400)
    ready = v.next()
    assert ready.confirm is not None and ready.confirm.ok, ready.confirm
    assert ready.confirm.document["separate_material"] == ["id_proof", "reply_opinion"]


def test_with_a_camera_the_citizen_may_still_bring_the_paper(tax):
    v = visit(tax, camera=True)
    v.load(without_material(f.review()))
    assert v.material_notice() == ""
    v.go_to("review")
    assert {p["message"] for p in v.review_problems()} == {"请提供申请人的身份证明", "请提供答复意见书"}
    assert {p["step"] for p in v.review_problems()} == {"attachments"}  # a step that can fix it
    v.go_to("attachments")
    assert v.prompt == flow.BY_ID["attachments"].prompt
    v.toggle_separate("reply_opinion")
    v.add_photo("id_proof", "image/jpeg", b"photo")
    v.toggle_separate("signature")  # never: the signature is drawn here
    assert v.document()["separate_material"] == ["reply_opinion"]
    v.go_to("review")
    assert v.review_problems() == []
    v.toggle_separate("reply_opinion")
    assert [p["message"] for p in v.review_problems()] == ["请提供答复意见书"]
    v.toggle_separate("id_proof")
    v.add_photo("id_proof", "image/jpeg", b"again")  # photographed after all: not separate
    assert "separate_material" not in v.document()


def test_separate_material_is_validated_like_the_rest(tax):
    doc = without_material(f.review())
    result = petition.validate(doc, taxonomy=tax, today=TODAY)
    assert {p.code for p in result.problems if p.severity == "error"} == {
        "attachment.missing.id_proof", "attachment.missing.reply_opinion"}
    doc["separate_material"] = ["reply_opinion", "id_proof", "reply_opinion"]
    result = petition.validate(doc, taxonomy=tax, today=TODAY)
    assert result.ok and result.document["separate_material"] == ["reply_opinion", "id_proof"]
    doc["separate_material"] = ["signature", "photo", 3]
    bad = petition.validate(doc, taxonomy=tax, today=TODAY).problems
    assert [(p.path, p.code) for p in bad if p.path.startswith("separate")] == [
        ("separate_material[0]", "choice"), ("separate_material[1]", "choice"),
        ("separate_material[2]", "choice")]
    attached = f.review(separate_material=["id_proof"])  # photographed and separate
    bad = petition.validate(attached, taxonomy=tax, today=TODAY).problems
    assert [p.code for p in bad] == ["separate_material.attached"]
    assert bad[0].message == "申请人身份证明已经拍照提交了，不用再另交"
    doc["separate_material"] = "reply_opinion"
    assert "type" in {p.code for p in petition.validate(doc, taxonomy=tax, today=TODAY).problems}
    assert "separate_material" not in petition.validate(f.review(), taxonomy=tax,
                                                        today=TODAY).document


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def test_kiosk_submit_takes_material_handed_in_separately(tmp_path):
    folder = tmp_path / "doc"
    folder.mkdir()
    shutil.copy(EXAMPLE.parent / "signature.png", folder / "signature.png")
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc.pop("purpose", None)
    doc["kind"] = "review"
    doc["matter"]["concerned_body"] = doc["matter"].get("concerned_body") or "演示县人社局"
    doc["matter"]["earlier_reply"] = {"online": False, "number": "演信复〔2026〕12号",
                                      "received_on": "2026-11-20", "informed_of_limit": True}
    doc["applicants"][0].setdefault("sex", None)
    doc["applicants"][0] = {k: v for k, v in doc["applicants"][0].items() if v is not None}
    path = folder / "petition.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    missing = run_kiosk("submit", str(path), "--dry-run", "--today", TODAY.isoformat(), env=_env(tmp_path))
    assert missing.returncode == 2
    assert "attachments: 请提供答复意见书 [attachment.missing.reply_opinion]" in missing.stderr

    doc["separate_material"] = ["id_proof", "reply_opinion"]
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    queued = run_kiosk("submit", str(path), "--json", "--today", TODAY.isoformat(), env=_env(tmp_path))
    assert queued.returncode == 0, queued.stderr
    out = json.loads(queued.stdout)
    assert out["separate_material"] == {"roles": ["id_proof", "reply_opinion"],
                                        "where": "演示县信访接待窗口，或交给本服务点的工作人员"}
    human = run_kiosk("submit", str(path), "--today", TODAY.isoformat(), env=_env(tmp_path))
    assert human.returncode == 0
    assert ("材料另交：申请人身份证明、答复意见书：请带上原件，交到演示县信访接待窗口，"
            "或交给本服务点的工作人员。") in human.stdout

    doc["separate_material"] = ["selfie"]
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    wrong = run_kiosk("submit", str(path), "--today", TODAY.isoformat(), env=_env(tmp_path))
    assert wrong.returncode == 2 and "separate_material[0]: 另交的材料种类不对 [choice]" in wrong.stderr


def test_without_a_camera_a_case_needing_no_material_says_so(tax):
    v = visit(tax, camera=False)
    v.load(f.petition())
    v.go_to("attachments")
    assert v.material_notice() == "" and v.separate_material() == []
    assert v.prompt == "本机不能拍照。您的申请不需要必交的材料，请按“下一步”。"
    assert "separate_material" not in v.document()
