"""Refusals as the platform answers them: an entry of the wire catalogue
(`wire.errors`) with a message for people.

Every error answer of the platform is an `ApiError`, so its `error` is a catalogued
code and its status the one the catalogue gives it. The one exception is
`http_error`, the catalogue's name for an HTTP-level refusal of the server framework
other than 404 and 405, which keeps that refusal's own status.
"""

from __future__ import annotations

from wire import errors, schemas
from wire.errors import ErrorCode


class ApiError(Exception):
    """A refusal: answered as `ErrorBody` JSON with the code's status and `headers`."""

    def __init__(self, error: ErrorCode, message: str, *, missing: list[str] | None = None,
                 headers: dict[str, str] | None = None, status: int | None = None):
        super().__init__(message)
        if not isinstance(error, ErrorCode) or errors.lookup(error.code) is not error:
            raise TypeError(f"{error!r} is not an entry of wire.errors")
        if status is not None and error is not errors.HTTP_ERROR:
            raise ValueError(f"{error.code} is always answered with {error.status}")
        self.error = error
        self.status = status or error.status
        self.body = schemas.ErrorBody(error=error.code, message=message, missing=missing or [])
        self.headers = headers or {}

    def json_text(self) -> str:
        return self.body.model_dump_json()


class Refusal(ApiError):
    """A refusal of a submission; `lasting` when the request's bytes alone decide it, so
    it is kept as the Idempotency-Key's answer (see `receiver.intake`)."""

    def __init__(self, error: ErrorCode, message: str, *, lasting: bool = False):
        super().__init__(error, message)
        self.lasting = lasting
