"""The PIN pad and the technician screen on both canvases, normal and 大字, measured
against shared/UX.md: touch targets, text sizes, contrast."""

from __future__ import annotations

import pytest

from kiosk import technician as tech
from ui import audit
from ui.driver import find, pump, tap, wait_until

PIN = "480215"


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
@pytest.mark.parametrize("elderly", [False, True])
def test_pad_and_screen_meet_the_ux_numbers(kiosk_window, size, elderly):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    k = make(size=size)
    w, t, s = k.window, k.technician, k.session
    min_target, min_text, heading = (120, 48, 78) if elderly else (88, 32, 52)

    def check(name: str) -> None:
        pump(50)
        m = audit.measure(w, heading)
        assert m["smallest_target_px"] >= min_target, (name, m)
        assert m["smallest_text_px"] >= min_text, (name, m)
        assert m["lowest_contrast"] >= 4.5, (name, m)
        assert m["lowest_body_contrast"] >= 7, (name, m)

    s.elderly = elderly
    t.openPad()
    pump(50)
    for ch in "480":
        tap(w, f"pin:{ch}")
    check("pad")
    for ch in "215":
        tap(w, f"pin:{ch}")
    tap(w, "pin:ok")
    assert wait_until(lambda: t.mode == "screen", 10_000)
    s.elderly = elderly  # entering wiped the session, 大字 with it
    assert wait_until(lambda: t.info.get("counts") is not None, 10_000)
    check("screen")
    # The confirmation of 退出自助服务 too, whole on the screen (its buttons inside it).
    tap(w, "tech:leave")
    check("confirm-leave")
    box = find(w, "techConfirm:primary")
    bottom = box.mapToScene(box.boundingRect().bottomLeft()).y()
    assert bottom <= w.height(), (size, elderly, bottom)
    tap(w, "techConfirm:secondary")
    assert t.mode == "screen"
