"""Errors of the local store."""

from __future__ import annotations

import errno

# While confirming: the citizen must know their petition is not saved yet.
MESSAGE_FULL = "存储空间已满，您的信息还没有保存。请联系工作人员。"
MESSAGE_FAULT = "系统存储出现故障，您的信息还没有保存。请联系工作人员。"
# Anywhere else (queries, the outbox, housekeeping).
MESSAGE_FULL_OTHER = "存储空间已满，请联系工作人员。"
MESSAGE_FAULT_OTHER = "系统存储出现故障，请联系工作人员。"

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_SQLITE_FULL = 13
# The unix VFS grows a WAL database's -shm file by writing into it, so on a full disk
# opening the database fails with this I/O error rather than SQLITE_FULL.
_SQLITE_IOERR_SHMSIZE = 4874


class StoreError(Exception):
    """A disk write or commit failed; `user_message` is plain Chinese for the screen.

    The technical detail stays in the exception chain (`__cause__`) and in `str()`;
    neither contains anything the citizen entered.
    """

    def __init__(self, detail: str, *, disk_full: bool = False, confirming: bool = True) -> None:
        super().__init__(detail)
        self.disk_full = disk_full
        if confirming:
            self.user_message = MESSAGE_FULL if disk_full else MESSAGE_FAULT
        else:
            self.user_message = MESSAGE_FULL_OTHER if disk_full else MESSAGE_FAULT_OTHER

    @classmethod
    def from_exception(
        cls, exc: BaseException, action: str, *, confirming: bool = True
    ) -> StoreError:
        full = False
        if isinstance(exc, OSError):
            full = exc.errno in _FULL_ERRNOS
            detail = f"{action}: {errno.errorcode.get(exc.errno or 0, exc.errno)}"
        else:
            orig = getattr(exc, "orig", exc)
            code = getattr(orig, "sqlite_errorcode", None)
            full = code is not None and (code & 0xFF == _SQLITE_FULL
                                         or code == _SQLITE_IOERR_SHMSIZE)
            detail = f"{action}: {type(orig).__name__}: {orig}"
        return cls(detail, disk_full=full, confirming=confirming)


class DamagedAttachment(StoreError):
    """An attachment's sealed file is missing or no longer matches its digest: sending
    it again cannot help, so the item needs a technician."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, confirming=False)


class TransitionError(RuntimeError):
    """An outbox item is not in a state that allows the requested change."""


class NotFoundError(LookupError):
    """No such submission or attachment."""
