"""The visitor session: the petition being built, the current screen, and the confirm.

One `Session` lives as long as the process; `wipe()` ends a visitor's session and
drops everything it held. QML reads and writes answers by field path
(docs/petition-format.md) and asks the session to move; where to move and what
is wrong come from kiosk/flow.py and kiosk/petition.py, never from QML.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    Property,
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QPointF,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPainterPath, QPen

from kiosk import content, docpath, flow, identity, petition, timelimits
from kiosk.config import LoadedConfig
from kiosk.problems import Problem, errors
from kiosk.taxonomy import Taxonomy
from ui import qr

if TYPE_CHECKING:  # imported when first needed: the store pulls in SQLAlchemy (≈ 0.4 s)
    from kiosk import submission
    from kiosk.store import Outbox, Receipt

log = logging.getLogger(__name__)

HOME = "home"
# Problems reported on a whole object rather than on a field the screen shows.
_GENERAL_PATHS = {"", "applicants", "attachments", "representatives", "agent", "matter",
                  "consent", "agent.authorisation", "matter.earlier_reply"}
_ID_TYPES_WITH_PAD = {"resident_id", "hmt_residence_permit", "foreigner_permanent_residence",
                      "taiwan_travel_permit"}
HOME_PROMPT = ("欢迎使用网上信访自助服务。反映问题请按“我要信访”，对答复不满意请按“申请复查、复核”。"
               "也可以用手机扫描二维码办理。")
_UNEXPECTED = "提交没有成功，您的信息还没有保存。请再按一次“确认提交”，或联系工作人员。"


def _submission():
    """kiosk.submission, imported off the start path (see `Session.preload`)."""
    from kiosk import submission

    return submission


def effective(answers: dict) -> dict:
    """The answers with the parts that no longer apply left out (kept in `answers`, so
    switching back loses nothing the citizen typed)."""
    doc = copy.deepcopy(answers)
    kind, mode = doc.get("kind"), doc.get("applying_as")
    matter = doc.get("matter")
    if kind != "petition":
        doc.pop("purpose", None)
    if kind not in ("review", "re_review") and isinstance(matter, dict):
        matter.pop("earlier_reply", None)
    if mode != "for_other":
        doc.pop("agent", None)
    if mode != "group":
        doc.pop("representatives", None)
        if isinstance(doc.get("applicants"), list):
            doc["applicants"] = doc["applicants"][:1]
    elif len(doc.get("applicants") or []) <= petition.MAX_REPRESENTATIVES:
        doc.pop("representatives", None)
    return doc


class Session(QObject):
    changed = Signal()  # screen, problems, flags: everything but field values
    valuesReset = Signal()  # answers replaced wholesale (new session, sample loaded)
    edited = Signal()  # any field value changed
    focusField = Signal(str)  # the first field with a problem, after 下一步
    speak = Signal(str)
    wiped = Signal()
    _confirmDone = Signal(object, str)  # from the worker thread: (receipt | None, message)

    def __init__(self, loaded: LoadedConfig, taxonomy: Taxonomy, *,
                 today: Callable[[], date] = date.today, parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = loaded
        self._taxonomy = taxonomy
        self._today = today
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confirm")
        self._outbox: Outbox | None = None
        self._confirmDone.connect(self._on_confirmed, Qt.ConnectionType.QueuedConnection)
        self._elderly = False
        self._voice = True
        self._edits = 0
        self._camera: bool | None = None
        self._reset()

    def preload(self) -> None:
        """Imports the submission path on the worker thread, after the first frame, so
        neither start-up nor the first 确认提交 waits for it."""
        try:
            self._executor.submit(_submission)
        except RuntimeError:  # the session was shut down first
            pass

    # ---- session state -------------------------------------------------------------
    def _reset(self) -> None:
        self.answers: dict[str, Any] = {}
        self._screen = HOME
        self._problems: dict[str, str] = {}
        self._warnings: dict[str, str] = {}
        self._general: list[tuple[str, str]] = []
        self._from_review = False
        self._busy = False
        self._store_error = ""
        self._strokes: list[list[tuple[float, float]]] = []
        self._signature_size = (800.0, 400.0)
        self.photos: list[submission.AttachmentData] = []
        self._receipt: Receipt | None = None
        self._receipt_kind = ""
        self.last_confirmed: dict | None = None  # the sealed document, until the session ends
        self._group_editing = -1
        # One id per visitor session: confirming again after a failure whose outcome was
        # unclear (a commit that may have landed) gives the same submission, never two.
        self._draft_id = str(uuid.uuid4())

    @Slot()
    def wipe(self) -> None:
        """Ends the visitor's session: answers, signature, photos, receipt, modes, clipboard."""
        self._reset()
        # Text copied during the visit (a hardware keyboard can) must not reach the next one.
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.clear()
        self._elderly = False
        self._voice = True
        self._edits += 1
        self.edited.emit()
        self.valuesReset.emit()
        self.changed.emit()
        self.wiped.emit()

    def load(self, doc: dict) -> None:
        """Starts from a given document (the tour's sample petition)."""
        self.answers = copy.deepcopy(doc)
        self.answers.pop("attachments", None)
        self._edits += 1
        self.edited.emit()
        self.valuesReset.emit()
        self.changed.emit()

    # ---- simple properties ---------------------------------------------------------
    def _get_screen(self) -> str:
        return self._screen

    screen = Property(str, _get_screen, notify=changed)

    def _get_elderly(self) -> bool:
        return self._elderly

    def _set_elderly(self, value: bool) -> None:
        if value != self._elderly:
            self._elderly = value
            self.changed.emit()

    elderly = Property(bool, _get_elderly, _set_elderly, notify=changed)

    def _get_voice(self) -> bool:
        return self._voice

    def _set_voice(self, value: bool) -> None:
        if value != self._voice:
            self._voice = value
            self.changed.emit()
            if value:
                self.speak.emit(self._prompt())

    voice = Property(bool, _get_voice, _set_voice, notify=changed)

    @Property(bool, notify=changed)
    def busy(self) -> bool:
        return self._busy

    @Property(str, notify=changed)
    def storeError(self) -> str:  # noqa: N802 - QML property name
        return self._store_error

    @Property(bool, notify=changed)
    def fromReview(self) -> bool:  # noqa: N802
        return self._from_review

    @Property(bool, notify=changed)
    def hasAnswers(self) -> bool:  # noqa: N802
        return bool(self.answers) or bool(self._strokes)

    @Property(str, notify=changed)
    def title(self) -> str:
        if self._screen == HOME:
            return "网上信访自助服务"
        return flow.BY_ID[self._screen].title

    @Property(str, notify=changed)
    def prompt(self) -> str:
        return self._prompt()

    def _prompt(self) -> str:
        if self._screen == HOME:
            return HOME_PROMPT
        return flow.BY_ID[self._screen].prompt

    @Property(str, notify=changed)
    def stepText(self) -> str:  # noqa: N802
        if self._screen in (HOME, "receipt"):
            return ""
        n, total = flow.position(self._screen, effective(self.answers))
        return f"第 {n} 步 / 共 {total} 步"

    @Property("QVariantMap", notify=changed)
    def problems(self) -> dict:
        return dict(self._problems)

    @Property("QVariantMap", notify=changed)
    def warnings(self) -> dict:
        return dict(self._warnings)

    @Property("QVariantList", notify=changed)
    def general(self) -> list:
        return list(dict.fromkeys(message for _, message in self._general))

    def _touch(self) -> None:
        """Answers changed wholesale: fields reload their values."""
        self._edits += 1
        self.edited.emit()
        self.valuesReset.emit()

    @Property(int, notify=edited)
    def edits(self) -> int:
        return self._edits

    # ---- values --------------------------------------------------------------------
    @Slot(str, result="QVariant")
    def value(self, path: str) -> Any:
        return docpath.get(self.answers, path)

    @Slot(str, "QVariant")
    def setValue(self, path: str, value: Any) -> None:  # noqa: N802
        if isinstance(value, str) and path not in ("matter.request", "matter.facts_and_reasons",
                                                   "agent.authorisation.matters",
                                                   "agent.authorisation.powers"):
            value = value.replace("\n", " ")
        if docpath.get(self.answers, path) == value:
            return
        docpath.put(self.answers, path, value)
        self._edits += 1
        dirty = self._problems.pop(path, None) is not None
        dirty = self._warnings.pop(path, None) is not None or dirty
        general = [(p, m) for p, m in self._general if not (p and path.startswith(p))]
        if len(general) != len(self._general):
            self._general, dirty = general, True
        if path == "kind" or path == "applying_as":
            dirty = True  # the step count may change
        self.edited.emit()
        if dirty:
            self.changed.emit()

    @Slot(str, result="QVariantMap")
    def idInfo(self, prefix: str) -> dict:  # noqa: N802
        """Sex and birth date read from the document number, for the citizen to confirm."""
        id_type = docpath.get(self.answers, f"{prefix}.id_type") or ""
        number = docpath.get(self.answers, f"{prefix}.id_number") or ""
        if not id_type or not number:
            return {}
        check = identity.check_id(id_type, number, today=self._today())
        if not check.ok or check.sex is None or check.birth_date is None:
            return {}
        return {"sex": petition.SEXES[check.sex],
                "birth": timelimits.format_date_zh(check.birth_date)}

    @Slot(str, result=bool)
    def usesDigitPad(self, id_type: str) -> bool:  # noqa: N802
        return id_type in _ID_TYPES_WITH_PAD

    @Slot(result=str)
    def deadlineText(self) -> str:  # noqa: N802
        """The time limit explained in words, as soon as the dates allow."""
        kind = self.answers.get("kind")
        reply = docpath.get(self.answers, "matter.earlier_reply") or {}
        if kind not in ("review", "re_review") or not reply.get("received_on"):
            return ""
        try:
            received = date.fromisoformat(identity.normalize(reply["received_on"]))
            known = reply.get("known_on")
            known_on = date.fromisoformat(identity.normalize(known)) if known else None
            informed = reply.get("informed_of_limit", True) is not False
            return timelimits.assess_review_deadline(
                kind, received, self._today(), informed_of_limit=informed,
                known_on=None if informed else known_on).explanation
        except ValueError:
            return ""

    # ---- lists for pickers ---------------------------------------------------------
    @Property("QVariantList", constant=True)
    def categories(self) -> list:
        return [{"code": e.code, "label": e.label, "hint": e.hint, "icon": e.icon or "dots"}
                for e in self._taxonomy.categories]

    @Property("QVariantList", constant=True)
    def purposes(self) -> list:
        return [{"code": e.code, "label": e.label, "hint": e.hint} for e in self._taxonomy.purposes]

    @Property("QVariantList", constant=True)
    def idTypes(self) -> list:  # noqa: N802
        return [{"code": t.value, "label": label} for t, label in identity.ID_TYPE_LABELS.items()]

    @Property("QVariantList", notify=changed)
    def platforms(self) -> list:
        # What the platform publishes now wins over the configuration (read again each
        # time home is shown); the attract screen has room for four codes.
        pulled = content.read(self._loaded.data_dir)
        if pulled is not None and pulled.qr_targets:
            return [{"name": t.name, "label": t.label, "qr": qr.cached_url(t.url)}
                    for t in pulled.qr_targets[:4]]
        out = []
        for p in self._loaded.config.displayed_platforms:
            out.append({"name": p.name, "label": p.name, "qr": qr.cached_url(str(p.web_url))})
            if p.wechat_url:
                name = p.wechat_name or p.name
                out.append({"name": name, "label": f"微信：{name}", "qr": qr.cached_url(str(p.wechat_url))})
        return out

    # ---- navigation ----------------------------------------------------------------
    def _go(self, screen: str) -> None:
        self._screen = screen
        self._problems, self._warnings, self._general = {}, {}, []
        if screen != "group":
            self._group_editing = -1
        self.changed.emit()
        self.speak.emit(self._prompt())

    @Slot(str)
    def start(self, kind: str) -> None:
        """From the home screen: 我要信访 starts a petition, 申请复查、复核 asks which."""
        self._reset()
        if kind == "petition":
            self.answers["kind"] = "petition"
        self._touch()
        if kind == "petition":
            self._go(flow.next_step("kind", self.answers).id)
        else:
            self._go("kind")

    @Slot()
    def back(self) -> None:
        self._from_review = False
        step = flow.previous_step(self._screen, effective(self.answers)) \
            if self._screen != HOME else None
        self._go(step.id if step else HOME)

    @Slot(str)
    def goTo(self, step_id: str) -> None:  # noqa: N802
        """The review screen's 修改: edit one step, then come straight back."""
        self._from_review = self._screen == "review"
        self._go(step_id)

    @Slot()
    def goHome(self) -> None:  # noqa: N802
        self.wipe()
        self.speak.emit(self._prompt())

    def validation(self, doc: dict | None = None) -> petition.Validation:
        return petition.validate(doc if doc is not None else self._document(),
                                 taxonomy=self._taxonomy, today=self._today())

    def _attachment_entries(self) -> list[submission.AttachmentData]:
        items = list(self.photos)
        png = self.signature_png()
        if png:
            items.append(_submission().AttachmentData("signature", "image/png", png))
        return items

    def _document(self) -> dict:
        doc = effective(self.answers)
        doc["attachments"] = [{"role": a.role, "media_type": a.media_type, "digest": a.digest}
                              for a in self._attachment_entries()]
        return doc

    def _show(self, step_id: str, problems: list[Problem]) -> None:
        self._problems, self._warnings, general = {}, {}, []
        for p in problems:
            target = self._problems if p.severity == "error" else self._warnings
            if p.path in _GENERAL_PATHS:
                general.append((p.path, p.message))
            else:
                target[p.path] = target[p.path] + "；" + p.message if p.path in target else p.message
        self._general = general
        self.changed.emit()

    @Slot()
    def next(self) -> None:
        if self._busy:
            return
        step = self._screen
        if step == "consent":
            self.confirm()
            return
        doc = self._document()
        result = self.validation(doc)
        if step == "review":
            blocking = [p for p in errors(result.problems)
                        if flow.step_of(p, doc) is not flow.BY_ID["consent"]]
            if blocking:
                self.speak.emit("还有内容需要修改，请看红字提示，按“修改”。")
                return
            self._go("consent")
            return
        if step == "group" and self._group_editing >= 0:
            self.closePerson()
            return
        mine = flow.problems_of(step, result.problems, doc)
        # Material shows on the review screen: with no camera the citizen must still get there.
        blocking = [] if step == "attachments" else errors(mine)
        if blocking:
            self._show(step, mine)
            first = next((p.path for p in blocking if p.path not in _GENERAL_PATHS), "")
            self.focusField.emit(first)
            self.speak.emit("有内容需要修改，请看红字提示。" + blocking[0].message)
            return
        if self._from_review:
            self._from_review = False
            self._go("review")
            return
        following = flow.next_step(step, doc)
        self._go(following.id if following else "review")

    # ---- group of applicants -------------------------------------------------------
    @Property(int, notify=changed)
    def groupEditing(self) -> int:  # noqa: N802
        return self._group_editing

    @Property("QVariantList", notify=changed)
    def groupMembers(self) -> list:  # noqa: N802
        people = self.answers.get("applicants") or []
        reps = set(self.answers.get("representatives") or [])
        return [{"index": i, "name": p.get("name") or "（未填姓名）",
                 "id": identity.mask_id(p.get("id_number") or "") if p.get("id_number") else "",
                 "representative": i in reps} for i, p in enumerate(people)]

    @Slot()
    def addPerson(self) -> None:  # noqa: N802
        people = self.answers.setdefault("applicants", [])
        people.append({"id_type": "resident_id"})
        self._group_editing = len(people) - 1
        self._touch()
        self.changed.emit()

    @Slot(int)
    def editPerson(self, index: int) -> None:  # noqa: N802
        self._group_editing = index
        self._touch()
        self.changed.emit()

    @Slot()
    def closePerson(self) -> None:  # noqa: N802
        """Back to the list, if this person's own fields are in order."""
        i = self._group_editing
        result = self.validation()
        mine = [p for p in errors(result.problems) if p.path.startswith(f"applicants[{i}].")]
        if mine:
            self._show("group", mine)
            self.focusField.emit(mine[0].path)
            return
        self._group_editing = -1
        self._problems = {}
        self.changed.emit()

    @Slot(int)
    def removePerson(self, index: int) -> None:  # noqa: N802
        people = self.answers.get("applicants") or []
        if 0 <= index < len(people):
            del people[index]
            reps = [r - (r > index) for r in self.answers.get("representatives") or [] if r != index]
            self.answers["representatives"] = reps
        self._group_editing = -1
        self._touch()
        self.changed.emit()

    @Slot(int)
    def toggleRepresentative(self, index: int) -> None:  # noqa: N802
        reps = list(self.answers.get("representatives") or [])
        reps.remove(index) if index in reps else reps.append(index)
        self.answers["representatives"] = sorted(reps)
        self._problems.pop("representatives", None)
        self._general = []
        self.changed.emit()

    # ---- review --------------------------------------------------------------------
    @Property("QVariantList", notify=changed)
    def reviewSections(self) -> list:  # noqa: N802
        if self._screen != "review":
            return []
        return review_sections(effective(self.answers), self._taxonomy, self._attachment_entries())

    @Property("QVariantList", notify=changed)
    def reviewProblems(self) -> list:  # noqa: N802
        if self._screen != "review":
            return []
        doc = self._document()
        out = []
        for p in self.validation(doc).problems:
            step = flow.step_of(p, doc)
            if step is None or step.id == "consent":
                continue
            out.append({"message": p.message, "step": step.id, "stepTitle": step.title,
                        "warning": p.severity == "warning"})
        return out

    # ---- material ------------------------------------------------------------------
    @Property("QVariantList", notify=changed)
    def material(self) -> list:
        """What this case needs (and what is optional), with how many photos each has."""
        doc = self._document()
        needed = [p.code.removeprefix("attachment.missing.") for p in self.validation(doc).problems
                  if p.code.startswith("attachment.missing.") and p.code != "attachment.missing.signature"]
        have: dict[str, int] = {}
        for a in self.photos:
            have[a.role] = have.get(a.role, 0) + 1
        roles = list(dict.fromkeys(needed + [r for r in have if r != "evidence"] + ["evidence"]))
        return [{"role": r, "label": petition.ATTACHMENT_ROLES[r], "required": r in needed,
                 "count": have.get(r, 0)} for r in roles]

    @Property(bool, constant=True)
    def cameraAvailable(self) -> bool:  # noqa: N802
        """Asked when the material screen opens, not at start-up (multimedia is slow to load)."""
        if self._camera is None:
            try:
                from PySide6.QtMultimedia import QMediaDevices

                self._camera = bool(QMediaDevices.videoInputs())
            except ImportError:
                self._camera = False
        return self._camera

    @Slot(str, QImage)
    def addPhoto(self, role: str, image: QImage) -> None:  # noqa: N802
        data = _encode(image, "JPG")
        if data:
            self.photos.append(_submission().AttachmentData(role, "image/jpeg", data))
            self.changed.emit()

    @Slot(str)
    def removePhotos(self, role: str) -> None:  # noqa: N802
        self.photos = [a for a in self.photos if a.role != role]
        self.changed.emit()

    # ---- signature -----------------------------------------------------------------
    @Slot("QVariantList", float, float)
    def addStroke(self, points: list, width: float, height: float) -> None:  # noqa: N802
        stroke = [(float(p["x"]), float(p["y"])) for p in points if p is not None]
        if stroke:
            self._strokes.append(stroke)
            self._signature_size = (width, height)
            self._problems.pop("signature", None)
            self.changed.emit()

    @Slot()
    def clearSignature(self) -> None:  # noqa: N802
        self._strokes = []
        self.changed.emit()

    @Property(bool, notify=changed)
    def signed(self) -> bool:
        return bool(self._strokes)

    @Property("QVariantList", notify=changed)
    def strokes(self) -> list:
        return [[{"x": x, "y": y} for x, y in s] for s in self._strokes]

    def signature_png(self) -> bytes:
        if not self._strokes:
            return b""
        w, h = self._signature_size
        image = QImage(max(1, int(w)), max(1, int(h)), QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor("black"), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.RoundJoin))
        for stroke in self._strokes:
            path = QPainterPath(QPointF(*stroke[0]))
            for x, y in stroke[1:]:
                path.lineTo(x, y)
            if len(stroke) == 1:
                path.lineTo(stroke[0][0] + 0.5, stroke[0][1])
            painter.drawPath(path)
        painter.end()
        return _encode(image, "PNG")

    # ---- confirm -------------------------------------------------------------------
    @Slot()
    def confirm(self) -> None:
        if self._busy:
            return
        doc = self._document()
        result = self.validation(doc)
        if not result.ok:
            mine = flow.problems_of("consent", result.problems, doc)
            if errors(mine):
                shown = [Problem("signature", p.message, p.code) if p.code ==
                         "attachment.missing.signature" else p for p in mine]
                self._show("consent", shown)
                self.speak.emit("请看红字提示。" + errors(mine)[0].message)
            else:
                self._general = [("", "还有内容需要修改，请按“上一步”回到核对页面。")]
                self.changed.emit()
            return
        attachments = self._attachment_entries()
        self._busy = True
        self._store_error = ""
        self.changed.emit()
        kind = result.document["kind"]
        self._executor.submit(self._confirm_in_worker, result, attachments, kind)

    def _confirm_in_worker(self, result: petition.Validation,
                           attachments: list[submission.AttachmentData], kind: str) -> None:
        submission = _submission()
        from kiosk.store import Outbox, StoreError

        try:
            self._outbox = (self._outbox.current() if self._outbox
                            else Outbox.open(self._loaded.data_dir))
            receipt = submission.confirm(self._outbox, result, attachments, self._loaded,
                                         self._taxonomy, submission_id=self._draft_id)
        except StoreError as exc:
            # The detail names the cause (e.g. ENOSPC, EROFS) and never what was entered;
            # the technician screen shows it.
            log.error("confirm failed: %s", exc)
            # Open afresh next time: a damaged database is then moved aside and the
            # citizen's second try lands in a sound one.
            if self._outbox is not None:
                self._outbox.close()
                self._outbox = None
            self._confirmDone.emit(None, exc.user_message)
            return
        except Exception as exc:  # never lose the answers on an unexpected failure
            log.exception("confirm failed unexpectedly: %s", type(exc).__name__)
            self._confirmDone.emit(None, _UNEXPECTED)
            return
        self._confirmDone.emit((receipt, result.document, kind), "")

    def _on_confirmed(self, outcome: Any, message: str) -> None:
        self._busy = False
        if outcome is None:
            self._store_error = message
            self.changed.emit()
            self.speak.emit(message)
            return
        self._receipt, self.last_confirmed, self._receipt_kind = outcome
        log.info("submission confirmed")
        self._go("receipt")

    @Property(str, notify=changed)
    def receiptNo(self) -> str:  # noqa: N802
        return self._receipt.display_no if self._receipt else ""

    @Property(str, notify=changed)
    def receiptQr(self) -> str:  # noqa: N802
        if not self._receipt:
            return ""
        base = str(self._loaded.config.delivery_platform.web_url).rstrip("/")
        return qr.memory_url(f"{base}/query?receipt={self._receipt.receipt_no}")

    @Property("QVariantList", notify=changed)
    def milestones(self) -> list:
        if not self._receipt:
            return []
        steps = timelimits.next_steps(self._receipt_kind, self._receipt.created_at.date())
        return [{"label": m.label, "by": timelimits.format_date_zh(m.by), "basis": m.basis}
                for m in steps]

    @Property(str, notify=changed)
    def receiptSummary(self) -> str:  # noqa: N802
        if not self._receipt:
            return ""
        f = self._receipt.receipt_fields
        parts = [f.get("kind_label"), f.get("category_label"), f.get("purpose_label")]
        return "　".join(p for p in parts if p)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None


def _encode(image: QImage, fmt: str) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, fmt, 90 if fmt == "JPG" else -1)
    buffer.close()
    return bytes(data.data()) if ok else b""


def _date_zh(value: Any) -> str:
    if not value:
        return "（未填）"
    try:
        return timelimits.format_date_zh(date.fromisoformat(identity.normalize(str(value))))
    except ValueError:
        return str(value)


def _person_rows(p: dict, *, who: str) -> list[dict]:
    id_type = p.get("id_type")
    label = identity.ID_TYPE_LABELS.get(identity.IdType(id_type), "") if id_type in \
        identity.IdType._value2member_map_ else ""
    rows = [{"label": f"{who}姓名", "value": p.get("name") or "（未填）"},
            {"label": "证件", "value": (label + "　" if label else "") +
             (identity.mask_id(p.get("id_number") or "") or "（未填）")}]
    number = p.get("id_number") or ""
    check = identity.check_id(id_type, number) if id_type and number else None
    sex = check.sex if check and check.ok and check.sex else p.get("sex")
    birth = check.birth_date.isoformat() if check and check.ok and check.birth_date \
        else p.get("birth_date")
    if sex:
        rows.append({"label": "性别", "value": petition.SEXES.get(sex, "")})
    if birth:
        rows.append({"label": "出生日期", "value": _date_zh(birth)})
    if p.get("phone"):
        rows.append({"label": "手机号码", "value": p["phone"]})
    if p.get("address"):
        rows.append({"label": "通讯地址", "value": p["address"]})
    return rows


def review_sections(doc: dict, taxonomy: Taxonomy,
                    attachments: list[submission.AttachmentData]) -> list[dict]:
    """Every answer in plain words, grouped by the step that edits it (ID numbers masked)."""
    sections: list[dict] = []

    def add(step: str, rows: list[dict]) -> None:
        if step in [s.id for s in flow.steps_for(doc)]:
            sections.append({"step": step, "title": flow.BY_ID[step].title, "rows": rows})

    add("kind", [{"label": "办理事项", "value": petition.KINDS.get(doc.get("kind"), "（未选）")}])
    reply = docpath.get(doc, "matter.earlier_reply") or {}
    if reply:
        add("earlier_reply", [
            {"label": "收到方式", "value": "网上收到" if reply.get("online") else "纸质文书"},
            {"label": "文书编号", "value": reply.get("number") or "（未填）"},
            {"label": "收到日期", "value": _date_zh(reply.get("received_on"))},
        ])
    add("applying_as", [{"label": "申请方式",
                         "value": petition.APPLYING_AS.get(doc.get("applying_as"), "（未选）")}])
    people = doc.get("applicants") or []
    if doc.get("applying_as") == "group":
        add("group", [{"label": f"第{i + 1}位", "value": f"{p.get('name') or '（未填）'}　"
                       f"{identity.mask_id(p.get('id_number') or '')}"} for i, p in enumerate(people)])
        reps = doc.get("representatives") or []
        if reps:
            add("representatives", [{"label": "代表", "value": "、".join(
                (people[i].get("name") or "") for i in reps if i < len(people))}])
    else:
        add("applicant", _person_rows(people[0] if people else {}, who=""))
    agent = doc.get("agent") or {}
    if doc.get("applying_as") == "for_other":
        auth = agent.get("authorisation") or {}
        add("agent", _person_rows(agent, who="代理人") + [
            {"label": "委托事项", "value": auth.get("matters") or "（未填）"},
            {"label": "委托权限", "value": auth.get("powers") or "（未填）"},
            {"label": "委托期限", "value": f"{_date_zh(auth.get('valid_from'))} 至 "
                                          f"{_date_zh(auth.get('valid_until'))}"}])
    category = taxonomy.category(doc.get("category") or "")
    rows = [{"label": "问题类别", "value": category.label if category else "（未选）"}]
    if doc.get("kind") == "petition":
        purpose = taxonomy.purpose(doc.get("purpose") or "")
        rows.append({"label": "信访目的", "value": purpose.label if purpose else "（未选）"})
    add("category", rows)
    matter = doc.get("matter") or {}
    rows = [{"label": "具体请求", "value": matter.get("request") or "（未填）"},
            {"label": "事实和理由", "value": matter.get("facts_and_reasons") or "（未填）"}]
    if matter.get("place"):
        rows.append({"label": "发生地点", "value": matter["place"]})
    if matter.get("concerned_body"):
        rows.append({"label": "涉及单位", "value": matter["concerned_body"]})
    add("matter", rows)
    photos = [a for a in attachments if a.role != "signature"]
    counts: dict[str, int] = {}
    for a in photos:
        counts[a.role] = counts.get(a.role, 0) + 1
    add("attachments", [{"label": petition.ATTACHMENT_ROLES[r], "value": f"{n}张照片"}
                        for r, n in counts.items()] or [{"label": "材料", "value": "没有拍照"}])
    return sections
