"""`kiosk doctor` checks that need the network or the terminal's key (run by kiosk/doctor.py).

Per configured platform: DNS and TCP for its web and API addresses, TLS for
https; for the delivery platform also a signed GET /api/v1/limits (the platform
accepts this terminal's enrollment) and the clock against its Date header (the
skew is reported; delivery itself corrects for it, see sync/client.py).
Every network step has a short timeout of its own.
"""

from __future__ import annotations

import os
import socket
import ssl
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests

from kiosk.config import plain_http_problem
from kiosk.doctor import FAIL, PASS, SKIP, WARN, Check, Context, Result
from sync import answers, enrollment
from sync.answers import Answer
from sync.client import PlatformClient, PlatformClock, Unreachable, local_time, root_of
from wire import paths, signing

DNS_TIMEOUT = 2.0
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 3.0
CERT_WARN_DAYS = 14
SKEW_WARN_SECONDS = 30
# Delivery signs with the platform's time once it has seen an answer, so a wrong clock no
# longer stops it; but receipts, review deadlines and logs use this clock's date and time.
SKEW_FAIL_SECONDS = 60 * 60
SET_CLOCK = "sudo timedatectl set-ntp true  (or set it by hand: sudo date -s 'YYYY-MM-DD HH:MM:SS')"


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str
    port: int
    roles: tuple[str, ...]  # "web", "api"

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"


def _endpoints(platform) -> list[Endpoint]:
    """The platform's distinct (scheme, host, port): web and API often share one."""
    seen: dict[tuple[str, str, int], list[str]] = {}
    for role, url in (("web", platform.web_url), ("api", platform.api_url)):
        if url is None:
            continue
        parts = urlsplit(str(url))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        seen.setdefault((parts.scheme, parts.hostname or "", port), []).append(role)
    return [Endpoint(s, h, p, tuple(r)) for (s, h, p), r in seen.items()]


def _resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo with a timeout: the resolver itself has none worth trusting."""
    box: dict[str, object] = {}

    def lookup() -> None:
        try:
            box["ok"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            box["error"] = exc

    t = threading.Thread(target=lookup, daemon=True)
    t.start()
    t.join(DNS_TIMEOUT)
    if "ok" in box:
        return box["ok"]  # type: ignore[return-value]
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    raise TimeoutError(f"no DNS answer within {DNS_TIMEOUT:g} s")


def _connect(ep: Endpoint) -> socket.socket:
    infos = _resolve(ep.host, ep.port)
    last: OSError | None = None
    for family, kind, proto, _name, addr in infos:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(CONNECT_TIMEOUT)
        try:
            sock.connect(addr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"no address for {ep.host}")


def _severity(ep: Endpoint) -> str:
    # The kiosk itself only needs the API; the web address is shown as a QR code for
    # citizens' phones, and a terminal on a closed network may legitimately not reach it.
    return FAIL if "api" in ep.roles else WARN


def check_reach(ctx: Context, platform, ep: Endpoint) -> Result:
    what = f"{'+'.join(ep.roles)} {ep.scheme}://{ep.label}"
    config_keys = " / ".join(f"platforms[{_index(ctx, platform)}].{r}_url" for r in ep.roles)
    try:
        addresses = _resolve(ep.host, ep.port)
    except (OSError, TimeoutError) as exc:
        return Result(_severity(ep), f"{what}: DNS lookup of {ep.host} failed: {exc}",
                      f"check the DNS servers (resolvectl status) or {config_keys} "
                      f"in {ctx.config_file()}")
    t0 = time.monotonic()
    try:
        _connect(ep).close()
    except OSError as exc:
        reason = "no answer within 3 s" if isinstance(exc, TimeoutError) else \
            (exc.strerror or str(exc))
        return Result(_severity(ep), f"{what}: TCP connect failed: {reason}",
                      f"check the network and the firewall to {ep.label}, that the platform "
                      f"runs there, and {config_keys} in {ctx.config_file()}")
    ip = addresses[0][4][0]
    resolved = f"{ep.host} → {ip}, " if ip != ep.host else ""
    return Result(PASS, f"{what}: {resolved}TCP connect in "
                        f"{(time.monotonic() - t0) * 1000:.0f} ms")


def _ca_file() -> str | None:
    # The delivery client (requests) trusts certifi's bundle unless told otherwise;
    # check against the same store so the answer means what delivery will see.
    env = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if env:
        return env
    try:
        import certifi

        return certifi.where()
    except ImportError:
        return None


def check_tls(ctx: Context, platform, ep: Endpoint) -> Result:
    what = f"{'+'.join(ep.roles)} https://{ep.label}"
    context = ssl.create_default_context(cafile=_ca_file())
    try:
        with _connect(ep) as raw:
            raw.settimeout(READ_TIMEOUT)
            with context.wrap_socket(raw, server_hostname=ep.host) as tls:
                cert = tls.getpeercert() or {}
    except ssl.SSLCertVerificationError as exc:
        message = exc.verify_message or str(exc)
        if "expired" in message or "not yet valid" in message:
            fix = ("check the clock first (the clock check); if it is right, the platform's "
                   "operator must renew the certificate")
        else:
            fix = ("ask the platform's operator for a certificate this terminal trusts, or "
                   "point REQUESTS_CA_BUNDLE at their CA file")
        return Result(_severity(ep), f"{what}: certificate refused: {message}", fix)
    except (OSError, ssl.SSLError) as exc:
        return Result(_severity(ep), f"{what}: TLS handshake failed: {type(exc).__name__}: {exc}",
                      "ask the platform's operator; check that nothing on the way "
                      "intercepts TLS")
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    days = (not_after - datetime.now(UTC)).days
    found = f"{what}: certificate valid until {not_after:%Y-%m-%d} ({days} days)"
    if days < CERT_WARN_DAYS:
        return Result(WARN, found + f", less than {CERT_WARN_DAYS} days left",
                      "ask the platform's operator to renew the certificate")
    return Result(PASS, found)


def check_plain_http(ctx: Context, platform) -> Result:
    """An API address without TLS: only on the loopback (the configuration refuses
    any other; this says why it is allowed here)."""
    problem = plain_http_problem(str(platform.api_url))
    if problem is not None:
        return Result(FAIL, f"api {problem}",
                      f"set platforms[{_index(ctx, platform)}].api_url to the platform's "
                      f"https:// address in {ctx.config_file()}")
    return Result(PASS, f"api {platform.api_url}: plain http, allowed only because it is on "
                        "this machine's loopback (本机回环); anywhere else https:// is required")


def _index(ctx: Context, platform) -> int:
    assert ctx.loaded is not None
    return [p.id for p in ctx.loaded.config.platforms].index(platform.id)


def _enroll_fix(ctx: Context) -> str:
    return (f"{ctx.app('enroll --code CODE')}  (a new code from the platform's "
            "operator: `kiosk-receiver terminal add TERMINAL_ID` on the reference platform)")


def check_enrollment(ctx: Context) -> Result:
    assert ctx.loaded is not None
    cfg = ctx.loaded.config
    try:
        enrolled = enrollment.load(ctx.loaded.data_dir)
    except enrollment.NotEnrolled as exc:
        return Result(FAIL, str(exc).split(":")[0], _enroll_fix(ctx))
    target = cfg.delivery_platform
    if enrolled.terminal_id != cfg.terminal.id:
        return Result(FAIL, f"enrolled as {enrolled.terminal_id!r}, configured as "
                            f"{cfg.terminal.id!r}",
                      f"set [terminal] id = \"{enrolled.terminal_id}\" in {ctx.config_file()}, "
                      f"or enroll again: {_enroll_fix(ctx)}")
    if enrolled.platform_public_key != target.public_key:
        return Result(FAIL, "the platform's sealing key differs from the configured one: "
                            "envelopes would be sealed to the wrong key",
                      f"set platforms[{_index(ctx, target)}].public_key = "
                      f"\"{enrolled.platform_public_key}\" in {ctx.config_file()}")
    if root_of(enrolled.api_url) != root_of(str(target.api_url)):
        return Result(WARN, f"enrolled with {enrolled.api_url}, but delivers to {target.api_url}",
                      _enroll_fix(ctx))
    fingerprint = enrolled.platform_key_fingerprint
    if fingerprint is None:
        return Result(FAIL, "the platform's signing key is not known (enrolled before the "
                            "platform signed its answers): nothing can be delivered",
                      _enroll_fix(ctx))
    return Result(PASS, f"terminal {enrolled.terminal_id} enrolled with {enrolled.api_url} "
                        f"on {enrolled.enrolled_at[:10]}; the platform's answers are signed "
                        f"by {fingerprint}")


def check_signing_key(ctx: Context) -> Result:
    assert ctx.loaded is not None
    path = ctx.loaded.data_dir / enrollment.KEY_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        # The enrollment check already fails with the fix; one cause, one FAIL.
        return Result(SKIP, f"{path}: no key yet (see enrollment)")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        return Result(FAIL, f"{path} has mode {mode:04o}: other users can read the terminal's key",
                      f"chmod 600 {path}")
    return Result(PASS, f"{path} mode {mode:04o}")


def check_platform_api(ctx: Context, local: Callable[[], float] = local_time) -> Result:
    assert ctx.loaded is not None
    cfg = ctx.loaded.config
    enrolled = enrollment.load(ctx.loaded.data_dir)
    client = PlatformClient(str(cfg.delivery_platform.api_url), cfg.terminal.id,
                            enrolled.signing_key, platform_key=enrolled.platform_key,
                            connect_timeout=CONNECT_TIMEOUT,
                            read_timeout=READ_TIMEOUT, clock=PlatformClock(local))
    try:
        answer = client.limits()
    except Unreachable as exc:
        return Result(FAIL, f"signed GET {paths.LIMITS}: no answer: {exc}",
                      "check the network to the platform (the reach checks)")
    finally:
        client.close()
    found = f"signed GET {paths.LIMITS}: {answer.error if answer.status != 200 else 200}"
    if answer.status == 200:
        corrected = abs(client.clock.offset) > signing.MAX_CLOCK_SKEW.total_seconds()
        return Result(PASS, found + " (the platform accepts this terminal's key" +
                      (", signed with the platform's time: see the clock check)" if corrected
                       else ")"))
    if answers.is_maintenance(answer):
        return Result(WARN, found + f" (Retry-After {answer.headers.get('Retry-After', '?')})",
                      "the platform is down for maintenance: try again later")
    if answers.is_stale_signature(answer):
        return Result(FAIL, found, f"set the clock: {SET_CLOCK}")
    if answers.key_refused(answer):
        return Result(FAIL, found + " (the platform does not accept this terminal's key)",
                      _enroll_fix(ctx))
    return Result(FAIL, found, "ask the platform's operator; the answer is shown above")


def check_clock(ctx: Context, local: Callable[[], float] = local_time) -> Result:
    assert ctx.loaded is not None
    url = root_of(str(ctx.loaded.config.delivery_platform.api_url)) + paths.LIMITS
    try:
        # Unsigned on purpose: any answer carries the platform's Date header.
        t0 = local()
        response = requests.get(url, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT))
        t1 = local()
    except requests.RequestException as exc:
        return Result(FAIL, f"no answer from {url}: {type(exc).__name__}",
                      "check the network to the platform (the reach checks)")
    date = answers.platform_time(Answer(response.status_code, None, response.headers))
    if date is None:
        return Result(WARN, f"{url} sends no readable Date header: the clock cannot be compared",
                      "ask the platform's operator to send a Date header")
    # Date has whole seconds: its mid-second against the middle of the round trip.
    platform_time = date + 0.5
    skew = (t0 + t1) / 2 - platform_time
    found = f"this terminal's clock is {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} " \
            f"the platform's"
    window = int(signing.MAX_CLOCK_SKEW.total_seconds())
    if abs(skew) > window:
        found += (f"; beyond the platform's {window // 60}-minute signature window, so delivery "
                  "signs with the platform's time instead")
    if abs(skew) > SKEW_FAIL_SECONDS:
        return Result(FAIL, found + "; receipts, review deadlines and logs use this clock",
                      f"set the clock: {SET_CLOCK}")
    if abs(skew) > SKEW_WARN_SECONDS:
        return Result(WARN, found, f"set the clock: {SET_CLOCK}")
    return Result(PASS, found)


def checks(ctx: Context, local: Callable[[], float] = local_time) -> list[Check]:
    """The checks of this side; `local` is the terminal's clock they compare and sign with."""
    if ctx.loaded is None:
        return []
    cfg = ctx.loaded.config
    out = [
        Check("enrollment", lambda: check_enrollment(ctx), timeout=3),
        Check("signing-key", lambda: check_signing_key(ctx), timeout=2),
    ]
    delivery_reach = None
    for platform in cfg.platforms:
        for ep in _endpoints(platform):
            name = f"reach:{platform.id}" + ("" if len(_endpoints(platform)) == 1
                                            else f":{'+'.join(ep.roles)}")
            out.append(Check(name, lambda p=platform, e=ep: check_reach(ctx, p, e),
                             timeout=DNS_TIMEOUT + CONNECT_TIMEOUT + 0.5))
            if platform.id == cfg.delivery_platform.id and "api" in ep.roles:
                delivery_reach = name
            if ep.scheme == "https":
                out.append(Check(name.replace("reach:", "tls:", 1),
                                 lambda p=platform, e=ep: check_tls(ctx, p, e),
                                 timeout=CONNECT_TIMEOUT + READ_TIMEOUT + 0.5,
                                 needs=(name,), needs_pass=True))
            elif "api" in ep.roles:
                out.append(Check(name.replace("reach:", "tls:", 1),
                                 lambda p=platform: check_plain_http(ctx, p), timeout=1))
    needs = (delivery_reach,) if delivery_reach else ()
    out += [
        Check("platform-api", lambda: check_platform_api(ctx, local),
              timeout=CONNECT_TIMEOUT + READ_TIMEOUT + 0.5, needs=("enrollment", *needs)),
        Check("clock", lambda: check_clock(ctx, local),
              timeout=CONNECT_TIMEOUT + READ_TIMEOUT + 0.5, needs=needs),
    ]
    return out
