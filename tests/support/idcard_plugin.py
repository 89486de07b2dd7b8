"""Stand-ins for a vendor's reader library, named by `[devices.id_reader] plugin`."""

from kiosk.idcard.reader import ReadFailed
from kiosk.idcard.simulator import SAMPLE_CARD

calls = []


def read(settings):
    calls.append(settings.port)
    return SAMPLE_CARD


def no_card(settings):
    raise ReadFailed("no_card", "the vendor library found no card")


def crashes(settings):
    raise RuntimeError("王秀英 110105194603080021")  # what a careless library might say


def wrong_type(settings):
    return {"name": "王秀英"}


not_callable = 42
