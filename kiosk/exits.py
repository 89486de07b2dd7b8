"""The exit status of every `kiosk` command, defined once.

0 done; 1 could not be done (storage, network, environment); 2 bad input (a
petition document, a configuration, an argument), with every problem printed.
`kiosk ui` exits 10 when a technician leaves the kiosk on purpose: the systemd
unit lists it in `RestartPreventExitStatus`, so the kiosk is not started again.
"""

from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    FAILED = 1
    INVALID = 2
    LEFT_ON_PURPOSE = 10


EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_LEAVE = (
    Exit.OK, Exit.FAILED, Exit.INVALID, Exit.LEFT_ON_PURPOSE)
