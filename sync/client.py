"""The terminal's HTTP client for a receiving platform (wire protocol v1).

One `requests.Session` (connection reuse), explicit connect / read timeouts,
and every request signed with the terminal's key. Network failures surface as
`Unreachable`; HTTP answers come back as they are for the worker to judge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import __version__
from sync import protocol


class Unreachable(Exception):
    """The platform could not be reached or did not answer in time."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any  # parsed JSON, or None
    headers: Mapping[str, str]  # case-insensitive

    @property
    def error(self) -> str:
        if isinstance(self.body, dict) and "error" in self.body:
            return f"{self.status} {self.body['error']}: {self.body.get('message', '')}".strip()
        return f"HTTP {self.status}"


def root_of(api_url: str) -> str:
    """`https://host/prefix/api/v1` → `https://host/prefix` (protocol paths carry /api/v1)."""
    url = api_url.rstrip("/")
    return url[: -len(protocol.API)] if url.endswith(protocol.API) else url


class PlatformClient:
    def __init__(self, api_url: str, terminal_id: str, signing_key: Ed25519PrivateKey | None,
                 *, connect_timeout: float = 5.0, read_timeout: float = 30.0):
        self.root = root_of(api_url)
        self.terminal_id = terminal_id
        self._key = signing_key
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"petition-kiosk/{__version__}"

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
                headers: dict[str, str] | None = None, signed: bool = True) -> Answer:
        body = data
        hdrs = dict(headers or {})
        if json_body is not None:
            body = json_body if isinstance(json_body, bytes) else json_body.encode()
            hdrs["Content-Type"] = "application/json"
        try:
            prepared = self.session.prepare_request(
                requests.Request(method, self.root + path, data=body or b"", headers=hdrs))
            if signed and self._key is not None:
                protocol.sign_request(prepared, self.terminal_id, self._key)
            response = self.session.send(prepared, timeout=self.timeout)
        except requests.RequestException as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from None
        try:
            parsed = response.json() if response.content else None
        except ValueError:
            parsed = None
        return Answer(response.status_code, parsed, response.headers)

    # --- the calls of wire protocol v1 ---------------------------------------------------

    def enroll(self, code: str, signing_public_key: str) -> Answer:
        req = protocol.EnrollmentRequest(terminal_id=self.terminal_id, code=code,
                                         signing_public_key=signing_public_key)
        return self.request("POST", protocol.ENROLLMENTS, json_body=req.model_dump_json(),
                            signed=False)

    def limits(self) -> Answer:
        return self.request("GET", protocol.LIMITS)

    def upload_status(self, sealed_digest: str) -> Answer:
        return self.request("GET", protocol.attachment_path(sealed_digest))

    def upload_chunk(self, sealed_digest: str, offset: int, total: int, chunk: bytes) -> Answer:
        return self.request("PUT", protocol.attachment_path(sealed_digest), data=chunk,
                            headers={"Upload-Offset": str(offset), "Upload-Length": str(total),
                                     "Content-Type": "application/octet-stream"})

    def submit(self, body: protocol.SubmissionRequest) -> Answer:
        return self.request("POST", protocol.SUBMISSIONS, json_body=body.model_dump_json(),
                            headers={"Idempotency-Key": body.submission_id})

    def heartbeat(self, beat: protocol.Heartbeat) -> Answer:
        return self.request("POST", protocol.heartbeat_path(self.terminal_id),
                            json_body=beat.model_dump_json())

    def content(self, etag: str | None) -> Answer:
        headers = {"If-None-Match": etag} if etag else None
        return self.request("GET", protocol.content_path(self.terminal_id), headers=headers)

    def case(self, query_code: str) -> Answer:
        return self.request("GET", protocol.case_path(query_code))
