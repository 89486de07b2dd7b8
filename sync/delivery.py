"""Delivery: claims queued items, has them sent (`sync/sending.py`) and settles each
one's result in the outbox, exactly once.

- In order, oldest first, several claimed in one transaction; sent up to
  `per_request` per request, up to `concurrency` requests at once.
- A transient failure (network, timeout, 5xx, 408, 429, 409, 401/403) holds the
  whole queue (`sync/backoff.py`) and the item is retried, forever.
- A permanent refusal (400, 413, 422 with the platform's own error) sets that item
  aside as `needs_attention` with the platform's reason; the queue behind it goes on.
- The submission id is the Idempotency-Key, so a send repeated after a crash or a
  lost answer yields the platform's stored answer, never a second case.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from kiosk.store import Claimed, DamagedAttachment, Outbox, Settlement, StoreError
from sync.backoff import QueueHold
from sync.client import PlatformClient, Unreachable, Unverified
from sync.sending import Refused, Result, Sender, Transient

log = logging.getLogger("kiosk.sync")

CLAIM_AT_LEAST = 16  # items claimed, and outcomes written back, per transaction (at least)
SETTLE_SECONDS = 0.25  # an outcome waits at most this long to be written back


UNSIGNED_WORD = "the platform's word on this item came without its verified signature"


def settlement(item: Claimed, result: Result, hold: QueueHold) -> Settlement:
    """What the outbox records of one send. Only the platform's signed acceptance records
    an item as delivered, and only its signed refusal sets it aside; the signed answer
    is kept with the item. Anything not foreseen here is re-raised."""
    try:
        if isinstance(result, BaseException):
            raise result
        if result.proof is None:
            raise Unverified(UNSIGNED_WORD)
        accepted = result.accepted
    except (Unreachable, Transient) as exc:  # logged by `settlements`, once for a group
        due = hold.hold(getattr(exc, "retry_after", None))
        return Settlement.retry(item.submission_id, str(exc), due)
    except Refused as exc:
        if exc.proof is None:
            return Settlement.retry(item.submission_id,
                                    f"unverified answer: {UNSIGNED_WORD} ({exc})", hold.hold(None))
        log.error("receipt %s set aside for a technician: %s", item.receipt_no, exc)
        return Settlement.needs_attention(item.submission_id, str(exc), exc.proof)
    except DamagedAttachment as exc:  # sending it again cannot help
        log.error("receipt %s set aside for a technician: %s", item.receipt_no, exc)
        return Settlement.needs_attention(item.submission_id, f"local store: {exc}")
    except StoreError as exc:  # e.g. too many open files: may pass
        log.warning("receipt %s will be retried: %s", item.receipt_no, exc)
        return Settlement.retry(item.submission_id, f"local store: {exc}", hold.hold(None))
    except ValueError as exc:  # an answer that is not what the protocol says
        return Settlement.retry(item.submission_id, f"unexpected answer: {exc}",
                                hold.hold(None))
    hold.delivered()
    log.info("receipt %s delivered as case %s", item.receipt_no, accepted.case_no)
    return Settlement.delivered(item.submission_id, accepted.case_no, accepted.query_code,
                                at=accepted.received_at, acknowledgement=result.proof)


def settlements(items: list[Claimed], results: list[Result], hold: QueueHold
                ) -> list[Settlement]:
    """`settlement` of each item of a group; the retries are logged once per reason."""
    outcomes = [settlement(item, result, hold) for item, result in zip(items, results,
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


class Delivery:
    """Drains the outbox. The outbox is written from the thread calling `drain` only;
    the sending threads only read claimed attachments."""

    def __init__(self, outbox: Outbox, client_factory: Callable[[], PlatformClient],
                 main_client: PlatformClient, hold: QueueHold, stop_event: threading.Event,
                 *, concurrency: int = 1, per_request: int | None = None):
        self.sender = Sender(outbox, client_factory, main_client, per_request)
        self.hold = hold
        self.stop_event = stop_event
        self.concurrency = max(1, concurrency)
        self._pool: ThreadPoolExecutor | None = None

    @property
    def outbox(self) -> Outbox:
        return self.sender.outbox

    @outbox.setter
    def outbox(self, outbox: Outbox) -> None:
        self.sender.outbox = outbox

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.sender.close()

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
        before the platform's answer said so."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="send")
        size = self.sender.batch_size
        handled = 0
        in_flight: dict[Future, list[Claimed]] = {}
        ready: deque[Claimed] = deque()  # claimed, not started yet
        settled: list[Settlement] = []
        first_settled = 0.0
        more = True  # the last claim may have left due items behind
        try:
            while True:
                claim = max(CLAIM_AT_LEAST, size.current * self.concurrency)
                while (len(in_flight) < self.concurrency and not self.stop_event.is_set()
                       and not self.hold.held()):
                    if not ready:
                        if not more and in_flight:
                            break  # claim again once these are done
                        claimed = self.outbox.claim_batch(claim)
                        more = len(claimed) == claim
                        if not claimed:
                            break
                        ready.extend(claimed)
                    group = [ready.popleft() for _ in range(min(len(ready), size.current))]
                    in_flight[self._pool.submit(self.sender.deliver_group, group)] = group
                if not in_flight:
                    return handled
                timeout = None
                if settled:
                    timeout = max(0.0, first_settled + SETTLE_SECONDS - time.monotonic())
                done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                for future in done:
                    group = in_flight.pop(future)
                    for outcome in settlements(group, future.result(), self.hold):
                        if not settled:
                            first_settled = time.monotonic()
                        settled.append(outcome)
                        if outcome.state != "queued":
                            handled += 1
                if len(settled) >= claim or not done or \
                        time.monotonic() - first_settled >= SETTLE_SECONDS:
                    self._record(settled)
        finally:
            # Claimed but never sent (the queue is held, or the worker stops): back to the
            # queue, due when the hold ends. Sends still in flight are waited for first.
            if in_flight:
                for future in wait(in_flight).done:
                    settled.extend(settlements(in_flight[future], future.result(), self.hold))
            if ready:
                due = self.hold.due()
                settled.extend(Settlement.release(item.submission_id, due) for item in ready)
            self._record(settled)
