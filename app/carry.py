"""`kiosk carry export|import|relay DIR`: the queue carried on a USB stick
(docs/carry.md). The rules are `kiosk/carry.py` (station) and `receiver/carry.py`
(platform); here the enrollment's keys are handed to them and the relay speaks to the
platform.

Exit codes: 0 done (also: nothing to carry), 1 could not be done (a full stick, the
platform unreachable), 2 bad input (no such folder, a forged acknowledgement, a carry
file the platform refused)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.registry import Command, with_config
from kiosk import config
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def carry_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="carry_command", metavar="ACTION", required=True)
    for name, text in (
            ("export", "write every submission waiting into one carry file in DIR (they stay "
                       "queued until acknowledged)"),
            ("import", "read the platform's acknowledgements in DIR and mark those "
                       "submissions delivered"),
            ("relay", "forward the carry files of other stations in DIR to the platform and "
                      "write its acknowledgements back into DIR")):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("dir", type=Path, metavar="DIR", help="the stick's folder")


def _say_progress(done: int, total: int) -> None:
    if done == total or done % 10 == 0:
        print(f"  {done}/{total}", file=sys.stderr)


@with_config
def carry(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk import carry as station
    from kiosk.store import Outbox, StoreError
    from sync import enrollment

    name = f"kiosk carry {args.carry_command}"
    try:
        enrolled = enrollment.load(loaded.data_dir)
        platform_key = enrollment.require_platform_key(enrolled)
    except enrollment.NotEnrolled as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.carry_command == "relay":
        return _relay(args, loaded, enrolled, platform_key)
    try:
        with Outbox.open(loaded.data_dir) as outbox:
            if args.carry_command == "export":
                done = station.export(outbox, args.dir, terminal_id=enrolled.terminal_id,
                                      platform_public_key=enrolled.platform_public_key,
                                      signing_key=enrolled.signing_key, progress=_say_progress)
                if done.path is None:
                    print("nothing is waiting to be delivered: no carry file written")
                else:
                    print(f"{done.path}: {done.submissions} submission(s), {done.attachments} "
                          f"attachment(s), {done.bytes} bytes; they stay queued until the "
                          "platform's acknowledgement is imported")
                return EXIT_OK
            result = station.read_acknowledgements(outbox, args.dir,
                                                   terminal_id=enrolled.terminal_id,
                                                   platform_key=platform_key,
                                                   progress=_say_progress)
    except station.CarryError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_INVALID if exc.bad_input else EXIT_FAILED
    except StoreError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{result.files} acknowledgement file(s): {result.delivered} delivered now, "
          f"{result.already} delivered before, {result.needs_attention} refused by the "
          f"platform (need attention), {result.left_queued} left queued, "
          f"{result.other_stations} of other stations")
    if result.unknown:
        print(f"{len(result.unknown)} item(s) this terminal does not know or could not "
              "change: " + ", ".join(result.unknown[:10]), file=sys.stderr)
    return EXIT_OK


def _relay(args: argparse.Namespace, loaded: config.LoadedConfig, enrolled, platform_key) -> int:
    from sync.client import PlatformClient, Unreachable, Unverified
    from wire import carry as format_
    from wire import paths

    folder: Path = args.dir
    if not folder.is_dir():
        print(f"kiosk carry relay: {folder} is not a folder", file=sys.stderr)
        return EXIT_INVALID
    waiting = [p for p in sorted(folder.iterdir())
               if p.is_file() and format_.is_carry_name(p.name)
               and not p.with_name(format_.ack_name(p.name)).exists()]
    if not waiting:
        print(f"no carry file without its acknowledgement in {folder}: nothing to relay")
        return EXIT_OK
    cfg = loaded.config
    client = PlatformClient(str(cfg.delivery_platform.api_url), enrolled.terminal_id,
                            enrolled.signing_key, platform_key=platform_key,
                            connect_timeout=cfg.sync.connect_timeout_seconds,
                            read_timeout=max(cfg.sync.read_timeout_seconds, 120.0))
    status = EXIT_OK
    try:
        for path in waiting:
            try:
                answer = client.request("POST", paths.CARRY_FILES, data=path.read_bytes(),
                                        headers={"Content-Type": "application/x-tar"})
            except (Unreachable, Unverified) as exc:
                print(f"kiosk carry relay: {path.name}: the platform could not be reached or "
                      f"its answer not verified ({exc}); nothing changed, relay again later",
                      file=sys.stderr)
                return EXIT_FAILED
            if answer.status != 200 or not isinstance(answer.body, dict):
                error = answer.body if isinstance(answer.body, dict) else {}
                print(f"kiosk carry relay: {path.name} refused by the platform "
                      f"(HTTP {answer.status} {error.get('error', '')}): "
                      f"{error.get('message', '')}", file=sys.stderr)
                status = max(status, EXIT_INVALID if 400 <= answer.status < 500
                             else EXIT_FAILED)
                continue
            document = (json.dumps(answer.body, indent=1, sort_keys=True) + "\n").encode()
            try:
                format_.read_ack(document, platform_key)  # the platform's, item by item
            except format_.CarryRefused as exc:
                print(f"kiosk carry relay: {path.name}: {exc}", file=sys.stderr)
                return EXIT_FAILED
            ack_path = path.with_name(format_.ack_name(path.name))
            try:
                format_.write_on_stick(ack_path, lambda out, d=document: out.write(d))
            except format_.StickFull as exc:
                print(f"kiosk carry relay: {path.name}: imported at the platform, but the "
                      f"acknowledgement could not be written ({exc})", file=sys.stderr)
                return EXIT_FAILED
            items = len(answer.body.get("items", []))
            print(f"{path.name}: relayed, {items} submission(s) acknowledged; written to "
                  f"{ack_path.name}")
    finally:
        client.close()
    return status


def keys_for(loaded: config.LoadedConfig):
    """What the technician screen's USB stick runs to get the enrollment's keys (read when
    asked: an enrollment made while the kiosk runs counts)."""

    def keys():
        from kiosk import carry as station
        from sync import enrollment

        try:
            enrolled = enrollment.load(loaded.data_dir)
            return station.StationKeys(enrolled.terminal_id, enrolled.platform_public_key,
                                       enrolled.signing_key,
                                       enrollment.require_platform_key(enrolled))
        except enrollment.NotEnrolled as exc:
            raise station.CarryError(str(exc), "本机还没有登记到平台，不能用U盘送件"
                                               "（请先登记本机：kiosk enroll）") from None

    return keys


COMMANDS = (
    Command("carry", "carry the queue on a USB stick: export, import acknowledgements, relay "
                     "another station's file", carry, carry_arguments),
)
