"""A station that never reaches its platform delivers on a USB stick (docs/carry.md),
as real processes: `kiosk carry export|import|relay` and `kiosk-receiver carry import`,
a folder standing in for the stick, a small tmpfs for a full one. Each submission
becomes one case, whichever mix of stick, relay and network carries it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk import petition, submission, taxonomy
from kiosk.store import Outbox
from tests.support import factories, traces
from tests.support.agents import PIN, bind, register, villager_document
from tests.support.common import TODAY
from tests.support.platform_server import ReceiverProcess, table_counts
from tests.support.terminal import SIGNATURE_PNG, Terminal, enrolled_terminal, receiver_cases
from wire import carry

NAMES = "甲乙丙丁戊己庚辛壬癸"


def _marker_doc(i: int) -> tuple[dict, list[str]]:
    doc = factories.petition()
    person = doc["applicants"][0]
    person.update(name=f"携带标记{NAMES[i % 10]}{NAMES[i // 10 % 10]}",
                  address=f"标记村{i}组KXQV", phone=f"1390088{i:04d}",
                  id_number=factories.resident_id(area="110105", seq=f"{100 + 2 * i:03d}"))
    doc["matter"].update(request=f"标记请求携带{i}号ZKQW", facts_and_reasons=f"携带事实{i}号PQZX")
    return doc, [person["name"], person["address"], person["phone"], person["id_number"],
                 doc["matter"]["request"], doc["matter"]["facts_and_reasons"]]


def queue(term: Terminal, count: int, *, first: int = 0, page_every: int = 0,
          page_bytes: int = 200_000) -> tuple[list[str], list[str]]:
    """Confirms `count` petitions with marker values through the path the screen takes;
    every `page_every`-th with a document page. Returns (receipt numbers, markers)."""
    loaded, tax = term.loaded(), taxonomy.load()
    receipts, markers = [], []
    with Outbox.open(term.data_dir) as outbox:
        for i in range(first, first + count):
            doc, marks = _marker_doc(i)
            result = petition.validate(doc, taxonomy=tax, today=TODAY)
            assert result.ok, result.problems
            files = [submission.AttachmentData("signature", "image/png", SIGNATURE_PNG)]
            if page_every and i % page_every == 0:
                files.append(submission.AttachmentData(
                    "evidence", "application/pdf", b"%PDF-1.4\n" + os.urandom(page_bytes)))
            receipts.append(submission.confirm(outbox, result, files, loaded, tax).receipt_no)
            markers += marks
    return receipts, markers


def carry_files(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"*{carry.SUFFIX}"))


def platform_rows(rx: ReceiverProcess) -> dict[str, int]:
    """Every table the tests compare, and the carry files the platform remembers."""
    counts = table_counts(rx.data_dir)
    conn = sqlite3.connect(f"file:{rx.data_dir / 'receiver.db'}?mode=ro", uri=True)
    try:
        counts["carry_imports"] = conn.execute("SELECT count(*) FROM carry_imports").fetchone()[0]
    finally:
        conn.close()
    return counts


def delivered_cases(term: Terminal) -> dict[str, str]:
    """receipt number -> case number of every delivered item of the station."""
    with Outbox.open(term.data_dir) as outbox:
        return {i.receipt_no: i.case_no for i in outbox.items(limit=1000)
                if i.state == "delivered"}


@pytest.fixture
def offline_station(tmp_path):
    """A station enrolled at a platform that is then stopped: from here on it never
    reaches it. Yields (platform process, stopped, and the station)."""
    rx = ReceiverProcess(tmp_path / "platform").start()
    try:
        (tmp_path / "station").mkdir()
        term = enrolled_terminal(tmp_path / "station", rx)
        rx.stop()
        yield rx, term
    finally:
        rx.release()


def _kiosk_ok(term: Terminal, *args: str):
    result = term.kiosk(*args)
    assert result.returncode == 0, result.stderr
    return result


def test_thirty_carried_on_a_stick_each_once_then_the_network_adds_none(tmp_path,
                                                                       offline_station):
    rx, station = offline_station
    receipts, markers = queue(station, 30, page_every=3)
    stick = tmp_path / "stick"
    stick.mkdir()

    exported = _kiosk_ok(station, "carry", "export", str(stick))
    [carried] = carry_files(stick)
    assert "30 submission(s)" in exported.stdout
    assert station.status()["counts"]["queued"] == 30  # queued until acknowledged

    # the platform, never started since: the operator imports the stick
    imported = rx.cli("carry", "import", str(stick))
    assert "30 with a case, 0 refused" in imported.stdout
    cases = receiver_cases(rx)
    assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
    assert (stick / carry.ack_name(carried.name)).is_file()

    again = rx.cli("carry", "import", str(stick))
    assert "imported before" in again.stdout and "nothing to do" in again.stdout
    assert len(receiver_cases(rx)) == 30

    # back at the station: 30 delivered, each with its platform case number
    read = _kiosk_ok(station, "carry", "import", str(stick))
    assert "30 delivered now" in read.stdout
    by_receipt = {c["receipt_no"]: c["case_no"] for c in cases}
    assert delivered_cases(station) == by_receipt
    read_again = _kiosk_ok(station, "carry", "import", str(stick))
    assert "0 delivered now, 30 delivered before" in read_again.stdout

    # nothing on the stick a finder could read
    _, found = traces.holding(stick, traces.text_needles(markers), exclude=[])
    assert found == []

    # then the station reaches its platform: nothing is sent twice
    rx.start()
    _kiosk_ok(station, "sync", "--once")
    assert len(receiver_cases(rx)) == 30
    assert delivered_cases(station) == by_receipt
    assert station.status()["counts"]["queued"] == 0


def test_thirty_by_two_agents_at_a_proxy_station_without_platform_carried_and_listed(tmp_path):
    """The Show of issue 14 with agents: two agents bound while the station was online,
    then no platform for the whole rest; 30 submissions for villagers through `kiosk
    submit --agent` (an agent session each), carried on the stick, imported twice at the
    platform (30 cases), the acknowledgements read back (each agent's list: delivered
    with its case number); then the station reaches its platform: still 30, each once."""
    rx = ReceiverProcess(tmp_path / "platform").start()
    try:
        (tmp_path / "station").mkdir()
        station = enrolled_terminal(tmp_path / "station", rx, terminal_id="T-VILLAGE-01",
                                    proxy_station=True)
        for agent_id, name in (("A-01", "王小明"), ("A-02", "赵大勇")):
            result = bind(station, register(rx, agent_id, name))
            assert result.returncode == 0, result.stderr
        rx.stop()

        made_by: dict[str, str] = {}
        markers: list[str] = []
        for i in range(30):
            doc, marks = _marker_doc(i)
            agent_id = ("A-01", "A-02")[i % 2]
            path = villager_document(tmp_path / "docs" / str(i), doc=doc)
            submitted = station.kiosk("submit", str(path), "--agent", agent_id, "--pin", PIN,
                                      "--json")
            assert submitted.returncode == 0, submitted.stderr
            made_by[json.loads(submitted.stdout)["receipt_no"]] = agent_id
            markers += marks

        stick = tmp_path / "stick"
        stick.mkdir()
        assert "30 submission(s)" in _kiosk_ok(station, "carry", "export", str(stick)).stdout
        assert "30 with a case, 0 refused" in rx.cli("carry", "import", str(stick)).stdout
        assert "imported before" in rx.cli("carry", "import", str(stick)).stdout
        cases = {c["receipt_no"]: c["case_no"] for c in receiver_cases(rx)}
        assert sorted(cases) == sorted(made_by)
        assert "30 delivered now" in _kiosk_ok(station, "carry", "import", str(stick)).stdout

        for agent_id in ("A-01", "A-02"):
            listed = json.loads(_kiosk_ok(station, "agent", "submissions", agent_id, "--pin",
                                          PIN, "--json").stdout)["submissions"]
            mine = {r for r, a in made_by.items() if a == agent_id}
            assert {row["receipt_no"] for row in listed} == mine and len(mine) == 15
            for row in listed:
                assert row["state"] == "delivered" and row["case_no"] == cases[row["receipt_no"]]
                assert row["state_words"] == f"已送达，事项编号 {cases[row['receipt_no']]}"
                assert row["applicant"].startswith("携") and "*" in row["applicant"]
        _, found = traces.holding(stick, traces.text_needles(markers), exclude=[])
        assert found == []

        rx.start()
        _kiosk_ok(station, "sync", "--once")
        assert len(receiver_cases(rx)) == 30
        assert delivered_cases(station) == cases
    finally:
        rx.release()


def test_any_mix_of_stick_and_network_makes_each_case_once(tmp_path, offline_station):
    """Carried to the platform, then the network gets there before the acknowledgement
    comes back: the worker gets the cases the stick made; the late acknowledgement
    changes nothing."""
    rx, station = offline_station
    receipts, _ = queue(station, 6, page_every=2)
    stick = tmp_path / "stick"
    stick.mkdir()
    _kiosk_ok(station, "carry", "export", str(stick))
    rx.cli("carry", "import", str(stick))
    made = {c["receipt_no"]: c["case_no"] for c in receiver_cases(rx)}
    assert sorted(made) == sorted(receipts)
    more, _ = queue(station, 2, first=6)  # confirmed after the export: only the network has them

    rx.start()
    _kiosk_ok(station, "sync", "--once")
    cases = {c["receipt_no"]: c["case_no"] for c in receiver_cases(rx)}
    assert len(cases) == 8 and all(cases[r] == made[r] for r in receipts)
    assert delivered_cases(station) == cases

    late = _kiosk_ok(station, "carry", "import", str(stick))
    assert "0 delivered now, 6 delivered before" in late.stdout
    assert delivered_cases(station) == cases


def test_a_relay_through_a_second_terminal_gives_the_same_result(tmp_path):
    with_platform = ReceiverProcess(tmp_path / "platform").start()
    try:
        (tmp_path / "origin").mkdir()
        (tmp_path / "relay").mkdir()
        origin = enrolled_terminal(tmp_path / "origin", with_platform, terminal_id="T-VILLAGE-01")
        relay = enrolled_terminal(tmp_path / "relay", with_platform, terminal_id="T-TOWN-01")
        receipts, markers = queue(origin, 12, page_every=3)
        stick = tmp_path / "stick"
        stick.mkdir()
        _kiosk_ok(origin, "carry", "export", str(stick))
        [carried] = carry_files(stick)
        before = carried.read_bytes()

        # a changed file is refused at the platform through the relay too, storing nothing
        flipped = bytearray(before)
        flipped[len(before) // 2] ^= 0x01
        bad = _copy_to(tmp_path / "changed", carried, bytes(flipped))
        counts = platform_rows(with_platform)
        refused = relay.kiosk("carry", "relay", str(bad.parent))
        assert refused.returncode == 2 and "carry_refused" in refused.stderr, refused.stderr
        assert platform_rows(with_platform)["cases"] == counts["cases"] == 0
        assert not list(bad.parent.glob(f"*{carry.ACK_SUFFIX}"))

        relayed = _kiosk_ok(relay, "carry", "relay", str(stick))
        assert "12 submission(s) acknowledged" in relayed.stdout
        assert carried.read_bytes() == before  # the relay only forwards the sealed file
        cases = {c["receipt_no"]: c["case_no"] for c in receiver_cases(with_platform)}
        assert sorted(cases) == sorted(receipts)
        assert relay.status()["total"] == 0  # nothing of the origin's stays with the relay
        again = _kiosk_ok(relay, "carry", "relay", str(stick))
        assert "nothing to relay" in again.stdout

        read = _kiosk_ok(origin, "carry", "import", str(stick))
        assert "12 delivered now" in read.stdout
        assert delivered_cases(origin) == cases
        _kiosk_ok(origin, "sync", "--once")
        assert len(receiver_cases(with_platform)) == 12
        assert delivered_cases(origin) == cases
        _, found = traces.holding(stick, traces.text_needles(markers), exclude=[])
        assert found == []
    finally:
        with_platform.release()


# --- the refusals ---------------------------------------------------------------------------


def _copy_to(folder: Path, carried: Path, data: bytes | None = None) -> Path:
    folder.mkdir()
    target = folder / carried.name
    target.write_bytes(carried.read_bytes() if data is None else data)
    return target


def _refused(rx: ReceiverProcess, folder: Path, words: str) -> None:
    before = platform_rows(rx)
    result = rx.cli("carry", "import", str(folder), check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "refused, nothing stored" in result.stderr and words in result.stderr, result.stderr
    assert platform_rows(rx) == before
    assert not list(folder.glob(f"*{carry.ACK_SUFFIX}"))


def test_a_changed_truncated_foreign_or_replayed_file_is_refused_and_stores_nothing(
        tmp_path, offline_station):
    rx, station = offline_station
    receipts, _ = queue(station, 5, page_every=2)
    stick = tmp_path / "stick"
    stick.mkdir()
    _kiosk_ok(station, "carry", "export", str(stick))
    [carried] = carry_files(stick)
    data = carried.read_bytes()

    # one byte flipped: in an attachment, in the manifest, in a header, in the padding
    manifest_at = data.index(b'"format":"petition-carry/1"')
    for n, at in enumerate((len(data) // 3, manifest_at + 5, 100, len(data) - 700)):
        flipped = bytearray(data)
        flipped[at] ^= 0x01
        _refused(rx, _copy_to(tmp_path / f"flipped-{n}", carried, bytes(flipped)).parent,
                 "damaged")
    # cut short: at half, and just before the end-of-archive blocks
    for n, size in enumerate((len(data) // 2, len(data) - 1024)):
        _refused(rx, _copy_to(tmp_path / f"truncated-{n}", carried, data[:size]).parent,
                 "damaged")

    # another platform's: the envelopes are sealed to this platform's key, not that one's
    other = ReceiverProcess(tmp_path / "other-platform")
    other.cli("keygen")
    other.cli("migrate")
    other.cli("cases", "--json")  # opened once: its default content published
    before = table_counts(other.data_dir)
    foreign = other.cli("carry", "import", str(_copy_to(tmp_path / "foreign", carried).parent),
                        check=False)
    assert foreign.returncode == 2 and "another platform" in foreign.stderr
    assert table_counts(other.data_dir) == before

    # taken once; the same file again after its acknowledgement went back: a replay
    taken = rx.cli("carry", "import", str(stick))
    assert "5 with a case" in taken.stdout
    _refused(rx, _copy_to(tmp_path / "replayed", carried).parent, "a replay")
    assert sorted(c["receipt_no"] for c in receiver_cases(rx)) == sorted(receipts)


def test_a_forged_acknowledgement_changes_nothing_at_the_station(tmp_path, offline_station):
    rx, station = offline_station
    queue(station, 3)
    stick = tmp_path / "stick"
    stick.mkdir()
    _kiosk_ok(station, "carry", "export", str(stick))
    rx.cli("carry", "import", str(stick))
    [ack_path] = stick.glob(f"*{carry.ACK_SUFFIX}")
    document = json.loads(ack_path.read_text())
    item = json.loads(document["items"][0]["body"])
    item["answer"]["case_no"] = "FORGED-0001"
    document["items"][0]["body"] = json.dumps(item, sort_keys=True, separators=(",", ":"))
    ack_path.write_text(json.dumps(document))

    result = station.kiosk("carry", "import", str(stick))
    assert result.returncode == 2 and "signature" in result.stderr, result.stderr
    assert station.status()["counts"]["queued"] == 3


def test_a_stick_that_fills_up_keeps_nothing_half_written(tmp_path, offline_station,
                                                          small_tmpfs):
    rx, station = offline_station
    queue(station, 12, page_every=1, page_bytes=400_000)  # about 5 MB: more than 4 MiB
    result = station.kiosk("carry", "export", str(small_tmpfs))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stick is full" in result.stderr and "nothing was written" in result.stderr
    assert os.listdir(small_tmpfs) == []
    assert station.status()["counts"]["queued"] == 12
    # on a stick with room, the same queue goes whole
    roomy = tmp_path / "roomy"
    roomy.mkdir()
    _kiosk_ok(station, "carry", "export", str(roomy))
    assert "12 with a case" in rx.cli("carry", "import", str(roomy)).stdout
    shutil.rmtree(roomy)
