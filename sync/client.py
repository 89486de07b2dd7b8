"""The terminal's HTTP client for a receiving platform (wire protocol v1).

One `requests.Session` (connection reuse), explicit connect / read timeouts,
and every request signed with the terminal's key. Network failures surface as
`Unreachable`; HTTP answers come back as they are (`sync.answers.Answer`), read
by `sync/answers.py` alone.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from requests.utils import get_environ_proxies

from kiosk import __version__
from sync import answers
from sync.answers import Answer
from wire import ack, paths, schemas, signing

log = logging.getLogger("kiosk.sync")

# A platform's Date has whole seconds; a difference below this is noise, not skew.
_SKEW_NOISE_SECONDS = 2.0


def local_time() -> float:
    """This terminal's clock (seconds since the epoch), as signing and the doctor read it."""
    return time.time()


class PlatformClock:
    """The platform's time as this terminal estimates it: the local clock plus an offset
    learned from the platform's answers (their `Date` header, the heartbeat ack).

    Signatures carry `created` in the platform's time, so a terminal whose clock is off
    by more than the platform's signature window still gets its requests accepted.
    `local` is the terminal's clock (`local_time`; a test gives a wrong one). Shared by
    all the clients of a worker; a float assignment is atomic.

    `keeper` (the sync worker's: `kiosk.clock_trust.Keeper`) is told every time learned,
    so the offset and when it was learned outlive the process: the confirm records how
    far the clock can be trusted, and the screens say how long the station is cut off."""

    def __init__(self, local: Callable[[], float] = local_time, keeper: Any = None):
        self.local = local
        self.offset = 0.0  # platform minus local, seconds
        self.learned = False
        self.keeper = keeper

    def now(self) -> float:
        return self.local() + self.offset

    def observe(self, platform_time: float, sent: float, received: float,
                resolution: float = 0.0) -> bool:
        """Learns from a platform time seen between `sent` and `received` (local clock);
        True if the offset changed."""
        estimate = platform_time + resolution / 2 - (sent + received) / 2
        self.learned = True
        changed = abs(estimate - self.offset) > max(_SKEW_NOISE_SECONDS, resolution)
        if changed:
            self.offset = estimate
        if self.keeper is not None:
            # the offset kept may differ from this estimate by up to the noise band
            uncertainty = abs(estimate - self.offset) + (received - sent) / 2 + resolution / 2
            self.keeper.learned(self.offset, platform_time + resolution / 2, sent, received,
                                uncertainty)
        if not changed:
            return False
        log.warning("this terminal's clock is %.0f s %s the platform's; requests are signed "
                    "with the platform's time (set the clock: kiosk doctor shows how)",
                    abs(estimate), "behind" if estimate > 0 else "ahead of")
        return True


class Unreachable(Exception):
    """The platform could not be reached or did not answer in time."""

    def __init__(self, message: str, *, read_timeout: bool = False):
        super().__init__(message)
        self.read_timeout = read_timeout  # connected and sent, but no answer in time


class Unverified(Unreachable):
    """An answer to a signed request without the platform's valid signature bound to
    that request: whoever answered, it was not the platform (or not for this request).
    Read as a network error: retried, never taken as an acceptance or a refusal."""

    def __init__(self, message: str):
        super().__init__(f"unverified answer: {message}")


def _key_named_in(response: requests.Response) -> Ed25519PublicKey | None:
    """The platform signing key an enrollment answer names, or None."""
    try:
        named = response.json().get("platform_signing_key")
        return signing.decode_signing_public_key(named) if isinstance(named, str) else None
    except (ValueError, AttributeError):
        return None


def root_of(api_url: str) -> str:
    """`https://host/prefix/api/v1` → `https://host/prefix` (protocol paths carry /api/v1)."""
    url = api_url.rstrip("/")
    return url[: -len(paths.API)] if url.endswith(paths.API) else url


class PlatformClient:
    """Invariant: every answer to a signed request that `request` returns carries the
    platform's signature, verified with `platform_key` and bound to that request (its
    `acknowledgement`); any other raises `Unverified`. Without a `platform_key` no signed
    request gets an answer through."""

    def __init__(self, api_url: str, terminal_id: str, signing_key: Ed25519PrivateKey | None,
                 *, platform_key: Ed25519PublicKey | None = None, connect_timeout: float = 5.0,
                 read_timeout: float = 30.0, clock: PlatformClock | None = None):
        self.root = root_of(api_url)
        self.terminal_id = terminal_id
        self._key = signing_key
        self.platform_key = platform_key
        self.timeout = (connect_timeout, read_timeout)
        self.clock = clock or PlatformClock()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"petition-kiosk/{__version__}"
        # requests would look at the environment (proxies, netrc, CA bundle) on every
        # request; read it once here instead. A proxy set for this address in the
        # environment (HTTPS_PROXY, NO_PROXY…) and REQUESTS_CA_BUNDLE still count.
        self.session.trust_env = False
        self.session.proxies = get_environ_proxies(self.root)
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        if ca_bundle:
            self.session.verify = ca_bundle

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
                headers: dict[str, str] | None = None, signed: bool = True,
                key_in_answer: bool = False) -> Answer:
        """Sends one request. A signed request the platform refuses as stale (this
        terminal's clock is off) is signed again with the time learned from that
        answer and sent once more: nothing was done with the first.

        `key_in_answer` (enrollment, unsigned): a success must be signed with the
        platform signing key its own body names, bound to this request."""
        body = data
        hdrs = dict(self.session.headers)
        hdrs.update(headers or {})
        if json_body is not None:
            body = json_body if isinstance(json_body, bytes) else json_body.encode()
            hdrs["Content-Type"] = "application/json"
        body = body or b""
        url = self.root + path
        sign = signed and self._key is not None
        for _attempt in range(2):
            prepared = requests.Request(method, url, data=body, headers=hdrs).prepare()
            offset_used = self.clock.offset
            if sign:
                assert self._key is not None
                prepared.headers.update(signing.signature_headers(
                    method, prepared.url, prepared.headers, body, self.terminal_id, self._key,
                    self.clock.now()))
            sent = self.clock.local()
            try:
                response = self.session.send(prepared, timeout=self.timeout)
            except requests.RequestException as exc:
                raise Unreachable(f"{type(exc).__name__}: {exc}",
                                  read_timeout=isinstance(exc, requests.ReadTimeout)) from None
            received = self.clock.local()
            verified = None
            if sign:
                verified = self._verify(prepared, response, self.platform_key)
            elif key_in_answer and 200 <= response.status_code < 300:
                named = _key_named_in(response)
                if named is None:
                    raise Unverified("the enrollment answer names no platform signing key: "
                                     "the platform is of a release that does not sign its "
                                     "answers")
                verified = self._verify(prepared, response, named)
            answer = Answer.parse(response.status_code, response.content, response.headers,
                                  verified)
            date = answers.platform_time(answer)
            if date is not None:
                self.clock.observe(date, sent, received, resolution=1.0)
            # Learned from this answer or, meanwhile, from another thread's.
            learned = self.clock.offset != offset_used
            if not (sign and learned and answers.is_stale_signature(answer)):
                return answer
        return answer

    def _verify(self, prepared: requests.PreparedRequest, response: requests.Response,
                key: Ed25519PublicKey | None) -> ack.Acknowledgement:
        """The platform's signature over this answer to this request, or `Unverified`."""
        if key is None:
            raise Unverified("this terminal does not know the platform's signing key "
                             "(enrolled before the platform signed its answers): enroll again")
        try:
            return ack.verify_answer(
                response.status_code, response.headers.items(), response.content,
                method=prepared.method or "GET", path=urlsplit(prepared.url).path,
                request_signature=prepared.headers.get("Signature"), key=key)
        except ack.Unverified as exc:
            # Status and reason only: neither the path (a query code) nor the body.
            log.warning("unverified answer (HTTP %d), treated as a network error: %s",
                        response.status_code, exc)
            raise Unverified(f"HTTP {response.status_code}: {exc}") from None

    # --- the calls of wire protocol v1 ---------------------------------------------------

    def enroll(self, code: str, signing_public_key: str) -> Answer:
        req = schemas.EnrollmentRequest(terminal_id=self.terminal_id, code=code,
                                         signing_public_key=signing_public_key)
        return self.request("POST", paths.ENROLLMENTS, json_body=req.model_dump_json(),
                            signed=False, key_in_answer=True)

    def bind_agent(self, code: str) -> Answer:
        """Redeems a proxy station agent's one-time binding code (`wire.agents`)."""
        body = schemas.AgentBindingRequest(code=code)
        return self.request("POST", paths.AGENT_BINDINGS, json_body=body.model_dump_json())

    def limits(self) -> Answer:
        return self.request("GET", paths.LIMITS)

    def upload_status(self, sealed_digest: str) -> Answer:
        return self.request("GET", paths.attachment_path(sealed_digest))

    def upload_chunk(self, sealed_digest: str, offset: int, total: int, chunk: bytes) -> Answer:
        return self.request("PUT", paths.attachment_path(sealed_digest), data=chunk,
                            headers={"Upload-Offset": str(offset), "Upload-Length": str(total),
                                     "Content-Type": "application/octet-stream"})

    def submit(self, body: schemas.SubmissionRequest) -> Answer:
        return self.request("POST", paths.SUBMISSIONS, json_body=body.model_dump_json(),
                            headers={"Idempotency-Key": body.submission_id})

    def followup(self, body: schemas.FollowUpRequest) -> Answer:
        """Something the citizen did after the receipt (a rating), exactly once."""
        return self.request("POST", paths.FOLLOWUPS, json_body=body.model_dump_json(),
                            headers={"Idempotency-Key": body.followup_id})

    def submit_batch(self, bodies: list[schemas.SubmissionRequest]) -> Answer:
        # Joined as text: the same bytes as SubmissionBatch(...).model_dump_json().
        body = '{"submissions":[' + ",".join(b.model_dump_json() for b in bodies) + "]}"
        return self.request("POST", paths.SUBMISSION_BATCHES, json_body=body)

    def heartbeat(self, beat: schemas.Heartbeat) -> Answer:
        # without help_requested_at while none stands: an older platform refuses unknown keys
        leave_out = {"help_requested_at"} if beat.help_requested_at is None else None
        return self.request("POST", paths.heartbeat_path(self.terminal_id),
                            json_body=beat.model_dump_json(exclude=leave_out))

    def content(self, etag: str | None) -> Answer:
        headers = {"If-None-Match": etag} if etag else None
        return self.request("GET", paths.content_path(self.terminal_id), headers=headers)

    def case(self, query_code: str) -> Answer:
        """A case of this terminal's jurisdiction (or one it submitted)."""
        return self.request("GET", paths.case_path(query_code))

    def case_query(self, query: schemas.CaseQuery) -> Answer:
        """A citizen's case, read with its query code and second factor (in the body)."""
        return self.request("POST", paths.CASE_QUERIES,
                            json_body=query.model_dump_json(exclude_none=True))
