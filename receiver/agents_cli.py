"""`kiosk-receiver agent add|list|revoke`: the agents of proxy stations (代办员).

`add ID --name NAME --station STATION` registers an agent and prints a one-time binding
code (8 digits, the last a check digit) the agent types on the station's terminal
(`kiosk agent bind CODE`, or 绑定代办员 on the technician screen). `add ID` for a known
agent issues a new code (another terminal, a lost code). The code is kept as a hash only.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import Any

from receiver.storage.agents import AgentUnknown
from wire import agents as wire_agents

EXIT_OK = 0


class Refused(Exception):
    """Bad input: the message says which."""


def _agent_id(text: str) -> str:
    if not wire_agents.AGENT_ID.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an agent id: 1-32 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit")
    return text


def _bounded(limit: int, what: str):
    def check(text: str) -> str:
        text = " ".join(text.split())
        if not 1 <= len(text) <= limit:
            raise argparse.ArgumentTypeError(f"the {what} must be 1 to {limit} characters")
        return text
    return check


def add_parser(sub: Any, common: argparse.ArgumentParser, duration: Any) -> None:
    parser = sub.add_parser("agent", parents=[common],
                            help="agents of proxy stations (代办员): register, list, revoke")
    asub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = asub.add_parser("add", parents=[common],
                          help="register an agent (or give a known one a new code) and print "
                               "a one-time binding code")
    add.add_argument("agent_id", type=_agent_id, metavar="ID")
    add.add_argument("--name", type=_bounded(40, "name"), help="the agent's own name")
    add.add_argument("--station", type=_bounded(100, "station"),
                     help="the proxy station, e.g. 演示县城关镇和平村代办站")
    add.add_argument("--expires-in", type=duration, default=timedelta(days=7),
                     metavar="DURATION", help="how long the code is valid (7d; also h, m, s)")
    alist = asub.add_parser("list", parents=[common], help="agents and where they are bound")
    alist.add_argument("--json", action="store_true", help="print JSON")
    revoke = asub.add_parser("revoke", parents=[common],
                             help="no new binding for this agent (a pending code is void)")
    revoke.add_argument("agent_id", type=_agent_id, metavar="ID")


def run(args: argparse.Namespace, store: Any, *, table: Any, local: Any,
        json_default: Any) -> int:
    if args.action == "add":
        try:
            code, expires, existed = store.add_agent(args.agent_id, args.name, args.station,
                                                     args.expires_in)
        except AgentUnknown:
            raise Refused(f"no agent {args.agent_id!r} yet: a new agent needs --name and "
                          "--station") from None
        if existed:
            print(f"{args.agent_id} is known: this new code replaces any earlier one",
                  file=sys.stderr)
        print(f"binding code for agent {args.agent_id}: {wire_agents.group_code(code)}")
        print(f"valid until {local(expires)}, once; on the station's terminal: "
              f"kiosk agent bind {code} (or 绑定代办员 on the technician screen)")
        return EXIT_OK
    if args.action == "list":
        rows = store.list_agents()
        if args.json:
            print(json.dumps(rows, default=json_default, ensure_ascii=False, indent=2))
        else:
            table(rows, ["agent_id", "name", "station", "state", "code_expires_at",
                         "bound_terminal", "bound_at"])
        return EXIT_OK
    if not store.revoke_agent(args.agent_id):
        raise Refused(f"no agent {args.agent_id!r} (see `kiosk-receiver agent list`)")
    print(f"agent {args.agent_id} revoked: a pending code is void, no new binding")
    return EXIT_OK
