"""`kiosk print RECEIPT` against a network printer on 127.0.0.1 and `kiosk help-alert`,
as real child processes: what they print, their exit codes, what they leave on disk."""

from __future__ import annotations

import importlib.util
import json
import time

import pytest

from kiosk import help_alert, technician
from kiosk.paths import APP_NAME
from tests.support.common import EXAMPLE, run_kiosk
from tests.support.escpos_printer import NetworkPrinter

# The printer extra (python-escpos, Pillow): the core's own install runs without it.
needs_printer_extra = pytest.mark.skipif(importlib.util.find_spec("escpos") is None,
                                         reason="the printer extra is not installed")


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _data_dir(tmp_path):
    return tmp_path / "xdg-data" / APP_NAME / "demo"


@pytest.fixture
def receipt_no(tmp_path) -> str:
    done = run_kiosk("submit", str(EXAMPLE), "--json", env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["receipt_no"]


@pytest.fixture
def net_printer():
    p = NetworkPrinter()
    yield p
    p.close()


@needs_printer_extra
def test_print_puts_the_voucher_on_the_printer_and_draws_it(tmp_path, receipt_no, net_printer):
    png = tmp_path / "voucher.png"
    done = run_kiosk("print", receipt_no, "--printer", net_printer.spec, "--png", str(png),
                     env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    grouped = f"{receipt_no[:4]} {receipt_no[4:8]} {receipt_no[8:]}"
    assert f"voucher of receipt {grouped} printed" in done.stdout
    deadline = time.monotonic() + 3
    while b"\x1dV" not in net_printer.received and time.monotonic() < deadline:
        time.sleep(0.02)
    assert grouped.encode() in net_printer.received
    from PIL import Image

    with Image.open(png) as image:
        assert image.size[0] == 576 and image.size[1] > 600


@needs_printer_extra
@pytest.mark.parametrize("state", ["paper_out", "cover_open"])
def test_print_into_a_printer_that_cannot_fails_with_the_fix(tmp_path, receipt_no, net_printer,
                                                             state):
    net_printer.state = state
    done = run_kiosk("print", receipt_no, "--printer", net_printer.spec, env=_env(tmp_path))
    assert done.returncode == 1
    assert f"not printed: {state}" in done.stderr
    assert ("load a new roll" if state == "paper_out" else "close it") in done.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["12345", "--printer", "network:127.0.0.1:9"], "is not a receipt number"),
    (["RECEIPT", "--printer", "lp:/dev/usb/lp0"], "--printer 'lp:/dev/usb/lp0'"),
    (["RECEIPT"], "no printer"),
])
def test_print_with_bad_input_exits_2(tmp_path, receipt_no, args, says):
    args = [receipt_no if a == "RECEIPT" else a for a in args]
    done = run_kiosk("print", *args, env=_env(tmp_path))
    assert done.returncode == 2 and says in done.stderr, done.stderr


@needs_printer_extra
def test_print_of_a_receipt_not_of_this_terminal_exits_1(tmp_path, receipt_no, net_printer):
    from kiosk.store.receipt import damm_check_digit

    other = "123456789" + damm_check_digit("123456789")
    done = run_kiosk("print", other, "--printer", net_printer.spec, env=_env(tmp_path))
    assert done.returncode == 1 and "no submission with receipt" in done.stderr


def test_help_alert_raise_status_clear(tmp_path):
    env = _env(tmp_path)
    assert json.loads(run_kiosk("help-alert", "status", "--json", env=env).stdout)["raised"] is False
    first = run_kiosk("help-alert", "raise", env=env)
    assert first.returncode == 0 and "help requested" in first.stdout
    again = run_kiosk("help-alert", "raise", env=env)
    status = json.loads(run_kiosk("help-alert", "status", "--json", env=env).stdout)
    assert status["raised"] is True and status["presses"] == 2, again.stdout
    data_dir = _data_dir(tmp_path)
    # what stands is on disk, durable, and says nothing but when and how often
    record = json.loads((data_dir / help_alert.ALERT_FILE).read_text())
    assert set(record) == {"state", "raised_at", "presses"}
    cleared = run_kiosk("help-alert", "clear", env=env)
    assert cleared.returncode == 0 and "cleared" in cleared.stdout
    assert help_alert.status(data_dir) is None
    lines, _ = technician.read_audit(data_dir)
    assert [(x["what"], x["by"], x["presses"]) for x in lines] == [("help_alert_cleared", "command", 2)]
    assert "no help request was standing" in run_kiosk("help-alert", "clear", env=env).stdout
    assert len(technician.read_audit(data_dir)[0]) == 1  # clearing nothing audits nothing


def test_help_alert_bad_action_exits_2(tmp_path):
    done = run_kiosk("help-alert", "ring", env=_env(tmp_path))
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_a_damaged_alert_file_counts_as_raised(tmp_path):
    data_dir = tmp_path / "d"
    data_dir.mkdir()
    (data_dir / help_alert.ALERT_FILE).write_text("{not json")
    assert help_alert.status(data_dir) is not None
    assert help_alert.clear(data_dir, "T-1", by="screen") is not None
    assert help_alert.status(data_dir) is None
