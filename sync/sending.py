"""The network part of delivery, on the sending threads: a claimed item's wire body
(small attachments inline, the others uploaded, resumably), one submission per
request or several (POST /submissions/batch), and each item's result.

A result is the platform's acceptance or the exception that says what went wrong;
`sync/delivery.py` turns it into what the outbox records. Answers are read by
`sync/answers.py` alone.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.outgoing import wire_body
from kiosk.store import Claimed, DamagedAttachment, Outbox, StoreError
from sync import answers, batches, pace
from sync.answers import Answer
from sync.client import PlatformClient, Unreachable
from wire import schemas

PER_REQUEST = 16  # submissions sent in one request at most
# Inline attachments per submission at most (sealed bytes); the rest is uploaded, so
# a request never nears the platform's body limit.
INLINE_TOTAL_BYTES = 1024 * 1024


class Transient(Exception):
    """The same request may succeed later: the queue is held, the item retried."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Refused(Exception):
    """The platform's own refusal of this item: resending it cannot help. `proof` is
    the platform's signed answer saying so (None only where no signature was checked)."""

    def __init__(self, message: str, proof: str | None = None):
        super().__init__(message)
        self.proof = proof


@dataclass(frozen=True)
class Delivered:
    """The platform's acceptance of an item, and its signed answer (kept with the item)."""

    accepted: schemas.SubmissionAccepted
    proof: str | None


# A send's result: the platform's acceptance, or what went wrong.
Result = Delivered | BaseException


def judge(answer: Answer, *, what: str, about_item: bool = True) -> None:
    """Raises what the answer means unless it is a success."""
    reading = answers.read(answer, about_item=about_item)
    if reading.outcome == "retry":
        raise Transient(f"{what}: {reading.error}", reading.retry_after)
    if reading.outcome == "refused":
        raise Refused(f"{what}: {reading.error}", answer.proof)


def delivered(answer: Answer) -> Delivered:
    """The acceptance an answer carries, with its proof; ValueError if it has no case."""
    return Delivered(answers.accepted(answer), answer.proof)


def clock_offset(client: PlatformClient) -> int | None:
    """The terminal's clock minus the platform's, whole seconds, once learned."""
    clock = client.clock
    return round(-clock.offset) if clock.learned else None


def timed(link: pace.LinkPace | None, size: int, call: Callable[[], Answer]) -> Answer:
    """One request with a body of `size` bytes, its time told to the link's pace."""
    started = time.monotonic()
    try:
        answer = call()
    except Unreachable as exc:
        if exc.read_timeout and link is not None:
            link.timed_out(size)
        raise
    if link is not None:
        link.sent(size, time.monotonic() - started)
    return answer


def upload(client: PlatformClient, data: bytes, sealed_digest: str, chunk_bytes: int,
           link: pace.LinkPace | None = None) -> None:
    """Uploads one sealed attachment, resuming where the platform's copy ends, in chunks
    of the platform's size or of what the link carries in time (`sync/pace.py`).

    Most uploads are new: it sends from 0 and lets the platform say if it has more
    (409: ask where to resume), saving a round trip per attachment. Bounded: a
    mismatch re-reads the offset, at most a few times more than there are chunks."""
    offset = 0
    for _ in range(len(data) // min(chunk_bytes, pace.MIN_BYTES) + 8):
        if offset >= len(data):
            return
        size = min(chunk_bytes, link.budget()) if link is not None else chunk_bytes
        piece = data[offset:offset + size]
        answer = timed(link, len(piece), lambda piece=piece, offset=offset: client.upload_chunk(
            sealed_digest, offset, len(data), piece))
        if answers.upload_must_resume(answer):
            answer = client.upload_status(sealed_digest)
        judge(answer, what="attachment upload")
        status = answers.upload_status(answer)
        if status.complete:
            return
        offset = status.received
    raise Transient(f"upload of an attachment did not complete ({offset} bytes)")


def _attempt(send: Callable[[Claimed], Delivered], item: Claimed) -> Result:
    try:
        return send(item)
    except BaseException as exc:  # noqa: BLE001 — judged by the caller, re-raised if unknown
        return exc


class Sender:
    """Sends claimed items; safe to call from several sending threads at once.

    Invariant: each item of a batch gets the result POST /submissions would have given
    it, judged as such; an item without its own result from a batch is sent alone."""

    def __init__(self, outbox: Outbox, client_factory: Callable[[], PlatformClient],
                 main_client: PlatformClient, per_request: int | None = None):
        self.outbox = outbox
        self.client_factory = client_factory
        self.main_client = main_client
        self.batch_size = batches.BatchSize(per_request or PER_REQUEST)
        self.pace = pace.LinkPace(main_client.timeout[1])  # what one request may carry
        self._platform_limits: schemas.Limits | None = None
        self._local = threading.local()
        self._clients: list[PlatformClient] = [main_client]
        self._clients_lock = threading.Lock()

    def close(self) -> None:
        for client in self._clients:
            client.close()

    def _thread_client(self) -> PlatformClient:
        """Each sending thread keeps its own session: requests.Session is not thread-safe."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self.client_factory()
            client.clock = self.main_client.clock  # what one client learns of the time, all use
            with self._clients_lock:
                self._clients.append(client)
        return client

    def limits(self, client: PlatformClient) -> schemas.Limits:
        """The platform's limits, asked once per worker."""
        if self._platform_limits is None:
            started = time.monotonic()
            answer = client.limits()
            self.pace.first_round_trip(time.monotonic() - started)
            judge(answer, what="limits", about_item=False)
            self._platform_limits = answers.limits(answer)
            self.batch_size.limit_to(self._platform_limits.max_batch_submissions)
        return self._platform_limits

    # --- one item ------------------------------------------------------------------------

    def _upload(self, client: PlatformClient, item: Claimed, only: frozenset[str] | set[str]
                ) -> None:
        chunk = self.limits(client).chunk_bytes
        for att in item.attachments:
            if att.sealed_digest in only:
                upload(client, self.outbox.read_claimed(att), att.sealed_digest, chunk,
                       self.pace)

    def prepare(self, client: PlatformClient, item: Claimed) -> schemas.SubmissionRequest:
        """The item's wire body, its small attachments inline (one request instead of
        one per attachment), once the others are uploaded. Inline only as far as the
        body, in base64, stays within what the link carries in time (`sync/pace.py`):
        on a slow line pages go up raw, a third smaller."""
        limit = self.limits(client).max_inline_bytes
        inline: dict[str, schemas.InlineAttachment] = {}
        to_upload: set[str] = set()
        room = INLINE_TOTAL_BYTES
        paced = self.pace.budget() - (len(item.envelope) + 2) // 3 * 4 - batches.PER_BODY_BYTES
        for att in item.attachments:
            if att.sealed_digest in inline:
                continue
            encoded = (att.size + 2) // 3 * 4
            if att.size <= min(limit, room) and encoded <= paced:
                data = base64.b64encode(self.outbox.read_claimed(att)).decode()
                inline[att.sealed_digest] = schemas.InlineAttachment(
                    sealed_digest=att.sealed_digest, data=data)
                room -= att.size
                paced -= encoded
            else:
                to_upload.add(att.sealed_digest)
        if to_upload:
            self._upload(client, item, to_upload)
        return wire_body(item, list(inline.values()), clock_offset(client))

    def deliver(self, item: Claimed) -> Delivered:
        """Sends one item alone (POST /submissions); runs on a sending thread."""
        client = self._thread_client()
        body = self.prepare(client, item)
        size = batches.body_size(body)
        answer = timed(self.pace, size, lambda: client.submit(body))
        missing = answers.missing_attachments(answer)
        if missing is not None:
            self._upload(client, item, missing)
            answer = timed(self.pace, size, lambda: client.submit(body))
        judge(answer, what="submission")
        return delivered(answer)

    # --- several items -------------------------------------------------------------------

    def deliver_group(self, items: list[Claimed]) -> list[Result]:
        """Sends several items in one request where the platform takes batches. Runs on
        a sending thread; a failure of the request as a whole is every item's result."""
        if len(items) == 1:
            return [_attempt(self.deliver, items[0])]
        client = self._thread_client()
        try:
            limits = self.limits(client)
            if limits.max_batch_submissions < 2:
                return [_attempt(self.deliver, item) for item in items]
            results: dict[str, Result] = {}
            bodies: list[schemas.SubmissionRequest] = []
            for item in items:
                try:
                    bodies.append(self.prepare(client, item))
                except (Refused, DamagedAttachment, StoreError, ValueError) as exc:
                    results[item.submission_id] = exc  # this item's own trouble
            most = min(limits.max_batch_bytes, self.pace.budget())
            for part in batches.cut(bodies, most):
                results.update(self._send_batch(client, part))
        except BaseException as exc:  # noqa: BLE001 — every item's result, judged by the caller
            return [exc] * len(items)
        # An item without a result is sent on its own: too large to share a request, the
        # platform refused the batch as a whole, or its attachments were not all there.
        return [results[item.submission_id] if item.submission_id in results
                else _attempt(self.deliver, item) for item in items]

    def _send_batch(self, client: PlatformClient, bodies: list[schemas.SubmissionRequest]
                    ) -> list[tuple[str, Result]]:
        try:
            answer = timed(self.pace, sum(batches.body_size(b) for b in bodies),
                           lambda: client.submit_batch(bodies))
        except Unreachable as exc:
            if exc.read_timeout:  # perhaps too much for the platform in one go
                self.batch_size.timed_out(len(bodies))
            raise
        judged = self._batch_results(answer, bodies)
        if len(judged) == len(bodies) and not any(isinstance(r, Transient) for _, r in judged):
            self.batch_size.answered()
        return judged

    def _batch_results(self, answer: Answer, bodies: list[schemas.SubmissionRequest]
                       ) -> list[tuple[str, Result]]:
        """Each batched submission's result; none where it is to be sent on its own."""
        if answers.batches_unsupported(answer):
            self.batch_size.one_by_one()
            return []
        if answers.batch_refused_as_whole(answer):
            return []
        judge(answer, what="submission batch", about_item=False)
        sent = [b.submission_id for b in bodies]
        out: list[tuple[str, Result]] = []
        for sid, item_answer in zip(sent, answers.batch_item_answers(answer, sent), strict=True):
            if answers.missing_attachments(item_answer) is not None:
                continue  # sent on its own, after uploading what is missing
            try:
                judge(item_answer, what="submission")
                out.append((sid, delivered(item_answer)))
            except (Transient, Refused, ValueError) as exc:
                out.append((sid, exc))
        return out
