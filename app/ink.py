"""`kiosk ink recognize FILE.json`: the handwriting candidates for strokes, as the 手写
pad gets them (the same `kiosk/ink.py`, the same model)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.registry import Command, with_config
from kiosk import config, ink
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def ink_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="ink_command", metavar="ACTION", required=True)
    recognize = actions.add_parser(
        "recognize", parents=[common],
        help="print the characters the strokes of FILE may be, best first")
    recognize.add_argument("file", type=Path, metavar="FILE.json",
                           help='strokes as a JSON list of strokes, each a list of [x, y] points '
                                '(or {"strokes": …}); y grows downwards, any scale')
    recognize.add_argument("-n", "--count", type=int, default=ink.CANDIDATES, metavar="N",
                           help=f"how many candidates (1-50, default {ink.CANDIDATES})")
    recognize.add_argument("--model", type=Path, metavar="FILE",
                           help="the Zinnia model (default: [handwriting] model of the configuration)")
    recognize.add_argument("--json", action="store_true", help="the candidates with their scores as JSON")


@with_config
def run(args: argparse.Namespace, loaded_config: config.LoadedConfig) -> int:
    if not 1 <= args.count <= 50:
        print(f"kiosk ink recognize: --count {args.count}: must be 1 to 50", file=sys.stderr)
        return EXIT_INVALID
    try:
        strokes = ink.load_strokes(args.file)
    except ink.InkInputError as e:
        print(f"kiosk ink recognize: {e}", file=sys.stderr)
        return EXIT_INVALID
    settings = loaded_config.config.handwriting
    try:
        with ink.Recognizer(args.model or settings.model, settings.library) as recognizer:
            found = recognizer.candidates(strokes, args.count)
    except ink.InkError as e:
        print(f"kiosk ink recognize: {e.message}\n  {e.detail}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps([{"character": c.character, "score": round(c.score, 4)} for c in found],
                         ensure_ascii=False))
    else:
        print(" ".join(c.character for c in found))
    return EXIT_OK


COMMANDS = (
    Command("ink", "handwriting (手写): recognize strokes from a file", run, ink_arguments),
)
