"""The `kiosk-receiver` command (also `python -m receiver`).

Exit status: 0 done; 1 could not be done (a key already exists, the port is
taken, storage, a database this release cannot take); 2 bad arguments (unknown
case, status, terminal, a bad file) — with a message saying which, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import socket
import sqlite3
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from receiver import __version__, agents_cli, carry_cli, evaluations_cli, faults, keys
from receiver.limits import LIMITS, MiB, ServerLimits, max_body
from receiver.storage.schema import SchemaError
from wire import schemas, sealing, signing

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
DEFAULT_DATA = Path("receiver-data")
DEFAULT_PORT = 8700
_TERMINAL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


class Refused(Exception):
    """Stops a command with a message and an exit status."""

    def __init__(self, message: str, status: int = EXIT_INVALID):
        super().__init__(message)
        self.status = status


# --- argument types (argparse turns their ValueError/ArgumentTypeError into exit 2) ------


def _terminal_id(text: str) -> str:
    if not _TERMINAL_ID.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a terminal id: 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit")
    return text


def _jurisdiction(text: str) -> str:
    area = text.strip()
    if not area or len(area) > 200 or any(not ch.isprintable() for ch in area):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a jurisdiction: 1-200 printable characters, e.g. 某某县 or 330122")
    return area


def _duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 7d, 12h, 30m, 90s")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 86400")
    return value


def _error_status(text: str) -> int:
    if not text.isdigit() or int(text) not in faults.ERROR_STATUSES:
        raise argparse.ArgumentTypeError(f"{text!r} is not an HTTP error status (400-599)")
    return int(text)


def _fd(text: str) -> int:
    if not text.isdigit() or int(text) < 3:
        raise argparse.ArgumentTypeError(f"{text!r} is not a file descriptor number (3 or more)")
    return int(text)


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return int(text)


def _positive_seconds(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r}: a timeout of 0 seconds cuts every client")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535; 0: any free)")
    return int(text)


def add_serve_limits(serve: argparse.ArgumentParser) -> None:
    """What a client may cost before it is known (docs/receiver.md, "Limits")."""
    d = ServerLimits()
    group = serve.add_argument_group("limits on what any client may cost")
    group.add_argument("--max-connections", type=_positive_int, default=d.max_connections,
                       metavar="N", help="connections and requests at once; beyond: 503 "
                                         f"({d.max_connections})")
    group.add_argument("--backlog", type=_positive_int, default=d.backlog, metavar="N",
                       help=f"connections waiting to be accepted ({d.backlog})")
    group.add_argument("--keep-alive-timeout", type=_positive_int, default=d.keep_alive_timeout,
                       metavar="SECONDS", help="an idle connection between requests is closed "
                                               f"after this ({d.keep_alive_timeout})")
    group.add_argument("--header-timeout", type=_positive_seconds, default=d.header_timeout,
                       metavar="SECONDS", help="from a request's first byte (or the "
                       f"connection) to the end of its headers; then 408 ({d.header_timeout:g})")
    group.add_argument("--max-header-bytes", type=_positive_int, default=d.max_header_bytes,
                       metavar="BYTES", help="request line and headers together; beyond: 431 "
                                             f"({d.max_header_bytes})")
    group.add_argument("--body-timeout", type=_positive_seconds, default=d.body_timeout,
                       metavar="SECONDS", help="a body must make progress within each such "
                       f"window, else the connection is closed ({d.body_timeout:g})")
    group.add_argument("--min-body-rate", type=int, default=d.min_body_rate,
                       metavar="BYTES_PER_S", help="the least average rate of a body over each "
                       f"window ({d.min_body_rate})")
    group.add_argument("--body-budget", type=_positive_int, default=d.body_budget // MiB,
                       metavar="MiB", help=f"request bodies held in memory at once "
                                           f"({d.body_budget // MiB})")
    group.add_argument("--body-wait", type=_seconds, default=d.body_wait, metavar="SECONDS",
                       help="how long a request waits for room in the body budget; then "
                            f"503 busy ({d.body_wait:g})")


def server_limits(args: argparse.Namespace) -> ServerLimits:
    """The limits `serve` was given; a `Refused` (exit 2) for numbers that cannot work."""
    try:
        limits = ServerLimits(
            max_connections=args.max_connections, backlog=args.backlog,
            keep_alive_timeout=args.keep_alive_timeout, header_timeout=args.header_timeout,
            max_header_bytes=args.max_header_bytes, body_timeout=args.body_timeout,
            min_body_rate=args.min_body_rate, body_budget=args.body_budget * MiB,
            body_wait=args.body_wait)
    except ValueError as exc:
        raise Refused(str(exc)) from None
    if limits.body_budget < max_body(LIMITS):
        raise Refused(f"--body-budget {args.body_budget} MiB cannot take the largest body a "
                      f"route allows ({max_body(LIMITS)} bytes)")
    return limits


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", type=Path, metavar="DIR", default=argparse.SUPPRESS,
                        help=f"the platform's data directory (default: ./{DEFAULT_DATA})")
    parser = argparse.ArgumentParser(
        prog="kiosk-receiver", parents=[common],
        description="Reference central receiving platform for the online-petition kiosk.")
    parser.add_argument("--version", action="version", version=f"kiosk-receiver {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", parents=[common], help="run the HTTP API")
    serve.add_argument("--host", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=_port,
                       help=f"port to listen on ({DEFAULT_PORT}; 0 picks a free one)")
    serve.add_argument("--fd", type=_fd, metavar="N",
                       help="serve on the listening TCP socket this process inherited as file "
                            "descriptor N (socket activation: systemd passes 3) instead of "
                            "binding --host and --port")
    serve.add_argument("--platform-key", type=Path, metavar="FILE",
                       help="use this X25519 private key file (base64 of 32 bytes) instead of "
                            "the data directory's own")
    add_serve_limits(serve)

    keygen = sub.add_parser("keygen", parents=[common],
                            help="make the platform's key pair; print the public key")
    keygen.add_argument("--force", action="store_true",
                        help="replace an existing key (envelopes sealed to it become unreadable)")

    terminal = sub.add_parser("terminal", parents=[common], help="enroll and manage terminals")
    tsub = terminal.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = tsub.add_parser("add", parents=[common],
                          help="issue a one-time enrollment code for a terminal")
    add.add_argument("name", type=_terminal_id, metavar="NAME", help="the terminal id")
    add.add_argument("--label", help="a description, e.g. the hall where it stands")
    add.add_argument("--expires-in", type=_duration, default=timedelta(days=7),
                     metavar="DURATION", help="how long the code is valid (7d; also h, m, s)")
    add.add_argument("--jurisdiction", type=_jurisdiction, metavar="AREA",
                     help="the area the terminal belongs to (e.g. its county's name or code): "
                          "it may read the cases of terminals of the same area")
    setj = tsub.add_parser("set-jurisdiction", parents=[common],
                           help="set the area a terminal belongs to (who may read its cases)")
    setj.add_argument("name", type=_terminal_id, metavar="NAME")
    setj.add_argument("jurisdiction", type=_jurisdiction, metavar="AREA", nargs="?",
                      help="the area; leave out with --clear")
    setj.add_argument("--clear", action="store_true",
                      help="no area: the terminal reads only the cases it submitted")
    tlist = tsub.add_parser("list", parents=[common], help="terminals and their last heartbeat")
    tlist.add_argument("--json", action="store_true", help="print JSON")
    revoke = tsub.add_parser("revoke", parents=[common],
                             help="refuse every request of a terminal from now on")
    revoke.add_argument("name", type=_terminal_id, metavar="NAME")

    cases = sub.add_parser("cases", parents=[common], help="list received cases")
    cases.add_argument("--json", action="store_true", help="print JSON")

    case = sub.add_parser("case", parents=[common], help="move a case along")
    csub = case.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_status = csub.add_parser("set-status", parents=[common], help="set a case's status")
    set_status.add_argument("case_no", metavar="CASE", help="the case number (XF…)")
    set_status.add_argument("status", metavar="STATUS",
                            help="one of: " + ", ".join(schemas.CASE_STATUSES))
    set_status.add_argument("--note", help="a note kept in the case's history; for "
                            "material_requested, what is missing (the citizen reads it)")
    show = csub.add_parser("show", parents=[common],
                           help="a case's status, history, material added and withdrawals")
    show.add_argument("case_no", metavar="CASE", help="the case number (XF…)")
    show.add_argument("--json", action="store_true", help="print JSON")

    receipt = sub.add_parser("receipt", parents=[common], help="signed receipts of terminals")
    rsub = receipt.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = rsub.add_parser(
        "verify", parents=[common],
        help="check a receipt (its text or its QR code's URL) and say whether its case arrived",
        description="Exit 0 with what the receipt says when its signature holds with a key its "
                    "terminal has had; exit 2 with why for a forged, altered or other-terminal "
                    "receipt.")
    verify.add_argument("text", metavar="TEXT", help="the receipt's text (R1…) or its QR URL")
    verify.add_argument("--json", action="store_true", help="print JSON")

    content = sub.add_parser("content", parents=[common], help="content published to terminals")
    ksub = content.add_subparsers(dest="action", metavar="ACTION", required=True)
    cset = ksub.add_parser("set", parents=[common],
                           help="publish FILE.json (TerminalContent without version) as a new "
                                "version")
    cset.add_argument("file", type=Path, metavar="FILE")
    ksub.add_parser("show", parents=[common], help="print the current content and its ETag")

    maintenance = sub.add_parser("maintenance", parents=[common],
                                 help="planned maintenance: every /api/v1 request answers 503")
    msub = maintenance.add_subparsers(dest="action", metavar="ACTION", required=True)
    mon = msub.add_parser("on", parents=[common], help="start answering 503 with Retry-After")
    mon.add_argument("--retry-after", type=int, default=300, metavar="SECONDS",
                     help="the Retry-After the terminals are given (300)")
    msub.add_parser("off", parents=[common], help="answer normally again")

    fault = sub.add_parser("fault", parents=[common], help="faults for testing terminals")
    fsub = fault.add_subparsers(dest="action", metavar="ACTION", required=True)
    hang = fsub.add_parser("hang", parents=[common],
                           help="POST /submissions (and /submissions/batch) waits SECONDS "
                                "before doing anything")
    hang.add_argument("--seconds", type=_seconds, required=True)
    slow = fsub.add_parser("slow", parents=[common],
                           help="POST /submissions waits SECONDS per submission while "
                                "holding their Idempotency-Keys (a retry meanwhile gets 409 "
                                "in_progress)")
    slow.add_argument("--seconds", type=_seconds, required=True)
    error = fsub.add_parser("error", parents=[common],
                            help="POST /submissions (and /submissions/batch) answers STATUS "
                                 "before doing anything: nothing is stored")
    error.add_argument("--status", type=_error_status, required=True,
                       help="an HTTP status from 400 to 599 (500: internal_error, any "
                            "other: http_error with that status)")
    error.add_argument("--after", action="store_true",
                       help="answer STATUS only after the submissions were handled and "
                            "committed (cases made, the answer lost)")
    fsub.add_parser("clear", parents=[common], help="no fault")

    migrate = sub.add_parser("migrate", parents=[common],
                             help="bring the database to the newest schema (serve and every "
                                  "command do it too)")
    migrate.add_argument("--to", default="head", metavar="REVISION",
                         help="another revision than the newest (older: a downgrade)")

    evaluations_cli.add_parser(sub, common)
    carry_cli.add_parser(sub, common)
    agents_cli.add_parser(sub, common, _duration)
    sub.add_parser("openapi", help="print the API's OpenAPI document (JSON)")
    return parser


# --- commands -------------------------------------------------------------------------------


def _store(args: argparse.Namespace, *, must_exist: bool = False):
    from receiver.storage import DB_FILE, Store

    if must_exist and not (args.data / DB_FILE).exists():
        raise Refused(f"no receiver data in {args.data} (start with `kiosk-receiver serve` or "
                      "`terminal add`, or pass --data DIR)")
    return Store(args.data)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from receiver.app import create_app
    from receiver.connections import protocol_class

    try:
        if args.platform_key is not None:
            key = keys.read_private_key(args.platform_key)
        else:
            key, made = keys.load_or_create(args.data)
            if made:
                print(f"made a new platform key pair in {args.data}; public key "
                      f"{keys.public_text(key)}", file=sys.stderr, flush=True)
        signing_key, made = keys.load_or_create_signing(args.data)
        if made:
            print(f"made a new signing key pair for the platform's answers in {args.data}; "
                  f"fingerprint {keys.signing_fingerprint(signing_key)}", file=sys.stderr,
                  flush=True)
    except keys.PlatformKeyError as exc:
        raise Refused(str(exc)) from None
    limits = server_limits(args)
    if args.fd is not None:
        if args.host is not None or args.port is not None:
            raise Refused("--fd takes the place of --host and --port: give one or the other")
        sock = _inherited_socket(args.fd)
    else:
        host, port = args.host or "127.0.0.1", DEFAULT_PORT if args.port is None else args.port
        try:
            sock = _listening_socket(host, port)
        except OSError as exc:
            raise Refused(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                          EXIT_FAILED) from None
    host, port = sock.getsockname()[:2]
    app = create_app(args.data, platform_private_key=key, platform_signing_key=signing_key,
                     server_limits=limits)

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                print(f"listening on http://{_url_host(host)}:{port}", flush=True)

    # The log format names no thread, process or source line: the server does not collect
    # them for each record (the optimisations the logging documentation lists).
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging._srcfile = None
    config = uvicorn.Config(app, log_config=_LOG_CONFIG, access_log=False,
                            timeout_graceful_shutdown=5, http=protocol_class(limits),
                            limit_concurrency=limits.max_connections, backlog=limits.backlog,
                            timeout_keep_alive=limits.keep_alive_timeout)
    Server(config).run(sockets=[sock])
    return EXIT_OK


def _listening_socket(host: str, port: int) -> socket.socket:
    """Bound before the app starts, so a taken port is a clear message and port 0 works."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP,
        flags=socket.AI_PASSIVE)[0]
    # An explicit IPPROTO_TCP matters: asyncio sets TCP_NODELAY on accepted connections
    # only then; without it every keep-alive request waits 40 ms on a delayed ACK.
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def _inherited_socket(fd: int) -> socket.socket:
    """The listening TCP socket passed as `fd` by whoever started the server: a service
    manager, or a test holding its port across restarts. While no server runs on it,
    connections wait in its backlog (socket activation) or are refused (a socket only
    bound), as its owner chose."""
    try:
        sock = socket.socket(fileno=fd)  # family, type and protocol read from the socket
    except OSError as exc:
        raise Refused(f"--fd {fd}: not an open socket ({exc.strerror or exc})",
                      EXIT_FAILED) from None
    listening = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or \
            sock.type != socket.SOCK_STREAM or not listening:
        sock.detach()  # not ours to close
        raise Refused(f"--fd {fd}: not a listening TCP socket", EXIT_FAILED)
    # As with a socket of our own (see `_listening_socket`): no 40 ms delayed-ACK stalls.
    # Accepted connections inherit it on Linux; asyncio sets it too when proto is TCP.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


_LOG_CONFIG: dict[str, Any] = {
    # Method, path, status and time only: bodies (and so personal data) are never logged.
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain",
                            "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "receiver": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def cmd_keygen(args: argparse.Namespace) -> int:
    """The sealing key pair on stdout (its public half, for the terminals' configuration)
    and the signing key pair on stderr; a data directory that has a sealing key but no
    signing key (an earlier release) gets only the signing key."""
    try:
        key = keys.create(args.data, force=args.force)
    except FileExistsError:
        existing = keys.load(args.data)
        public = keys.public_text(existing) if existing else "unreadable"
        if keys.load_signing(args.data) is None:
            _made_signing_key(args, keys.create_signing(args.data))
            return EXIT_OK
        raise Refused(f"{keys.private_key_path(args.data)} already exists (public key {public}); "
                      "pass --force to replace it — envelopes sealed to the old key then "
                      "cannot be opened", EXIT_FAILED) from None
    print(keys.public_text(key))
    _made_signing_key(args, keys.create_signing(args.data, force=True))
    return EXIT_OK


def _made_signing_key(args: argparse.Namespace, key: Any) -> None:
    print(f"signing key for the platform's answers: {keys.signing_public_text(key)} "
          f"(fingerprint {keys.signing_fingerprint(key)}, in {keys.SIGNING_PUBLIC_FILE}); "
          "terminals learn it at enrollment", file=sys.stderr)


def cmd_terminal(args: argparse.Namespace) -> int:
    if args.action == "add":
        code, expires, existed = _store(args).add_terminal(args.name, args.label,
                                                           args.expires_in,
                                                           jurisdiction=args.jurisdiction)
        from receiver.storage import group_code

        if existed:  # on stderr: stdout stays two lines, each ending with the code
            print(f"{args.name} is known: its current key works until this code is used",
                  file=sys.stderr)
        print(f"enrollment code for {args.name}: {group_code(code)}")
        print(f"valid until {_local(expires)}, once; on the terminal: "
              f"kiosk enroll --platform URL --code {group_code(code)}")
        return EXIT_OK
    if args.action == "list":
        rows = _store(args, must_exist=True).list_terminals()
        if args.json:
            print(json.dumps(rows, default=_json_default, ensure_ascii=False, indent=2))
        else:
            _table(rows, ["terminal_id", "name", "jurisdiction", "state", "enrolled_at",
                          "last_heartbeat_at", "version", "queue_depth", "needs_attention",
                          "help_requested_at"])
        return EXIT_OK
    if args.action == "set-jurisdiction":
        return _set_jurisdiction(args)
    if not _store(args, must_exist=True).revoke_terminal(args.name):
        raise Refused(f"no terminal {args.name!r} (see `kiosk-receiver terminal list`)")
    print(f"terminal {args.name} revoked: its requests are refused from now on")
    return EXIT_OK


def _set_jurisdiction(args: argparse.Namespace) -> int:
    if (args.jurisdiction is None) == (not args.clear):
        raise Refused("give the terminal's area, or --clear (not both)")
    from receiver.storage import NotFound

    try:
        adopted = _store(args, must_exist=True).set_jurisdiction(args.name, args.jurisdiction)
    except NotFound:
        raise Refused(f"no terminal {args.name!r} (see `kiosk-receiver terminal list`)") from None
    if args.jurisdiction is None:
        print(f"terminal {args.name} has no jurisdiction: it reads only the cases it submitted")
    else:
        print(f"terminal {args.name} belongs to {args.jurisdiction}; {adopted} of its earlier "
              "cases without a jurisdiction now belong to it too")
    return EXIT_OK


def cmd_cases(args: argparse.Namespace) -> int:
    rows = _store(args, must_exist=True).list_cases()
    if args.json:
        print(json.dumps(rows, default=_json_default, ensure_ascii=False, indent=2))
    else:
        for row in rows:  # a retired category, kept for the office to classify: said so
            if row["category_given"]:
                row["category"] = f"{row['category']} (given: {row['category_given']})"
        _table(rows, ["case_no", "receipt_no", "submission_id", "terminal_id", "kind", "category",
                      "status", "received_at"])
    return EXIT_OK


def cmd_case(args: argparse.Namespace) -> int:
    from receiver.storage import NotFound, StatusRefused

    if args.action == "show":
        return _show_case(args)
    if args.status not in schemas.CASE_STATUSES:
        known = ", ".join(f"{k} ({v})" for k, v in schemas.CASE_STATUSES.items())
        raise Refused(f"unknown status {args.status!r}; one of: {known}")
    try:
        _store(args, must_exist=True).set_case_status(args.case_no, args.status, args.note)
    except NotFound:
        raise Refused(f"no case {args.case_no!r} (see `kiosk-receiver cases`)") from None
    except StatusRefused as exc:
        raise Refused(f"{args.case_no}: not set to {args.status}: {exc}") from None
    print(f"{args.case_no}: {args.status} ({schemas.CASE_STATUSES[args.status]})")
    return EXIT_OK


def _show_case(args: argparse.Namespace) -> int:
    store = _store(args, must_exist=True)
    progress = store.case_progress_of(args.case_no)
    if progress is None:
        raise Refused(f"no case {args.case_no!r} (see `kiosk-receiver cases`)")
    clock = store.case_clock(args.case_no) or {}
    shown = {**progress.model_dump(mode="json"), **store.case_aftercare(args.case_no),
             "application_date": clock}
    if args.json:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{progress.case_no} ({progress.kind}): {progress.status} ({progress.status_label})")
    if clock:
        print(f"application date: {clock['applied_at']} — {clock['clock_flag']} "
              f"({clock['applied_basis_label']})")
        kept = clock["confirmation_clock"]
        if kept:
            bound = "" if kept["bound_seconds"] is None else f", ±{kept['bound_seconds']:.0f} s"
            offset = "" if kept["offset_seconds"] is None \
                else f", terminal clock {kept['offset_seconds']:+.0f} s off the platform's"
            print(f"  terminal's clock at confirm: {kept['state']}{offset}{bound}, confirmed "
                  f"{kept['confirmed_local']} by its clock")
    if progress.material_complete_at:
        print(f"material complete: {shown['material_complete_at']}")
    for event in progress.history:
        note = f": {event.note}" if event.note else ""
        print(f"  {event.at.isoformat()}  {event.status_label}{note}")
    for item in shown["supplements"]:
        print(f"material added: {item['pages']} page(s), made {item['made_at']}, arrived "
              f"{item['received_at']} (follow-up {item['followup_id']})")
    for item in shown["withdrawals"]:
        state = f"confirmed {item['confirmed_at']}" if item["confirmed_at"] else "waiting"
        print(f"withdrawal asked {item['made_at']} (was {item['status_before']}): {state}")
    return EXIT_OK


def cmd_receipt(args: argparse.Namespace) -> int:
    from receiver import receipt_view
    from receiver.storage import receipts

    try:
        check = _store(args, must_exist=True).check_receipt(args.text)
    except receipts.ReceiptRefused as exc:
        raise Refused(f"not a valid receipt: {exc}") from None
    said = receipt_view.facts(check)
    if args.json:
        print(json.dumps(said, ensure_ascii=False, indent=2))
        return EXIT_OK
    signed = check.receipt
    name = f" ({check.terminal_name})" if check.terminal_name else ""
    print(f"receipt {receipt_view.group_receipt_no(signed.receipt_no)} of terminal "
          f"{signed.terminal_id}{name}: the signature holds (the terminal's key bound "
          f"{receipt_view.zh_time(check.key.bound_at)})")
    print(f"  kind: {signed.kind} ({said['kind_label']})")
    print(f"  confirmed at the terminal: {receipt_view.zh_time(signed.confirmed_at)} (UTC+8)")
    print(f"  sealed envelope sha256: {signed.envelope_sha256}")
    if check.case is None:
        print(f"  arrived: not yet ({receipt_view.NOT_ARRIVED})")
    else:
        case = check.case
        print(f"  arrived: yes, case {case.case_no}, {case.status} ({said['status_label']}), "
              f"received {receipt_view.zh_time(case.received_at)}")
        print(f"  application date: {receipt_view.zh_time(case.applied_at)} "
              f"({said['applied_basis_label']})")
    return EXIT_OK


def cmd_content(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    store = _store(args, must_exist=args.action == "show")
    if args.action == "show":
        body, etag = store.current_content()
        print(json.dumps({"etag": etag, "content": json.loads(body)}, ensure_ascii=False,
                         indent=2))
        return EXIT_OK
    try:
        data = schemas.loads_unique(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Refused(f"cannot read {args.file}: {exc.strerror or exc}") from None
    except schemas.DuplicateKey as exc:
        raise Refused(f"{args.file}: {exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(f"{args.file} is not JSON: {exc}") from None
    except RecursionError:
        raise Refused(f"{args.file} is nested too deeply to be terminal content") from None
    if not isinstance(data, dict):
        raise Refused(f"{args.file} must hold a JSON object (notices, qr_targets, categories, "
                      "purposes)")
    try:
        version, etag = store.set_content(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors(include_url=False, include_input=False)[:10])
        raise Refused(f"{args.file} is not terminal content: {problems}") from None
    except RecursionError:
        raise Refused(f"{args.file} is nested too deeply to be terminal content") from None
    print(f"content version {version} published (ETag {etag})")
    return EXIT_OK


def cmd_maintenance(args: argparse.Namespace) -> int:
    if args.action == "on":
        if args.retry_after < 0:
            raise Refused("--retry-after must be 0 or more seconds")
        faults.set_maintenance(args.data, args.retry_after)
        print(f"maintenance on: /api/v1 answers 503 with Retry-After: {args.retry_after}")
    else:
        faults.set_maintenance(args.data, None)
        print("maintenance off")
    return EXIT_OK


def cmd_fault(args: argparse.Namespace) -> int:
    if args.action == "clear":
        faults.set_fault(args.data, None)
        print("no fault")
    elif args.action == "error":
        faults.set_fault(args.data, faults.Fault("error", status=args.status, after=args.after))
        print(f"fault: POST /submissions answers {args.status}"
              + (" after handling the submissions" if args.after else ""))
    else:
        faults.set_fault(args.data, faults.Fault(args.action, args.seconds))
        print(f"fault: POST /submissions {args.action} {args.seconds:g} s")
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from receiver.storage import DB_FILE, schema

    args.data.mkdir(parents=True, exist_ok=True, mode=0o700)
    before, after = schema.migrate(args.data / DB_FILE, args.to)
    if before == after:
        print(f"{args.data / DB_FILE} is at revision {after}")
    else:
        print(f"{args.data / DB_FILE} migrated from revision {before or 'none'} to {after}")
    return EXIT_OK


def openapi_json() -> str:
    """The OpenAPI document as `docs/openapi.json` holds it."""
    from receiver.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        # A throwaway directory and key: the document depends on neither.
        app = create_app(Path(tmp), platform_private_key=sealing.generate_private_key(),
                         platform_signing_key=signing.generate_signing_key())
        doc = app.openapi()
        app.state.store.close()
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def cmd_evaluations(args: argparse.Namespace) -> int:
    try:
        return evaluations_cli.run(args, _store(args, must_exist=True))
    except evaluations_cli.Refused as exc:
        raise Refused(str(exc)) from None


def cmd_carry(args: argparse.Namespace) -> int:
    from receiver.carry import CarryImporter, carry_intake

    store = _store(args, must_exist=True)
    try:
        sealing_key, signing_key = keys.load(args.data), keys.load_signing(args.data)
        if sealing_key is None or signing_key is None:
            raise Refused(f"no platform key pair in {args.data}: import carry files on the "
                          "platform whose key the stations were enrolled with")
        importer = CarryImporter(store, carry_intake(store, LIMITS, sealing_key),
                                 keys.public_text(sealing_key), signing_key)
        return carry_cli.run(args, store, importer)
    finally:
        store.close()


def cmd_agent(args: argparse.Namespace) -> int:
    store = _store(args, must_exist=args.action != "add")
    try:
        return agents_cli.run(args, store, table=_table, local=_local,
                              json_default=_json_default)
    except agents_cli.Refused as exc:
        raise Refused(str(exc)) from None
    finally:
        store.close()


def cmd_openapi(_args: argparse.Namespace) -> int:
    sys.stdout.write(openapi_json())
    return EXIT_OK


# --- output ---------------------------------------------------------------------------------


def _local(at: datetime) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def _table(rows: list[dict[str, Any]], columns: list[str]) -> None:
    if not rows:
        print("(none)")
        return
    cells = [[_cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


_COMMANDS = {"serve": cmd_serve, "keygen": cmd_keygen, "terminal": cmd_terminal,
             "cases": cmd_cases, "case": cmd_case, "receipt": cmd_receipt,
             "content": cmd_content,
             "maintenance": cmd_maintenance, "fault": cmd_fault, "migrate": cmd_migrate,
             "evaluations": cmd_evaluations, "carry": cmd_carry, "agent": cmd_agent, "openapi": cmd_openapi}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not hasattr(args, "data"):
        args.data = DEFAULT_DATA
    try:
        return _COMMANDS[args.command](args)
    except Refused as exc:
        print(f"kiosk-receiver {args.command}: {exc}", file=sys.stderr)
        return exc.status
    except (OSError, sqlite3.Error, SchemaError) as exc:
        print(f"kiosk-receiver {args.command}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
