"""`kiosk agent bind|list|signin|submissions`: the agents of a proxy station (代办员).

`bind CODE --pin PIN` redeems the platform's one-time code (online, `sync.agents`) and
keeps the agent with their PIN (`kiosk.agents`); the same checks as the technician
screen's 绑定代办员. `signin ID --pin PIN` checks an agent's PIN as the sign-in screen
does (lock-out included): since a command has no session, `kiosk submit --agent ID --pin
PIN FILE` submits in an agent session. `submissions ID --pin PIN` prints the agent's list
(我办理的) as the screen shows it: masked, no petition text, and where the office has got
to with each delivered case when the platform answers (`--no-platform`: not asked).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from app.registry import Command, with_config
from kiosk import agents, config, identity
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="agent_command", metavar="ACTION", required=True)
    bind = actions.add_parser("bind", parents=[common],
                              help="bind an agent with the platform's one-time code (online)")
    bind.add_argument("code", metavar="CODE", help="the 8-digit binding code")
    bind.add_argument("--pin", required=True, help="the agent's new PIN (6-12 digits)")
    listing = actions.add_parser("list", parents=[common], help="the agents bound here")
    listing.add_argument("--json", action="store_true", help="print JSON")
    signin = actions.add_parser("signin", parents=[common],
                                help="check an agent's PIN as the sign-in screen does")
    signin.add_argument("agent_id", metavar="ID")
    signin.add_argument("--pin", required=True)
    subs = actions.add_parser("submissions", parents=[common],
                              help="what this agent submitted at this terminal (我办理的)")
    subs.add_argument("agent_id", metavar="ID")
    subs.add_argument("--pin", required=True)
    subs.add_argument("--json", action="store_true", help="print JSON")
    subs.add_argument("--no-platform", action="store_true",
                      help="do not ask the platform where each delivered case stands")


def check_signin(name: str, loaded: config.LoadedConfig, agent_id: str, pin: str) -> int | None:
    """None when the agent may act; else the exit status, the reason said on stderr."""
    if not loaded.config.terminal.proxy_station:
        print(f"{name}: this terminal is not a proxy station ([terminal] proxy_station = true)",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        attempt = agents.sign_in(loaded.data_dir, agent_id, pin,
                                 terminal_id=loaded.config.terminal.id)
    except agents.AgentError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if attempt.outcome == "ok":
        return None
    if attempt.outcome == "not_set":
        print(f"{name}: no agent {agent_id!r} is bound on this terminal (kiosk agent list)",
              file=sys.stderr)
        return EXIT_INVALID
    if attempt.outcome == "locked":
        print(f"{name}: too many wrong PINs: locked for {attempt.locked_seconds} s",
              file=sys.stderr)
        return EXIT_FAILED
    locked = f"; locked for {attempt.locked_seconds} s" if attempt.locked_seconds else \
        f"; {attempt.tries_left} tries left"
    print(f"{name}: wrong PIN for agent {agent_id}{locked}", file=sys.stderr)
    return EXIT_INVALID


def _bind(name: str, args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    problems = agents.check_binding(args.code, args.pin)
    if problems:
        for field, english, _words in problems:
            print(f"{name}: {field}: {english}", file=sys.stderr)
        return EXIT_INVALID
    from sync import agents as sync_agents

    redeemed = sync_agents.redeem(loaded, args.code)
    if redeemed.binding is None:
        print(f"{name}: not bound: {redeemed.detail}", file=sys.stderr)
        return EXIT_INVALID if redeemed.outcome == "refused" else EXIT_FAILED
    agent = agents.keep(loaded.data_dir, redeemed.binding, args.pin,
                        terminal_id=loaded.config.terminal.id)
    print(f"agent {agent.agent_id} ({agent.masked_name}, {agent.station}) bound on "
          f"{loaded.config.terminal.id}")
    if not loaded.config.terminal.proxy_station:
        print(f"{name}: note: this terminal is not a proxy station yet "
              "([terminal] proxy_station = true), so the sign-in is not shown", file=sys.stderr)
    return EXIT_OK


def _submissions(name: str, args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    refused = check_signin(name, loaded, args.agent_id, args.pin)
    if refused is not None:
        return refused
    from kiosk.store import Outbox, StoreError

    now = datetime.now(UTC)
    try:
        with Outbox.open(loaded.data_dir) as outbox:
            items = outbox.by_agent(args.agent_id)
            reached = agents.last_reached(outbox.newest_delivery(), loaded.data_dir)
    except StoreError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    statuses: dict[str, str] = {}
    if not args.no_platform:
        from app.cases import status_for

        statuses = agents.case_statuses(items, status_for(loaded))
    rows = agents.rows(items, now, statuses)
    agents.audit(loaded.data_dir, loaded.config.terminal.id, args.agent_id, "agent_list",
                 count=len(rows))
    if args.json:
        print(json.dumps({"agent_id": args.agent_id, "submissions": rows,
                          "last_reached_platform": reached.isoformat() if reached else None,
                          "last_reached_words": agents.reached_words(reached, now)},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    print(agents.reached_words(reached, now))
    for row in rows:
        print(f"{row['receipt_display']}  {row['applicant']}  {row['kind']}  {row['category']}  "
              f"{row['state_words']}")
    if not rows:
        print("(none)")
    return EXIT_OK


@with_config
def run(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    name = f"kiosk agent {args.agent_command}"
    if args.agent_command == "bind":
        return _bind(name, args, loaded)
    if args.agent_command == "signin":
        refused = check_signin(name, loaded, args.agent_id, args.pin)
        if refused is None:
            print(f"agent {args.agent_id}: PIN right")
        return refused or EXIT_OK
    if args.agent_command == "submissions":
        return _submissions(name, args, loaded)
    try:
        bound = agents.agents(loaded.data_dir)
    except agents.AgentError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:  # masked: a command's output may land in a ticket or a screen share
        print(json.dumps([{"agent_id": a.agent_id, "name": a.masked_name, "station": a.station,
                           "bound_at": a.bound_at} for a in bound], ensure_ascii=False, indent=2))
    else:
        for a in bound:
            print(f"{a.agent_id}  {identity.mask_name(a.name)}  {a.station}  bound {a.bound_at}")
        if not bound:
            print("(no agent bound on this terminal)")
    return EXIT_OK


COMMANDS = (Command("agent", "agents of a proxy station (代办员): bind, list, sign in, their "
                             "submissions", run, arguments),)
