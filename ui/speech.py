"""Voice prompts (语音播报) that can never stall the screen.

QTextToSpeech can take seconds to create and hangs for good when the speech
daemon is stuck, so the engine lives in its own daemon thread, is made on the
first prompt (not at start-up), and gets only the latest prompt: a slow engine
skips stale ones instead of queueing them. If it never comes up, nothing waits.
"""

from __future__ import annotations

import logging
import os
import queue
import threading

from PySide6.QtCore import QObject, Slot

log = logging.getLogger(__name__)

MANDARIN_HINTS = ("zh", "cmn", "chinese", "mandarin", "普通话", "中文")


def pick_voice(voices) -> object | None:
    """A Mandarin voice by name: speechd's espeak-ng voices report locale "C"."""
    for voice in voices:
        text = f"{voice.name()} {voice.locale().name()}".lower()
        if any(h in text for h in MANDARIN_HINTS) and "yue" not in text and "cantonese" not in text:
            return voice
    return None


class Voice(QObject):
    def __init__(self, engine: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._engine_name = engine if engine is not None else os.environ.get("KIOSK_TTS_ENGINE", "")
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.spoken: list[str] = []  # what was handed to the engine (for tests; no personal data)

    @Slot(str)
    def say(self, text: str) -> None:
        if self._engine_name == "off" or not text:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
            self._thread.start()
        self._queue.put(text)

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)

    def _run(self) -> None:
        from PySide6.QtCore import QEventLoop
        from PySide6.QtTextToSpeech import QTextToSpeech

        try:
            tts = QTextToSpeech(self._engine_name) if self._engine_name else QTextToSpeech()
            voice = pick_voice(tts.availableVoices())
            if voice is not None:
                tts.setVoice(voice)
            tts.setRate(-0.2)  # a little slower for elderly listeners
        except Exception as exc:
            log.warning("speech engine unavailable: %s", type(exc).__name__)
            return
        loop = QEventLoop()
        while True:
            text = self._queue.get()
            while not self._queue.empty():  # only the newest prompt matters
                text = self._queue.get_nowait()
            if text is None:
                break
            tts.stop()
            tts.say(text)
            self.spoken.append(text)
            loop.processEvents()
