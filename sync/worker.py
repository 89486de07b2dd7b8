"""The sync worker (`kiosk sync`): the loops that drain the outbox to the receiving
platform, exactly once, and keep house.

One worker per data directory (`WorkerLock`). Each turn it follows the store to a
fresh database when another process moved a damaged one aside, drains what is due
(`sync/delivery.py`), runs the housekeeping that is due (`sync/housekeeping.py`),
then sleeps until the next thing is due: a wake-up from a confirm (kiosk.wake)
within a second, the end of a hold on the queue (`sync/backoff.py`), the next item
due, a timer, or at most a sweep interval, so a lost wake-up costs little.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from kiosk import clock_trust, wake
from kiosk.config import LoadedConfig
from kiosk.store import Outbox
from sync import sending
from sync.backoff import Backoff, QueueHold
from sync.batches import cut as _within  # noqa: F401 — the name tests have long used
from sync.client import PlatformClient
from sync.delivery import Delivery
from sync.followups import FollowUpDelivery
from sync.housekeeping import CONTENT_FILE, Housekeeping, Timers

__all__ = ["CONTENT_FILE", "LOCK_FILE", "AlreadyRunning", "Backoff", "SyncWorker", "Timers",
           "WorkerLock"]

LOCK_FILE = "sync.lock"
MIN_SLEEP_SECONDS = 0.05
log = logging.getLogger("kiosk.sync")


class AlreadyRunning(Exception):
    pass


class WorkerLock:
    """One worker per data directory: an exclusive flock, released by the kernel if
    the worker dies, so a crash never leaves a stale lock behind."""

    def __init__(self, data_dir: Path):
        self.path = data_dir / LOCK_FILE
        data_dir.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            raise AlreadyRunning(
                f"another sync worker is already running on {data_dir} (pid {holder})") from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        os.close(self._fd)


class SyncWorker:
    """Drains the outbox and keeps house until `stop_event` is set.

    Invariant: the outbox is written from the thread running the loops only; an item
    is recorded as delivered only on the platform's acceptance."""

    PER_REQUEST = sending.PER_REQUEST

    def __init__(self, loaded: LoadedConfig, outbox: Outbox,
                 client_factory: Callable[[], PlatformClient], *, concurrency: int = 1,
                 timers: Timers | None = None, backoff: Backoff | None = None,
                 clock: Callable[[], float] = time.monotonic, per_request: int | None = None):
        self.loaded = loaded
        self.timers = timers or Timers()
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.stop_event = threading.Event()
        self.hold = QueueHold(self.backoff, clock)
        self.client = client_factory()  # heartbeats and content, from the worker's own thread
        if self.client.clock.keeper is None:  # what it learns of the time outlives the worker
            self.client.clock.keeper = clock_trust.Keeper(loaded.data_dir, self.client.clock.local)
        self.delivery = Delivery(outbox, client_factory, self.client, self.hold,
                                 self.stop_event, concurrency=concurrency,
                                 per_request=per_request)
        # After the submissions, under the same hold: a rating follows its submission.
        self.followups = FollowUpDelivery(outbox, self.client, self.hold, self.stop_event)
        self.housekeeper = Housekeeping(loaded, outbox, self.client, self.timers, clock)
        self._outbox = outbox

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    @outbox.setter
    def outbox(self, outbox: Outbox) -> None:
        self._outbox = self.delivery.outbox = self.housekeeper.outbox = outbox
        self.followups.outbox = outbox

    @property
    def per_request(self) -> int:
        """Submissions the next request carries at most (halved after a timeout)."""
        return self.delivery.sender.batch_size.current

    @property
    def blocked_until(self) -> float:
        """Until when (the worker's monotonic clock) the queue waits for the platform."""
        return self.hold.until

    def close(self) -> None:
        self.delivery.close()

    def drain(self) -> int:
        """Sends everything that can be sent now, submissions first and then the
        follow-ups whose submission has its case; returns how many were handled."""
        handled = self.delivery.drain()
        return handled + self.followups.drain()

    def housekeeping(self) -> None:
        self.housekeeper.run_due()

    def run_once(self) -> bool:
        """`kiosk sync --once`: True when nothing is left queued (a follow-up whose
        submission is not delivered cannot be sent yet and does not count)."""
        self._requeue_stale()
        self.drain()
        self.housekeeping()
        status = self.outbox.status()
        return status.counts.get("queued", 0) + status.counts.get("sending", 0) == 0 and \
            self.outbox.followups.waiting() == 0

    def _requeue_stale(self) -> None:
        self.outbox.requeue_stale_sending()
        self.outbox.followups.requeue_stale_sending()

    def run_forever(self) -> None:
        self._requeue_stale()
        listener = wake.WakeListener(self.loaded.data_dir)
        try:
            while not self.stop_event.is_set():
                self.outbox = self.outbox.current()  # a database moved aside: the fresh one
                self.drain()
                self.housekeeping()
                if listener.wait(self._sleep_seconds()):
                    # Said, so that a technician (and a test) sees a confirm reach the worker.
                    log.info("woken up by a nudge (a confirm, sync now or stop)")
        finally:
            listener.close()

    def _sleep_seconds(self) -> float:
        """Until the next thing is due, at most a sweep interval."""
        wait = self.timers.sweep_seconds
        if self.hold.held():
            wait = min(wait, self.hold.remaining())
        else:
            for due in (self.outbox.next_due_at(), self.outbox.followups.next_due_at()):
                if due is not None:
                    wait = min(wait, (due - datetime.now(UTC)).total_seconds())
        wait = min(wait, self.housekeeper.seconds_to_next())
        return max(MIN_SLEEP_SECONDS, wait)
