import os
import stat
import tomllib
from pathlib import Path

import pytest
import tomli_w

from kiosk import config
from tests.support.common import ROOT, run_kiosk
from wire import sealing

EXAMPLE = ROOT / "docs" / "examples" / "kiosk.toml"


def example_data() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def problems_of(data: dict) -> list[str]:
    with pytest.raises(config.ConfigError) as info:
        config.parse(data)
    return info.value.problems


def test_example_file_is_valid():
    loaded = config.load_file(EXAMPLE)
    assert loaded.source == EXAMPLE.resolve()
    assert loaded.config.delivery_platform.id == "county"
    assert [p.id for p in loaded.config.displayed_platforms] == ["city", "county"]
    assert loaded.config.idle.warn_after_seconds == 90


def test_demo_default_makes_its_key_pair_once(tmp_path):
    first = config.demo(tmp_path)
    key_file = config.demo_platform_private_key_path(tmp_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    again = config.demo(tmp_path)
    assert first.config.delivery_platform.public_key == again.config.delivery_platform.public_key
    private = sealing.decode_private_key(key_file.read_text())
    blob = sealing.seal(b"x", sealing.decode_public_key(
        first.config.delivery_platform.public_key), "s", "envelope")
    assert sealing.unseal(blob, private, "s", "envelope") == b"x"
    assert first.is_demo and first.data_dir == tmp_path


def test_errors_name_their_keys():
    data = example_data()
    del data["terminal"]["name"]
    data["terminal"]["id"] = "has space"
    data["platforms"][0]["web_url"] = "ftp://example"
    data["platforms"][1]["colour"] = "red"
    data["idle"]["countdown_seconds"] = 5
    problems = problems_of(data)
    keys = sorted(p.split(":")[0] for p in problems)
    assert keys == ["idle.countdown_seconds", "platforms[0].web_url", "platforms[1].colour",
                    "terminal.id", "terminal.name"]


def test_jurisdiction_rules():
    data = example_data()
    data["jurisdiction"]["platform"] = "province"
    assert problems_of(data)[0].startswith("jurisdiction.platform: 'province' is not the id")

    data = example_data()
    del data["jurisdiction"]["platform"]
    assert "only a zone may" in problems_of(data)[0]

    # a zone without a platform of its own delivers to, and shows, the city's
    data = example_data()
    data["jurisdiction"] = {"level": "zone", "name": "高新区"}
    data["platforms"][0].update(api_url="https://city.example/api/v1",
                                public_key=data["platforms"][1]["public_key"])
    zone = config.parse(data)
    assert zone.delivery_platform.id == "city"
    assert [p.id for p in zone.displayed_platforms] == ["city"]

    data["platforms"] = [data["platforms"][1]]
    assert 'level = "city"' in problems_of(data)[0]


def test_delivery_platform_needs_api_and_key():
    data = example_data()
    del data["platforms"][1]["public_key"]
    assert problems_of(data) == [
        "platforms[1].public_key: required on 'county', the platform this terminal delivers to"]
    data = example_data()
    data["platforms"][1]["public_key"] = "AAAA"
    assert problems_of(data)[0].startswith("platforms[1].public_key: public key must be 32")


def test_duplicate_platform_ids():
    data = example_data()
    data["platforms"][0]["id"] = "county"
    assert "used twice" in problems_of(data)[0]


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(config.ConfigError, match="cannot read"):
        config.load_file(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[terminal\nid=1", encoding="utf-8")
    with pytest.raises(config.ConfigError, match="not valid TOML"):
        config.load_file(bad)


def test_relative_data_dir_is_relative_to_the_file(tmp_path):
    data = example_data()
    data["data"]["dir"] = "state"
    loaded = config.load_file(write(tmp_path, data))
    assert loaded.data_dir == (tmp_path / "state").resolve()


def test_resolution_order(isolated_env, monkeypatch):
    tmp_path = isolated_env
    data = example_data()
    data["data"]["dir"] = "env-data"
    env_file = write(tmp_path, data)
    other = tmp_path / "other"
    other.mkdir()
    data["data"]["dir"] = "explicit-data"
    explicit = write(other, data)

    demo = config.resolve()  # nothing configured: the demo, under the XDG data dir
    assert demo.is_demo
    assert demo.data_dir.is_relative_to(tmp_path / "xdg-data")
    monkeypatch.setenv(config.ENV_VAR, str(env_file))
    assert config.resolve().source == env_file.resolve()
    assert config.resolve(explicit).source == explicit.resolve()
    assert config.resolve(explicit, force_demo=True).is_demo


def test_config_check_command(isolated_env):
    tmp_path = isolated_env
    env = {k: os.environ[k] for k in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")}
    ok = run_kiosk("config", "check", "--config", str(EXAMPLE), env=env)
    assert ok.returncode == 0, ok.stderr
    assert f"configuration: {EXAMPLE.resolve()}" in ok.stdout
    data = example_data()
    data["platforms"][1]["web_url"] = "not a url"
    bad = write(tmp_path, data)
    result = run_kiosk("config", "check", "--config", str(bad), env=env)
    assert result.returncode == 2
    assert f"configuration: {bad}" in result.stderr
    assert "platforms[1].web_url:" in result.stderr
    demo = run_kiosk("config", "check", env=env)
    assert demo.returncode == 0 and "built-in demo default" in demo.stdout


# --- TLS outside the loopback -------------------------------------------------------------


def _with_api_url(url: str) -> dict:
    data = example_data()
    for platform in data["platforms"]:
        if "api_url" in platform:
            platform["api_url"] = url
    return data


@pytest.mark.parametrize("url", ["http://127.0.0.1:8700/api/v1", "http://127.8.9.10/api/v1",
                                 "http://[::1]:8700/api/v1", "https://xf.example.gov.cn/api/v1",
                                 "https://10.0.0.5/api/v1"])
def test_an_api_url_is_https_or_on_the_loopback(url):
    config.parse(_with_api_url(url))


@pytest.mark.parametrize("url", ["http://xf.example.gov.cn/api/v1", "http://10.0.0.5:8700/api/v1",
                                 "http://localhost:8700/api/v1", "http://[::2]/api/v1",
                                 "http://128.0.0.1/api/v1"])
def test_plain_http_outside_the_loopback_is_refused_and_says_why(url):
    problems = problems_of(_with_api_url(url))
    assert any("api_url" in p and "not https://" in p and "127.0.0.0/8" in p for p in problems)


def test_config_check_refuses_plain_http_outside_the_loopback_with_exit_2(tmp_path):
    path = write(tmp_path, _with_api_url("http://xf.example.gov.cn/api/v1"))
    result = run_kiosk("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "not https://" in result.stdout + result.stderr


def test_enroll_applies_the_same_rule_to_platform(tmp_path):
    path = write(tmp_path, _with_api_url("https://xf.example.gov.cn/api/v1"))
    result = run_kiosk("enroll", "--config", str(path), "--platform",
                       "http://10.1.2.3:8700/api/v1", "--code", "ABCD-EFGH-JKMN")
    assert result.returncode == 2 and "not https://" in result.stderr


def test_the_receipt_page_is_at_the_platforms_root_unless_configured():
    """The receipt's QR code opens the delivery platform's `/r/…` page: by default the
    root of its `api_url`, or `receipt_url` when its public address differs."""
    data = example_data()
    county = data["platforms"][1]
    assert config.Platform.model_validate(county).receipt_page_root() == \
        "https://xf.example-county.gov.cn"
    county["receipt_url"] = "https://xf.example.gov.cn/public/"
    assert config.Platform.model_validate(county).receipt_page_root() == \
        "https://xf.example.gov.cn/public"
    del county["receipt_url"], county["api_url"]
    assert config.Platform.model_validate(county).receipt_page_root() is None


def test_the_document_camera_section():
    data = example_data()
    assert config.parse(data).devices.camera.device == ""  # the example names the section
    del data["devices"]["camera"]
    assert config.parse(data).devices.camera is None  # no section: the first camera, unchecked
    data["devices"]["camera"] = {"device": "Eloam S500"}
    assert config.parse(data).devices.camera.device == "Eloam S500"
    # a source kind is no configuration key: the synthetic camera is for tests and the demo
    data["devices"]["camera"] = {"device": "", "source": "synthetic"}
    assert [p.split(":")[0] for p in problems_of(data)] == ["devices.camera.source"]
    data["devices"]["camera"] = {"device": "x" * 201}
    assert [p.split(":")[0] for p in problems_of(data)] == ["devices.camera.device"]
