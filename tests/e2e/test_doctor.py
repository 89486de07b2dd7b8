"""`kiosk doctor` against real files, a real SQLite database and a real platform process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import tomli_w

from kiosk import doctor
from kiosk.doctor import FAIL, PASS, SKIP, WARN, Check, Result
from sync import enrollment
from tests.support.common import ROOT
from tests.support.platform_server import issue_code, running_receiver
from tests.support.terminal import Terminal, make_terminal
from wire import paths

CORE = ("config", "data-dir", "database", "outbox", "enrollment", "signing-key", "reach:county",
        "platform-api", "clock")


def run_doctor(terminal: Terminal, *extra: str) -> subprocess.CompletedProcess:
    """The doctor in a child process, as a technician runs it. How long it takes is a
    figure of `bench/doctor.py`; the timeout here only stops a doctor that hangs."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)  # the doctor must not need one to run
    return subprocess.run([sys.executable, "-m", "app", "doctor", "--config",
                           str(terminal.config_path), *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def doctor_json(terminal: Terminal) -> tuple[int, dict[str, dict]]:
    done = run_doctor(terminal, "--json")
    report = json.loads(done.stdout)
    return done.returncode, {c["name"]: c for c in report["checks"]}


def set_config(terminal: Terminal, **platform_keys: str) -> None:
    data = tomllib.loads(terminal.config_path.read_text(encoding="utf-8"))
    data["platforms"][0].update(platform_keys)
    terminal.config_path.write_text(tomli_w.dumps(data), encoding="utf-8")


def enrolled_terminal(tmp_path: Path, rx) -> Terminal:
    """A terminal enrolled with `rx` through `kiosk enroll`, its web address on `rx` too."""
    terminal = make_terminal(tmp_path, rx.api_url, rx.platform_public_key)
    set_config(terminal, web_url=rx.url + "/county")
    done = terminal.kiosk("enroll", "--code", issue_code(rx, terminal.terminal_id))
    assert done.returncode == 0, done.stderr
    return terminal


def assert_exit_matches(code: int, checks: dict[str, dict]) -> None:
    failed = [n for n, c in checks.items() if c["status"] == FAIL and c["counted"]]
    assert code == (1 if failed else 0), failed


def test_healthy_enrolled_terminal_passes_the_core_checks(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        terminal = enrolled_terminal(tmp_path, rx)
        terminal.queue(1)  # a database at head with one item waiting
        code, checks = doctor_json(terminal)
    for name in CORE:
        assert checks[name]["status"] == PASS, checks[name]
    assert checks["disk"]["status"] in (PASS, WARN)  # depends on the machine, never FAIL here
    assert "queued 1" in checks["outbox"]["found"]
    assert "mode 0600" in checks["signing-key"]["found"]
    for name in ("printer", "camera"):
        assert checks[name]["status"] == SKIP and not checks[name]["counted"]
    for name in ("qt-platform", "cjk-font", "virtual-keyboard", "speech"):
        assert name in checks  # Qt is installed for the tests: its checks ran
    assert_exit_matches(code, checks)


def test_stopped_platform_fails_with_a_fix(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        terminal = enrolled_terminal(tmp_path, rx)
        rx.stop()
        done = run_doctor(terminal)
    assert done.returncode == 1, done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("FAIL  reach:county "))
    assert "Connection refused" in line
    assert "-- fix:" in line and "platforms[0].web_url / platforms[0].api_url" in line
    # One cause, one FAIL: what depends on reaching the platform is skipped, not failed.
    assert any(x.startswith("SKIP  platform-api ") for x in done.stdout.splitlines())
    assert any(x.startswith("SKIP  clock ") for x in done.stdout.splitlines())
    assert any(x.startswith("PASS  enrollment ") for x in done.stdout.splitlines())


def test_platform_that_accepts_but_never_answers_fails_on_the_doctors_timeout(tmp_path):
    # A socket that listens and never answers: TCP connects, HTTP hangs until the timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    try:
        with running_receiver(tmp_path / "platform") as rx:
            terminal = enrolled_terminal(tmp_path, rx)
        port = silent.getsockname()[1]
        set_config(terminal, api_url=f"http://127.0.0.1:{port}{paths.API}",
                   web_url=f"http://127.0.0.1:{port}/county")
        code, checks = doctor_json(terminal)
    finally:
        silent.close()
    assert code == 1
    assert checks["reach:county"]["status"] == PASS
    assert checks["platform-api"]["status"] == FAIL
    assert "no answer" in checks["platform-api"]["found"]
    assert checks["clock"]["status"] == FAIL
    assert checks["enrollment"]["status"] == WARN  # enrolled elsewhere than it delivers to


def test_garbage_in_the_database_fails_the_integrity_check(tmp_path):
    terminal = make_terminal(tmp_path, "http://127.0.0.1:9/api/v1", _any_public_key())
    terminal.queue(3)
    db = terminal.data_dir / "kiosk.db"
    with db.open("r+b") as fh:  # the header and the first pages
        fh.write(os.urandom(8192))
    code, checks = doctor_json(terminal)
    assert code == 1
    assert checks["database"]["status"] == FAIL
    assert "damaged" in checks["database"]["found"]
    assert "recover" in checks["database"]["fix"]
    assert checks["outbox"]["status"] == SKIP  # the database line already says why


def test_a_damaged_page_fails_the_integrity_check(tmp_path):
    terminal = make_terminal(tmp_path, "http://127.0.0.1:9/api/v1", _any_public_key())
    terminal.queue(20)
    db = terminal.data_dir / "kiosk.db"
    size = db.stat().st_size
    with db.open("r+b") as fh:  # keep the header, break a page in the middle
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(b"\xff" * 4096)
    code, checks = doctor_json(terminal)
    assert code == 1
    assert checks["database"]["status"] == FAIL, checks["database"]

    # The next kiosk command moves it aside; the doctor then points at `kiosk recover`.
    assert terminal.kiosk("status").returncode == 0
    code, checks = doctor_json(terminal)
    assert checks["database"]["status"] == WARN, checks["database"]
    assert "not read back yet" in checks["database"]["found"]
    assert terminal.kiosk("recover").returncode == 0
    code, checks = doctor_json(terminal)
    assert checks["database"]["status"] == PASS, checks["database"]


def test_signing_key_readable_by_others_fails(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        terminal = enrolled_terminal(tmp_path, rx)
        key = terminal.data_dir / enrollment.KEY_FILE
        key.chmod(0o644)
        code, checks = doctor_json(terminal)
    assert code == 1
    check = checks["signing-key"]
    assert check["status"] == FAIL
    assert "0644" in check["found"]
    assert check["fix"] == f"chmod 600 {key}"
    assert checks["platform-api"]["status"] == PASS  # the key works; only its mode is wrong


def test_invalid_configuration_is_a_failed_check_not_a_crash(tmp_path):
    terminal = make_terminal(tmp_path, "http://127.0.0.1:9/api/v1", _any_public_key())
    data = tomllib.loads(terminal.config_path.read_text(encoding="utf-8"))
    data["sync"]["concurency"] = 2  # misspelt
    terminal.config_path.write_text(tomli_w.dumps(data), encoding="utf-8")
    code, checks = doctor_json(terminal)
    assert code == 1
    assert checks["config"]["status"] == FAIL
    assert "sync.concurency" in checks["config"]["found"]
    assert "config check" in checks["config"]["fix"]
    assert "cjk-font" in checks  # what does not need the configuration still ran


def test_a_check_past_its_timeout_fails_and_its_dependents_are_skipped():
    release, finished = threading.Event(), threading.Event()

    def slow() -> Result:
        release.wait(60)  # until the test has its outcomes: the doctor must not wait for it
        finished.set()
        return Result(PASS, "too late")

    outcomes = doctor.run_checks([
        Check("slow", slow, timeout=0.3, timeout_fix="wait less"),
        Check("after-slow", lambda: Result(PASS, "ran"), timeout=1, needs=("slow",)),
        Check("quick", lambda: Result(WARN, "fine", "nothing"), timeout=1),
        Check("after-warn", lambda: Result(PASS, "ran"), timeout=1, needs=("quick",)),
        Check("after-warn-strict", lambda: Result(PASS, "ran"), timeout=1, needs=("quick",),
              needs_pass=True),
    ])
    assert not finished.is_set(), "the doctor waited for a check past its timeout"
    release.set()
    by_name = {o.name: o for o in outcomes}
    assert by_name["slow"].result.status == FAIL
    assert by_name["slow"].result.fix == "wait less"
    assert by_name["after-slow"].result.status == SKIP
    assert by_name["quick"].result.status == WARN
    assert by_name["after-warn"].result.status == PASS
    assert by_name["after-warn-strict"].result.status == SKIP
    assert not by_name["after-warn-strict"].counted


def _any_public_key() -> str:
    from wire import sealing

    return sealing.encode_public_key(sealing.generate_private_key().public_key())


def _tls_server(tmp_path: Path, days: int) -> tuple[socket.socket, Path]:
    """A real TLS listener on 127.0.0.1 with a self-signed certificate valid for `days`."""
    import datetime as dt
    import ipaddress
    import ssl
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(
                "127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "tls.crt", tmp_path / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed at the end of the test
            try:
                with context.wrap_socket(conn, server_side=True):
                    pass
            except (OSError, ssl.SSLError):
                pass  # a client that refused the certificate

    threading.Thread(target=serve, daemon=True).start()
    return listener, cert_file


def test_tls_certificate_not_trusted_fails_and_one_near_expiry_warns(tmp_path, monkeypatch):
    listener, cert_file = _tls_server(tmp_path, days=5)
    try:
        terminal = make_terminal(tmp_path, "http://127.0.0.1:9/api/v1", _any_public_key())
        port = listener.getsockname()[1]
        set_config(terminal, web_url=f"https://127.0.0.1:{port}/county",
                   api_url=f"https://127.0.0.1:{port}{paths.API}")
        code, checks = doctor_json(terminal)
        assert code == 1
        assert checks["reach:county"]["status"] == PASS
        assert checks["tls:county"]["status"] == FAIL
        assert "self-signed certificate" in checks["tls:county"]["found"]

        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))  # now the terminal trusts it
        _, checks = doctor_json(terminal)
        assert checks["tls:county"]["status"] == WARN, checks["tls:county"]
        assert "less than 14 days left" in checks["tls:county"]["found"]
    finally:
        listener.close()


def test_the_platforms_signing_key_is_shown_and_an_old_enrollment_without_it_fails(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        terminal = enrolled_terminal(tmp_path, rx)
        code, checks = doctor_json(terminal)
        fingerprint = enrollment.load(terminal.data_dir).platform_key_fingerprint
        assert checks["enrollment"]["status"] == PASS
        assert fingerprint and fingerprint in checks["enrollment"]["found"]
        # Plain http, allowed on the loopback only, and the doctor says so.
        assert checks["tls:county"]["status"] == PASS
        assert "loopback" in checks["tls:county"]["found"]
        # An enrollment of the earlier release: no platform signing key.
        state_file = terminal.data_dir / enrollment.STATE_FILE
        state = json.loads(state_file.read_text(encoding="utf-8"))
        del state["platform_signing_key"]
        state_file.write_text(json.dumps(state), encoding="utf-8")
        code, checks = doctor_json(terminal)
        assert code == 1 and checks["enrollment"]["status"] == FAIL
        assert "signing key is not known" in checks["enrollment"]["found"]
        assert "enroll --code" in checks["enrollment"]["fix"]
        # … and the worker refuses to deliver rather than trusting unsigned answers.
        refused = terminal.kiosk("sync", "--once")
        assert refused.returncode == 1 and "kiosk enroll --code" in refused.stderr


def test_a_configured_camera_that_is_not_connected_fails_with_its_fix(tmp_path):
    """`[devices.camera]` configured: the doctor asks QMediaDevices for it (no camera of that name
    is connected here), says which cameras it sees and how to fix it; counted in the exit
    status. Without the section the line stays SKIP (test above)."""
    from wire import sealing

    key = sealing.encode_public_key(sealing.generate_private_key().public_key())
    terminal = make_terminal(tmp_path, "http://127.0.0.1:9/api/v1", key)
    data = tomllib.loads(terminal.config_path.read_text(encoding="utf-8"))
    data.setdefault("devices", {})["camera"] = {"device": "Eloam S500 高拍仪"}
    terminal.config_path.write_text(tomli_w.dumps(data), encoding="utf-8")
    code, checks = doctor_json(terminal)
    camera = checks["camera"]
    assert camera["status"] == FAIL and camera["counted"] and code == 1, camera
    assert "devices.camera.device = 'Eloam S500 高拍仪' not found; cameras listed: " in camera["found"]
    assert "[devices.camera] device" in camera["fix"] or "connect the document camera" in camera["fix"]
