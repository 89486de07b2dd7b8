"""The visitor session's view-model: Qt properties around kiosk/visit.py's `Visit`.

One `Session` lives as long as the window; `wipe()` ends a visitor's session and
drops everything it held. Everything about the visit itself (answers, what
applies, where 下一步 leads, what is wrong) is the `Visit`'s; this adapter adds
what needs Qt: properties with their own change signals, the signature drawn as
a PNG, photos from the camera, the clipboard, and the confirm on a worker thread
(ui/confirm.py), whose receipt shows only after the commit.
QML reads and writes answers by field path (docs/petition-format.md).

Every action goes through `_act`: it runs the visit's method, then emits the
signals of exactly what changed, in a fixed order (answers, fields to reload,
problems, …, and the screen last), then focuses and speaks as the visit's
`Outcome` says.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtQml import QmlElement, QmlSingleton, QmlUncreatable

from kiosk import choices, content, pages
from kiosk.applies import MAX_REPRESENTATIVES
from kiosk.config import LoadedConfig
from kiosk.taxonomy import Taxonomy
from kiosk.visit import HOME, Outcome, Visit
from ui import qr, signature, viewmodels
from ui.confirm import Confirmer, submission_module
from ui.session_receipt import ReceiptFacts

if TYPE_CHECKING:
    from kiosk.store import Receipt

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1


@QmlElement
@QmlUncreatable("made by Session.answer()")
class Answer(QObject):
    """One field of the answers for bindings: its value, its label (the same on the review,
    `Visit.label`) and the choices offered for it."""

    valueChanged = Signal()
    labelChanged = Signal()

    def __init__(self, visit: Visit, path: str, options: list[dict], parent: QObject):
        super().__init__(parent)
        self._visit, self._path, self._options = visit, path, options
        self._value = visit.value(path)
        self._label = visit.label(path)

    def refresh(self) -> None:
        value = self._visit.value(self._path)
        if value != self._value:
            self._value = value
            self.valueChanged.emit()
        label = self._visit.label(self._path)  # it may name another answer (the document)
        if label != self._label:
            self._label = label
            self.labelChanged.emit()

    @Property(str, notify=labelChanged)
    def label(self) -> str:
        return self._label

    @Property("QVariant", notify=valueChanged)
    def value(self) -> Any:
        return self._value

    @Property("QVariantList", constant=True)
    def options(self) -> list:
        return self._options


@QmlElement
@QmlUncreatable("made by Session.person()")
class Person(QObject):
    """How the form for one person asks: kiosk/visit.py `Visit.person`."""

    changed = Signal()

    def __init__(self, visit: Visit, prefix: str, parent: QObject):
        super().__init__(parent)
        self._visit, self._prefix = visit, prefix
        self._state = visit.person(prefix)

    def refresh(self) -> None:
        state = self._visit.person(self._prefix)
        if state != self._state:
            self._state = state
            self.changed.emit()

    idType = Property(str, lambda self: self._state["idType"], notify=changed)
    sex = Property(str, lambda self: self._state["sex"], notify=changed)  # read from the number
    birth = Property(str, lambda self: self._state["birth"], notify=changed)
    digitPad = Property(bool, lambda self: self._state["digitPad"], notify=changed)
    allowsX = Property(bool, lambda self: self._state["allowsX"], notify=changed)
    asksSexAndBirth = Property(bool, lambda self: self._state["asksSexAndBirth"], notify=changed)
    contact = Property(bool, lambda self: self._state["contact"], notify=changed)


def _numbered(todo: list[tuple[str, str]]) -> list[dict]:
    """[{number, path, text}] in screen order, numbered from 1 as the screen says them."""
    return [{"number": n, "path": path, "text": text} for n, (path, text) in enumerate(todo, 1)]


@QmlElement
@QmlSingleton
class Session(ReceiptFacts):
    screenChanged = Signal()  # screen, atHome, title, prompt, fromReview, inFlow, confirms, platforms
    stepTextChanged = Signal()
    problemsChanged = Signal()  # problems, warnings, general
    answersChanged = Signal()  # any answer changed (groupMembers)
    valuesReset = Signal()  # answers replaced wholesale: fields reload (new session, sample loaded)
    appliesChanged = Signal()  # applies, replyDocument
    deadlineTextChanged = Signal()
    hasAnswersChanged = Signal()
    leaveAsksChanged = Signal()
    groupChanged = Signal()  # groupEditing
    materialChanged = Signal()  # material, materialMissing
    signatureChanged = Signal()  # signed, strokes
    reviewChanged = Signal()  # reviewSections, reviewProblems
    busyChanged = Signal()  # busy, storeError
    elderlyChanged = Signal()
    voiceChanged = Signal()
    focusField = Signal(str)  # the first field with a problem, after 下一步
    speak = Signal(str)
    replay = Signal(str)  # 再听一遍: said even with the voice switched off, since it was asked for
    wiped = Signal()
    _confirmDone = Signal(object, str)  # from the worker thread: (receipt | None, message)

    # Derived values compared after every action; each emits its own signal on a change.
    _DERIVED: dict[str, Callable[[Visit], Any]] = {
        "stepTextChanged": Visit.step_text,
        "appliesChanged": lambda v: (v.what_applies(), v.reply_document()),
        "deadlineTextChanged": Visit.deadline_text,
        "hasAnswersChanged": lambda v: v.has_answers,
        "leaveAsksChanged": lambda v: v.leave_asks,
    }

    @staticmethod
    def create(engine) -> Session:
        """The QML singleton: the session of this engine's window (ui/viewmodels.py)."""
        return viewmodels.of(engine, "Session")

    def __init__(self, loaded: LoadedConfig, taxonomy: Taxonomy, *,
                 today: Callable[[], date] = date.today,
                 camera: bool | Callable[[], bool] = False,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = loaded
        self._taxonomy = taxonomy
        desk = content.material_desk(loaded.data_dir, loaded.config.jurisdiction.name)
        self.visit = Visit(taxonomy, today=today, render_signature=signature.png,
                           material_desk=desk)
        self._confirmer = Confirmer(loaded, taxonomy, self._confirmDone.emit)
        self._confirmDone.connect(self._on_confirmed, Qt.ConnectionType.QueuedConnection)
        self._elderly = False
        self._voice = True
        self._camera = camera  # or how to ask the document camera (ui/camera.py)
        self._answers: dict[str, Answer] = {}
        self._people: dict[str, Person] = {}
        self._derived = {name: get(self.visit) for name, get in self._DERIVED.items()}
        self._clear_confirm()

    def preload(self) -> None:
        """After the first frame: the submission path is imported on the confirm thread."""
        self._confirmer.preload()

    def _clear_confirm(self) -> None:
        self._busy = False
        self._store_error = ""
        self._receipt: Receipt | None = None
        self._receipt_kind = ""
        self.last_confirmed: dict | None = None  # the sealed document, until the session ends

    # ---- every action --------------------------------------------------------------------
    def _state(self) -> tuple:
        v = self.visit
        return (v.edits, v.resets, (v.screen, v.from_review),
                (dict(v.errors), dict(v.warnings), list(v.general)), v.group_editing,
                v.photo_edits, v.stroke_edits)

    def _act(self, action: Callable[[], Outcome | None]) -> Outcome:
        before = self._state()
        outcome = action() or Outcome()
        edits, resets, screen, problems, group, photos, strokes = (
            a != b for a, b in zip(self._state(), before, strict=True))
        derived = []
        for name, get in self._DERIVED.items():
            value = get(self.visit)
            if value != self._derived[name]:
                self._derived[name] = value
                derived.append(getattr(self, name))
        if edits:
            self.answersChanged.emit()
            for item in (*self._answers.values(), *self._people.values()):
                item.refresh()
        if resets:
            self.valuesReset.emit()
        if problems:
            self.problemsChanged.emit()
        if group:
            self.groupChanged.emit()
        if edits or photos:
            self.materialChanged.emit()
        if strokes:
            self.signatureChanged.emit()
        if edits or photos or strokes or screen:
            self.reviewChanged.emit()
        for signal in derived:
            signal.emit()
        # Last: a screen that loads now reads everything above once, already up to date.
        if screen:
            self.screenChanged.emit()
        if outcome.focus is not None:
            self.focusField.emit(outcome.focus)
        if outcome.say:
            self.speak.emit(outcome.say)
        return outcome

    # ---- the session ---------------------------------------------------------------------
    @Slot()
    def wipe(self) -> None:
        """Ends the visitor's session: answers, signature, photos, receipt, modes, clipboard."""
        had_receipt = self._receipt is not None
        self._clear_confirm()
        # Text copied during the visit (a hardware keyboard can) must not reach the next one.
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.clear()
        self.elderly = False
        self._set_voice(True, say=False)  # the next visitor starts with the voice on
        self._act(self.visit.wipe)
        self.busyChanged.emit()
        if had_receipt:
            self.receiptChanged.emit()
        self.wiped.emit()

    def load(self, doc: dict) -> None:
        """Starts from a given document (the tour's sample petition)."""
        self._act(lambda: self.visit.load(doc))

    @property
    def answers(self) -> dict:
        return self.visit.answers

    @property
    def photos(self) -> list:
        return self.visit.photos

    def _get_elderly(self) -> bool:
        return self._elderly

    def _set_elderly(self, value: bool) -> None:
        if value != self._elderly:
            self._elderly = value
            self.elderlyChanged.emit()

    elderly = Property(bool, _get_elderly, _set_elderly, notify=elderlyChanged)

    def _set_voice(self, value: bool, *, say: bool = True) -> None:
        if value != self._voice:
            self._voice = value
            self.voiceChanged.emit()
            if value and say:
                self.speak.emit(self.visit.prompt)

    voice = Property(bool, lambda self: self._voice, _set_voice, notify=voiceChanged)

    screen = Property(str, lambda self: self.visit.screen, notify=screenChanged)
    atHome = Property(bool, lambda self: self.visit.screen == HOME, notify=screenChanged)
    title = Property(str, lambda self: self.visit.title, notify=screenChanged)
    prompt = Property(str, lambda self: self.visit.prompt, notify=screenChanged)
    fromReview = Property(bool, lambda self: self.visit.from_review, notify=screenChanged)
    inFlow = Property(bool, lambda self: self.visit.in_flow, notify=screenChanged)
    confirms = Property(bool, lambda self: self.visit.confirms, notify=screenChanged)
    stepText = Property(str, lambda self: self._derived["stepTextChanged"], notify=stepTextChanged)
    hasAnswers = Property(bool, lambda self: self.visit.has_answers, notify=hasAnswersChanged)
    leaveAsks = Property(bool, lambda self: self.visit.leave_asks, notify=leaveAsksChanged)
    busy = Property(bool, lambda self: self._busy, notify=busyChanged)
    storeError = Property(str, lambda self: self._store_error, notify=busyChanged)
    problems = Property("QVariantMap", lambda self: dict(self.visit.errors), notify=problemsChanged)
    warnings = Property("QVariantMap", lambda self: dict(self.visit.warnings), notify=problemsChanged)
    general = Property("QVariantList", lambda self: self.visit.general_messages(), notify=problemsChanged)
    consentTodo = Property("QVariantList", lambda self: _numbered(self.visit.consent_todo()),
                           notify=problemsChanged)  # the consent step's to-do list

    @Slot()
    def sayAgain(self) -> None:  # noqa: N802
        """再听一遍: the screen's prompt, and what is still left to do there."""
        self.replay.emit(self.visit.replay_text())

    # ---- answers -------------------------------------------------------------------------
    @Slot(str, result="QVariant")
    def value(self, path: str) -> Any:
        return self.visit.value(path)

    @Slot(str, "QVariant")
    def setValue(self, path: str, value: Any) -> None:  # noqa: N802 - QML method name
        self._act(lambda: self.visit.set_value(path, value))

    @Slot(str, result=Answer)
    def answer(self, path: str) -> Answer:
        """The field at `path` for bindings (one object per path, kept for the session)."""
        if path not in self._answers:
            options = [c.as_dict() for c in choices.for_path(path, self._taxonomy)]
            self._answers[path] = Answer(self.visit, path, options, self)
        return self._answers[path]

    @Slot(str, result=Person)
    def person(self, prefix: str) -> Person:
        if prefix not in self._people:
            self._people[prefix] = Person(self.visit, prefix, self)
        return self._people[prefix]

    @Slot(str, result="QVariantMap")
    def idInfo(self, prefix: str) -> dict:  # noqa: N802
        """Sex and birth date read from the document number, for the citizen to confirm."""
        return self.visit.id_info(prefix)

    applies = Property("QVariantMap", lambda self: self._derived["appliesChanged"][0],
                       notify=appliesChanged)
    replyDocument = Property(str, lambda self: self._derived["appliesChanged"][1],
                             notify=appliesChanged)
    deadlineText = Property(str, lambda self: self._derived["deadlineTextChanged"],
                            notify=deadlineTextChanged)
    consents = Property("QVariantList", lambda self: [{"path": p, "label": label}
                                                      for p, label in choices.CONSENTS], constant=True)
    # "不知道选哪个，请工作人员帮您分": a common-matter tile of its own (kiosk/choices.py)
    unsureChoice = Property("QVariantMap", lambda self: choices.unsure(self._taxonomy).as_dict(),
                            constant=True)
    maxRepresentatives = Property(int, lambda self: MAX_REPRESENTATIVES, constant=True)
    digitEntry = Property("QVariantMap", lambda self: choices.DIGIT_ENTRY, constant=True)

    @Property("QVariantList", notify=screenChanged)
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

    # ---- moving --------------------------------------------------------------------------
    @Slot(str)
    def start(self, kind: str) -> None:
        """From the home screen: 我要信访 starts a petition, 申请复查、复核 asks which."""
        self._clear_confirm()
        # Known before the first question, so the flow says what cannot be photographed here
        # before the citizen starts (asked now, not at start-up: multimedia is slow to load).
        self.visit.camera = self.cameraAvailable
        self._act(lambda: self.visit.start(kind))

    @Slot()
    def startQuery(self) -> None:  # noqa: N802 - 查询办理进度, its own view-model `Query`
        self._clear_confirm()
        self._act(self.visit.start_query)

    @Slot()
    def back(self) -> None:
        self._act(self.visit.back)

    @Slot(str)
    def goTo(self, step_id: str) -> None:  # noqa: N802
        """The review screen's 修改: edit one step, then come straight back."""
        self._act(lambda: self.visit.go_to(step_id))

    @Slot()
    def goHome(self) -> None:  # noqa: N802
        self.wipe()
        self.speak.emit(self.visit.prompt)

    @Slot()
    def next(self) -> None:
        if not self._busy:
            self._confirm(self._act(self.visit.next))

    @Slot()
    def confirm(self) -> None:
        if not self._busy:
            self._confirm(self._act(self.visit.confirmable))

    # ---- a group of applicants -----------------------------------------------------------
    groupEditing = Property(int, lambda self: self.visit.group_editing, notify=groupChanged)
    groupMembers = Property("QVariantList", lambda self: self.visit.group_members(),
                            notify=answersChanged)

    @Slot()
    def addPerson(self) -> None:  # noqa: N802
        self._act(self.visit.add_person)

    @Slot(int)
    def editPerson(self, index: int) -> None:  # noqa: N802
        self._act(lambda: self.visit.edit_person(index))

    @Slot()
    def closePerson(self) -> None:  # noqa: N802
        """Back to the list, if this person's own fields are in order."""
        self._act(self.visit.close_person)

    @Slot(int)
    def removePerson(self, index: int) -> None:  # noqa: N802
        self._act(lambda: self.visit.remove_person(index))

    @Slot(int)
    def toggleRepresentative(self, index: int) -> None:  # noqa: N802
        self._act(lambda: self.visit.toggle_representative(index))

    # ---- review and material -------------------------------------------------------------
    reviewSections = Property("QVariantList", lambda self: self.visit.review_sections(),
                              notify=reviewChanged)
    reviewProblems = Property("QVariantList", lambda self: self.visit.review_problems(),
                              notify=reviewChanged)
    material = Property("QVariantList", lambda self: self.visit.material(), notify=materialChanged)

    @Property(int, notify=materialChanged)
    def materialMissing(self) -> int:  # noqa: N802
        """How many kinds of required material have no photo yet and are not handed in
        separately."""
        return sum(1 for m in self.visit.material()
                   if m["required"] and m["count"] == 0 and not m["separate"])

    @Property(str, notify=materialChanged)
    def materialNotice(self) -> str:  # noqa: N802
        """What cannot be photographed here, what to bring and where (材料另交); "" with a
        camera or when nothing is required."""
        return self.visit.material_notice()

    materialDesk = Property(str, lambda self: self.visit.material_desk, constant=True)

    @Slot(str)
    def toggleSeparate(self, role: str) -> None:  # noqa: N802
        """With a camera: bring this material on paper instead of photographing it."""
        self._act(lambda: self.visit.toggle_separate(role))

    @Property(bool, constant=True)
    def cameraAvailable(self) -> bool:  # noqa: N802
        """Asked when the material screen opens, not at start-up (multimedia is slow to load)."""
        if callable(self._camera):
            self._camera = bool(self._camera())
        return self._camera

    @Slot(str, QImage)
    def addPhoto(self, role: str, image: QImage) -> None:  # noqa: N802
        """The photo as a page (kiosk/pages.py), as the camera's review shows one."""
        self.addPage(role, pages.compress(signature.encode(image, "JPG"), "image/jpeg"))

    def addPage(self, role: str, page: Any) -> None:  # noqa: N802
        self._act(lambda: self.visit.add_photo(role, page.media_type, page.content))

    @Slot(str)
    def removePhotos(self, role: str) -> None:  # noqa: N802
        self._act(lambda: self.visit.remove_photos(role))

    # ---- signature -----------------------------------------------------------------------
    @Slot("QVariantList", float, float)
    def addStroke(self, points: list, width: float, height: float) -> None:  # noqa: N802
        stroke = [(float(p["x"]), float(p["y"])) for p in points if p is not None]
        self._act(lambda: self.visit.add_stroke(stroke, width, height))

    @Slot()
    def clearSignature(self) -> None:  # noqa: N802
        self._act(self.visit.clear_signature)

    signed = Property(bool, lambda self: bool(self.visit.strokes), notify=signatureChanged)
    strokes = Property("QVariantList", lambda self: [[{"x": x, "y": y} for x, y in s]
                                                     for s in self.visit.strokes],
                       notify=signatureChanged)

    def signature_png(self) -> bytes:
        return self.visit.signature_png()

    # ---- confirm -------------------------------------------------------------------------
    def _confirm(self, outcome: Outcome) -> None:
        result = outcome.confirm
        if result is None:
            return
        attachments = [submission_module().AttachmentData(a.role, a.media_type, a.content)
                       for a in self.visit.attachments()]
        self._busy = True
        self._store_error = ""
        self.busyChanged.emit()
        self._confirmer.submit(result, attachments, result.document["kind"], self.visit.draft_id)

    def _on_confirmed(self, outcome: Any, message: str) -> None:
        self._busy = False
        if outcome is None:
            self._store_error = message
            self.busyChanged.emit()
            self.speak.emit(message)
            return
        self._receipt, self.last_confirmed, self._receipt_kind = outcome
        log.info("submission confirmed")
        self.busyChanged.emit()
        self.receiptChanged.emit()
        self._act(self.visit.confirmed)

    def shutdown(self) -> None:
        self._confirmer.shutdown()

