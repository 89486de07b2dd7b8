"""One citizen's visit at the kiosk, without Qt: the answers, where they are, what the
screen shows as wrong, and what each tap does.

The touch UI (ui/session.py) is an adapter around a `Visit`: it turns the
visit's state into Qt properties, says `Outcome.say`, focuses `Outcome.focus`,
and confirms `Outcome.confirm` on its worker thread. Tests drive a `Visit`
directly, as a finger would, with no window.

Invariants:
- `answers` keeps everything the citizen typed. What no longer applies (the agent
  after switching to 本人申请, …) is left out only of `document()`, so going back
  loses nothing (kiosk/applies.py `effective`).
- Where 下一步 and 上一步 lead is recomputed from the answers each time
  (kiosk/flow.py); there is no stack of screens.
- `screen` is HOME or a step id of kiosk/flow.py.
- `errors` / `warnings` (by field path) and `general` (problems about a whole
  object) are what the current screen shows; moving to another screen clears them,
  and changing a field clears that field's problem.
- `draft_id` is one per visit: confirming again after a failure whose outcome was
  unclear (a commit that may have landed) gives the same submission, never two.
- `edits` grows with every change of the answers, `resets` when they are replaced
  wholesale (the fields on screen then reload what they show), `photo_edits` and
  `stroke_edits` with every change of the photos and of the signature.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk import agents, applies, choices, docpath, flow, identity, petition, summary, timelimits
from kiosk.flow import Blocks
from kiosk.handover import SIGNATURE, Attachment, Handover, RenderSignature, Stroke
from kiosk.problems import Problem, errors
from kiosk.taxonomy import Taxonomy

HOME = "home"
HOME_TITLE = "网上信访自助服务"
HOME_PROMPT = ("欢迎使用网上信访自助服务。反映问题请按“我要信访”，对答复不满意请按“申请复查、复核”。"
               "也可以用手机扫描二维码办理。")
# 查询办理进度: a screen of its own beside the flow (kiosk/casequery.py, ui/casequery.py).
QUERY = "query"
QUERY_TITLE = "查询办理进度"
QUERY_PROMPT = ("请输入回执上的回执编号，再输入您申请时留的手机号码的最后4位，然后按“查询”。"
                "在其他地方提交的，请选“用查询码查询”。")
# The screens that are no step of the flow: their heading and spoken prompt.
# A proxy station's agent (代办员, ui/agents.py): the sign-in and the agent's own list.
AGENT_SIGNIN = "agent_signin"
AGENT_LIST = "agent_list"
SERVICE_SCREENS: dict[str, tuple[str, str]] = {
    HOME: (HOME_TITLE, HOME_PROMPT),
    QUERY: (QUERY_TITLE, QUERY_PROMPT),
    AGENT_SIGNIN: ("代办员登录", "请选择您的名字，再用数字键输入您的密码，然后按“登录”。"),
    AGENT_LIST: ("我办理的", "这里是您在本机替村民办理的事项和它们现在的情况。需要时可以重新打印回执。"),
}
# Problems reported on a whole object rather than on a field the screen shows.
GENERAL_PATHS = frozenset({"", "applicants", "attachments", "representatives", "agent", "matter",
                           "consent", "agent.authorisation", "matter.earlier_reply"})
# Fields that keep their line breaks; every other field is one line.
MULTILINE = frozenset({"matter.request", "matter.facts_and_reasons", "agent.authorisation.matters",
                       "agent.authorisation.powers"})
_SIGNATURE_CODE = "attachment.missing.signature"
NOTHING_REQUIRED_WITHOUT_CAMERA = "本机不能拍照。您的申请不需要必交的材料，请按“下一步”。"
DEFAULT_MATERIAL_DESK = "信访接待窗口，或交给本服务点的工作人员"



@dataclass(frozen=True)
class Outcome:
    """What the screen does after an action, besides showing the new state."""

    say: str = ""  # spoken (when the voice is on)
    focus: str | None = None  # the field to focus; "" asks for no field in particular
    confirm: petition.Validation | None = None  # ready to confirm: the valid document


class Visit(Handover):
    def __init__(self, taxonomy: Taxonomy, *, today: Callable[[], date] = date.today,
                 render_signature: RenderSignature = lambda strokes, size: b"",
                 camera: bool = True, material_desk: str = DEFAULT_MATERIAL_DESK):
        self.taxonomy = taxonomy
        self._today = today
        self._render_signature = render_signature
        # Without a camera every required material is handed in separately (材料另交),
        # said before the citizen starts, so no step asks for what cannot be given here.
        self.camera = camera
        self.material_desk = material_desk  # where material handed in separately goes
        self.edits = self.resets = self.photo_edits = self.stroke_edits = 0
        # The agent session a proxy station's visit runs in (`kiosk.agents`), or None for a
        # walk-in citizen; set and cleared by the agent's sign-in, it outlives each visit.
        self.acting: agents.ActingAgent | None = None
        self._clear()

    def _clear(self) -> None:
        self.answers: dict[str, Any] = {}
        self.screen = HOME
        self.errors: dict[str, str] = {}
        self.warnings: dict[str, str] = {}
        self.general: list[tuple[str, str]] = []  # (path, message)
        self.from_review = False  # reached by a 修改 on the review screen: 下一步 goes back there
        self.group_editing = -1  # the applicant open on the group screen, -1 for the list
        self.strokes: list[Stroke] = []
        self.signature_size = (800.0, 400.0)
        self.auth_strokes: list[Stroke] = []
        self.auth_size = (800.0, 400.0)
        self._signature_png: bytes | None = None
        self.photos: list[Attachment] = []
        self.chosen_separate: list[str] = []  # roles the citizen chose to hand in on paper
        self.draft_id = str(uuid.uuid4())
        self.photo_edits += 1
        self.stroke_edits += 1

    def _touch(self) -> None:
        """Answers replaced wholesale: the fields reload what they show."""
        self.edits += 1
        self.resets += 1

    # ---- where the citizen is ------------------------------------------------------------
    @property
    def step(self) -> flow.Step | None:
        return flow.BY_ID.get(self.screen)

    @property
    def title(self) -> str:
        return self.step.title if self.step else SERVICE_SCREENS[self.screen][0]

    @property
    def prompt(self) -> str:
        if self.step is None:
            return SERVICE_SCREENS[self.screen][1]
        if not self.camera and self.step.prompt_without_camera:
            # nothing this case must give: no material to bring either
            return self.step.prompt_without_camera if self.separate_material() \
                else NOTHING_REQUIRED_WITHOUT_CAMERA
        return self.step.prompt

    @property
    def in_flow(self) -> bool:
        """On a step with 上一步 / 下一步 (not home, not once it is done)."""
        return self.step is not None and not self.step.done

    @property
    def confirms(self) -> bool:
        """下一步 here is 确认提交."""
        return self.step is not None and self.step.confirms

    def step_text(self) -> str:
        if not self.in_flow:
            return ""
        n, total = flow.position(self.screen, applies.effective(self.answers))
        return f"第 {n} 步 / 共 {total} 步" if total else f"第 {n} 步"

    @property
    def has_answers(self) -> bool:
        return bool(self.answers) or bool(self.strokes)

    @property
    def leave_asks(self) -> bool:
        """返回首页 asks first: something typed would be lost."""
        return self.in_flow and self.has_answers

    # ---- answers -------------------------------------------------------------------------
    def value(self, path: str) -> Any:
        return docpath.get(self.answers, path)

    def set_value(self, path: str, value: Any) -> None:
        """One field typed or chosen; its problem (and a general one about it) goes."""
        if isinstance(value, str) and path not in MULTILINE:
            value = value.replace("\n", " ")
        if docpath.get(self.answers, path) == value:
            return
        docpath.put(self.answers, path, value)
        if path == choices.COMMON_MATTER:  # a tile in everyday words records its category
            category = choices.common_category(str(value), self.taxonomy)
            if category is not None:
                self.set_value("category", category)
        elif path == "category":
            tapped = choices.common_category(str(self.answers.get(choices.COMMON_MATTER)),
                                             self.taxonomy)
            if tapped != value:  # picked from the full list: the tile no longer stands for it
                self.answers.pop(choices.COMMON_MATTER, None)
        self.edits += 1
        self.errors.pop(path, None)
        self.warnings.pop(path, None)
        self.general = [(p, m) for p, m in self.general if not (p and path.startswith(p))]

    def load(self, doc: dict) -> None:
        """Starts from a given document (the tour's sample petition); material is not loaded."""
        self.answers = copy.deepcopy(doc)
        self.answers.pop("attachments", None)
        self._touch()

    def what_applies(self) -> dict[str, bool]:
        """What applies to the answers so far, by the names kiosk/applies.py gives the screens."""
        return applies.for_screens(self.answers)

    def label(self, path: str) -> str:
        """The field's label, the same on its screen and on the review (kiosk/choices.py)."""
        return choices.label(path, self.answers)

    def reply_document(self) -> str:
        return choices.reply_document(self.answers.get("kind"))

    def id_info(self, prefix: str) -> dict:
        """Sex and birth date read from the document number, for the citizen to confirm."""
        id_type = docpath.get(self.answers, f"{prefix}.id_type") or ""
        number = docpath.get(self.answers, f"{prefix}.id_number") or ""
        if not id_type or not number:
            return {}
        check = identity.check_id(id_type, number, today=self._today())
        if not check.ok or check.sex is None or check.birth_date is None:
            return {}
        return {"sex": petition.SEXES[check.sex], "birth": timelimits.format_date_zh(check.birth_date)}

    def person(self, prefix: str) -> dict:
        """How the form for the person at `prefix` ("applicants[0]", "agent") asks."""
        id_type = docpath.get(self.answers, f"{prefix}.id_type") or ""
        info = self.id_info(prefix)
        digit_pad = id_type in choices.DIGIT_PAD_ID_TYPES
        return {
            "idType": id_type,
            "sex": info.get("sex", ""),
            "birth": info.get("birth", ""),
            "digitPad": digit_pad,
            "allowsX": choices.DIGIT_PAD_ID_TYPES.get(id_type, False),
            # A number that carries them (once typed right) is read, never asked again.
            "asksSexAndBirth": applies.review(self.answers) and not info and id_type != ""
                               and not digit_pad,
            "contact": applies.contact_from_everyone(self.answers)
                       if prefix.startswith("applicants") else True,
        }

    def deadline_text(self) -> str:
        """The time limit explained in words, as soon as the dates allow."""
        kind = self.answers.get("kind")
        reply = docpath.get(self.answers, "matter.earlier_reply") or {}
        if not applies.review(self.answers) or not reply.get("received_on"):
            return ""
        try:
            received = date.fromisoformat(identity.normalize(reply["received_on"]))
            known = reply.get("known_on")
            known_on = date.fromisoformat(identity.normalize(known)) if known else None
            informed = not applies.known_on(self.answers)
            return timelimits.assess_review_deadline(
                kind, received, self._today(), informed_of_limit=informed,
                known_on=None if informed else known_on).explanation
        except ValueError:
            return ""

    # ---- the document and its problems ---------------------------------------------------
    def document(self) -> dict:
        """What would be submitted now: the answers that apply, and the material's digests."""
        doc = applies.effective(self.answers)
        doc["attachments"] = [{"role": a.role, "media_type": a.media_type, "digest": a.digest}
                              for a in self.attachments()]
        separate = self.separate_material(doc)
        if separate:
            doc["separate_material"] = separate
        return doc

    def validation(self, doc: dict | None = None) -> petition.Validation:
        return petition.validate(doc if doc is not None else self.document(),
                                 taxonomy=self.taxonomy, today=self._today(),
                                 acting_agent=self.acting.proxy() if self.acting else None)

    def _show(self, problems: list[Problem]) -> None:
        self.errors, self.warnings, general = {}, {}, []
        for p in problems:
            target = self.errors if p.severity == "error" else self.warnings
            if p.path in GENERAL_PATHS:
                general.append((p.path, p.message))
            else:
                target[p.path] = target[p.path] + "；" + p.message if p.path in target else p.message
        self.general = general

    def general_messages(self) -> list[str]:
        return list(dict.fromkeys(message for _, message in self.general))

    # ---- moving --------------------------------------------------------------------------
    def _go(self, screen: str) -> Outcome:
        self.screen = screen
        self.errors, self.warnings, self.general = {}, {}, []
        if screen != "group":
            self.group_editing = -1
        return Outcome(say=self.prompt)

    def wipe(self) -> None:
        """Ends the visit: answers, signature, photos and the draft id go."""
        self._clear()
        self._touch()

    def start(self, kind: str) -> Outcome:
        """From home: 我要信访 starts a petition and goes straight to its first question;
        申请复查、复核 asks which document the citizen holds (复查 or 复核)."""
        self._clear()
        if kind == "petition":
            self.answers["kind"] = "petition"
        if self.acting is not None:  # for a villager: their authorisation comes first
            self.answers["proxy"] = {"authorisation": agents.default_authorisation(self._today())}
        self._touch()
        return self._go(flow.first_step(self.answers).id)

    def show_service(self, screen: str) -> Outcome:
        """A screen outside the flow (the agent's sign-in, the agent's list): a fresh visit,
        nothing of a petition comes along."""
        if screen not in SERVICE_SCREENS:
            raise ValueError(f"no service screen {screen!r}")
        self._clear()
        self._touch()
        return self._go(screen)

    def start_query(self) -> Outcome:
        """From home: 查询办理进度. A fresh visit: nothing of a petition comes along."""
        self._clear()
        self._touch()
        return self._go(QUERY)

    def back(self) -> Outcome:
        self.from_review = False
        step = flow.previous_step(self.screen, applies.effective(self.answers)) \
            if self.step is not None else None
        return self._go(step.id if step else HOME)

    def go_to(self, step_id: str) -> Outcome:
        """The review screen's 修改: edit one step, then come straight back."""
        self.from_review = self.screen == "review"
        return self._go(step_id)

    def next(self) -> Outcome:
        """下一步, as the current step's `blocks` and `confirms` say."""
        step = self.step
        if step is None or step.done:
            return Outcome()
        if step.confirms:
            return self.confirmable()
        if self.group_editing >= 0:
            return self.close_person()
        doc = self.document()
        result = self.validation(doc)
        if step.blocks is Blocks.ALL_BUT_CONSENT:
            if any(flow.step_of(p, doc) is not flow.CONFIRMING for p in errors(result.problems)):
                return Outcome(say="还有内容需要修改，请看红字提示，按“修改”。")
        elif step.blocks is Blocks.OWN:
            mine = flow.problems_of(step.id, result.problems, doc)
            blocking = errors(mine)
            if blocking:
                self._show(mine)
                first = next((p.path for p in blocking if p.path not in GENERAL_PATHS), "")
                return Outcome(focus=first, say="有内容需要修改，请看红字提示。" + blocking[0].message)
        if self.from_review:
            self.from_review = False
            return self._go("review")
        following = flow.next_step(step.id, doc)
        return self._go(following.id if following else "review")

    def confirmable(self) -> Outcome:
        """The checks before confirming: the confirming step's own problems show there;
        anything else wrong sends the citizen back to the review screen."""
        doc = self.document()
        result = self.validation(doc)
        if result.ok:
            return Outcome(confirm=result)
        mine = flow.problems_of(flow.CONFIRMING.id, result.problems, doc)
        if errors(mine):
            self._show(self._on_consent_items(mine))
            todo = self.consent_todo()
            return Outcome(focus=todo[0][0] if todo else "", say=self.consent_todo_text())
        self.general = [("", "还有内容需要修改，请按“上一步”回到核对页面。")]
        return Outcome()

    def _on_consent_items(self, problems: list[Problem]) -> list[Problem]:
        """The consent step's problems, each on the item the citizen taps to fix it: the
        signature box, and each unticked box (never one banner about 同意事项)."""
        out: list[Problem] = []
        for p in problems:
            if p.code == _SIGNATURE_CODE:
                out.append(Problem(SIGNATURE, p.message, p.code))
            elif p.path == "consent":
                out += [Problem(path, "请点一下这一项，打上勾", "required")
                        for path, _ in choices.CONSENTS if self.value(path) is not True]
            else:
                out.append(p)
        return out

    def consent_todo(self) -> list[tuple[str, str]]:
        """What is left to do on the consent step, in screen order: (path, what to do)."""
        if self.screen != flow.CONFIRMING.id:
            return []
        items = ([(path, f"勾选“{label}”") for path, label in choices.CONSENTS]
                 + [(SIGNATURE, choices.SIGN_HERE)])
        return [(path, text) for path, text in items if path in self.errors]

    def consent_todo_text(self) -> str:
        """The consent step's to-do list as one sentence: "还有 2 件事没做：1. …；2. …。"."""
        todo = self.consent_todo()
        if not todo:
            return ""
        listed = "；".join(f"{n}. {text}" for n, (_, text) in enumerate(todo, 1))
        return f"还有 {len(todo)} 件事没做：{listed}。"

    def replay_text(self) -> str:
        """What 再听一遍 says: the screen's prompt, then what is still left to do there."""
        return "".join(part for part in (self.prompt, self.consent_todo_text()) if part)

    def confirmed(self) -> Outcome:
        """The submission is on disk: the receipt."""
        return self._go(flow.DONE.id)

    # ---- a group of applicants -----------------------------------------------------------
    def group_members(self) -> list[dict]:
        people = self.answers.get("applicants") or []
        reps = set(self.answers.get("representatives") or [])
        return [{"index": i, "name": p.get("name") or "（未填姓名）",
                 "id": identity.mask_id(p.get("id_number") or "") if p.get("id_number") else "",
                 "representative": i in reps} for i, p in enumerate(people)]

    def add_person(self) -> None:
        people = self.answers.setdefault("applicants", [])
        people.append({"id_type": "resident_id"})
        self.group_editing = len(people) - 1
        self._touch()

    def edit_person(self, index: int) -> None:
        self.group_editing = index
        self._touch()

    def close_person(self) -> Outcome:
        """Back to the list, if this person's own fields are in order."""
        i = self.group_editing
        mine = [p for p in errors(self.validation().problems) if p.path.startswith(f"applicants[{i}].")]
        if mine:
            self._show(mine)
            return Outcome(focus=mine[0].path)
        self.group_editing = -1
        self.errors = {}
        return Outcome()

    def remove_person(self, index: int) -> None:
        people = self.answers.get("applicants") or []
        if 0 <= index < len(people):
            del people[index]
            reps = [r - (r > index) for r in self.answers.get("representatives") or [] if r != index]
            self.answers["representatives"] = reps
        self.group_editing = -1
        self._touch()

    def toggle_representative(self, index: int) -> None:
        reps = list(self.answers.get("representatives") or [])
        reps.remove(index) if index in reps else reps.append(index)
        self.answers["representatives"] = sorted(reps)
        self.edits += 1
        self.errors.pop("representatives", None)
        self.general = []

    # ---- the review screen ---------------------------------------------------------------
    def review_sections(self) -> list[dict]:
        if self.screen != "review":
            return []
        return summary.sections(self.document(), self.taxonomy,
                                [a.role for a in self.photos], material_desk=self.material_desk,
                                common_matter=self.answers.get(choices.COMMON_MATTER))

    def review_problems(self) -> list[dict]:
        """Every problem left, each with the step whose 修改 fixes it (the consent step's
        own are shown there, after the review)."""
        if self.screen != "review":
            return []
        doc = self.document()
        out = []
        for p in self.validation(doc).problems:
            step = flow.step_of(p, doc)
            if step is None or step is flow.CONFIRMING:
                continue
            out.append({"message": p.message, "step": step.id, "stepTitle": step.title,
                        "warning": p.severity == "warning"})
        return out
