"""`kiosk doctor` checks that need Qt (run by kiosk/doctor.py on the main thread).

The doctor makes its own QGuiApplication on the `offscreen` platform: it must
never take the screen from a running kiosk, and it runs over ssh as well. The
platform the kiosk will use is checked by loading its plugin library, which
finds the missing system libraries without opening a window.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFontDatabase, QGuiApplication

from kiosk.doctor import FAIL, PASS, SKIP, WARN, Check, Context, Result

PREFERRED_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC")  # what ui/app.py asks for
KIOSK_PLATFORMS = ("wayland", "eglfs", "xcb")  # under cage, straight on the GPU, under X
SPEECH_TIMEOUT = 4.0
FC_TIMEOUT = 3.0
_MISSING_LIB = re.compile(r"(lib[\w.+-]+?\.so(?:\.\d+)*): cannot open shared object file")
# Debian package names that do not follow from the library's soname.
_PACKAGE_EXCEPTIONS = {"libglib-2.0.so.0": "libglib2.0-0", "libgthread-2.0.so.0": "libglib2.0-0",
                       "libgobject-2.0.so.0": "libglib2.0-0", "libEGL.so.1": "libegl1",
                       "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0"}


def debian_package(soname: str) -> str:
    """The Debian package that ships a library, by Debian's naming of library packages."""
    if soname in _PACKAGE_EXCEPTIONS:
        return _PACKAGE_EXCEPTIONS[soname]
    name, _, version = soname.partition(".so")
    version = version.lstrip(".").split(".")[0]
    name = name.lower()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_library(text: str) -> str | None:
    match = _MISSING_LIB.search(text)
    return match.group(1) if match else None


def _apt(packages: list[str]) -> str:
    return "sudo apt-get install -y " + " ".join(dict.fromkeys(packages))


def application() -> QGuiApplication:
    app = QGuiApplication.instance()
    if app is None:
        # `-platform offscreen` as an argument, not in the environment: QT_QPA_PLATFORM
        # stays as the technician's session set it, for the platform check to read.
        app = QGuiApplication(["kiosk-doctor", "-platform", "offscreen"])
        from ui import fonts

        fonts.load_bundled()  # what the kiosk itself will have
    return app  # type: ignore[return-value]


def _plugin_files(kind: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for base in QCoreApplication.libraryPaths():
        folder = Path(base) / kind
        if folder.is_dir():
            for f in sorted(folder.glob("*.so")):
                found.setdefault(f.name, f)
    return found


def _load_error(library: Path) -> str | None:
    """Why the dynamic loader refuses a plugin library, or None when it loads."""
    try:
        ctypes.CDLL(str(library))
    except OSError as exc:
        return str(exc)
    return None


def check_platform() -> Result:
    application()
    plugins = {name.removeprefix("libq").removesuffix(".so"): path
               for name, path in _plugin_files("platforms").items()}
    if not plugins:
        return Result(FAIL, "no Qt platform plugins found in " +
                      ", ".join(QCoreApplication.libraryPaths()),
                      "reinstall the kiosk package (the Qt plugins are missing)")
    wanted_env = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if wanted_env:
        wanted, why = [wanted_env], "QT_QPA_PLATFORM"
    elif os.environ.get("WAYLAND_DISPLAY"):
        wanted, why = ["wayland"], "WAYLAND_DISPLAY"
    elif os.environ.get("DISPLAY"):
        wanted, why = ["xcb"], "DISPLAY"
    else:
        wanted, why = [], ""
    loads, broken, packages = [], {}, []
    for name in sorted(set(KIOSK_PLATFORMS) | set(wanted)):
        if name not in plugins:
            broken[name] = "plugin not installed"
            continue
        error = _load_error(plugins[name])
        lib = missing_library(error) if error else None
        if error is None:
            loads.append(name)
        elif lib:
            broken[name] = f"{lib} missing"
            packages.append(debian_package(lib))
        else:
            broken[name] = error
    fix = _apt(packages) if packages else "reinstall the kiosk package"
    found = f"loadable: {', '.join(loads) or 'none'}"
    if broken:
        found += "; not loadable: " + ", ".join(f"{n} ({e})" for n, e in broken.items())
    if wanted:
        name = wanted[0]
        if name in broken:
            return Result(FAIL, f"{why} selects {name}, which cannot load; {found}", fix)
        return Result(PASS, f"{why} selects {name}, which loads; {found}")
    if not loads:
        return Result(FAIL, found, fix)
    if broken:
        return Result(WARN, found + " (QT_QPA_PLATFORM unset: whichever the session uses must load)",
                      fix)
    return Result(PASS, found)


def _fc_match() -> str | None:
    """fontconfig's answer for the preferred family, or None without fontconfig's tools."""
    exe = shutil.which("fc-match")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-f", "%{family}|%{file}", PREFERRED_FONTS[0]],
                              capture_output=True, text=True, timeout=FC_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def check_cjk_font() -> Result:
    match = _fc_match()
    if match:
        family, _, path = match.partition("|")
        if any(p in family for p in PREFERRED_FONTS):
            return Result(PASS, f"fontconfig: {family.split(',')[0]} ({path})")
    application()
    families = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    preferred = [f for f in families if f in PREFERRED_FONTS]
    if preferred:
        return Result(PASS, f"Qt font database: {preferred[0]}")
    fix = _apt(["fonts-noto-cjk"])
    if families:
        return Result(WARN, f"no {PREFERRED_FONTS[0]}; Chinese falls back to {families[0]}", fix)
    return Result(FAIL, "no font with Chinese characters: every Chinese text would show as boxes",
                  fix)


VIRTUAL_KEYBOARD_QML = b"""
import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Settings
import QtQuick.VirtualKeyboard.Plugins.Pinyin
Item {}
"""


def check_virtual_keyboard() -> Result:
    from PySide6.QtQml import QQmlComponent, QQmlEngine

    application()
    engine = QQmlEngine()
    try:
        component = QQmlComponent(engine)
        component.setData(VIRTUAL_KEYBOARD_QML, "doctor-keyboard.qml")
        errors = [e.toString() for e in component.errors()]
        ready = component.isReady()
    finally:
        engine.deleteLater()
    if ready and not errors:
        return Result(PASS, "QtQuick.VirtualKeyboard with the Pinyin plugin loads")
    text = "; ".join(errors) or "the component did not become ready"
    lib = missing_library(text)
    if lib:
        return Result(FAIL, f"the keyboard's QML does not load: {lib} missing",
                      _apt([debian_package(lib)]))
    return Result(FAIL, f"the keyboard's QML does not load: {text}",
                  "reinstall the kiosk package (the virtual keyboard's QML modules are missing)")


def check_speech() -> Result:
    from PySide6.QtTextToSpeech import QTextToSpeech

    from ui.speech import pick_voice

    application()
    engine = os.environ.get("KIOSK_TTS_ENGINE", "")
    if engine == "off":
        return Result(SKIP, "voice switched off (KIOSK_TTS_ENGINE=off)")
    engines = [e for e in QTextToSpeech.availableEngines() if e != "mock"]
    speech_fix = _apt(["speech-dispatcher", "speech-dispatcher-espeak-ng"])
    if not engines:
        return Result(WARN, "no text-to-speech engine: the kiosk works, without voice",
                      "reinstall the kiosk package (its speech plugins are missing)")
    box: dict[str, object] = {}

    def probe() -> None:
        # Creating the engine can hang for good when speech-dispatcher is stuck: in a
        # thread of its own, abandoned after SPEECH_TIMEOUT.
        try:
            tts = QTextToSpeech(engine) if engine else QTextToSpeech()
            box["engine"] = tts.engine()
            box["state"] = tts.state()
            box["error"] = tts.errorString()
            voice = pick_voice(tts.availableVoices())
            box["voice"] = voice.name() if voice is not None else None
            box["voices"] = len(tts.availableVoices())
        except Exception as exc:
            box["error"] = f"{type(exc).__name__}: {exc}"
            box["state"] = None

    thread = threading.Thread(target=probe, name="doctor-speech", daemon=True)
    thread.start()
    thread.join(SPEECH_TIMEOUT)
    if thread.is_alive():
        return Result(WARN, f"the speech engine did not come up within {SPEECH_TIMEOUT:g} s "
                            "(speech-dispatcher stuck?); the kiosk works, without voice",
                      "systemctl --user restart speech-dispatcher  (or reboot)")
    name = box.get("engine") or engine or engines[0]
    if box.get("state") in (None, QTextToSpeech.State.Error):
        reason = str(box.get("error") or "error")
        plugin = _plugin_files("texttospeech").get(f"libqtexttospeech_{name}.so")
        lib = missing_library(_load_error(plugin) or "") if plugin else None
        if lib:
            reason += f" ({lib} missing)"
        return Result(WARN, f"speech engine {name or '(default)'}: {reason}; the kiosk works, "
                            "without voice", speech_fix)
    if not box.get("voice"):
        return Result(WARN, f"speech engine {name}: {box.get('voices', 0)} voice(s), none Mandarin",
                      _apt(["speech-dispatcher-espeak-ng"]))
    return Result(PASS, f"speech engine {name}, Mandarin voice {box['voice']}")


def check_camera(device: str) -> Result:
    """The configured document camera is one QMediaDevices lists."""
    from ui.camera import pick, video_inputs

    application()
    inputs = video_inputs()
    listed = "; ".join(f"{i.description!r} (id {i.id})" for i in inputs) or "none"
    chosen = pick(inputs, device)
    wanted = (f"devices.camera.device = {device!r}" if device.strip()
              else "the first camera (devices.camera.device unset)")
    if chosen is None:
        fix = ("connect the document camera by USB (a UVC camera), check its cable, then run "
               "the doctor again" if not inputs else
               "set [devices.camera] device in the configuration to the id or description of one listed")
        return Result(FAIL, f"{wanted} not found; cameras listed: {listed}", fix)
    return Result(PASS, f"{chosen.description!r} (id {chosen.id}); cameras listed: {listed}")


def checks(ctx: Context) -> list[Check]:
    camera = ctx.loaded.config.devices.camera if ctx.loaded is not None else None
    devices = [] if camera is None else [
        Check("camera", lambda: check_camera(camera.device), timeout=5, main_thread=True)]
    return devices + [
        Check("qt-platform", check_platform, timeout=3, main_thread=True),
        Check("cjk-font", check_cjk_font, timeout=FC_TIMEOUT + 1, main_thread=True),
        Check("virtual-keyboard", check_virtual_keyboard, timeout=3, main_thread=True),
        Check("speech", check_speech, timeout=SPEECH_TIMEOUT + 1, main_thread=True),
    ]
