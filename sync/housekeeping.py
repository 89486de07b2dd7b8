"""The worker's housekeeping besides delivery, each on its own timer: heartbeats
(queue depth, oldest age; the ack carries the platform's clock), terminal content
pulled with its ETag into `content.json`, and the purge of delivered items after the
retention period. None of them ever holds the queue: a failure is logged and tried
again at the next turn."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kiosk import __version__, content, help_alert
from kiosk.config import LoadedConfig
from kiosk.store import Outbox
from sync import answers
from sync.client import PlatformClient, Unreachable
from wire import schemas
from wire.durable import write_file

log = logging.getLogger("kiosk.sync")

CONTENT_FILE = content.CONTENT_FILE
ALERT_RETRY_SECONDS = 5.0


@dataclass
class Timers:
    heartbeat_seconds: float = 60.0
    content_seconds: float = 300.0
    sweep_seconds: float = 30.0  # a lost wake-up costs at most this long
    purge_seconds: float = 3600.0


class Housekeeping:
    """Runs each task when its timer is due; `client` is the worker's own (its thread)."""

    def __init__(self, loaded: LoadedConfig, outbox: Outbox, client: PlatformClient,
                 timers: Timers, clock: Callable[[], float]):
        self.loaded = loaded
        self.outbox = outbox
        self.client = client
        self.timers = timers
        self.clock = clock
        self._last = {"heartbeat": -1e18, "content": -1e18, "purge": -1e18}
        # the help alert's stamp at the last heartbeat sent (the first beat is due anyway)
        self._alert_sent = help_alert.stamp(loaded.data_dir)
        self._alert_tried = -1e18  # when a heartbeat was last sent for news of the alert

    def _due(self, name: str, every: float) -> bool:
        if self.clock() - self._last[name] >= every:
            self._last[name] = self.clock()
            return True
        return False

    def run_due(self) -> None:
        # 求助 raised or cleared: the platform's list of terminals hears of it at once
        # (retried every few seconds while the platform cannot be reached). News goes out at
        # once, even right after the regular beat: the pause counts from the last try for it.
        alert_news = self._alert_changed() and self.clock() - self._alert_tried >= ALERT_RETRY_SECONDS
        if alert_news:
            self._alert_tried = self.clock()
        if alert_news or self._due("heartbeat", self.timers.heartbeat_seconds):
            self._last["heartbeat"] = self.clock()
            self.heartbeat()
        if self._due("content", self.timers.content_seconds):
            self.pull_content()
        if self._due("purge", self.timers.purge_seconds):
            self.purge()

    def seconds_to_next(self) -> float:
        """Until the next heartbeat or content pull is due (negative: overdue)."""
        now = self.clock()
        due = min(self._last["heartbeat"] + self.timers.heartbeat_seconds - now,
                  self._last["content"] + self.timers.content_seconds - now)
        if self._alert_changed():  # news of the alert not heard yet: try again soon
            due = min(due, self._alert_tried + ALERT_RETRY_SECONDS - now)
        return due

    def _alert_changed(self) -> bool:
        return help_alert.stamp(self.loaded.data_dir) != self._alert_sent

    def heartbeat(self) -> None:
        stamp = help_alert.stamp(self.loaded.data_dir)
        alert = help_alert.status(self.loaded.data_dir)
        st = self.outbox.status()
        age = st.oldest_queued_age
        clock = self.client.clock
        if clock.keeper is not None:
            clock.keeper.seen()  # a clock set or set back is noticed (and kept) within a beat
        beat = schemas.Heartbeat(
            version=__version__,
            queue_depth=st.counts.get("queued", 0) + st.counts.get("sending", 0),
            oldest_queued_age_seconds=None if age is None else int(age.total_seconds()),
            needs_attention=st.counts.get("needs_attention", 0),
            at=datetime.fromtimestamp(clock.now(), UTC),
            help_requested_at=alert.raised_at if alert else None,
        )
        try:
            sent = clock.local()
            answer = self.client.heartbeat(beat)
            received = clock.local()
        except Unreachable as exc:
            log.info("heartbeat not sent: %s", exc)
            return
        if answers.outcome(answer.status) != "delivered":
            log.info("heartbeat refused: %s", answer.error)
        else:
            self._alert_sent = stamp
            ack = answers.heartbeat_ack(answer)
            if ack is not None:  # the platform's clock, to the microsecond: finer than Date
                clock.observe(ack.received_at.timestamp(), sent, received)
        alert_after = timedelta(minutes=self.loaded.config.sync.alert_oldest_after_minutes)
        if age is not None and age > alert_after:
            log.warning("the oldest queued submission has waited %s (alert after %s)",
                        age, alert_after)

    def pull_content(self) -> None:
        path = self.loaded.data_dir / CONTENT_FILE
        try:
            current = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            current = {}
        if not isinstance(current, dict):
            current = {}
        try:
            answer = self.client.content(current.get("etag"))
        except Unreachable as exc:
            log.info("content not refreshed: %s", exc)
            return
        try:
            fresh = answers.fresh_content(answer)
        except ValueError as exc:
            log.warning("content from the platform refused: %s", exc)
            return
        if fresh is None:
            return
        record = {"etag": fresh.etag, "fetched_at": datetime.now(UTC).isoformat(),
                  "content": fresh.content.model_dump(mode="json")}
        write_file(path, json.dumps(record, ensure_ascii=False), mode=0o644)
        log.info("terminal content updated to version %s", fresh.content.version)

    def purge(self) -> None:
        days = self.loaded.config.sync.retention_days
        purged = self.outbox.purge_delivered(timedelta(days=days))
        if purged:
            log.info("purged %d delivered submissions older than %d days", purged, days)
