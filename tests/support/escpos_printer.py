"""A network receipt printer on 127.0.0.1: a real TCP server on its own thread that speaks
the part of ESC/POS a kiosk meets — it keeps every byte it is sent (what it "printed") and
answers the real-time status requests DLE EOT 1 (printer), 2 (offline cause) and 4 (paper
sensor) with the status bytes an Epson-compatible printer sends: paper out, cover open, or
all well. `silent` accepts the connection and never answers, as a hung printer does."""

from __future__ import annotations

import socket
import threading

DLE_EOT = b"\x10\x04"
BASE = 0x12  # bits 1 and 4 of every status byte are fixed at 1


def status_byte(request: int, state: str) -> bytes:
    if request == 1:  # printer status: bit 3 offline
        return bytes([BASE | (0x08 if state in ("paper_out", "cover_open") else 0)])
    if request == 2:  # offline cause: bit 2 cover open, bit 5 stopped for paper end
        return bytes([BASE | (0x04 if state == "cover_open" else 0)
                      | (0x20 if state == "paper_out" else 0)])
    if request == 4:  # paper sensor: bits 2-3 near the end, bits 5-6 paper end
        return bytes([BASE | (0x6C if state == "paper_out" else 0)])
    return bytes([BASE])


class NetworkPrinter:
    def __init__(self, state: str = "ok"):
        self.state = state  # ok, paper_out, cover_open, silent; may change while it runs
        self.received = bytearray()
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    def settings(self, timeout: float = 1.0):
        from kiosk.config import Printer

        return Printer(kind="network", host="127.0.0.1", tcp_port=self.port,
                       timeout_seconds=timeout)

    def _serve(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        pending = b""
        conn.settimeout(0.1)
        with conn:
            while not self._stop.is_set():
                try:
                    chunk = conn.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not chunk:
                    return
                pending += chunk
                while True:
                    at = pending.find(DLE_EOT)
                    if at < 0 or len(pending) < at + 3:
                        break
                    self.received += pending[:at]
                    request, pending = pending[at + 2], pending[at + 3:]
                    if self.state != "silent":
                        conn.sendall(status_byte(request, self.state))
                keep = 2 if pending.endswith(DLE_EOT) else (1 if pending.endswith(b"\x10") else 0)
                self.received += pending[:len(pending) - keep]
                pending = pending[len(pending) - keep:]

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(2)
