"""systemd's service notification protocol: READY=1 once serving, WATCHDOG=1 while alive.

The protocol is one datagram to the unix socket named in $NOTIFY_SOCKET (a leading
"@" means Linux's abstract namespace), so it is written here rather than pulled in
with libsystemd's bindings, which need a compiler and headers on the terminal.
Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import os
import socket


def notify(state: str) -> bool:
    """Send `state` (e.g. "READY=1") to the service manager; False when there is none."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.sendto(state.encode(), address)
    except OSError:
        return False  # the manager went away: nothing to tell
    return True


def watchdog_interval() -> float | None:
    """Seconds between WATCHDOG=1 pings (half the unit's WatchdogSec), or None when no
    watchdog is asked of this process.

    systemd names the unit's main process in $WATCHDOG_PID. Under a kiosk compositor
    (cage) that is our parent, which cannot know whether our event loop runs, so the
    pings are ours to send then too (the unit has NotifyAccess=all)."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid not in (str(os.getpid()), str(os.getppid()))):
        return None
    try:
        value = int(usec)
    except ValueError:
        return None
    return value / 2_000_000 if value > 0 else None
