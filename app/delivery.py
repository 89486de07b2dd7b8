"""`kiosk sync` and `kiosk enroll`: the core's one way to the network, through `sync/`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from app.registry import Command, with_config
from kiosk import config, logs, wake
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def sync_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--once", action="store_true",
                        help="send what can be sent now; exit 0 if nothing is left queued, else 1")


@with_config
def sync(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError
    from sync import enrollment
    from sync.client import PlatformClient
    from sync.worker import AlreadyRunning, Backoff, SyncWorker, Timers, WorkerLock

    logs.setup_logging(loaded.data_dir, "sync")
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        lock = WorkerLock(loaded.data_dir)
    except AlreadyRunning as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return EXIT_FAILED
    cfg = loaded.config
    try:
        enrolled = enrollment.load(loaded.data_dir)
        platform_key = enrollment.require_platform_key(enrolled)
        if enrolled.platform_public_key != cfg.delivery_platform.public_key:
            raise enrollment.NotEnrolled(
                "the configured platform public_key differs from the key the platform gave "
                "at enrollment; fix the configuration (kiosk doctor shows both)")
        outbox = Outbox.open(loaded.data_dir)
    except (enrollment.NotEnrolled, StoreError) as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        lock.release()
        return EXIT_FAILED

    def client() -> PlatformClient:
        return PlatformClient(str(cfg.delivery_platform.api_url), cfg.terminal.id,
                              enrolled.signing_key, platform_key=platform_key,
                              connect_timeout=cfg.sync.connect_timeout_seconds,
                              read_timeout=cfg.sync.read_timeout_seconds)

    worker = SyncWorker(loaded, outbox, client, concurrency=cfg.sync.concurrency,
                        timers=Timers(heartbeat_seconds=cfg.sync.heartbeat_seconds),
                        backoff=Backoff(base=cfg.sync.backoff_base_seconds,
                                        cap=cfg.sync.backoff_cap_seconds))
    try:
        if args.once:
            return EXIT_OK if worker.run_once() else EXIT_FAILED

        def stop(signum: int, frame: object) -> None:
            worker.stop_event.set()
            wake.notify(loaded.data_dir)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"kiosk sync: delivering to {cfg.delivery_platform.api_url}", file=sys.stderr,
              flush=True)
        worker.run_forever()
        return EXIT_OK
    except StoreError as exc:  # the unit starts it again; opening then moves damage aside
        print(f"kiosk sync: stopped: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        worker.close()
        worker.outbox.close()  # the one it holds now: it reopens a database moved aside
        lock.release()


def enroll_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--platform", metavar="URL",
                        help="the platform's API address (default: the configured one)")
    parser.add_argument("--code", required=True, help="the one-time enrollment code")


@with_config
def enroll(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from sync import answers, enrollment
    from sync.client import PlatformClient, Unreachable, Unverified
    from wire import signing

    cfg = loaded.config
    api_url = args.platform or str(cfg.delivery_platform.api_url)
    code = args.code.replace(" ", "").replace("-", "").upper()
    if not 6 <= len(code) <= 64 or not code.isalnum():
        print("kiosk enroll: --code must be the enrollment code the platform issued "
              "(letters and digits, e.g. XXXX-XXXX-XXXX)", file=sys.stderr)
        return EXIT_INVALID
    problem = config.plain_http_problem(api_url)
    if problem is not None:
        print(f"kiosk enroll: --platform {problem}", file=sys.stderr)
        return EXIT_INVALID
    key = signing.generate_signing_key()
    client = PlatformClient(api_url, cfg.terminal.id, None,
                            connect_timeout=cfg.sync.connect_timeout_seconds,
                            read_timeout=cfg.sync.read_timeout_seconds)
    try:
        answer = client.enroll(code, signing.encode_signing_public_key(key.public_key()))
    except Unverified as exc:
        print(f"kiosk enroll: {api_url} did not answer as a platform that signs its answers; "
              f"nothing was kept: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Unreachable as exc:
        print(f"kiosk enroll: cannot reach {api_url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        client.close()
    if answers.outcome(answer.status) != "delivered":
        print(f"kiosk enroll: refused by {api_url}: {answers.error_text(answer)}", file=sys.stderr)
        return EXIT_FAILED
    try:
        response = answers.enrollment(answer)
    except ValueError:
        print(f"kiosk enroll: {api_url} answered {answer.status} but not with an enrollment",
              file=sys.stderr)
        return EXIT_FAILED
    if response.platform_public_key != cfg.delivery_platform.public_key:
        # Submissions sealed to a key the platform does not hold can never be opened
        # there: refuse the enrollment until the configuration names the right key.
        index = [p.id for p in cfg.platforms].index(cfg.delivery_platform.id)
        print(f"kiosk enroll: the platform's sealing key differs from platforms[{index}]"
              f".public_key in {loaded.source or 'the demo configuration'}; set it to\n"
              f"  public_key = \"{response.platform_public_key}\"\n"
              "then ask the platform for a new code and enroll again.", file=sys.stderr)
        return EXIT_FAILED
    # Keep the key only once the platform has accepted it: a failed attempt must not
    # replace the key of an earlier, working enrollment.
    enrollment.save_key(loaded.data_dir, key)
    enrollment.save(loaded.data_dir, response, api_url)
    fingerprint = enrollment.load(loaded.data_dir).platform_key_fingerprint
    print(f"enrolled terminal {response.terminal_id} with {api_url}; the platform's answers "
          f"are signed by {fingerprint}")
    return EXIT_OK


COMMANDS = (
    Command("sync", "deliver queued submissions to the receiving platform", sync,
            sync_arguments),
    Command("enroll", "register this terminal with its platform (makes its key)", enroll,
            enroll_arguments),
)
