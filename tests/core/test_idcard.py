"""The ID-card reader's core: the SAM frames, the card's text block, and whole reads
through the simulated reader on a real pty, opened by pyserial as a real port is."""

import logging
import os
import time
from datetime import date

import pytest

from kiosk import causes, config, identity
from kiosk.idcard import Card, ReadFailed, frames, read_card, reader
from kiosk.idcard.card import PHOTO_BYTES, CardError, from_read_answer, parse_text, text_block
from kiosk.idcard.simulator import MODES, SAMPLE_CARD, Simulator

FAST = 0.4  # seconds a command waits: the simulator answers at once or never


def settings(port: str, **kw) -> config.IdReader:
    return config.IdReader(port=port, timeout_seconds=FAST, **kw)


# ---- frames ---------------------------------------------------------------------------
def test_commands_are_the_published_bytes():
    assert frames.command(*frames.FIND_CARD) == bytes.fromhex("AAAAAA9669 0003 2001 22")
    assert frames.command(*frames.SELECT_CARD) == bytes.fromhex("AAAAAA9669 0003 2002 21")
    assert frames.command(*frames.READ_TEXT_AND_PHOTO) == bytes.fromhex("AAAAAA9669 0003 3001 32")
    assert frames.command(*frames.SAM_STATUS) == bytes.fromhex("AAAAAA9669 0003 11FF ED")


def test_an_answer_frame_is_checked_and_split():
    frame = frames.answer_frame(frames.FOUND, bytes(4))
    assert frame == bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97")
    answer = frames.parse(frame)
    assert (answer.sw3, answer.data) == (0x9F, bytes(4))
    with pytest.raises(frames.FrameError) as bad:
        frames.parse(frame[:-1] + b"\x00")
    assert bad.value.kind == "checksum"
    with pytest.raises(frames.FrameError) as short:
        frames.parse(frame[:-2])
    assert short.value.kind == "truncated"


class Pipe:
    """A port whose bytes are given: what `frames.receive` reads, in the chunks given."""

    def __init__(self, *chunks: bytes):
        self.chunks = list(chunks)

    def read(self, size: int = 1) -> bytes:
        if not self.chunks:
            time.sleep(0.01)
            return b""
        return self.chunks.pop(0)[:size]


def test_noise_before_a_frame_and_a_frame_in_pieces_are_read():
    frame = frames.answer_frame(frames.OK, b"abc")
    noise = b"\x00\xaa\xaa\x13" + frames.PREAMBLE[:3]  # even a false start of a preamble
    answer = frames.receive(Pipe(noise, frame[:6], frame[6:9], frame[9:]), 0.5)
    assert answer.data == b"abc"


def test_a_false_preamble_with_an_impossible_length_is_skipped():
    frame = frames.answer_frame(frames.OK, b"x")
    assert frames.receive(Pipe(frames.PREAMBLE + b"\xff\xff", frame), 0.5).data == b"x"


@pytest.mark.parametrize(("chunks", "kind"), [
    ((), "silent"),
    ((b"\x01\x02\x03\x04\x05\x06\x07\x08",), "garbage"),
    ((frames.answer_frame(frames.OK, bytes(40))[:20],), "truncated"),
])
def test_what_is_no_answer_says_which_way(chunks, kind):
    with pytest.raises(frames.FrameError) as info:
        frames.receive(Pipe(*chunks), 0.2)
    assert info.value.kind == kind


# ---- the card's text -------------------------------------------------------------------
def test_the_text_block_is_read_field_by_field():
    block = text_block(SAMPLE_CARD)
    assert len(block) == 256
    assert block[:6] == "王秀英".encode("utf-16-le")
    card = parse_text(block)
    assert card == SAMPLE_CARD
    assert (card.sex, card.nation, card.birth_date) == ("female", "汉", date(1946, 3, 8))
    assert card.valid_until is None  # 长期
    assert identity.check_id("resident_id", card.id_number, today=date(2026, 1, 1)).ok


def test_fields_at_the_published_offsets():
    """The offsets by hand, not through text_block: 30 bytes name, 2 sex, 4 nation, 16 birth,
    70 address, 36 number, 30 authority, 16 + 16 validity, 36 reserved."""
    def field(text, width):
        return text.ljust(width).encode("utf-16-le")

    block = (field("李建国", 15) + field("1", 1) + field("03", 2) + field("19620315", 8)
             + field("演示县城关镇和平街8号", 35) + field("110105196203150018", 18)
             + field("演示县公安局", 15) + field("20200101", 8) + field("20400101", 8)
             + field("", 18))
    card = parse_text(block)
    assert (card.name, card.sex, card.nation) == ("李建国", "male", "回")
    assert card.id_number == "110105196203150018" and card.valid_until == date(2040, 1, 1)
    assert card.address == "演示县城关镇和平街8号" and card.authority == "演示县公安局"


def test_other_cards_of_the_same_layout():
    hmt = parse_text(text_block(SAMPLE_CARD, marker="J"))
    assert hmt.id_type == "hmt_residence_permit"
    with pytest.raises(CardError) as foreigner:
        parse_text(text_block(SAMPLE_CARD, marker="I"))
    assert foreigner.value.kind == "unsupported"


def test_the_photo_is_dropped_and_nothing_personal_is_in_the_repr():
    text = text_block(SAMPLE_CARD)
    photo = b"WLT-PHOTO-MARK" * 74
    photo = photo[:PHOTO_BYTES]
    card = from_read_answer((256).to_bytes(2, "big") + (1024).to_bytes(2, "big") + text + photo)
    assert all(not isinstance(getattr(card, f), bytes | bytearray) for f in card.__dataclass_fields__)
    assert b"WLT-PHOTO-MARK" not in repr(vars(card)).encode()
    for shown in (repr(card), str(card), f"{card}"):
        assert "王秀英" not in shown and SAMPLE_CARD.id_number not in shown
        assert "和平街" not in shown and "1946-03-08" not in shown
        assert identity.mask_id(SAMPLE_CARD.id_number) in shown


def test_a_block_that_is_no_card_is_unreadable():
    with pytest.raises(CardError):
        parse_text(bytes(255))
    with pytest.raises(CardError):
        parse_text(" ".ljust(128).encode("utf-16-le"))  # blank: no name, no number


# ---- whole reads through the simulator on a pty ---------------------------------------
def test_a_good_card_is_read_with_find_select_read():
    with Simulator("good") as sim:
        card = read_card(settings(sim.port))
        assert card == SAMPLE_CARD
        assert sim.commands == [frames.FIND_CARD, frames.SELECT_CARD, frames.READ_TEXT_AND_PHOTO]


@pytest.mark.parametrize("mode", [m for m in MODES if m != "good"])
def test_each_failure_ends_in_plain_words_and_the_next_read_works(mode):
    with Simulator(mode) as sim:
        with pytest.raises(ReadFailed) as info:
            read_card(settings(sim.port))
        expected = {"no_card": "no_card", "pulled": "pulled", "garbage": "garbage",
                    "checksum": "checksum", "silent": "silent"}[mode]
        assert info.value.kind == expected
        words = info.value.words
        assert words and all(ord(c) > 0x2000 or c in "“”0123456789" for c in words), words
        if mode != "silent":
            assert "填写" in words  # typing by hand is always said to be possible
        sim.mode = "good"  # the card put back, the line clean again
        assert read_card(settings(sim.port)) == SAMPLE_CARD


def test_a_card_pulled_out_mid_read_is_told_apart_from_a_dead_reader():
    with Simulator("pulled") as sim:
        with pytest.raises(ReadFailed) as info:
            read_card(settings(sim.port))
        assert info.value.kind == "pulled" and "拿开" in info.value.words
        assert sim.commands[-1] == frames.READ_TEXT_AND_PHOTO


def test_silence_costs_one_timeout_not_three():
    with Simulator("silent") as sim:
        start = time.monotonic()
        with pytest.raises(ReadFailed):
            read_card(settings(sim.port))
        assert sim.commands == [frames.FIND_CARD]  # nothing more was sent after no answer
        assert time.monotonic() - start < 5  # loose: a hang would never return at all


def test_a_port_that_is_not_there():
    with pytest.raises(ReadFailed) as info:
        read_card(settings("/dev/no-such-reader"))
    assert info.value.kind == "unavailable" and "填写" in info.value.words


def test_no_reader_configured():
    with pytest.raises(ReadFailed) as info:
        read_card(None)
    assert info.value.kind == "not_configured"


def test_auto_finds_the_port_that_answers(monkeypatch):
    with Simulator("silent") as dead, Simulator("no_card") as live:
        monkeypatch.setattr(reader, "candidate_ports", lambda: [dead.port, live.port])
        assert reader.find_reader(settings("auto")) == live.port
        live.mode = "good"
        assert read_card(settings("auto")) == SAMPLE_CARD


def test_the_log_says_what_failed_never_who(caplog):
    caplog.set_level(logging.INFO)
    for mode in MODES:
        with Simulator(mode) as sim:
            try:
                read_card(settings(sim.port))
            except ReadFailed:
                pass
    text = caplog.text
    assert "ID card reader failed" in text
    assert "王秀英" not in text and SAMPLE_CARD.id_number not in text and "和平街" not in text
    for record in caplog.records:
        if record.levelno >= logging.WARNING:
            assert causes.explain(record.getMessage()).known


# ---- a vendor's plug-in ----------------------------------------------------------------
PLUGINS = {"acme": "read", "acme-nocard": "no_card", "acme-crash": "crashes",
           "acme-wrong": "wrong_type", "acme-notcallable": "not_callable", "acme-missing": "missing"}


@pytest.fixture
def vendor_package(tmp_path, monkeypatch):
    """An installed distribution (its dist-info on sys.path) declaring the entry points a
    vendor's package would, each pointing at tests/support/idcard_plugin.py."""
    info = tmp_path / "site" / "acme_reader-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-reader\nVersion: 1.0\n")
    lines = [f"{name} = tests.support.idcard_plugin:{attr}" for name, attr in PLUGINS.items()]
    (info / "entry_points.txt").write_text(
        f"[{reader.PLUGIN_GROUP}]\n" + "\n".join(lines) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return tmp_path / "site"


def test_a_plug_in_returns_the_same_card(vendor_package):
    from tests.support import idcard_plugin

    card = read_card(settings("/dev/vendor", plugin="acme"))
    assert isinstance(card, Card) and card == SAMPLE_CARD
    assert idcard_plugin.calls[-1] == "/dev/vendor"


@pytest.mark.parametrize(("name", "kind"), [
    ("acme-nocard", "no_card"), ("acme-crash", "plugin"), ("acme-wrong", "plugin"),
    ("acme-notcallable", "plugin"), ("acme-missing", "plugin"), ("not-installed", "plugin"),
])
def test_a_plug_in_that_fails_is_one_plain_failure(name, kind, caplog, vendor_package):
    with pytest.raises(ReadFailed) as info:
        read_card(settings("auto", plugin=name))
    assert info.value.kind == kind
    assert "王秀英" not in caplog.text and "110105194603080021" not in caplog.text
    assert "王秀英" not in info.value.detail


# ---- configuration ---------------------------------------------------------------------
def test_the_reader_section_of_the_configuration():
    from tests.core.test_config import example_data

    data = example_data()
    assert config.parse(data).devices.id_reader is None  # none unless configured
    data["devices"] = {"id_reader": {"port": "/dev/ttyUSB0", "baud": 9600}}
    got = config.parse(data).devices.id_reader
    assert (got.port, got.baud, got.timeout_seconds, got.plugin) == ("/dev/ttyUSB0", 9600, 3.0, None)
    for bad, key in (({"baud": 1234}, "baud"), ({"timeout_seconds": 0}, "timeout_seconds"),
                     ({"plugin": "acme:read"}, "plugin"), ({"colour": "red"}, "colour")):
        data["devices"] = {"id_reader": bad}
        with pytest.raises(config.ConfigError) as info:
            config.parse(data)
        assert any(f"devices.id_reader.{key}" in p for p in info.value.problems), info.value.problems


def test_the_simulator_is_a_real_terminal_device():
    with Simulator() as sim:
        fd = os.open(sim.port, os.O_RDWR | os.O_NOCTTY)
        try:
            assert os.isatty(fd)
        finally:
            os.close(fd)
