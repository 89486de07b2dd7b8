"""The whole delivery chain on one machine, for `--demo`: a local reference platform
holding the demo platform key, this terminal enrolled with it, and a sync worker.

Everything runs as separate processes, as on a real terminal, and lives in the
demo data directory; nothing here is used by a configured terminal.
"""

from __future__ import annotations

import ctypes
import os
import re
import signal
import socket
import subprocess
import sys
import time

from kiosk import config
from sync import answers, enrollment
from sync.client import PlatformClient, Unreachable
from wire import signing

DEMO_PORT = 8700
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class DemoError(Exception):
    pass


def _die_with_parent() -> None:
    """Runs in each child before exec: the kernel sends it SIGTERM when the process that
    started the chain dies, however it dies, so no demo platform or worker is orphaned."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class DemoChain:
    """Starts what is missing of the chain; `stop()` ends what it started."""

    def __init__(self, loaded: config.LoadedConfig, *, port: int = DEMO_PORT):
        if not loaded.is_demo:
            raise DemoError("the demo chain runs only on the demo configuration")
        self.loaded = loaded
        self.port = port
        self.platform_dir = config.demo_platform_dir(loaded.data_dir) / "receiver"
        self.processes: list[subprocess.Popen] = []

    def _receiver(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "receiver", "--data",
                               str(self.platform_dir), *args],
                              capture_output=True, text=True, timeout=60)

    def start(self) -> DemoChain:
        self.platform_dir.mkdir(parents=True, exist_ok=True)
        if not _port_open(self.port):
            key = config.demo_platform_private_key_path(self.loaded.data_dir)
            log = open(self.platform_dir / "serve.log", "ab")  # noqa: SIM115 (kept open by the child)
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "receiver", "serve", "--port", str(self.port),
                 "--data", str(self.platform_dir), "--platform-key", str(key)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent))
            deadline = time.monotonic() + 30
            while not _port_open(self.port):
                if self.processes[-1].poll() is not None or time.monotonic() > deadline:
                    raise DemoError(f"the demo platform did not start; see "
                                    f"{self.platform_dir / 'serve.log'}")
                time.sleep(0.1)
        self._enroll()
        self.processes.append(subprocess.Popen(
            [sys.executable, "-m", "app", "--demo", "sync"], stdin=subprocess.DEVNULL,
            env=dict(os.environ), preexec_fn=_die_with_parent))
        return self

    def _enroll(self) -> None:
        try:
            # One made before the platform signed its answers is made again.
            enrollment.require_platform_key(enrollment.load(self.loaded.data_dir))
            return
        except enrollment.NotEnrolled:
            pass
        cfg = self.loaded.config
        added = self._receiver("terminal", "add", cfg.terminal.id)
        match = re.search(r"enrollment code for \S+: ([0-9A-Z-]+)", added.stdout)
        if added.returncode != 0 or match is None:
            raise DemoError(f"could not add the demo terminal: {added.stderr.strip()}")
        key = signing.generate_signing_key()
        client = PlatformClient(str(cfg.delivery_platform.api_url), cfg.terminal.id, None)
        try:
            answer = client.enroll(match.group(1),
                                   signing.encode_signing_public_key(key.public_key()))
        except Unreachable as exc:
            raise DemoError(f"could not reach the demo platform: {exc}") from None
        finally:
            client.close()
        if answers.outcome(answer.status) != "delivered":
            raise DemoError(f"the demo platform refused enrollment: {answer.error}")
        try:
            enrolled = answers.enrollment(answer)
        except ValueError:
            raise DemoError(f"the demo platform answered {answer.status} without an "
                            "enrollment") from None
        enrollment.save_key(self.loaded.data_dir, key)
        enrollment.save(self.loaded.data_dir, enrolled, str(cfg.delivery_platform.api_url))

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def __enter__(self) -> DemoChain:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    """`python -m app.demo`: run the chain until interrupted (Ctrl-C or SIGTERM)."""
    loaded = config.demo()
    chain = DemoChain(loaded)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    try:
        chain.start()
        print(f"demo platform on http://127.0.0.1:{chain.port}, sync worker running; "
              f"data in {loaded.data_dir} (DEMO ONLY: the platform's private key is on this "
              "machine)", flush=True)
        while not stopping:
            time.sleep(0.2)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        chain.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
