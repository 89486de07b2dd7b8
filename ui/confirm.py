"""The durable confirm off the GUI thread: one worker thread, the store opened on first use.

`Confirmer.submit` seals and writes a valid petition (kiosk/submission.py `confirm`)
on the worker and reports back through `done(outcome, message)`, called on the
worker thread (the session passes a queued signal's emit): `outcome` is
(receipt, sealed document, kind), or None with the message the citizen sees. The
receipt exists only after the commit. A failed store is closed and opened afresh
next time, so a damaged database is moved aside and the second try lands in a
sound one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from kiosk import petition
from kiosk.config import LoadedConfig
from kiosk.taxonomy import Taxonomy

if TYPE_CHECKING:  # imported when first needed: the store pulls in SQLAlchemy (≈ 0.4 s)
    from kiosk.store import Outbox

log = logging.getLogger("ui.session")  # the session's confirm, as its log lines have always said

UNEXPECTED = "提交没有成功，您的信息还没有保存。请再按一次“确认提交”，或联系工作人员。"


def submission_module():
    """kiosk.submission, imported off the start path (see `Confirmer.preload`)."""
    from kiosk import submission

    return submission


class Confirmer:
    def __init__(self, loaded: LoadedConfig, taxonomy: Taxonomy, done: Callable[[Any, str], None]):
        self._loaded = loaded
        self._taxonomy = taxonomy
        self._done = done
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="confirm")
        self._outbox: Outbox | None = None

    def preload(self) -> None:
        """Imports the submission path on the worker thread, after the first frame, so
        neither start-up nor the first 确认提交 waits for it."""
        try:
            self._executor.submit(submission_module)
        except RuntimeError:  # shut down first
            pass

    def submit(self, result: petition.Validation, attachments: list, kind: str, draft_id: str) -> None:
        self._executor.submit(self._confirm, result, attachments, kind, draft_id)

    def _confirm(self, result: petition.Validation, attachments: list, kind: str, draft_id: str) -> None:
        submission = submission_module()
        from kiosk.store import Outbox, StoreError

        try:
            self._outbox = (self._outbox.current() if self._outbox
                            else Outbox.open(self._loaded.data_dir))
            receipt = submission.confirm(self._outbox, result, attachments, self._loaded,
                                         self._taxonomy, submission_id=draft_id)
        except StoreError as exc:
            # The detail names the cause (e.g. ENOSPC, EROFS) and never what was entered;
            # the technician screen shows it.
            log.error("confirm failed: %s", exc)
            if self._outbox is not None:
                self._outbox.close()
                self._outbox = None
            # Opening the store is part of this confirm: the message must say nothing was saved.
            self._done(None, StoreError(str(exc), disk_full=exc.disk_full).user_message)
            return
        except Exception as exc:  # never lose the answers on an unexpected failure
            log.exception("confirm failed unexpectedly: %s", type(exc).__name__)
            self._done(None, UNEXPECTED)
            return
        self._done((receipt, result.document, kind), "")

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None
