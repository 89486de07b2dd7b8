"""The document camera's figures (software rendering, offscreen, the synthetic source):
the worker's time per frame to read a QR code (conversion + zxing-cpp) at 1280x960 and
1920x1080, with and without a code in the picture; and in the real window, 拍照 to the
photo under review and 查询's 扫回执上的二维码 to the receipt number filled in.
Prints figures only. Run: .venv/bin/python bench/camera.py [runs]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_QUICK_BACKEND", "software")


def _ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[max(0, round(0.95 * len(values)) - 1)]
    return f"median {statistics.median(values) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def _receipt_text(terminal_id: str) -> str:
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from wire import receipt

    text = receipt.sign(Ed25519PrivateKey.generate(), terminal_id=terminal_id,
                        receipt_no="4827105933", kind="petition",
                        confirmed_at=datetime(2026, 11, 20, tzinfo=UTC), envelope=b"x")
    return receipt.receipt_url("http://127.0.0.1:8700", text)


def decode_figures(runs: int) -> None:
    from PySide6.QtMultimedia import QVideoFrame

    from ui.camera import demo_scene, read_codes, receipt_scene

    text = _receipt_text("BENCH-01")
    for w, h in ((1280, 960), (1920, 1080)):
        for name, scene in (("with a code", receipt_scene(text, w, h)), ("without", demo_scene(w, h))):
            frame = QVideoFrame(scene)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                found = read_codes(frame)
                times.append(time.perf_counter() - started)
            assert bool(found) == (name == "with a code"), found
            print(f"QR read per frame, {w}x{h} {name}: {_ms(times)}")


def window_figures(runs: int) -> None:
    from kiosk import config
    from ui import app as app_mod
    from ui.camera import SyntheticCamera, demo_scene, receipt_scene
    from ui.driver import pump, tap, wait_until
    from ui.tour import sample_petition

    with tempfile.TemporaryDirectory() as tmp:
        loaded = config.demo(Path(tmp) / "data")
        camera = SyntheticCamera()
        k = app_mod.build(loaded, size=(1080, 1920), voice_engine="off", camera=camera)
        k.window.show()
        pump(50)
        shots, scans = [], []
        try:
            tap(k.window, "btn:petition")
            k.session.load(sample_petition())
            k.session.goTo("attachments")
            pump(50)
            for _ in range(runs):
                tap(k.window, "shoot:evidence")
                wait_until(lambda: k.camera.state == "live", 3000)
                pump(200)
                started = time.perf_counter()
                tap(k.window, "camera:shoot")
                if not wait_until(lambda: k.camera.state == "review", 5000, step_ms=1):
                    raise RuntimeError("no photo")
                shots.append(time.perf_counter() - started)
                tap(k.window, "camera:discard")
            code = receipt_scene(_receipt_text(loaded.config.terminal.id))
            for _ in range(runs):
                k.session.goHome()
                tap(k.window, "btn:startQuery")
                camera.show(code)
                started = time.perf_counter()
                tap(k.window, "btn:scanReceipt")
                if not wait_until(lambda: k.query.number != "", 10_000, step_ms=1):
                    raise RuntimeError("no code read")
                scans.append(time.perf_counter() - started)
                camera.show(demo_scene())
        finally:
            k.close()
    print(f"拍照 to the photo under review: {_ms(shots)} ({runs} runs)")
    print(f"扫回执上的二维码 to the receipt number filled in: {_ms(scans)} ({runs} runs)")


def main() -> None:
    from ui import app as app_mod

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    app_mod.application(offscreen=True)
    decode_figures(runs)
    window_figures(max(3, runs // 4))


if __name__ == "__main__":
    main()
