"""Agents of proxy stations on the platform (代办员): registration, the one-time binding
code, its redemption by a terminal and the lock-out of wrong codes, on a real store on
disk with the clock given explicitly, and the operator's `kiosk-receiver agent` command
(no server: the HTTP side is in tests/e2e/test_agents.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from stdnum import damm

from receiver import cli
from receiver.storage import Store
from receiver.storage.agents import FAILURE_WINDOW, AgentUnknown, CodeLimited, CodeRefused
from wire import agents as wire_agents

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store(tmp_path / "platform")
    yield opened
    opened.close()


def test_a_code_is_eight_digits_with_a_damm_check_digit_kept_only_as_a_hash(store):
    code, expires, existed = store.add_agent("A-01", "王小明", "和平村代办站", now=T0)
    assert len(code) == 8 and code.isdigit() and damm.is_valid(code)
    assert expires == T0 + timedelta(days=7) and not existed
    conn = sqlite3.connect(store.db_path)
    dump = "\n".join(conn.iterdump())
    conn.close()
    assert code not in dump and "王小明" in dump


def test_the_terminal_checks_a_typed_code_as_the_platform_makes_it():
    for _ in range(200):
        code = wire_agents.new_code()
        assert wire_agents.code_problem(code) is None
        assert wire_agents.code_problem(wire_agents.group_code(code)) is None
        wrong = code[:3] + str((int(code[3]) + 1) % 10) + code[4:]
        assert wire_agents.code_problem(wrong) is not None  # any one digit mistyped
        swapped = code[:2] + code[3] + code[2] + code[4:]
        if swapped != code:
            assert wire_agents.code_problem(swapped) is not None  # neighbours swapped
    assert wire_agents.code_problem("1234567") is not None
    assert wire_agents.normalize_code("１２３４ ５６７１") == "12345671"


def test_a_code_binds_once_and_names_the_agent(store):
    code, _, _ = store.add_agent("A-01", "王小明", "和平村代办站", now=T0)
    bound = store.redeem_agent_code("T-1", code, now=T0 + timedelta(hours=1))
    assert (bound.agent_id, bound.name, bound.station) == ("A-01", "王小明", "和平村代办站")
    with pytest.raises(CodeRefused):  # spent
        store.redeem_agent_code("T-1", code, now=T0 + timedelta(hours=2))
    [row] = store.list_agents(now=T0 + timedelta(hours=2))
    assert (row["state"], row["bound_terminal"]) == ("bound", "T-1")


def test_an_expired_or_revoked_agents_code_is_refused(store):
    code, _, _ = store.add_agent("A-01", "王小明", "和平村代办站", now=T0)
    with pytest.raises(CodeRefused):
        store.redeem_agent_code("T-1", code, now=T0 + timedelta(days=7, seconds=1))
    assert store.list_agents(now=T0 + timedelta(days=8))[0]["state"] == "code expired"
    code, _, existed = store.add_agent("A-01", None, None, now=T0)  # a new code for a known one
    assert existed
    assert store.revoke_agent("A-01") and not store.revoke_agent("A-99")
    with pytest.raises(CodeRefused):
        store.redeem_agent_code("T-1", code, now=T0)
    with pytest.raises(AgentUnknown):  # a new agent needs name and station
        store.add_agent("A-02", None, None, now=T0)


def test_a_new_code_replaces_the_pending_one(store):
    first, _, _ = store.add_agent("A-01", "王小明", "和平村代办站", now=T0)
    second, _, _ = store.add_agent("A-01", None, "李庄代办站", now=T0)
    with pytest.raises(CodeRefused):
        store.redeem_agent_code("T-1", first, now=T0)
    assert store.redeem_agent_code("T-1", second, now=T0).station == "李庄代办站"


def test_wrong_codes_lock_the_terminal_out_even_for_a_right_one(store):
    code, _, _ = store.add_agent("A-01", "王小明", "和平村代办站", now=T0)
    wrong = "12345671" if code != "12345671" else "76543215"
    for n in range(5):
        with pytest.raises(CodeRefused):
            store.redeem_agent_code("T-1", wrong, now=T0 + timedelta(seconds=n))
    with pytest.raises(CodeLimited) as limited:
        store.redeem_agent_code("T-1", code, now=T0 + timedelta(seconds=10))
    assert limited.value.retry_after == int(FAILURE_WINDOW.total_seconds()) - 10
    # another terminal is not held by this one's guesses, and the code was not spent
    assert store.redeem_agent_code("T-2", code, now=T0 + timedelta(seconds=11)).agent_id == "A-01"
    # once the window passed the terminal may try again
    again, _, _ = store.add_agent("A-01", None, None, now=T0)
    later = T0 + FAILURE_WINDOW + timedelta(seconds=1)
    assert store.redeem_agent_code("T-1", again, now=later).agent_id == "A-01"


def test_the_operators_command(tmp_path, capsys):
    data = tmp_path / "platform"
    assert cli.main(["--data", str(data), "agent", "add", "A-01", "--name", "王小明",
                     "--station", "和平村代办站"]) == 0
    out = capsys.readouterr().out
    code = out.split("\n")[0].rsplit(":", 1)[1].replace(" ", "")
    assert damm.is_valid(code) and f"kiosk agent bind {code}" in out
    assert cli.main(["--data", str(data), "agent", "add", "A-02"]) == 2
    assert "needs --name and --station" in capsys.readouterr().err
    assert cli.main(["--data", str(data), "agent", "list"]) == 0
    assert "code issued" in capsys.readouterr().out
    assert cli.main(["--data", str(data), "agent", "revoke", "A-01"]) == 0
    assert cli.main(["--data", str(data), "agent", "revoke", "A-09"]) == 2
    with pytest.raises(SystemExit) as bad:
        cli.main(["--data", str(data), "agent", "add", "-x/y", "--name", "a", "--station", "b"])
    assert bad.value.code == 2
