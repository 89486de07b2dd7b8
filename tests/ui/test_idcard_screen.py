"""刷身份证 on the real window, reading the simulated reader on a real pty through the
core's read (kiosk/idcard/): the form filled from the card, each failure said in plain
words with the form left as it was, the read off the GUI thread, nothing left after the
session."""

from __future__ import annotations

import threading

import pytest

from kiosk import config, identity
from kiosk.idcard import read_card
from kiosk.idcard.simulator import SAMPLE_CARD, Simulator
from ui.driver import find, pump, shown, tap, wait_until

P = "applicants[0]"


@pytest.fixture
def reader_window(kiosk_window):
    """A window whose 刷身份证 reads the simulator over the serial line, as configured."""
    make, _ = kiosk_window
    with Simulator("good") as sim:
        settings = config.IdReader(port=sim.port, timeout_seconds=0.5)
        k = make(id_reader=lambda: read_card(settings))
        tap(k.window, "btn:petition")
        tap(k.window, "choice:applying_as:self")
        tap(k.window, "btn:next")
        assert k.session.screen == "applicant"
        yield k, sim


def _read(k) -> None:
    tap(k.window, "btn:idcard")
    assert wait_until(lambda: not k.idcard.busy, 5000)
    pump(50)


def _text(k, name: str) -> str:
    item = find(k.window, name, required=False)  # None: not shown at all
    return item.property("text") if item is not None else ""


def test_a_card_fills_the_form_for_the_citizen_to_check(reader_window):
    k, sim = reader_window
    said = []
    k.session.speak.connect(said.append)
    _read(k)
    v = k.session.value
    assert v(f"{P}.id_type") == "resident_id" and v(f"{P}.id_number") == SAMPLE_CARD.id_number
    assert v(f"{P}.name") == "王秀英" and v(f"{P}.address") == SAMPLE_CARD.address
    # the fields on screen show what was read
    assert find(k.window, f"field:{P}.name").property("text") == "王秀英"
    assert find(k.window, f"field:{P}.address").property("text") == SAMPLE_CARD.address
    # what to check: the number masked as the app masks it, sex and birth date in words
    readout = _text(k, "idcard:readout:text")
    assert identity.mask_id(SAMPLE_CARD.id_number) in readout and SAMPLE_CARD.id_number not in readout
    assert "女" in readout and "1946年3月8日" in readout and "核对" in readout
    assert k.session.person(P).sex == "女"  # the form's own readout of the number agrees
    assert "核对" in said[-1]
    # the citizen may still change what was read
    k.session.setValue(f"{P}.address", "演示县城关镇新街1号")
    assert k.session.value(f"{P}.address") == "演示县城关镇新街1号"


@pytest.mark.parametrize(("mode", "words"), [
    ("no_card", "没有读到身份证"), ("pulled", "没有读完就拿开了"), ("garbage", "没有读清楚"),
    ("checksum", "没有读清楚"), ("silent", "没有回答"),
])
def test_each_failure_is_said_and_typing_by_hand_stays(reader_window, mode, words):
    k, sim = reader_window
    k.session.setValue(f"{P}.name", "李四")  # typed before the read: never lost
    sim.mode = mode
    _read(k)
    message = _text(k, "idcard:message")
    assert words in message and "填写" in message
    assert _text(k, "idcard:readout:text") == ""
    assert k.session.value(f"{P}.name") == "李四" and not k.session.value(f"{P}.id_number")
    # the fields still take typing, and the next read (card put back) works
    assert shown(find(k.window, f"field:{P}.name")) and find(k.window, "btn:idcard").isEnabled()
    sim.mode = "good"
    _read(k)
    assert _text(k, "idcard:message") == "" and k.session.value(f"{P}.name") == "王秀英"


def test_the_read_runs_off_the_gui_thread_and_a_late_card_is_never_shown(kiosk_window):
    make, _ = kiosk_window
    release, threads = threading.Event(), []

    def slow():
        threads.append(threading.current_thread())
        release.wait(5)
        return SAMPLE_CARD

    k = make(id_reader=slow)
    tap(k.window, "btn:petition")
    tap(k.window, "choice:applying_as:self")
    tap(k.window, "btn:next")
    tap(k.window, "btn:idcard")
    assert wait_until(lambda: threads, 2000)
    assert threads[0] is not threading.main_thread()
    assert k.idcard.busy and not find(k.window, "btn:idcard").isEnabled()
    pump(30)  # the GUI thread keeps running while the read waits
    k.session.wipe()  # the citizen walked away
    release.set()
    pump(300)
    assert k.session.value(f"{P}.name") in (None, "") and k.idcard.readOut == ""
    assert not k.idcard.busy


def test_the_session_wipe_takes_what_was_read(reader_window):
    k, _ = reader_window
    _read(k)
    assert k.idcard.readOut
    k.session.wipe()
    pump(30)
    assert k.idcard.readOut == "" and k.idcard.prefix == ""
    assert k.session.value(f"{P}.id_number") in (None, "")


def test_no_reader_configured_no_button(kiosk_window):
    make, _ = kiosk_window
    k = make()  # the demo configuration has no [devices.id_reader]
    tap(k.window, "btn:petition")
    tap(k.window, "choice:applying_as:self")
    tap(k.window, "btn:next")
    assert find(k.window, f"idcard:{P}", required=False) is None
    assert find(k.window, "btn:idcard", required=False) is None
