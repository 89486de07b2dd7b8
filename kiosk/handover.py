"""What a citizen hands over in a visit: the material (photographed, or handed in on
paper — 材料另交 — where the terminal cannot take it or the citizen chooses to) and the
handwritten signature, held in memory only until confirmed and sealed. A part of
`Visit` (`kiosk/visit.py`), kept apart as one concern.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from kiosk import applies, petition

SIGNATURE = "signature"  # where the screen shows a problem with the signature
AUTHORISATION_SIGNATURE = "authorisation_signature"  # the villager's, in an agent session
Stroke = list[tuple[float, float]]
RenderSignature = Callable[[list[Stroke], tuple[float, float]], bytes]


@dataclass(frozen=True)
class Attachment:
    """A photo or the signature: bytes held in memory only, until confirmed and sealed."""

    role: str  # kiosk/petition.py ATTACHMENT_ROLES
    media_type: str
    content: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class Handover:
    """The material and signature methods of `Visit`; the state (`answers`, `photos`,
    `chosen_separate`, `camera`, `material_desk`, `strokes`, `signature_size`, the edit
    counters, `errors`) is the visit's own."""

    answers: dict
    photos: list[Attachment]
    chosen_separate: list[str]
    camera: bool
    material_desk: str
    strokes: list[Stroke]
    signature_size: tuple[float, float]
    photo_edits: int
    stroke_edits: int
    errors: dict
    _signature_png: bytes | None
    _render_signature: RenderSignature
    auth_strokes: list[Stroke]  # the villager signing the authorisation (agent session)
    auth_size: tuple[float, float]

    def signature_png(self) -> bytes:
        if not self.strokes:
            return b""
        if self._signature_png is None:
            self._signature_png = self._render_signature(self.strokes, self.signature_size)
        return self._signature_png

    def attachments(self) -> list[Attachment]:
        items = list(self.photos)
        png = self.signature_png()
        if png:
            items.append(Attachment("signature", "image/png", png))
        if self.auth_strokes:
            items.append(Attachment(AUTHORISATION_SIGNATURE, "image/png",
                                    self._render_signature(self.auth_strokes, self.auth_size)))
        return items

    def separate_material(self, doc: dict | None = None) -> list[str]:
        """What is handed in separately (材料另交): without a camera, every required
        material; with one, what the citizen chose to bring instead of photographing."""
        doc = doc if doc is not None else applies.effective(self.answers)
        photographed = {a.role for a in self.photos}
        required = [r for r in petition.required_material(doc) if r not in photographed]
        if not self.camera:
            return required
        return [r for r in self.chosen_separate if r not in photographed]

    def material_notice(self) -> str:
        """Said before the citizen starts (and on the material step) when the terminal
        cannot take what the rules ask for: what to bring and where; "" otherwise."""
        if self.camera:
            return ""
        separate = self.separate_material()
        if not separate:
            return ""
        names = "、".join(petition.ATTACHMENT_ROLES[r] for r in separate)
        return (f"本机不能拍照。您的申请需要{names}，请另交：带上原件，交到{self.material_desk}。"
                "申请照常在这里提交，不用等材料。")

    def material(self) -> list[dict]:
        """What this case needs (and what is optional), with how many photos each has and
        whether it is handed in separately (材料另交)."""
        doc = applies.effective(self.answers)
        separate = set(self.separate_material(doc))
        have: dict[str, int] = {}
        for a in self.photos:
            have[a.role] = have.get(a.role, 0) + 1
        # still to give: required and not photographed (handed in separately or not)
        needed = [r for r in petition.required_material(doc) if r not in have]
        roles = list(dict.fromkeys(needed + [r for r in have if r != "evidence"] + ["evidence"]))
        return [{"role": r, "label": petition.ATTACHMENT_ROLES[r], "required": r in needed,
                 "count": have.get(r, 0), "separate": r in separate} for r in roles]

    def toggle_separate(self, role: str) -> None:
        """With a camera: hand this material in on paper instead (材料另交), or not."""
        if role not in petition.SEPARATE_ROLES:
            return
        if role in self.chosen_separate:
            self.chosen_separate.remove(role)
        else:
            self.chosen_separate.append(role)
        self.photo_edits += 1

    def add_photo(self, role: str, media_type: str, content: bytes) -> None:
        if content:
            self.photos.append(Attachment(role, media_type, content))
            if role in self.chosen_separate:  # photographed after all
                self.chosen_separate.remove(role)
            self.photo_edits += 1

    def remove_photos(self, role: str) -> None:
        self.photos = [a for a in self.photos if a.role != role]
        self.photo_edits += 1

    def add_stroke(self, stroke: Stroke, width: float, height: float) -> None:
        if stroke:
            self.strokes.append(stroke)
            self.signature_size = (width, height)
            self._signature_png = None
            self.stroke_edits += 1
            self.errors.pop(SIGNATURE, None)

    def add_auth_stroke(self, stroke: Stroke, width: float, height: float) -> None:
        """A stroke of the villager's signature under the authorisation (村民授权)."""
        if stroke:
            self.auth_strokes.append(stroke)
            self.auth_size = (width, height)
            self.stroke_edits += 1
            self.errors.pop(AUTHORISATION_SIGNATURE, None)

    def clear_auth_signature(self) -> None:
        self.auth_strokes = []
        self.stroke_edits += 1

    def clear_signature(self) -> None:
        self.strokes = []
        self._signature_png = None
        self.stroke_edits += 1
