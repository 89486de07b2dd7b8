"""The sync worker: drains the outbox to the receiving platform, exactly once.

- Sends in order, oldest first. A transient failure (network, timeout, 5xx, 408,
  429, 409, 401/403) holds the whole queue back for a capped, jittered,
  exponentially growing delay — at least the platform's Retry-After — and then
  retries the same item, forever. Holding the queue keeps the order and spares
  a platform that is already struggling.
- A permanent refusal (400, 413, 422, …) sets that item aside as
  `needs_attention` with the platform's reason; the queue behind it goes on.
- The submission id is the Idempotency-Key, so a send repeated after a crash or
  a lost answer yields the platform's stored answer, never a second case.
- Wakes within a second of a new confirmation (kiosk.wake), sweeps on a timer,
  sends heartbeats, pulls terminal content (ETag), purges delivered items after
  the retention period.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from durable import write_file
from kiosk import __version__, content, wake
from kiosk.config import LoadedConfig
from kiosk.store import Claimed, DamagedAttachment, Outbox, Settlement, StoreError
from sync import answers
from sync.client import Answer, PlatformClient, Unreachable
from wire import errors, schemas

log = logging.getLogger("kiosk.sync")

LOCK_FILE = "sync.lock"
CONTENT_FILE = content.CONTENT_FILE


class AlreadyRunning(Exception):
    pass


@dataclass
class Backoff:
    """Capped exponential backoff with jitter; the platform's Retry-After is a floor.

    The delay lives here, not in a retry library, because the worker's state
    survives restarts in the outbox (next_attempt_at), not in a call stack."""

    base: float = 1.0
    cap: float = 300.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self, retry_after: float | None = None) -> float:
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** min(self.failures - 1, 30))
        delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)  # "equal jitter"
        if retry_after is not None:
            delay = max(delay, min(retry_after, 3600.0))
        return delay

    def reset(self) -> None:
        self.failures = 0


@dataclass
class Timers:
    heartbeat_seconds: float = 60.0
    content_seconds: float = 300.0
    sweep_seconds: float = 30.0  # a lost wake-up costs at most this long
    purge_seconds: float = 3600.0


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


def _wire_body(item: Claimed, inline: list[schemas.InlineAttachment] | None = None
               ) -> schemas.SubmissionRequest:
    return schemas.SubmissionRequest(
        submission_id=item.submission_id,
        terminal_id=item.terminal_id,
        jurisdiction=item.jurisdiction,
        kind=item.kind,  # type: ignore[arg-type]
        category=item.category,
        purpose=item.purpose,
        created_at=item.created_at,
        receipt_no=item.receipt_no,
        envelope=base64.b64encode(item.envelope).decode(),
        attachments=[
            schemas.AttachmentRef(sealed_digest=a.sealed_digest, size=a.size, role=a.role,
                                   media_type=a.media_type)
            for a in item.attachments
        ],
        inline=inline or [],
    )


# What the platform says about an item itself: malformed (400), too large (413),
# cannot be accepted (422). A 404 or 405 means the address is wrong, not the item.
_ITEM_REFUSALS = frozenset({400, 413, 422})


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class _Refused(Exception):
    pass


# A send's result: the platform's acceptance, or what went wrong (judged by _outcome).
_Result = schemas.SubmissionAccepted | BaseException


def _within(bodies: list[schemas.SubmissionRequest], max_bytes: int
            ) -> list[list[schemas.SubmissionRequest]]:
    """The bodies in order, cut into batches of at least two whose JSON stays under the
    platform's `max_batch_bytes`; a body that shares no batch is left out (sent alone)."""
    budget = max_bytes - 4096  # the wrapper and the metadata around the large fields
    parts: list[list[schemas.SubmissionRequest]] = []
    current: list[schemas.SubmissionRequest] = []
    used = 0
    for body in bodies:
        size = len(body.envelope) + sum(len(i.data) for i in body.inline) + 1024
        if current and used + size > budget:
            parts.append(current)
            current, used = [], 0
        current.append(body)
        used += size
    parts.append(current)
    return [part for part in parts if len(part) > 1]  # a part of one may be over budget


def _attempt(send: Callable[[Claimed], schemas.SubmissionAccepted], item: Claimed) -> _Result:
    try:
        return send(item)
    except BaseException as exc:  # noqa: BLE001 — judged by _outcome, re-raised if unknown
        return exc


class SyncWorker:
    BATCH = 16  # items claimed, and outcomes written back, per transaction (at least)
    PER_REQUEST = 16  # submissions sent in one request at most
    # Inline attachments per submission at most (sealed bytes); the rest is uploaded, so
    # a request never nears the platform's body limit.
    INLINE_TOTAL_BYTES = 1024 * 1024
    SETTLE_SECONDS = 0.25  # an outcome waits at most this long to be written back

    def __init__(self, loaded: LoadedConfig, outbox: Outbox,
                 client_factory: Callable[[], PlatformClient], *, concurrency: int = 1,
                 timers: Timers | None = None, backoff: Backoff | None = None,
                 clock: Callable[[], float] = time.monotonic, per_request: int | None = None):
        self.loaded = loaded
        self.outbox = outbox
        self.client_factory = client_factory
        self.client = client_factory()  # heartbeats and content, from the worker's own thread
        self.concurrency = max(1, concurrency)
        self.timers = timers or Timers()
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.stop_event = threading.Event()
        self.blocked_until = 0.0  # monotonic: the queue waits for the platform until then
        self._platform_limits: schemas.Limits | None = None
        # Submissions per request: the platform's limit, halved after a request of several
        # timed out, then grown back one at a time; 1 for a platform that takes no batches.
        self._most_per_request = max(1, per_request or self.PER_REQUEST)
        self.per_request = self._most_per_request
        self._last = {"heartbeat": -1e18, "content": -1e18, "purge": -1e18}
        self._local = threading.local()
        self._clients: list[PlatformClient] = [self.client]
        self._clients_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _thread_client(self) -> PlatformClient:
        """Each sending thread keeps its own session: requests.Session is not thread-safe."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self.client_factory()
            client.clock = self.client.clock  # what one client learns of the time, all use
            with self._clients_lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for client in self._clients:
            client.close()

    # --- one item ------------------------------------------------------------------------

    def _upload(self, client: PlatformClient, item: Claimed,
                only: set[str] | None = None) -> None:
        for att in item.attachments:
            if only is not None and att.sealed_digest not in only:
                continue
            # Most uploads are new: send from 0 and let the platform say if it has more
            # (409 → ask where to resume), saving a round trip per attachment.
            data = self.outbox.read_claimed(att)
            offset = 0
            chunk = self._limits(client).chunk_bytes
            for _ in range(len(data) // chunk + 8):  # bounded: a mismatch re-reads the offset
                if offset >= len(data):
                    break
                answer = client.upload_chunk(att.sealed_digest, offset, len(data),
                                             data[offset:offset + chunk])
                if answer.status == 409:  # the platform has a different offset: resume there
                    status = self._status_of(client.upload_status(att.sealed_digest))
                    if status.complete:
                        break
                    offset = status.received
                    continue
                status = self._status_of(answer)
                offset = status.received
                if status.complete:
                    break
            else:
                raise _Transient(f"upload of an attachment did not complete ({offset} bytes)")

    def _status_of(self, answer: Answer) -> schemas.UploadStatus:
        self._judge(answer, what="attachment upload")
        return schemas.UploadStatus.model_validate(answer.body)

    def _limits(self, client: PlatformClient) -> schemas.Limits:
        """The platform's limits, asked once per worker."""
        if self._platform_limits is None:
            answer = client.limits()
            self._judge(answer, what="limits", about_item=False)
            self._platform_limits = schemas.Limits.model_validate(answer.body)
            self._most_per_request = max(1, min(self._most_per_request,
                                                self._platform_limits.max_batch_submissions))
            self.per_request = min(self.per_request, self._most_per_request)
        return self._platform_limits

    def _judge(self, answer: Answer, *, what: str, about_item: bool = True) -> None:
        verdict = answers.outcome(answer.status)
        if verdict == "retry":
            raise _Transient(f"{what}: {answer.error}",
                             answers.retry_after_seconds(answer.headers.get("Retry-After")))
        if verdict == "refused":
            # Only the platform's own word about this item sets it aside. A bare 4xx
            # (a proxy, a wrong api_url, a redeploy) says nothing about the item: hold
            # the queue and let the technician see it, rather than emptying the queue
            # into needs-attention.
            if about_item and answer.status in _ITEM_REFUSALS and \
                    isinstance(answer.body, dict) and "error" in answer.body:
                raise _Refused(f"{what}: {answer.error}")
            raise _Transient(f"{what}: {answer.error} (not the platform's refusal of this "
                             "item; check [platforms] api_url)")

    def _prepare(self, client: PlatformClient, item: Claimed) -> schemas.SubmissionRequest:
        """The item's wire body, its small attachments inline (one request instead of
        one per attachment), once the others are uploaded."""
        limit = self._limits(client).max_inline_bytes
        inline: dict[str, schemas.InlineAttachment] = {}
        upload: set[str] = set()
        room = self.INLINE_TOTAL_BYTES
        for att in item.attachments:
            if att.sealed_digest in inline:
                continue
            if att.size <= min(limit, room):
                data = base64.b64encode(self.outbox.read_claimed(att)).decode()
                inline[att.sealed_digest] = schemas.InlineAttachment(
                    sealed_digest=att.sealed_digest, data=data)
                room -= att.size
            else:
                upload.add(att.sealed_digest)
        if upload:
            self._upload(client, item, only=upload)
        return _wire_body(item, list(inline.values()))

    def deliver(self, item: Claimed) -> schemas.SubmissionAccepted:
        """The network part of sending one item; runs on a sending thread."""
        client = self._thread_client()
        body = self._prepare(client, item)
        answer = client.submit(body)
        if answer.status == 409 and isinstance(answer.body, dict) and \
                answer.body.get("error") == errors.ATTACHMENTS_MISSING.code:
            self._upload(client, item, only=set(answer.body.get("missing") or []))
            answer = client.submit(body)
        self._judge(answer, what="submission")
        return schemas.SubmissionAccepted.model_validate(answer.body)

    def deliver_group(self, items: list[Claimed]) -> list[_Result]:
        """Sends several items in one request (POST /submissions/batch); each gets the
        answer POST /submissions would have given it, judged as such. Runs on a sending
        thread; a failure of the request as a whole is every item's result."""
        if len(items) == 1:
            return [_attempt(self.deliver, items[0])]
        client = self._thread_client()
        try:
            limits = self._limits(client)
            if limits.max_batch_submissions < 2:
                return [_attempt(self.deliver, item) for item in items]
            results: dict[str, _Result] = {}
            bodies: list[schemas.SubmissionRequest] = []
            for item in items:
                try:
                    bodies.append(self._prepare(client, item))
                except (_Refused, DamagedAttachment, StoreError, ValueError) as exc:
                    results[item.submission_id] = exc  # this item's own trouble
            for part in _within(bodies, limits.max_batch_bytes):
                results.update(self._send_batch(client, part))
        except BaseException as exc:  # noqa: BLE001 — every item's result, judged by _outcome
            return [exc] * len(items)
        # An item without a result is sent on its own: too large to share a request, the
        # platform refused the batch as a whole, or its attachments were not all there.
        return [results[item.submission_id] if item.submission_id in results
                else _attempt(self.deliver, item) for item in items]

    def _send_batch(self, client: PlatformClient, bodies: list[schemas.SubmissionRequest]
                    ) -> list[tuple[str, _Result]]:
        try:
            answer = client.submit_batch(bodies)
        except Unreachable as exc:
            if exc.read_timeout:  # perhaps too much for the platform in one go
                self.per_request = max(1, len(bodies) // 2)
            raise
        judged = self._batch_results(answer, bodies)
        if len(judged) == len(bodies) and self.per_request < self._most_per_request \
                and not any(isinstance(r, _Transient) for _, r in judged):
            self.per_request += 1  # grows back one at a time after halving
        return judged

    def _batch_results(self, answer: Answer, bodies: list[schemas.SubmissionRequest]
                       ) -> list[tuple[str, _Result]]:
        """Each batched submission's result; none where it is to be sent on its own."""
        if answer.status in (404, 405):  # a platform without batches: one by one from now on
            self.per_request = self._most_per_request = 1
            return []
        if answers.outcome(answer.status) == "refused" and isinstance(answer.body, dict) \
                and answer.body.get("error") in (errors.INVALID_BODY.code, errors.TOO_LARGE.code,
                                                 errors.TOO_MANY_SUBMISSIONS.code):
            return []  # the batch as a whole: each submission is judged on its own
        self._judge(answer, what="submission batch", about_item=False)
        parsed = schemas.SubmissionBatchResults.model_validate(answer.body)
        sent = [b.submission_id for b in bodies]
        if [r.submission_id for r in parsed.results] != sent:
            raise ValueError("the batch's results do not match its submissions")
        out: list[tuple[str, _Result]] = []
        for result in parsed.results:
            if result.accepted is not None and 200 <= result.status < 300:
                out.append((result.submission_id, result.accepted))
                continue
            error = result.error.model_dump() if result.error else None
            if result.status == 409 and error and error["error"] == errors.ATTACHMENTS_MISSING.code:
                continue  # sent on its own, after uploading what is missing
            try:
                self._judge(Answer(result.status, error, {}), what="submission")
                raise ValueError(f"a {result.status} result without a case")
            except (_Transient, _Refused, ValueError) as exc:
                out.append((result.submission_id, exc))
        return out

    def _hold_queue(self, retry_after: float | None) -> datetime:
        """Holds the queue back after a transient failure; the items that were in flight
        together share one hold rather than each doubling it."""
        now = self.clock()
        if self.blocked_until <= now or retry_after:
            delay = self.backoff.next_delay(retry_after)
            self.blocked_until = max(self.blocked_until, now + delay)
        return datetime.now(UTC) + timedelta(seconds=self.blocked_until - now)

    def _outcome(self, item: Claimed, result: _Result) -> Settlement:
        """What became of one send, to be recorded in the outbox."""
        try:
            if isinstance(result, BaseException):
                raise result
            accepted = result
        except (Unreachable, _Transient) as exc:  # logged by _outcomes, once for a group
            due = self._hold_queue(getattr(exc, "retry_after", None))
            return Settlement.retry(item.submission_id, str(exc), due)
        except _Refused as exc:
            log.error("receipt %s set aside for a technician: %s", item.receipt_no, exc)
            return Settlement.needs_attention(item.submission_id, str(exc))
        except DamagedAttachment as exc:  # sending it again cannot help
            log.error("receipt %s set aside for a technician: %s", item.receipt_no, exc)
            return Settlement.needs_attention(item.submission_id, f"local store: {exc}")
        except StoreError as exc:  # e.g. too many open files: may pass
            log.warning("receipt %s will be retried: %s", item.receipt_no, exc)
            return Settlement.retry(item.submission_id, f"local store: {exc}",
                                    self._hold_queue(None))
        except ValueError as exc:  # an answer that is not what the protocol says
            return Settlement.retry(item.submission_id, f"unexpected answer: {exc}",
                                    self._hold_queue(None))
        self.backoff.reset()
        log.info("receipt %s delivered as case %s", item.receipt_no, accepted.case_no)
        return Settlement.delivered(item.submission_id, accepted.case_no, accepted.query_code,
                                    at=accepted.received_at)

    def _outcomes(self, items: list[Claimed], results: list[_Result]) -> list[Settlement]:
        """`_outcome` of each item of a group; the retries are logged once per reason."""
        outcomes = [self._outcome(item, result) for item, result in zip(items, results,
                                                                         strict=True)]
        retried: dict[str, list[tuple[Claimed, Settlement]]] = {}
        for item, outcome in zip(items, outcomes, strict=True):
            if outcome.state == "queued" and outcome.error:
                retried.setdefault(outcome.error, []).append((item, outcome))
        for error, group in retried.items():
            due = max(o.at for _, o in group if o.at is not None).isoformat(timespec="seconds")
            receipts = [i.receipt_no for i, _ in group]
            what = (f"receipt {receipts[0]}" if len(receipts) == 1 else
                    f"{len(receipts)} submissions (receipts {receipts[0]} … {receipts[-1]})")
            log.warning("delivery of %s will be retried at %s: %s", what, due, error)
        return outcomes

    def _record(self, settled: list[Settlement]) -> None:
        """Writes outcomes back in one transaction (one fsync for the lot)."""
        if settled:
            for sid in self.outbox.settle(settled):
                log.warning("outbox item %s changed meanwhile; its outcome was not recorded", sid)
            settled.clear()

    def drain(self) -> int:
        """Sends everything that can be sent now; returns how many were handled.

        Items are claimed oldest first, several in one transaction, and sent in groups
        of up to `per_request` per request, up to `concurrency` requests at once, so
        they start in order and may finish a few places apart. Outcomes are written
        back several in one transaction too, at the latest `SETTLE_SECONDS` after the
        first of them. Until then a delivered item is still `sending` in the outbox: a
        crash meanwhile puts it back in the queue, and sending it again yields the
        platform's stored answer, the same case. Nothing is recorded as delivered
        before the platform's answer said so. The outbox is written from this thread
        only."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="send")
        handled = 0
        in_flight: dict[Future, list[Claimed]] = {}
        ready: deque[Claimed] = deque()  # claimed, not started yet
        settled: list[Settlement] = []
        first_settled = 0.0
        more = True  # the last claim may have left due items behind
        try:
            while True:
                batch = max(self.BATCH, self.per_request * self.concurrency)
                while (len(in_flight) < self.concurrency and not self.stop_event.is_set()
                       and self.clock() >= self.blocked_until):
                    if not ready:
                        if not more and in_flight:
                            break  # claim again once these are done
                        claimed = self.outbox.claim_batch(batch)
                        more = len(claimed) == batch
                        if not claimed:
                            break
                        ready.extend(claimed)
                    group = [ready.popleft() for _ in range(min(len(ready), self.per_request))]
                    in_flight[self._pool.submit(self.deliver_group, group)] = group
                if not in_flight:
                    return handled
                timeout = None
                if settled:
                    timeout = max(0.0, first_settled + self.SETTLE_SECONDS - time.monotonic())
                done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    group = in_flight.pop(future)
                    for outcome in self._outcomes(group, future.result()):
                        if not settled:
                            first_settled = time.monotonic()
                        settled.append(outcome)
                        if outcome.state != "queued":
                            handled += 1
                if len(settled) >= batch or not done or \
                        time.monotonic() - first_settled >= self.SETTLE_SECONDS:
                    self._record(settled)
        finally:
            # Claimed but never sent (the queue is held, or the worker stops): back to the
            # queue, due when the hold ends. Sends still in flight are waited for first.
            if in_flight:
                for future in wait(in_flight).done:
                    settled.extend(self._outcomes(in_flight[future], future.result()))
            if ready:
                due = datetime.now(UTC) + timedelta(seconds=max(0.0, self.blocked_until -
                                                                self.clock()))
                settled.extend(Settlement.release(item.submission_id, due) for item in ready)
            self._record(settled)

    # --- housekeeping --------------------------------------------------------------------

    def _due(self, name: str, every: float) -> bool:
        if self.clock() - self._last[name] >= every:
            self._last[name] = self.clock()
            return True
        return False

    def heartbeat(self) -> None:
        st = self.outbox.status()
        age = st.oldest_queued_age
        beat = schemas.Heartbeat(
            version=__version__,
            queue_depth=st.counts.get("queued", 0) + st.counts.get("sending", 0),
            oldest_queued_age_seconds=None if age is None else int(age.total_seconds()),
            needs_attention=st.counts.get("needs_attention", 0),
            at=datetime.fromtimestamp(self.client.clock.now(), UTC),
        )
        clock = self.client.clock
        try:
            sent = clock.local()
            answer = self.client.heartbeat(beat)
            received = clock.local()
        except Unreachable as exc:
            log.info("heartbeat not sent: %s", exc)
            return
        if answer.status >= 300:
            log.info("heartbeat refused: %s", answer.error)
        else:
            try:  # the platform's clock, to the microsecond: a finer offset than Date gives
                ack = schemas.HeartbeatAck.model_validate(answer.body)
                clock.observe(ack.received_at.timestamp(), sent, received)
            except ValueError:
                pass
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
        try:
            answer = self.client.content(current.get("etag"))
        except Unreachable as exc:
            log.info("content not refreshed: %s", exc)
            return
        if answer.status == 304 or answer.status >= 300:
            return
        try:
            content = schemas.TerminalContent.model_validate(answer.body)
        except ValueError as exc:
            log.warning("content from the platform refused: %s", exc)
            return
        record = {"etag": answer.headers.get("ETag"), "fetched_at": datetime.now(UTC).isoformat(),
                  "content": content.model_dump(mode="json")}
        write_file(path, json.dumps(record, ensure_ascii=False), mode=0o644)
        log.info("terminal content updated to version %s", content.version)

    def housekeeping(self) -> None:
        if self._due("heartbeat", self.timers.heartbeat_seconds):
            self.heartbeat()
        if self._due("content", self.timers.content_seconds):
            self.pull_content()
        if self._due("purge", self.timers.purge_seconds):
            days = self.loaded.config.sync.retention_days
            purged = self.outbox.purge_delivered(timedelta(days=days))
            if purged:
                log.info("purged %d delivered submissions older than %d days", purged, days)

    # --- loops ---------------------------------------------------------------------------

    def run_once(self) -> bool:
        """`kiosk sync --once`: True when nothing is left queued."""
        self.outbox.requeue_stale_sending()
        self.drain()
        self.housekeeping()
        status = self.outbox.status()
        return status.counts.get("queued", 0) + status.counts.get("sending", 0) == 0

    def run_forever(self) -> None:
        self.outbox.requeue_stale_sending()
        listener = wake.WakeListener(self.loaded.data_dir)
        try:
            while not self.stop_event.is_set():
                self.outbox = self.outbox.current()
                self.drain()
                self.housekeeping()
                listener.wait(self._sleep_seconds())
        finally:
            listener.close()

    def _sleep_seconds(self) -> float:
        wait = self.timers.sweep_seconds
        now = self.clock()
        if self.blocked_until > now:
            wait = min(wait, self.blocked_until - now)
        else:
            due = self.outbox.next_due_at()
            if due is not None:
                wait = min(wait, (due - datetime.now(UTC)).total_seconds())
        for name, every in (("heartbeat", self.timers.heartbeat_seconds),
                            ("content", self.timers.content_seconds)):
            wait = min(wait, self._last[name] + every - now)
        return max(0.05, wait)
