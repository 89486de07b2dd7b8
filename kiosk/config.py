"""The terminal's configuration: one TOML file, validated at start.

Where it comes from, in order: `--config FILE`, `$KIOSK_CONFIG`, the system
location (/etc/petition-kiosk/kiosk.toml); with none of these the kiosk runs on
the demo default, its data under the user's data directory. Every error names
the key it is about and what is wrong with it.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from kiosk import ink, paths
from wire import sealing
from wire.durable import make_dir, write_file

ENV_VAR = "KIOSK_CONFIG"


class Level(StrEnum):
    CITY = "city"
    COUNTY = "county"
    ZONE = "zone"  # development zone, high-tech zone, new district: may have no platform


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]


class Terminal(_Strict):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    name: NonEmpty
    # A village proxy station (网上信访代办服务站): the home screen shows 代办员登录 and an
    # agent submits for villagers (docs/agents.md). Off: a hall terminal for walk-ins only.
    proxy_station: bool = False


def plain_http_problem(url: str) -> str | None:
    """Why `url` may not be a platform's API address, or None: plain http is allowed
    only on this machine's loopback (127.0.0.0/8, ::1), where nothing crosses a
    network; anywhere else submissions and the platform's answers need TLS."""
    parts = urlsplit(str(url))
    if parts.scheme == "https":
        return None
    host = parts.hostname or ""
    try:
        if parts.scheme == "http" and ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass  # a name, even "localhost": what it resolves to is not this file's to promise
    return (f"{url} is not https:// (未加密): submissions and the platform's answers would "
            "cross the network unencrypted; use https://, or http:// only for a platform on "
            "this machine (127.0.0.0/8 or [::1])")


class Platform(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
    name: NonEmpty
    level: Literal["city", "county"]
    web_url: HttpUrl
    wechat_name: NonEmpty | None = None
    wechat_url: HttpUrl | None = None
    api_url: HttpUrl | None = None  # where submissions are delivered (…/api/v1)
    public_key: str | None = None  # base64 X25519; envelopes are sealed to it
    # Where the platform serves its receipt page (`/r/<receipt>`), the address a receipt's
    # QR code opens on a phone; by default the root of `api_url`.
    receipt_url: HttpUrl | None = None

    def receipt_page_root(self) -> str | None:
        """The root the receipt QR code's URL starts with, or None without a platform API."""
        if self.receipt_url is not None:
            return str(self.receipt_url).rstrip("/")
        if self.api_url is None:
            return None
        root = str(self.api_url).rstrip("/")
        return root.removesuffix("/api/v1")

    @field_validator("public_key")
    @classmethod
    def _key_decodes(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                sealing.decode_public_key(value)
            except sealing.SealingError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("api_url")
    @classmethod
    def _tls_outside_the_loopback(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None:
            problem = plain_http_problem(str(value))
            if problem is not None:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _wechat_pairs(self) -> Platform:
        if self.wechat_url and not self.wechat_name:
            raise ValueError("wechat_url is set but wechat_name is missing")
        return self


class Jurisdiction(_Strict):
    level: Level
    name: NonEmpty
    # id of the platform that receives this area's submissions; a zone without a
    # platform of its own leaves it out and uses the city's (seed doc 3, §2(3)4)
    platform: str | None = None


class Idle(_Strict):
    warn_after_seconds: Annotated[int, Field(ge=15, le=3600)] = 90
    countdown_seconds: Annotated[int, Field(ge=20, le=300)] = 20


class Sync(_Strict):
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    read_timeout_seconds: Annotated[float, Field(gt=0, le=600)] = 30.0
    # Capped exponential backoff between attempts while the platform cannot be reached.
    backoff_base_seconds: Annotated[float, Field(gt=0, le=60)] = 1.0
    backoff_cap_seconds: Annotated[float, Field(ge=1, le=3600)] = 300.0
    heartbeat_seconds: Annotated[float, Field(ge=5, le=3600)] = 60.0
    # Submissions in flight at once: they start in order and may finish a few apart.
    concurrency: Annotated[int, Field(ge=1, le=16)] = 4
    alert_oldest_after_minutes: Annotated[int, Field(ge=1)] = 24 * 60
    retention_days: Annotated[int, Field(ge=0, le=3650)] = 30


class IdReader(_Strict):
    """[devices.id_reader]: a second-generation ID-card reader (二代证, docs/devices.md)."""

    port: NonEmpty = "auto"  # a device path such as /dev/ttyUSB0, or auto: the USB port that answers
    baud: Literal[9600, 19200, 38400, 57600, 115200] = 115200
    # How long one command may wait for its answer (a read takes about a second).
    timeout_seconds: Annotated[float, Field(gt=0, le=10)] = 3.0
    # A reader that only ships a vendor library: the name of the entry point its package
    # declares in the group petition_kiosk.id_readers (docs/devices.md).
    plugin: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class Printer(_Strict):
    """The receipt printer (ESC/POS, `kiosk/printing.py`): `kind` says how it is reached;
    `none` (the default) prints nothing and the receipt screen says nothing of paper."""

    kind: Literal["none", "usb", "serial", "network"] = "none"
    # usb: the printer's vendor and product id, hex as `lsusb` shows them ("04b8", "0e15")
    vendor_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{4}$")] | None = None
    product_id: Annotated[str, Field(pattern=r"^[0-9a-fA-F]{4}$")] | None = None
    # serial: the device and its speed
    port: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    baudrate: Annotated[int, Field(ge=1200, le=921600)] = 9600
    # network: the printer's address; 9100 is the raw port every network model listens on
    host: Annotated[str, Field(min_length=1, max_length=253)] | None = None
    tcp_port: Annotated[int, Field(ge=1, le=65535)] = 9100
    # how long a status query or the print may take before the printer counts as silent
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0

    @model_validator(mode="after")
    def _reachable(self) -> Printer:
        needed = {"usb": ("vendor_id", "product_id"), "serial": ("port",),
                  "network": ("host",)}.get(self.kind, ())
        for key in needed:
            if getattr(self, key) is None:
                raise ValueError(f"{key}: required for a printer of kind {self.kind!r}")
        return self


class Camera(_Strict):
    """[devices.camera]: the document camera (高拍仪). Without this section the first camera
    connected, if any, is used and the doctor does not look for one."""

    # its id or its description as `kiosk doctor` lists them; "" the first video input
    device: Annotated[str, Field(max_length=200)] = ""


class Devices(_Strict):
    """[devices]: what is attached to this terminal. A device left out is not used."""

    id_reader: IdReader | None = None
    printer: Printer = Printer()
    camera: Camera | None = None


class Data(_Strict):
    dir: Path | None = None

    @field_validator("dir")
    @classmethod
    def _usable_path(cls, value: Path | None) -> Path | None:
        if value is not None and "\0" in str(value):
            raise ValueError("must not contain a NUL character")
        return value


class Handwriting(_Strict):
    """手写: the Zinnia library and the model it loads (Debian's by default)."""

    model: Path = ink.DEFAULT_MODEL
    library: NonEmpty = ink.LIBRARY

    @field_validator("model")
    @classmethod
    def _usable_model_path(cls, value: Path) -> Path:
        if "\0" in str(value):
            raise ValueError("must not contain a NUL character")
        if not value.is_absolute():
            raise ValueError("must be an absolute path")
        return value


class KioskConfig(_Strict):
    terminal: Terminal
    jurisdiction: Jurisdiction
    platforms: Annotated[list[Platform], Field(min_length=1)]
    idle: Idle = Idle()
    sync: Sync = Sync()
    data: Data = Data()
    handwriting: Handwriting = Handwriting()
    devices: Devices = Devices()

    @model_validator(mode="after")
    def _platforms_fit_jurisdiction(self) -> KioskConfig:
        ids = [p.id for p in self.platforms]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"platforms: id {dupes[0]!r} is used twice")
        j = self.jurisdiction
        if j.platform is not None and j.platform not in ids:
            raise ValueError(
                f"jurisdiction.platform: {j.platform!r} is not the id of any [[platforms]] entry"
                f" (known: {', '.join(ids)})"
            )
        if j.platform is None:
            if j.level != Level.ZONE:
                raise ValueError(
                    "jurisdiction.platform: required for a city or county; only a zone may"
                    " leave it out and use the city's platform"
                )
            if not any(p.level == "city" for p in self.platforms):
                raise ValueError(
                    "platforms: a zone without a platform of its own needs a platform with"
                    ' level = "city" to fall back to'
                )
        target = self.delivery_platform
        for key in ("api_url", "public_key"):
            if getattr(target, key) is None:
                index = ids.index(target.id)
                raise ValueError(
                    f"platforms[{index}].{key}: required on {target.id!r}, the platform this"
                    " terminal delivers to"
                )
        return self

    @property
    def delivery_platform(self) -> Platform:
        """The platform that receives this terminal's submissions."""
        wanted = self.jurisdiction.platform
        if wanted is None:  # a zone uses the city's platform
            return next(p for p in self.platforms if p.level == "city")
        return next(p for p in self.platforms if p.id == wanted)

    @property
    def displayed_platforms(self) -> list[Platform]:
        """Platforms whose QR codes the attract screen shows: city first, then county."""
        shown = list(self.platforms)
        if self.jurisdiction.level == Level.ZONE and self.jurisdiction.platform is None:
            shown = [p for p in shown if p.level == "city"]
        return sorted(shown, key=lambda p: 0 if p.level == "city" else 1)


@dataclass(frozen=True)
class LoadedConfig:
    config: KioskConfig
    source: Path | None  # None: the built-in demo default
    data_dir: Path

    @property
    def is_demo(self) -> bool:
        return self.source is None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kiosk.db"


class ConfigError(Exception):
    """The configuration cannot be used. `problems` lists each key and what is wrong."""

    def __init__(self, source: Path | None, problems: list[str]):
        self.source = source
        self.problems = problems
        where = str(source) if source else "demo configuration"
        super().__init__(f"{where}: " + "; ".join(problems))


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _format_errors(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        key = _loc(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] == "extra_forbidden":
            msg = "unknown key (misspelt?)"
        # model-level checks already name their own key
        problems.append(f"{key}: {msg}" if key and not msg.startswith(key) else msg)
    return problems


def parse(data: dict[str, Any], source: Path | None = None) -> KioskConfig:
    try:
        return KioskConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _format_errors(exc)) from None


def load_file(path: Path) -> LoadedConfig:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, ["the file is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    config = parse(data, path)
    data_dir = config.data.dir
    if data_dir is None:
        data_dir = paths.default_data_dir()
    elif not data_dir.is_absolute():
        data_dir = (path.parent / data_dir).resolve()
    return LoadedConfig(config, path.resolve(), data_dir)


def demo(data_dir: Path | None = None) -> LoadedConfig:
    """A configuration that works with no editing: a demo county under a demo city,
    delivering to a reference platform on this machine. The demo platform's key pair
    is made once and kept in the data directory."""
    data_dir = data_dir or paths.default_data_dir() / "demo"
    public_key = demo_platform_public_key(data_dir)
    data = {
        "terminal": {"id": "DEMO-0001", "name": "演示县信访局 网上信访自助服务区 1号机"},
        "jurisdiction": {"level": "county", "name": "演示县", "platform": "county"},
        "platforms": [
            {
                "id": "city",
                "name": "演示市网上信访受理平台",
                "level": "city",
                "web_url": "http://127.0.0.1:8700/city",
                "wechat_name": "演示市信访",
                "wechat_url": "http://127.0.0.1:8700/wechat/city",
            },
            {
                "id": "county",
                "name": "演示县网上信访受理平台",
                "level": "county",
                "web_url": "http://127.0.0.1:8700/county",
                "wechat_name": "演示县信访",
                "wechat_url": "http://127.0.0.1:8700/wechat/county",
                "api_url": "http://127.0.0.1:8700/api/v1",
                "public_key": public_key,
            },
        ],
    }
    return LoadedConfig(parse(data), None, data_dir)


def demo_platform_dir(data_dir: Path) -> Path:
    """The demo platform's own folder, beside the terminal's data directory and not in
    it: what the terminal keeps must stay unreadable without the platform's key."""
    return data_dir.parent / f"{data_dir.name}-platform"


def demo_platform_private_key_path(data_dir: Path) -> Path:
    return demo_platform_dir(data_dir) / "private.key"


def demo_platform_public_key(data_dir: Path) -> str:
    """The demo platform's public key, making its key pair on first use. Only the demo
    keeps a platform's private key on a terminal; a real terminal never has one."""
    key_path = demo_platform_private_key_path(data_dir)
    if not key_path.exists():
        make_dir(key_path.parent)
        write_file(key_path, sealing.encode_private_key(sealing.generate_private_key()) + "\n",
                   mode=0o600)
    private = sealing.decode_private_key(key_path.read_text())
    return sealing.encode_public_key(private.public_key())


def resolve(explicit: Path | None = None, *, force_demo: bool = False) -> LoadedConfig:
    """The configuration this command runs on (see the module docstring for the order)."""
    if force_demo:
        return demo()
    if explicit is not None:
        return load_file(explicit)
    env = os.environ.get(ENV_VAR)
    if env:
        return load_file(Path(env))
    if paths.SYSTEM_CONFIG.exists():
        return load_file(paths.SYSTEM_CONFIG)
    return demo()
