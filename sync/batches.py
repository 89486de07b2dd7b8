"""How many submissions go in one request: cut to the platform's byte limit, and a
size halved after a request timed out and grown back one at a time."""

from __future__ import annotations

from wire import schemas

# Room kept in a batch for the JSON wrapper and the metadata around the large fields.
WRAPPER_BYTES = 4096
PER_BODY_BYTES = 1024  # a submission's fields besides its envelope and inline data


def body_size(body: schemas.SubmissionRequest) -> int:
    """A submission's share of a batch's bytes, estimated from its large fields."""
    return len(body.envelope) + sum(len(i.data) for i in body.inline) + PER_BODY_BYTES


def cut(bodies: list[schemas.SubmissionRequest], max_bytes: int
        ) -> list[list[schemas.SubmissionRequest]]:
    """The bodies in order, cut into batches of at least two whose JSON stays under the
    platform's `max_batch_bytes`; a body that shares no batch is left out (sent alone)."""
    budget = max_bytes - WRAPPER_BYTES
    parts: list[list[schemas.SubmissionRequest]] = []
    current: list[schemas.SubmissionRequest] = []
    used = 0
    for body in bodies:
        size = body_size(body)
        if current and used + size > budget:
            parts.append(current)
            current, used = [], 0
        current.append(body)
        used += size
    parts.append(current)
    return [part for part in parts if len(part) > 1]  # a part of one may be over budget


class BatchSize:
    """Submissions per request: at most the platform's limit; halved after a request of
    several timed out (perhaps too much for the platform in one go), then grown back
    one at a time; 1 for a platform that takes no batches.

    Invariant: 1 <= current <= most. Sending threads change it without a lock: a lost
    update costs one request of another size, never an item."""

    def __init__(self, most: int):
        self.most = max(1, most)
        self.current = self.most

    def limit_to(self, platform_most: int) -> None:
        """The platform's `max_batch_submissions` (0: no batches)."""
        self.most = max(1, min(self.most, platform_most))
        self.current = min(self.current, self.most)

    def timed_out(self, sent: int) -> None:
        self.current = max(1, sent // 2)

    def answered(self) -> None:
        if self.current < self.most:
            self.current += 1

    def one_by_one(self) -> None:
        self.current = self.most = 1
