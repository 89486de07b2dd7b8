"""Agents of a proxy station in tests: registered at a real platform, bound through the
real command, and the documents an agent session submits for a villager."""

from __future__ import annotations

import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

from kiosk import agents
from tests.support import factories
from tests.support.common import ROOT
from tests.support.platform_server import ReceiverProcess
from tests.support.terminal import Terminal

PIN = "246802"


def signature_png(seed: str) -> bytes:
    """A drawn stroke as the signature pad gives it, different for each seed."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (300, 120), 255)
    n = sum(map(ord, seed))
    ImageDraw.Draw(image).line([(10, 60), (80 + n % 50, 20), (160, 100), (290, 30 + n % 60)],
                               fill=0, width=5)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def register(rx: ReceiverProcess, agent_id: str, name: str, station: str = "和平村代办站") -> str:
    out = rx.cli("agent", "add", agent_id, "--name", name, "--station", station).stdout
    match = re.search(r"binding code for agent \S+: (\d{4}) (\d{4})", out)
    assert match, out
    return match.group(1) + match.group(2)


def bind(station: Terminal, code: str, pin: str = PIN):
    return station.kiosk("agent", "bind", code, "--pin", pin)


def villager_document(folder: Path, name: str = "李桂芳", *, today: date | None = None,
                      doc: dict | None = None, **proxy: object) -> Path:
    """A villager's petition as an agent session submits it: the villager the applicant,
    the authorisation they agreed to and signed (authorisation_signature)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "docs" / "examples" / "signature.png", folder / "signature.png")
    if doc is None:
        doc = factories.petition()
        doc["applicants"][0]["name"] = name
    (folder / "authorisation-signature.png").write_bytes(
        signature_png(doc["applicants"][0]["name"]))
    doc["proxy"] = {"authorisation": agents.default_authorisation(today or date.today()),
                    **proxy}
    doc["attachments"].append({"role": "authorisation_signature", "media_type": "image/png",
                               "file": "authorisation-signature.png"})
    path = folder / "petition.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path
