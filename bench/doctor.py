"""How long `kiosk doctor` takes, as a technician runs it: against a healthy enrolled
terminal, a stopped platform (connection refused) and a platform that accepts
connections but never answers (the doctor's own timeouts decide).

Goal: each under 15 s, so a technician on the phone is not left waiting.

    .venv/bin/python bench/doctor.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.platform_server import issue_code, running_receiver  # noqa: E402
from tests.support.terminal import Terminal, make_terminal  # noqa: E402
from wire import paths  # noqa: E402


def doctor_seconds(terminal: Terminal) -> tuple[float, int]:
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "app", "doctor", "--config",
                           str(terminal.config_path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    return time.perf_counter() - started, done.returncode


def point_at(terminal: Terminal, root: str) -> None:
    data = tomllib.loads(terminal.config_path.read_text(encoding="utf-8"))
    data["platforms"][0].update(api_url=root + paths.API, web_url=root + "/county")
    terminal.config_path.write_text(tomli_w.dumps(data), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"healthy": [], "stopped platform": [],
                                       "silent platform": []}
    with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as tmp, \
            socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        with running_receiver(Path(tmp) / "platform") as rx:
            terminal = make_terminal(Path(tmp), rx.api_url, rx.platform_public_key)
            point_at(terminal, rx.url)
            enrolled = terminal.kiosk("enroll", "--code", issue_code(rx, terminal.terminal_id))
            assert enrolled.returncode == 0, enrolled.stderr
            for _ in range(args.runs):
                results["healthy"].append(doctor_seconds(terminal)[0])
            root = rx.url
        # the platform has stopped: its port refuses connections
        for _ in range(args.runs):
            results["stopped platform"].append(doctor_seconds(terminal)[0])
        point_at(terminal, f"http://127.0.0.1:{silent.getsockname()[1]}")
        for _ in range(args.runs):
            results["silent platform"].append(doctor_seconds(terminal)[0])
        point_at(terminal, root)
    for name, seconds in results.items():
        print(f"kiosk doctor, {name:<17} best {min(seconds):5.2f} s  worst {max(seconds):5.2f} s"
              f"  ({len(seconds)} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
