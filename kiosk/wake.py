"""A nudge from whoever confirms a submission to the sync worker, so delivery
starts within a second without polling the database.

A Linux abstract-namespace datagram socket named after the data directory: no
file to clean up after a crash, no path-length limit, and local to this machine.
A nudge carries no data; losing one only delays delivery until the worker's
next timed sweep.
"""

from __future__ import annotations

import hashlib
import select
import socket
from pathlib import Path


def _address(data_dir: Path) -> bytes:
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:32]
    return b"\0petition-kiosk-sync-" + digest.encode()


def notify(data_dir: Path) -> bool:
    """Best effort: True if a worker was listening."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"!", _address(data_dir))
        return True
    except OSError:
        return False


class WakeListener:
    """The worker's end. Only one can listen per data directory."""

    def __init__(self, data_dir: Path):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(_address(data_dir))
        self._sock.setblocking(False)

    def wait(self, timeout: float) -> bool:
        """Sleeps until nudged or `timeout` seconds pass; True if nudged."""
        ready, _, _ = select.select([self._sock], [], [], max(0.0, timeout))
        if not ready:
            return False
        self.drain()
        return True

    def drain(self) -> None:
        try:
            while self._sock.recv(16):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        self._sock.close()
