"""Agents of a proxy station (代办员), Qt-free: who is bound on this terminal, their PINs,
the agent session's identity, and the agent's list (我办理的).

An agent is registered at the platform (`kiosk-receiver agent add`), which hands out a
one-time binding code; the terminal redeems it (`sync.agents`, online) and keeps here
what the platform answered — id, the agent's own name masked (the only way any screen
shows it), station — in `agents.json` (0600). Each agent has a PIN kept exactly as the
technician's (`kiosk.technician`: salted scrypt, persisted growing lock-out), one record
per agent under `agents/`. Every agent
action goes into the terminal's audit log as `agent:ID` with what and receipt numbers,
never a villager's data.

The agent's name is theirs, not a villager's; the screens still show it masked
(`identity.mask_name`), and only that is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk import casequery, clock_trust, identity, technician
from kiosk.content import CONTENT_FILE
from kiosk.store.receipt import format_receipt_no
from kiosk.store.records import SubmissionInfo
from wire import agents as wire_agents
from wire.durable import make_dir, write_file

AGENTS_FILE = "agents.json"
PIN_DIR = "agents"


class AgentError(ValueError):
    """Bad input about agents; `words` is the plain Chinese the screen shows."""

    def __init__(self, message: str, words: str):
        super().__init__(message)
        self.words = words


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str  # the agent's own name as the platform gave it, masked (王*明)
    station: str
    bound_at: str

    @property
    def masked_name(self) -> str:
        return identity.mask_name(self.name)


@dataclass(frozen=True)
class ActingAgent:
    """Who an agent session acts as: recorded by the session into the sealed document
    (`proxy`) and the outbox row (`agent_id`), never typed."""

    agent_id: str
    station: str
    terminal_id: str

    def proxy(self) -> dict[str, str]:
        return {"agent_id": self.agent_id, "station": self.station,
                "terminal_id": self.terminal_id}


def pin_files(agent_id: str) -> technician.PinFiles:
    return technician.PinFiles(f"{PIN_DIR}/{agent_id}-pin.json",
                               f"{PIN_DIR}/{agent_id}-lock.json", f"agent:{agent_id}")


def agents(data_dir: Path) -> list[Agent]:
    """The agents bound on this terminal, by id."""
    try:
        raw = json.loads((Path(data_dir) / AGENTS_FILE).read_text(encoding="utf-8"))
        return sorted((Agent(a["agent_id"], a["name"], a["station"], a["bound_at"])
                       for a in raw.get("agents", [])), key=lambda a: a.agent_id)
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AgentError(f"{AGENTS_FILE} is damaged ({exc}); bind the agents again",
                         "代办员名单损坏，请技术人员重新绑定代办员") from None


def find(data_dir: Path, agent_id: str) -> Agent | None:
    return next((a for a in agents(data_dir) if a.agent_id == agent_id), None)


def check_binding(code: str, pin: str, pin_again: str | None = None) -> list[tuple[str, str, str]]:
    """Every problem with what was typed to bind an agent, before anything is sent:
    (field, English for the command, plain Chinese for the screen)."""
    problems = []
    code_problem = wire_agents.code_problem(code)
    if code_problem:
        digits = wire_agents.normalize_code(code)
        whole = len(digits) == wire_agents.CODE_DIGITS and digits.isascii() and digits.isdigit()
        problems.append(("code", code_problem,
                         "绑定码有一位输错了，请对照平台给的绑定码重新输入" if whole
                         else "绑定码是8位数字，请对照平台给的绑定码重新输入"))
    if technician.pin_problem(pin):
        problems.append(("pin", technician.pin_problem(pin) or "",
                         f"密码要用{technician.PIN_MIN}到{technician.PIN_MAX}位数字"))
    elif pin_again is not None and pin_again != pin:
        problems.append(("pin_again", "the two PINs differ", "两次输入的密码不一样，请重新输入"))
    return problems


def keep(data_dir: Path, bound: Any, pin: str, *, terminal_id: str) -> Agent:
    """Keeps an agent the platform named (`wire.schemas.AgentBinding`) with their PIN's
    hash; binding the same agent again replaces the record and the PIN."""
    data_dir = Path(data_dir)
    # Only the masked name is kept: every screen shows it masked, so the full one need
    # never be on this disk.
    agent = Agent(bound.agent_id, identity.mask_name(bound.name), bound.station,
                  bound.bound_at.astimezone(UTC).isoformat(timespec="seconds"))
    technician.set_pin(data_dir, pin, pin_files(agent.agent_id))
    others = [a for a in agents(data_dir) if a.agent_id != agent.agent_id]
    record = {"agents": [a.__dict__ for a in sorted([*others, agent],
                                                     key=lambda a: a.agent_id)]}
    make_dir(data_dir)
    write_file(data_dir / AGENTS_FILE, json.dumps(record, ensure_ascii=False, indent=1) + "\n",
               mode=0o600)
    technician.audit(data_dir, terminal_id, "agent_bound", who=f"agent:{agent.agent_id}")
    return agent


def sign_in(data_dir: Path, agent_id: str, pin: str, *, terminal_id: str,
            now: datetime | None = None) -> technician.Attempt:
    """The agent's PIN, checked and locked out as the technician's; audited as
    `agent:ID` (open, wrong_pin, lock_out). An agent not bound here is `not_set`."""
    if find(data_dir, agent_id) is None:
        return technician.Attempt("not_set")
    return technician.verify(data_dir, pin, terminal_id=terminal_id, now=now,
                             files=pin_files(agent_id))


def audit(data_dir: Path, terminal_id: str, agent_id: str, what: str, **details: Any) -> None:
    """One agent action in the audit log (sign-out, a submission's receipt number, a
    reprint); never personal data."""
    technician.audit(data_dir, terminal_id, what, who=f"agent:{agent_id}", **details)


# --- the agent's list (我办理的) -------------------------------------------------------------


def state_words(item: SubmissionInfo, now: datetime | None = None,
                platform_status: str | None = None) -> str:
    """A submission's state as the agent reads it: waiting N days, delivered with its case
    number (and where the office has got to, when the platform was asked just now), or
    waiting for the technician."""
    now = now or datetime.now(UTC)
    if item.state in ("queued", "sending"):
        days = max(0, (now - item.created_at).days)
        return "等待发送（今天办理）" if days == 0 else f"等待发送 {days} 天"
    if item.state in ("delivered", "purged"):
        delivered = f"已送达，事项编号 {item.case_no}"
        return f"{delivered}，现在：{platform_status}" if platform_status else delivered
    if item.state == "needs_attention":
        return "发送遇到问题，等待技术人员处理"
    return "已由技术人员搁置"


# How many of the newest delivered cases the list asks the platform about, one read each:
# enough for a station's recent weeks, few enough for a village line.
STATUS_READS = 30


def case_statuses(items: list[SubmissionInfo],
                  read: Callable[[str], casequery.Answer]) -> dict[str, str]:
    """The platform's status of this agent's delivered cases, by query code (已受理, 正在办理,
    …): the terminal's own read of a case it delivered (`read`, handed in: the core
    reaches no network), newest first, at most STATUS_READS. The first answer that is no
    case's (offline, limited, not enrolled) ends the asking: the rest stay as the outbox
    knows them."""
    asked = sorted((i for i in items if i.state in ("delivered", "purged") and i.query_code),
                   key=lambda i: i.created_at, reverse=True)[:STATUS_READS]
    found: dict[str, str] = {}
    for item in asked:
        answer = read(item.query_code)
        if answer.state == "not_found":
            continue
        if answer.state != "found" or answer.progress is None:
            break
        found[item.query_code] = answer.progress.status_label
    return found


def rows(items: list[SubmissionInfo], now: datetime | None = None,
         statuses: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The list as the screen and `kiosk agent submissions` show it: masked, no petition
    text (the outbox holds none readable anyway). `statuses`: the platform's, by query code
    (`case_statuses`)."""
    out = []
    for item in items:
        fields = item.receipt_fields or {}
        status = (statuses or {}).get(item.query_code or "")
        out.append({
            "receipt_no": item.receipt_no, "receipt_display": format_receipt_no(item.receipt_no),
            "applicant": fields.get("applicant_name") or "",
            "kind": fields.get("kind_label") or item.kind,
            "category": fields.get("category_label") or item.category,
            "state": item.state, "state_words": state_words(item, now, status),
            "platform_status": status,
            "case_no": item.case_no, "query_code": item.query_code,
            "confirmed_at": item.created_at.isoformat(timespec="seconds"),
        })
    return out


def last_reached(newest_delivery: datetime | None, data_dir: Path) -> datetime | None:
    """When this station last heard from its platform, as far as the terminal knows it:
    the last verified exchange of the delivery (`clock_trust.station_contact`, heartbeats
    included, as the technician screen says it), the newest delivery (network or stick:
    acknowledgements read from a stick count too) or the newest content pulled."""
    seen = [newest_delivery] if newest_delivery is not None else []
    exchanged = clock_trust.station_contact(Path(data_dir)).last_reached_at
    if exchanged is not None:
        seen.append(exchanged)
    try:
        mtime = (Path(data_dir) / CONTENT_FILE).stat().st_mtime
        seen.append(datetime.fromtimestamp(mtime, UTC))
    except OSError:
        pass
    return max(seen) if seen else None


def reached_words(at: datetime | None, now: datetime | None = None) -> str:
    if at is None:
        return "本站还没有联系上平台"
    now = now or datetime.now(UTC)
    days = (now - at).days
    if days <= 0:
        hours = int((now - at).total_seconds() // 3600)
        return "本站今天联系过平台" if hours < 1 else f"本站 {hours} 小时前联系过平台"
    return f"本站已经 {days} 天没有联系上平台"


# --- the villager's authorisation (seed document 4 Art. 10(3)) ------------------------------

AUTHORISATION_DAYS = 90  # long enough to follow a petition's first answer (60 days and more)


def default_authorisation(today: date) -> dict[str, str]:
    """What a villager delegates to the agent unless they agree otherwise: this one
    submission and following it, nothing that decides the case for them."""
    return {
        "matters": "代我通过本代办服务站在网上提交我的这一件信访事项，并代我查询办理进度",
        "powers": "可以代我填写、提交和查询；不能代我撤回申请，也不能代我接受或者拒绝处理意见",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=AUTHORISATION_DAYS)).isoformat(),
    }


def authorisation_words(agent: Agent, authorisation: dict[str, str]) -> list[str]:
    """The authorisation in plain words, one sentence a line, as the villager reads and
    signs it on the screen (the agent's name masked: the screen is seen by others too)."""
    start = date.fromisoformat(authorisation["valid_from"])
    end = date.fromisoformat(authorisation["valid_until"])
    return [
        f"我同意由{agent.station}的代办员 {agent.masked_name} 替我办理。",
        f"委托办理的事情：{authorisation['matters']}。",
        f"代办员能做的：{authorisation['powers']}。",
        f"委托期限：{start.year}年{start.month}月{start.day}日到"
        f"{end.year}年{end.month}月{end.day}日。",
        "申请人还是我本人：回执和查询码都是我的，我自己也可以随时查询。",
    ]
