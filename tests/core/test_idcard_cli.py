"""`kiosk idcard read` and the doctor's id-reader check, as real child processes reading
the simulated reader on a real pty."""

import json

from kiosk.idcard.simulator import SAMPLE_CARD, Simulator
from tests.core.test_config import example_data, write
from tests.support.common import run_kiosk

PERSONAL = (SAMPLE_CARD.name, SAMPLE_CARD.id_number, SAMPLE_CARD.address, "19460308", "1946-03-08")


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _config(tmp_path, port: str) -> str:
    data = example_data()
    data["data"] = {"dir": str(tmp_path / "data")}
    data["devices"] = {"id_reader": {"port": port, "timeout_seconds": 0.5}}
    return str(write(tmp_path, data))


def _read(tmp_path, *args):
    return run_kiosk("--demo", "idcard", "read", "--timeout", "0.5", *args, env=_env(tmp_path))


def test_read_prints_the_card_masked(tmp_path):
    with Simulator("good") as sim:
        human = _read(tmp_path, "--port", sim.port)
        machine = _read(tmp_path, "--port", sim.port, "--json")
    assert human.returncode == 0, human.stderr
    assert "姓名: 王*英" in human.stdout and "证件号码: 110105********0021" in human.stdout
    assert "性别: 女" in human.stdout and "出生日期: 1946-**-**" in human.stdout
    out = json.loads(machine.stdout)
    assert out["ok"] and out["card"]["id_number"] == "110105********0021"
    for text in (human.stdout, human.stderr, machine.stdout, machine.stderr):
        assert not any(p in text for p in PERSONAL), text


def test_read_failures_exit_1_with_the_words_and_the_cause(tmp_path):
    for mode, kind in (("no_card", "no_card"), ("pulled", "pulled"), ("garbage", "garbage"),
                       ("checksum", "checksum"), ("silent", "silent")):
        with Simulator(mode) as sim:
            human = _read(tmp_path, "--port", sim.port)
            machine = _read(tmp_path, "--port", sim.port, "--json")
        assert human.returncode == 1 and machine.returncode == 1, (mode, human.stderr)
        assert f"kiosk idcard read: {kind}: " in human.stderr
        told = json.loads(machine.stdout)
        assert told["ok"] is False and told["kind"] == kind and "身份证" in told["words"]
        assert not any(p in human.stderr + machine.stdout for p in PERSONAL)


def test_bad_options_exit_2_and_read_nothing(tmp_path):
    with Simulator("good") as sim:
        bad_baud = _read(tmp_path, "--port", sim.port, "--baud", "1234")
        bad_time = run_kiosk("--demo", "idcard", "read", "--port", sim.port, "--timeout", "-1",
                             env=_env(tmp_path))
        assert sim.commands == []  # nothing was sent to the reader
    assert bad_baud.returncode == 2 and "--baud:" in bad_baud.stderr
    assert bad_time.returncode == 2 and "--timeout:" in bad_time.stderr
    unconfigured = _read(tmp_path)  # the demo configuration has no reader
    assert unconfigured.returncode == 2 and "[devices.id_reader]" in unconfigured.stderr


def test_read_uses_the_configured_reader(tmp_path):
    with Simulator("good") as sim:
        done = run_kiosk("--config", _config(tmp_path, sim.port), "idcard", "read", "--json",
                         env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["card"]["name"] == "王*英"


def test_the_doctor_finds_the_reader_or_says_how_to_fix_it(tmp_path):
    def id_line(port):
        done = run_kiosk("--config", _config(tmp_path, port), "doctor", "--json", env=_env(tmp_path))
        return {c["name"]: c for c in json.loads(done.stdout)["checks"]}["id-reader"]

    with Simulator("good") as sim:
        good = id_line(sim.port)
    assert good["status"] == "PASS" and "answers on" in good["found"]
    with Simulator("silent") as sim:
        silent = id_line(sim.port)
    assert silent["status"] == "FAIL" and "baud" in silent["fix"]
    missing = id_line("/dev/no-such-reader")
    assert missing["status"] == "FAIL" and "dialout" in missing["fix"]
    demo = run_kiosk("--demo", "doctor", "--json", env=_env(tmp_path))
    checks = {c["name"]: c for c in json.loads(demo.stdout)["checks"]}
    assert checks["id-reader"]["status"] == "SKIP" and not checks["id-reader"]["counted"]
