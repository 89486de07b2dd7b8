"""Redeeming an agent's binding code at the platform (`POST /agent-bindings`), signed
with the terminal's key; the answer verified as every other answer to a signed request.
Used by `kiosk agent bind` and the technician screen's 绑定代办员 (through `app`)."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk import causes
from kiosk.config import LoadedConfig
from sync import answers, enrollment
from sync.client import PlatformClient, Unreachable
from wire import agents as wire_agents
from wire import errors, schemas


@dataclass(frozen=True)
class Redeemed:
    """What came of a code: `binding` when the platform named the agent, else why not
    (`outcome`: refused, limited, offline, unavailable) in plain words and in English."""

    outcome: str
    binding: schemas.AgentBinding | None = None
    words: str = ""
    detail: str = ""
    retry_after: int | None = None


def redeem(loaded: LoadedConfig, code: str) -> Redeemed:
    cfg = loaded.config
    try:
        enrolled = enrollment.load(loaded.data_dir)
        platform_key = enrollment.require_platform_key(enrolled)
    except enrollment.NotEnrolled as exc:
        return Redeemed("unavailable", words="这台终端还没有在平台登记，不能绑定代办员",
                        detail=str(exc))
    api_url = str(cfg.delivery_platform.api_url)
    client = PlatformClient(api_url, cfg.terminal.id, enrolled.signing_key,
                            platform_key=platform_key,
                            connect_timeout=cfg.sync.connect_timeout_seconds,
                            read_timeout=cfg.sync.read_timeout_seconds)
    try:
        answer = client.bind_agent(wire_agents.normalize_code(code))
    except Unreachable as exc:
        return Redeemed("offline", words="连不上平台：绑定代办员需要联网，请联网后再试",
                        detail=f"cannot reach {api_url}: {exc}")
    finally:
        client.close()
    try:
        reading = answers.agent_binding(answer)
    except ValueError as exc:
        return Redeemed("unavailable", words="平台暂时不能绑定代办员，请稍后再试",
                        detail=f"refused by {api_url}: {exc}")
    if reading.binding is not None:
        return Redeemed("bound", reading.binding)
    if reading.refused:
        return Redeemed("refused", words=causes.PLATFORM_CODES[errors.AGENT_CODE_REFUSED.code],
                        detail=answer.error)
    return Redeemed("limited", words=causes.PLATFORM_CODES[errors.AGENT_CODE_LIMITED.code],
                    detail=answer.error, retry_after=int(max(1, reading.retry_after or 1)))
