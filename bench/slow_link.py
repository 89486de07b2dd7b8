"""A village link: 200 queued submissions, two document pages each, drained through an
emulated 256 kbit/s line with a 400 ms round trip, beside the link's own bound.

A real platform (`kiosk-receiver serve` on 127.0.0.1), a throttling TCP proxy in front
of it (`SlowLink`, below), a terminal enrolled through the proxy whose platform URL is
the proxy, and the real sync worker (`kiosk sync`, a process of its own) run until every
submission is delivered. Each submission carries the citizen's signature and two pages
made by `kiosk/pages.py` from pictures rendered here: a letter (A4, a page of Chinese
text at 300 dpi) and a colour photo of an ID card's front.

What it prints: the pages before and after compression; bytes on the wire each way and
TCP connections (counted in the proxy), requests (the platform's access log) and
request/answer turns (the proxy: a turn is client bytes after server bytes on one
connection, i.e. one round trip); the measured time; and the link's bound:

    bound = max(up, down) / bandwidth + (turns + connections) × RTT / concurrency

the time the bytes need on the busier direction (each direction has its own 256 kbit/s)
plus the round trips, which the worker's `concurrency` connections wait out side by side
(so their RTT part divides by it). Nothing can beat the larger of the two terms (printed
as the floor); the goal is measured ≤ 1.25 × bound.

    .venv/bin/python bench/slow_link.py [--count 200] [--quick] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BANDWIDTH_BITS = 256_000  # bits per second, each direction
RTT_SECONDS = 0.4  # round trip: 200 ms added each way
SEGMENT = 1460  # bytes a TCP segment carries on an Ethernet-sized path
WINDOW = 64 * 1024  # bytes a connection may have on the line unacknowledged


# --- the emulated link -----------------------------------------------------------------------
# Written here by hand: emulating a slow line otherwise takes `tc qdisc … netem` (root and a
# network namespace, not on a developer's machine or in CI), and no Python library shapes a
# TCP stream in-process. The model is the simplest faithful one: each direction is one serial
# line shared by every connection (a village's single uplink), a segment leaves when the line
# is free — a token bucket one segment deep, filled at the bandwidth — and arrives one-way
# delay later; a new connection first waits a round trip (SYN, SYN-ACK); each connection keeps
# at most WINDOW bytes on the line, so a sender feels the line as it would through TCP.

@dataclass
class Line:
    """One direction of the link: bytes per second, one-way delay, what went over it."""

    rate: float
    delay: float
    free_at: float = 0.0  # when the line has sent everything handed to it (the bucket)
    bytes: int = 0
    segments: int = 0

    def send(self, size: int, now: float, not_before: float = 0.0) -> float:
        """When a segment of `size` bytes handed over at `now` arrives at the far end."""
        start = max(now, self.free_at, not_before)
        self.free_at = start + size / self.rate
        self.bytes += size
        self.segments += 1
        return self.free_at + self.delay


@dataclass
class Counts:
    connections: int = 0
    turns: int = 0  # request/answer exchanges: client bytes after server bytes


@dataclass
class _Conn:
    last_from_client: bool | None = None
    opened_at: float = 0.0
    tasks: list = field(default_factory=list)


class SlowLink:
    """A TCP proxy on 127.0.0.1 to `target` (host, port) through the emulated line, run on
    its own thread with its own event loop. `url` is where clients connect."""

    def __init__(self, target: tuple[str, int], bandwidth_bits: float = BANDWIDTH_BITS,
                 rtt: float = RTT_SECONDS):
        self.target = target
        self.rtt = rtt
        self.up = Line(bandwidth_bits / 8, rtt / 2)
        self.down = Line(bandwidth_bits / 8, rtt / 2)
        self.counts = Counts()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-link", daemon=True)
        self._server: asyncio.AbstractServer | None = None
        self.port = 0

    def __enter__(self) -> SlowLink:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_exc) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _shutdown(self) -> None:
        """Every connection's pumps cancelled and waited for: nothing left running."""
        if self._server is not None:
            self._server.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def reset(self) -> None:
        """Counters to zero (after the setup that went through the link)."""
        self.up.bytes = self.up.segments = self.down.bytes = self.down.segments = 0
        self.counts = Counts()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._accept, "127.0.0.1", 0, limit=WINDOW))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _accept(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        self.counts.connections += 1
        conn = _Conn(opened_at=self._loop.time())
        try:
            server_r, server_w = await asyncio.open_connection(*self.target, limit=WINDOW)
        except OSError:
            client_w.close()
            return
        # The client's first bytes leave only after the handshake's round trip.
        up = self._pump(client_r, server_w, self.up, conn, True, conn.opened_at + self.rtt)
        down = self._pump(server_r, client_w, self.down, conn, False, 0.0)
        await asyncio.gather(up, down, return_exceptions=True)

    async def _pump(self, reader, writer, line: Line, conn: _Conn, from_client: bool,
                    not_before: float) -> None:
        queue: asyncio.Queue = asyncio.Queue()
        room = asyncio.Semaphore(WINDOW // SEGMENT)  # segments on the line at once

        async def deliver() -> None:
            while True:
                arrives, data = await queue.get()
                delay = arrives - self._loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if data is None:
                    break
                writer.write(data)
                room.release()
                try:
                    await writer.drain()
                except OSError:
                    break
            try:
                writer.write_eof() if writer.can_write_eof() else writer.close()
            except OSError:
                pass

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(SEGMENT)
                if not data:
                    break
                await room.acquire()
                if from_client and conn.last_from_client is not True:
                    self.counts.turns += 1
                conn.last_from_client = from_client
                queue.put_nowait((line.send(len(data), self._loop.time(), not_before), data))
        except OSError:
            pass
        queue.put_nowait((max(line.free_at, self._loop.time()) + line.delay, None))
        await delivering


# --- the pages ---------------------------------------------------------------------------------

LETTER = ("本人于二〇二五年三月向县人民政府申请信息公开，要求公开村集体土地征收补偿标准及分配方案。"
          "县政府逾期未予答复，本人认为其行为违反了政府信息公开条例的规定，侵害了本人的合法权益。"
          "现依法申请复查，请求责令被申请人限期答复并公开相关信息。")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"  # fonts-noto-cjk


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def letter_page() -> bytes:
    """An A4 letter at 300 dpi: a title and a page of 五号 text (a photo of one, as PNG)."""
    from PIL import Image, ImageDraw, ImageFont

    page = Image.new("L", (2480, 3508), 255)
    pen = ImageDraw.Draw(page)
    title, body = ImageFont.truetype(FONT, 88), ImageFont.truetype(FONT, 44)
    pen.text((900, 240), "复查申请书", font=title, fill=0)
    y, i = 440, 0
    while y < 3508 - 300:
        line = ""
        while body.getlength(line + LETTER[i % len(LETTER)]) < 2480 - 480:
            line, i = line + LETTER[i % len(LETTER)], i + 1
        pen.text((240, y), line, font=body, fill=0)
        y += 70
    return _png(page)


def id_card_photo() -> bytes:
    """The front of an ID card under the document camera, in colour, as a JPEG."""
    from PIL import Image, ImageDraw, ImageFont

    card = Image.linear_gradient("L").resize((1712, 1080)).convert("RGB")
    tint = Image.new("RGB", card.size, (120, 170, 235))  # the card's blue guilloche
    card = Image.blend(card, tint, 0.7)
    pen = ImageDraw.Draw(card)
    font = ImageFont.truetype(FONT, 64)
    for row, text in enumerate(("姓名 王秀兰", "性别 女  民族 汉", "出生 1950年1月1日",
                                "住址 演示县城关镇幸福路1号")):
        pen.text((120, 140 + row * 150), text, font=font, fill=(30, 30, 30))
    pen.rectangle((1220, 160, 1600, 640), fill=(205, 120, 95))  # the holder's portrait
    noise = Image.effect_noise(card.size, 18).convert("RGB")
    card = Image.blend(card, noise, 0.12)
    out = io.BytesIO()
    card.save(out, "JPEG", quality=92)
    return out.getvalue()


# --- the bench ---------------------------------------------------------------------------------

def _queue(term, count: int, page_files: list) -> None:
    from kiosk import petition, submission, taxonomy
    from kiosk.store import Outbox
    from tests.support import factories
    from tests.support.common import TODAY
    from tests.support.terminal import SIGNATURE_PNG

    loaded, tax = term.loaded(), taxonomy.load()
    with Outbox.open(term.data_dir) as outbox:
        for i in range(count):
            doc = factories.petition()
            doc["applicants"][0]["name"] = f"测试{'甲乙丙丁戊己庚辛壬癸'[i % 10]}"
            result = petition.validate(doc, taxonomy=tax, today=TODAY)
            assert result.ok, result.problems
            files = [submission.AttachmentData("signature", "image/png", SIGNATURE_PNG),
                     *page_files]
            submission.confirm(outbox, result, files, loaded, tax)


def _delivered(term) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{term.data_dir / 'kiosk.db'}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM submissions WHERE state = 'delivered'"
                            ).fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="20 submissions: a smoke run")
    parser.add_argument("--concurrency", type=int, default=4,
                        help="requests in flight at once ([sync] concurrency, default 4)")
    args = parser.parse_args()
    count = 20 if args.quick else args.count

    import tomli_w

    from kiosk import pages, submission
    from tests.support.platform_server import issue_code, running_receiver
    from tests.support.terminal import make_terminal, stop
    from wire import paths

    originals = [("image/png", letter_page()), ("image/jpeg", id_card_photo())]
    made = [pages.compress(content, media_type) for media_type, content in originals]
    page_files = [submission.AttachmentData("evidence", p.media_type, p.content) for p in made]
    for (media_type, content), page in zip(originals, made, strict=True):
        print(f"page {media_type} {len(content):,} bytes -> {page.media_type} "
              f"{len(page.content):,} bytes, {page.width}x{page.height}"
              f"{' grayscale' if page.grayscale else ''}")

    with tempfile.TemporaryDirectory(prefix="kiosk-slow-link-") as tmp, \
            running_receiver(Path(tmp) / "platform") as rx, \
            SlowLink(("127.0.0.1", rx.port)) as link:
        term = make_terminal(Path(tmp), link.url + paths.API, rx.platform_public_key,
                             read_timeout=30.0)  # [sync] read_timeout_seconds, the default
        data = term.config_path.read_text(encoding="utf-8")
        import tomllib

        settings = tomllib.loads(data)
        settings["sync"]["concurrency"] = args.concurrency
        term.config_path.write_text(tomli_w.dumps(settings), encoding="utf-8")
        enrolled = term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id))
        assert enrolled.returncode == 0, enrolled.stderr
        started = time.perf_counter()
        _queue(term, count, page_files)
        print(f"queued {count} submissions in {time.perf_counter() - started:.1f} s "
              f"(sealed, confirmed; signature + {len(page_files)} pages each, "
              f"{sum(len(p.content) for p in page_files):,} bytes of pages)")

        seen_before = len(rx.output)
        link.reset()
        started = time.perf_counter()
        worker = term.start_sync()
        try:
            while _delivered(term) < count:
                if worker.poll() is not None:
                    raise SystemExit(f"the sync worker stopped ({worker.returncode})")
                time.sleep(0.2)
            measured = time.perf_counter() - started
        finally:
            stop(worker)
        time.sleep(0.3)
        seen = rx.output[seen_before:]

    rate = BANDWIDTH_BITS / 8
    requests = {kind: sum(1 for line in seen if f"receiver.access: {kind}" in line)
                for kind in (f"POST {paths.SUBMISSION_BATCHES} ", f"POST {paths.SUBMISSIONS} ",
                             f"PUT {paths.API}/attachments/", f"GET {paths.API}/attachments/",
                             f"GET {paths.LIMITS} ", "/heartbeat", "/content")}
    counts = link.counts
    transfer = max(link.up.bytes, link.down.bytes) / rate
    waits = (counts.turns + counts.connections) * RTT_SECONDS / args.concurrency
    bound = transfer + waits
    floor = max(transfer, waits)
    print(f"link: {BANDWIDTH_BITS // 1000} kbit/s each way, {RTT_SECONDS * 1000:.0f} ms round "
          f"trip; worker concurrency {args.concurrency}")
    print(f"bytes on the wire: up {link.up.bytes:,} ({link.up.segments:,} segments), "
          f"down {link.down.bytes:,} ({link.down.segments:,} segments)")
    print(f"round trips: {counts.turns} request/answer turns on {counts.connections} "
          "connections; requests the platform saw: "
          + ", ".join(f"{n} × {kind.strip()}" for kind, n in requests.items() if n))
    print(f"bound: {transfer:.1f} s of bytes + {waits:.1f} s of round trips = {bound:.1f} s "
          f"(floor, the larger alone: {floor:.1f} s)")
    print(f"measured: {measured:.1f} s for {count} submissions "
          f"({count / measured * 60:.1f} a minute)")
    print(f"ratio measured / bound: {measured / bound:.3f}  (goal <= 1.25); "
          f"measured / floor: {measured / floor:.3f}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
