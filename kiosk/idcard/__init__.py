"""The second-generation ID-card reader (二代证): the SAM serial frames (`frames`), the
card's text (`card`), a read (`reader`) and a simulated reader (`simulator`). No Qt:
the touch UI (`ui/idcard.py`), `kiosk idcard read` and the doctor use it alike."""

from kiosk.idcard.card import Card, CardError
from kiosk.idcard.reader import ReadFailed, read_card

__all__ = ["Card", "CardError", "ReadFailed", "read_card"]
