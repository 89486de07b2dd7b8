"""Agents (代办员) of proxy stations: the one-time binding code both sides know.

The platform operator registers an agent and hands them a code; on a terminal the agent
(or the technician) types it on a digit pad to bind the agent there. Eight digits: seven
random and a Damm check digit (python-stdnum), which catches every single wrong digit and
every swap of two neighbours, so a mistyped code is told on the terminal before anything
is sent and costs no try of the platform's lock-out.
"""

from __future__ import annotations

import re
import secrets

from stdnum import damm

CODE_DIGITS = 8
AGENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_SEPARATORS = str.maketrans("", "", " -_.·")


def new_code() -> str:
    """Seven digits from the system's CSPRNG and their Damm check digit."""
    body = "".join(str(secrets.randbelow(10)) for _ in range(CODE_DIGITS - 1))
    return body + damm.calc_check_digit(body)


def normalize_code(text: str) -> str:
    """What was typed (groups, full-width digits) → the digits."""
    return "".join(str(int(ch)) if ch.isdecimal() else ch
                   for ch in text.translate(_SEPARATORS))


def code_problem(text: str) -> str | None:
    """Why `text` cannot be a binding code, or None."""
    code = normalize_code(text)
    if len(code) != CODE_DIGITS or not code.isascii() or not code.isdigit():
        return f"a binding code is {CODE_DIGITS} digits"
    if not damm.is_valid(code):
        return "the binding code's last digit does not match: a digit was mistyped"
    return None


def group_code(code: str) -> str:
    """`12345671` → `1234 5671`, as printed for the agent."""
    return f"{code[:4]} {code[4:]}"
