"""Agents of a proxy station (代办员) as real processes: the operator registers them at a
running platform (`kiosk-receiver agent add`), the station binds them through the real
signed endpoint (`kiosk agent bind`), and they submit for villagers in an agent session
(`kiosk submit --agent`), each submission carrying the agent's identity from the session
and the villager's signed authorisation. The carry path with two agents is in
tests/e2e/test_carry.py."""

from __future__ import annotations

import json

import pytest

from kiosk import agents, technician
from tests.support.agents import PIN, bind, register, villager_document
from tests.support.platform_server import ReceiverProcess
from tests.support.terminal import enrolled_terminal


@pytest.fixture
def online_station(tmp_path):
    rx = ReceiverProcess(tmp_path / "platform").start()
    try:
        (tmp_path / "station").mkdir()
        yield rx, enrolled_terminal(tmp_path / "station", rx, terminal_id="T-VILLAGE-01",
                                    proxy_station=True)
    finally:
        rx.release()


def test_an_agent_binds_once_through_the_platform_and_submits_for_a_villager(tmp_path,
                                                                           online_station):
    rx, station = online_station
    code = register(rx, "A-01", "王小明")

    # typed wrong: told here, nothing sent (the platform counts no failure)
    mistyped = code[:-1] + str((int(code[-1]) + 1) % 10)
    result = bind(station, mistyped)
    assert result.returncode == 2 and "mistyped" in result.stderr, result.stderr
    assert bind(station, code, "12").returncode == 2
    assert "code issued" in rx.cli("agent", "list").stdout

    bound = bind(station, code)
    assert bound.returncode == 0, bound.stderr
    assert "A-01 (王*明, 和平村代办站) bound on T-VILLAGE-01" in bound.stdout
    assert "bound" in rx.cli("agent", "list").stdout
    again = bind(station, code)  # spent
    assert again.returncode == 2 and "agent_code_refused" in again.stderr, again.stderr
    listed = json.loads(station.kiosk("agent", "list", "--json").stdout)
    assert listed == [{"agent_id": "A-01", "name": "王*明", "station": "和平村代办站",
                       "bound_at": listed[0]["bound_at"]}]
    # the PIN kept as the technician's: a salted scrypt hash, 0600, never the PIN itself
    pin_file = station.data_dir / agents.pin_files("A-01").pin
    assert pin_file.stat().st_mode & 0o777 == 0o600 and PIN not in pin_file.read_text()

    doc = villager_document(tmp_path / "doc")
    wrong = station.kiosk("submit", str(doc), "--agent", "A-01", "--pin", "999999")
    assert wrong.returncode == 2 and "wrong PIN" in wrong.stderr and "4 tries left" in wrong.stderr
    typed = villager_document(tmp_path / "typed", agent_id="A-02")
    refused = station.kiosk("submit", str(typed), "--agent", "A-01", "--pin", PIN)
    assert refused.returncode == 2 and "proxy.agent_id" in refused.stderr, refused.stderr
    plain = station.kiosk("submit", str(doc))  # no session: the proxy part is not a citizen's
    assert plain.returncode == 2 and "proxy.not_applicable" in plain.stderr
    no_signature = json.loads(doc.read_text(encoding="utf-8"))
    no_signature["attachments"].pop()
    (tmp_path / "doc" / "unsigned.json").write_text(json.dumps(no_signature), encoding="utf-8")
    unsigned = station.kiosk("submit", str(tmp_path / "doc" / "unsigned.json"), "--agent",
                             "A-01", "--pin", PIN)
    assert unsigned.returncode == 2 and "authorisation_signature" in unsigned.stderr
    assert station.status()["total"] == 0  # nothing of the refused queued

    submitted = station.kiosk("submit", str(doc), "--agent", "A-01", "--pin", PIN, "--json")
    assert submitted.returncode == 0, submitted.stderr
    receipt_no = json.loads(submitted.stdout)["receipt_no"]
    listing = json.loads(station.kiosk("agent", "submissions", "A-01", "--pin", PIN,
                                       "--json").stdout)
    [row] = listing["submissions"]
    assert (row["receipt_no"], row["applicant"], row["state"]) == (receipt_no, "李*芳", "queued")
    assert "李桂芳" not in json.dumps(listing, ensure_ascii=False)

    # the platform's case carries the agent the session recorded, not anything typed
    sync = station.kiosk("sync", "--once")
    assert sync.returncode == 0, sync.stderr
    [case] = json.loads(rx.cli("cases", "--json").stdout)
    assert case["receipt_no"] == receipt_no
    listing = json.loads(station.kiosk("agent", "submissions", "A-01", "--pin", PIN,
                                       "--json").stdout)
    # delivered, and where the office has got to: the terminal's own read of its case
    assert listing["submissions"][0]["state_words"] == f"已送达，事项编号 {case['case_no']}，现在：已收到"
    assert listing["last_reached_words"] == "本站今天联系过平台"
    rx.cli("case", "set-status", case["case_no"], "accepted")
    listing = json.loads(station.kiosk("agent", "submissions", "A-01", "--pin", PIN,
                                       "--json").stdout)
    assert listing["submissions"][0]["platform_status"] == "已受理"
    assert listing["submissions"][0]["state_words"] == f"已送达，事项编号 {case['case_no']}，现在：已受理"
    unasked = station.kiosk("agent", "submissions", "A-01", "--pin", PIN, "--no-platform")
    assert unasked.returncode == 0 and f"已送达，事项编号 {case['case_no']}\n" in unasked.stdout

    # every agent action audited as the agent, with receipt numbers and nothing personal
    lines, _ = technician.read_audit(station.data_dir)
    mine = [(line["who"], line["what"]) for line in lines if line["who"] == "agent:A-01"]
    assert ("agent:A-01", "agent_bound") in mine and ("agent:A-01", "wrong_pin") in mine
    assert ("agent:A-01", "agent_submit") in mine and ("agent:A-01", "agent_list") in mine
    assert any(line.get("receipt_no") == receipt_no for line in lines)
    assert "李桂芳" not in (station.data_dir / technician.AUDIT_FILE).read_text(encoding="utf-8")
