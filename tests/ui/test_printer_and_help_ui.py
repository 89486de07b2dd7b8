"""The voucher and 求助 on the real window: the receipt appears while the printer is still
silent, then says in words what the printer (a network printer on 127.0.0.1 answering the
real status requests) did — printed, paper out, cover open — with 再打印一次; 求助 from the
header of any screen, the alert on the technician screen and cleared there, audited."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("escpos")

from kiosk import help_alert, printing  # noqa: E402
from kiosk import technician as tech  # noqa: E402
from tests.support.escpos_printer import NetworkPrinter  # noqa: E402
from tests.support.qt import confirm_sample_by_touch
from ui.driver import all_items, find, pump, shown, tap, wait_until  # noqa: E402

PIN = "480215"


def texts(window) -> str:
    return "\n".join(str(i.property("text") or "") for i in all_items(window)
                     if i.inherits("QQuickText") and shown(i))


@pytest.fixture
def net_printer():
    p = NetworkPrinter()
    yield p
    p.close()




def _printer_fn(p: NetworkPrinter, timeout: float = 1.0):
    settings = p.settings(timeout=timeout)
    return lambda paper: printing.print_voucher(settings, paper)


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_paper_out_is_said_on_the_receipt_and_printing_again_prints(kiosk_window, net_printer, size):
    make, _ = kiosk_window
    net_printer.state = "paper_out"
    k = make(size=size, print_fn=_printer_fn(net_printer))
    w = k.window
    confirm_sample_by_touch(k)
    number = k.session.receiptNo
    assert wait_until(lambda: k.printer.state == "failed", 5_000)
    pump(20)
    assert find(w, "printMessage").property("text") == printing.WORDS["paper_out"]
    assert shown(find(w, "btn:printAgain")) and find(w, "receiptNo").property("text") == number
    assert number.encode() not in net_printer.received  # nothing printed into an empty printer

    net_printer.state = "cover_open"
    tap(w, "btn:printAgain")
    assert wait_until(lambda: k.printer.state == "failed" and "盖子" in k.printer.message, 5_000)

    net_printer.state = "ok"  # paper loaded, cover closed
    tap(w, "btn:printAgain")
    assert wait_until(lambda: k.printer.state == "printed", 5_000)
    pump(20)
    assert find(w, "printMessage").property("text") == printing.WORDS["printed"]
    assert find(w, "btn:printAgain", required=False) is None
    assert wait_until(lambda: number.encode() in net_printer.received, 3_000)
    # once only: the receipt shown again (a repaint, 大字) sends no second voucher
    k.session.elderly = True
    pump(50)
    assert net_printer.received.count(number.encode()) == 1
    tap(w, "btn:finish")
    assert k.printer.state == "" and k.printer.message == ""


def test_a_silent_printer_never_holds_the_receipt(kiosk_window, net_printer):
    make, _ = kiosk_window
    net_printer.state = "silent"
    k = make(print_fn=_printer_fn(net_printer, timeout=5.0))
    confirm_sample_by_touch(k)
    # the receipt is on screen while the printer has not answered yet: it did not wait
    assert k.printer.state == "printing" and k.session.receiptNo
    assert "正在打印" in texts(k.window)
    assert wait_until(lambda: k.printer.state == "failed", 10_000)
    assert "没有响应" in k.printer.message and shown(find(k.window, "btn:printAgain"))


def test_no_printer_configured_says_nothing_of_paper(kiosk_window):
    make, _ = kiosk_window
    k = make()
    confirm_sample_by_touch(k)
    pump(50)
    assert k.printer.state == "" and find(k.window, "printStatus", required=False) is None


def test_help_from_the_header_raises_an_alert_the_technician_clears(kiosk_window):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    k = make()
    w = k.window
    tap(w, "btn:help")  # on the home screen
    assert shown(find(w, "helpOverlay"))
    assert find(w, "helpComing").property("text") == "工作人员马上就来，请稍等"
    assert wait_until(lambda: help_alert.status(loaded.data_dir) is not None, 3_000)
    tap(w, "btn:helpClose")
    assert find(w, "helpOverlay", required=False) is None

    tap(w, "btn:petition")  # and from a step of the flow, where it is in the same place
    k.session.setValue("applying_as", "self")
    tap(w, "btn:help")
    assert shown(find(w, "helpOverlay"))
    assert wait_until(lambda: help_alert.status(loaded.data_dir).presses == 2, 3_000)
    tap(w, "btn:helpClose")
    assert k.session.screen != "home"  # what the citizen was doing stays

    # The alert stands for a new window too (a restart), until cleared.
    record = json.loads((loaded.data_dir / help_alert.ALERT_FILE).read_text())
    assert record["state"] == "raised" and record["presses"] == 2
    k.close()
    k = make()
    w = k.window
    k.technician.openPad()
    pump(20)
    for ch in PIN:
        tap(w, f"pin:{ch}")
    tap(w, "pin:ok")
    assert wait_until(lambda: k.technician.mode == "screen", 10_000)
    assert wait_until(lambda: k.help.standing, 3_000)
    pump(20)
    assert shown(find(w, "tech:help"))
    assert "有人按了求助" in find(w, "tech:helpSince").property("text")
    assert "按了 2 次" in find(w, "tech:helpSince").property("text")
    tap(w, "tech:clearHelp")
    assert wait_until(lambda: not k.help.standing, 3_000)
    pump(20)
    assert find(w, "tech:help", required=False) is None
    assert help_alert.status(loaded.data_dir) is None
    cleared = [x for x in tech.read_audit(loaded.data_dir)[0] if x["what"] == "help_alert_cleared"]
    assert len(cleared) == 1 and cleared[0]["by"] == "screen" and cleared[0]["presses"] == 2
