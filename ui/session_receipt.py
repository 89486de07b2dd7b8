"""What the receipt screen shows of the submission just confirmed: a part of `Session`
(`ui/session.py`, its base class), kept apart as one concern. Read-only: the receipt,
its signed QR code, what it promises, the legal dates ahead, the material still to
hand in. The state (`_receipt`, `_receipt_kind`, `last_confirmed`, `_loaded`, `visit`)
is the session's own.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Property, QObject, Signal

from kiosk import receipt_words, summary, timelimits
from kiosk.config import LoadedConfig
from ui import qr
from ui.confirm import submission_module


def _receipt_page(loaded: LoadedConfig, receipt) -> str | None:
    """The URL of a signed receipt's page on the platform; None when unsigned or no receipt."""
    return receipt and submission_module().receipt_qr(loaded, receipt.token) or None


class ReceiptFacts(QObject):
    receiptChanged = Signal()

    _loaded: LoadedConfig
    _receipt: Any
    _receipt_kind: Any
    last_confirmed: Any
    visit: Any

    def shown_receipt(self) -> tuple[Any, str] | None:
        """The receipt on screen and its kind (what the voucher prints), or None."""
        return (self._receipt, self._receipt_kind) if self._receipt else None

    @Property(str, notify=receiptChanged)
    def receiptNo(self) -> str:  # noqa: N802
        return self._receipt.display_no if self._receipt else ""

    @Property(str, notify=receiptChanged)
    def receiptQr(self) -> str:  # noqa: N802
        """The signed receipt's QR code (its page on the platform); "" when unsigned."""
        url = _receipt_page(self._loaded, self._receipt)
        return qr.memory_url(url) if url else ""

    @Property("QVariantMap", notify=receiptChanged)
    def receiptWords(self) -> dict:  # noqa: N802
        """What the receipt screen promises about checking progress (`kiosk.receipt_words`)."""
        return receipt_words.for_receipt(bool(_receipt_page(self._loaded, self._receipt)))

    @Property("QVariantList", notify=receiptChanged)
    def milestones(self) -> list:
        if not self._receipt:
            return []
        steps = timelimits.next_steps(self._receipt_kind, self._receipt.created_at.date())
        return [{"label": m.label, "by": timelimits.format_date_zh(m.by), "basis": m.basis}
                for m in steps]

    @Property(str, notify=receiptChanged)
    def receiptSeparate(self) -> str:  # noqa: N802
        """What the citizen still brings on paper (材料另交) and where; "" for nothing."""
        if not self.last_confirmed:
            return ""
        return summary.separate_words(self.last_confirmed.get("separate_material") or [],
                                      self.visit.material_desk)

    @Property(str, notify=receiptChanged)
    def receiptSummary(self) -> str:  # noqa: N802
        """One sentence: what was received and what happens next (`kiosk.receipt_words`)."""
        if not self._receipt:
            return ""
        f = self._receipt.receipt_fields
        kind = f.get("kind") or self._receipt_kind
        steps = timelimits.next_steps(self._receipt_kind, self._receipt.created_at.date())
        # a category the office will choose (不知道选哪个) is not named as one
        category = f.get("category_label") or ""
        if category == self.visit.taxonomy.unsure_term:
            category = ""
        first = steps[0] if steps else None
        return receipt_words.headline(kind, category,
                                      timelimits.format_date_zh(first.by) if first else "",
                                      first.label if first else "")
