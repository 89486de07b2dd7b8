"""The printed voucher (回执单): its content from a real confirmed submission, the ESC/POS
byte stream python-escpos' Dummy printer receives (the receipt number, the signed
receipt's QR code, never a marker of personal data), and a network printer on 127.0.0.1
answering the real-time status requests: paper out, cover open, silent, away."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime

import pytest

pytest.importorskip("escpos")  # the printer extra; the core runs without it

from escpos.printer import Dummy  # noqa: E402

from kiosk import petition, printing, submission, terminal_key, voucher  # noqa: E402
from kiosk.config import Printer  # noqa: E402
from kiosk.store import Outbox  # noqa: E402
from tests.support import factories  # noqa: E402
from tests.support.common import EXAMPLE, TODAY  # noqa: E402
from tests.support.escpos_printer import NetworkPrinter  # noqa: E402
from wire import keys  # noqa: E402

NAME, STREET, REQUEST, FACTS = "隐私标记甲", "标记路九十一号", "标记请求内容一号ZQXK", "事实标记零号QWPZ"
PHONE = "13900770001"
CONFIRMED = datetime(2026, 11, 26, 2, 30, tzinfo=UTC)


@pytest.fixture
def confirmed(demo_config, tax):
    """A petition of marker values, confirmed into a real outbox by a terminal with a key."""
    terminal_key.save(demo_config.data_dir, keys.generate_signing_key())
    doc = factories.petition()
    person = doc["applicants"][0]
    person.update(name=NAME, address=STREET, phone=PHONE,
                  id_number=factories.resident_id(area="110105", seq="701"))
    doc["matter"].update(request=REQUEST, facts_and_reasons=FACTS)
    result = petition.validate(doc, taxonomy=tax, today=TODAY)
    assert result.ok, result.problems
    files, problems = submission.read_attachment_files(doc, EXAMPLE.parent)
    assert not problems
    box = Outbox.open(demo_config.data_dir)
    try:
        receipt = submission.confirm(box, result, files, demo_config, tax, now=CONFIRMED)
        yield receipt, doc, box
    finally:
        box.close()


def markers(doc: dict) -> list[str]:
    p = doc["applicants"][0]
    return [p["name"], p["address"], p["phone"], p["id_number"], doc["matter"]["request"],
            doc["matter"]["facts_and_reasons"]]


def test_the_voucher_says_what_the_receipt_screen_says_and_nothing_personal(confirmed, demo_config):
    receipt, doc, _ = confirmed
    paper = voucher.for_receipt(demo_config, receipt, "petition", now=CONFIRMED)
    assert paper.receipt_no == receipt.display_no  # grouped: "4827 1059 36"
    assert paper.qr_url == submission.receipt_qr(demo_config, receipt.token) is not None
    assert paper.kind_label and paper.category_label
    assert [d.label for d in paper.dates_ahead][0] == "告知您是否受理"
    assert paper.confirmed_at == "2026-11-26 10:30"  # China's time, whatever the machine's
    text = "\n".join(paper.lines())
    for marker in markers(doc):
        assert marker not in text, marker
    # masked values stay off the paper too: not even the first 6 of the ID number
    assert doc["applicants"][0]["id_number"][:6] not in text and "*" not in text


def test_the_byte_stream_holds_the_number_and_the_qr_code_and_no_personal_data(confirmed,
                                                                              demo_config):
    receipt, doc, box = confirmed
    info = box.find_by_receipt(receipt.receipt_no)
    from kiosk import taxonomy

    paper = voucher.for_submission(demo_config, info, taxonomy.load())
    device = Dummy()
    printing.render(device, paper)
    stream = device.output
    assert paper.receipt_no.encode() in stream
    qr = paper.qr_url.encode()
    # the QR code printed by the printer itself (GS ( k, store data: function 80)
    assert b"\x1d(k" + (len(qr) + 3).to_bytes(2, "little") + b"1P0" + qr in stream
    for line in paper.lines()[3:]:
        if not line.isascii():
            assert printing.CHINESE_ON + line.encode("gb18030") in stream, line
    for marker in markers(doc):
        for encoding in ("utf-8", "gb18030", "utf-16-le"):
            assert marker.encode(encoding) not in stream, marker
    assert stream.endswith(b"\x1dV\x00") or b"\x1dV" in stream[-8:]  # cut


def test_the_library_still_writes_chinese_as_gb18030():
    """What the FS & around it relies on (kiosk/printing.py): python-escpos' own text()
    encodes a line with Chinese as GB 18030, and adds no Chinese-mode command itself."""
    device = Dummy()
    device.text("回执编号：12\n")
    assert device.output == "回执编号：12\n".encode("gb18030")
    assert printing.CHINESE_ON not in device.output


def test_a_query_code_once_delivered_is_printed_grouped(demo_config):
    paper = voucher.build(demo_config, receipt_no="4827105936", kind="review",
                          category_label="", created_at=CONFIRMED, token=None,
                          query_code="K7M3PQ2W")
    assert paper.query_code == "K7M3 PQ2W" and paper.qr_url is None
    device = Dummy()
    printing.render(device, paper)
    assert b"K7M3 PQ2W" in device.output and b"4827 1059 36" in device.output
    assert b"\x1d(k" not in device.output  # no signed receipt, no code


@pytest.fixture
def net_printer():
    p = NetworkPrinter()
    yield p
    p.close()


def _paper(demo_config):
    return voucher.build(demo_config, receipt_no="4827105936", kind="petition",
                         category_label="劳动社保", created_at=CONFIRMED, token=None)


def test_a_network_printer_that_is_ready_prints_the_voucher(net_printer, demo_config):
    result = printing.print_voucher(net_printer.settings(), _paper(demo_config))
    assert result.outcome == "printed" and result.ok
    deadline = time.monotonic() + 3
    while b"\x1dV" not in net_printer.received and time.monotonic() < deadline:
        time.sleep(0.02)
    assert b"4827 1059 36" in net_printer.received
    assert printing.check(net_printer.settings()).outcome == "printed"


@pytest.mark.parametrize("state", ["paper_out", "cover_open"])
def test_paper_out_and_cover_open_print_nothing_and_say_so(net_printer, demo_config, state):
    net_printer.state = state
    result = printing.print_voucher(net_printer.settings(), _paper(demo_config))
    assert result.outcome == state and not result.ok
    assert result.words == printing.WORDS[state] and "再打印一次" in result.words
    assert result.detail == printing.FIXES[state]
    time.sleep(0.2)
    assert b"4827" not in net_printer.received  # nothing printed into a printer that cannot
    assert printing.check(net_printer.settings()).outcome == state


def test_a_silent_printer_is_no_answer_within_its_timeout(net_printer, demo_config):
    net_printer.state = "silent"
    result = printing.print_voucher(net_printer.settings(timeout=0.5), _paper(demo_config))
    assert result.outcome == "no_answer" and "timed out" in result.detail
    assert "没有响应" in result.words


def test_a_printer_that_is_not_there_is_no_answer(demo_config):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Printer(kind="network", host="127.0.0.1", tcp_port=port, timeout_seconds=0.5)
    result = printing.print_voucher(settings, _paper(demo_config))
    assert result.outcome == "no_answer" and "refused" in result.detail.lower()


def test_no_printer_configured_prints_nothing_and_says_nothing(demo_config):
    result = printing.print_voucher(Printer(), _paper(demo_config))
    assert result.outcome == "no_printer" and result.ok and result.words == ""


@pytest.mark.parametrize(("spec", "expected"), [
    ("none", Printer()),
    ("network:10.0.0.9", Printer(kind="network", host="10.0.0.9")),
    ("network:10.0.0.9:9101", Printer(kind="network", host="10.0.0.9", tcp_port=9101)),
    ("serial:/dev/ttyUSB0@115200", Printer(kind="serial", port="/dev/ttyUSB0", baudrate=115200)),
    ("usb:04b8:0e15", Printer(kind="usb", vendor_id="04b8", product_id="0e15")),
])
def test_printer_specs(spec, expected):
    assert printing.parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "lp:/dev/usb/lp0", "usb:04b8", "usb:zzzz:0e15",
                                  "network:", "network:h:port", "serial:/dev/ttyS0@12"])
def test_bad_printer_specs_say_why(spec):
    with pytest.raises(ValueError, match="--printer"):
        printing.parse_spec(spec)


def _with_printer(loaded, settings):
    import dataclasses

    from kiosk.config import Devices

    cfg = loaded.config.model_copy(update={"devices": Devices(printer=settings)})
    return dataclasses.replace(loaded, config=cfg)


@pytest.mark.parametrize(("state", "status", "says"), [
    ("ok", "PASS", "answers, paper in, cover closed"),
    ("paper_out", "FAIL", "paper out"),
    ("cover_open", "FAIL", "cover open"),
    ("silent", "FAIL", "no answer"),
])
def test_the_doctor_asks_the_configured_printer(net_printer, demo_config, state, status, says):
    from kiosk import doctor

    net_printer.state = state
    ctx = doctor.Context(_with_printer(demo_config, net_printer.settings(timeout=0.5)))
    outcome = next(o for o in doctor.run_checks(doctor.core_checks(ctx)) if o.name == "printer")
    assert outcome.result.status == status and outcome.counted
    assert says in outcome.result.found
    assert f"network printer 127.0.0.1:{net_printer.port}" in outcome.result.found
    if status == "FAIL":
        assert outcome.result.fix.startswith(printing.FIXES["no_answer" if state == "silent" else state])


def test_the_doctor_without_a_printer_says_not_configured(demo_config):
    from kiosk import doctor

    outcomes = doctor.run_checks(doctor.core_checks(doctor.Context(demo_config)))
    printer = [o for o in outcomes if o.name == "printer"]
    assert len(printer) == 1 and printer[0].result.status == "SKIP" and not printer[0].counted
