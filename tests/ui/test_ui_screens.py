"""The QML module against the flow: one screen per step and one step per screen, every
component in the module's qmldir, every screen loading without a QML warning, and no
choice list or rule written into QML (they are the core's: kiosk/choices.py,
kiosk/applies.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk import choices, flow, taxonomy
from kiosk.visit import HOME, SERVICE_SCREENS
from ui import app as app_mod
from ui.driver import pump
from ui.tour import sample_petition

MODULE = app_mod.QML_DIR / app_mod.QML_MODULE
SCREENS = MODULE / "screens"


def _qml_files() -> list[Path]:
    return sorted(MODULE.glob("*.qml")) + sorted(SCREENS.glob("*.qml"))


def test_every_step_has_a_screen_and_every_screen_a_step():
    screens = {p.stem for p in SCREENS.glob("*.qml")}
    steps = {s.id for s in flow.STEPS}
    assert steps - screens == set(), "steps without a screen"
    assert screens - steps == set(SERVICE_SCREENS), "screens without a step"


def test_the_qmldir_lists_every_component():
    listed = {}
    for line in (MODULE / "qmldir").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "singleton":
            parts = parts[1:]
        if len(parts) == 3 and parts[2].endswith(".qml"):
            listed[parts[0]] = parts[2]
    assert set(listed.values()) == {p.name for p in MODULE.glob("*.qml")}
    assert all(name == Path(file).stem for name, file in listed.items())
    assert "Main" in listed


@pytest.mark.parametrize("path", _qml_files(), ids=lambda p: str(p.relative_to(MODULE)))
def test_qml_holds_no_rule_and_reaches_into_no_window(path):
    text = path.read_text(encoding="utf-8")
    code = "\n".join(line.split("//")[0] for line in text.splitlines())
    assert "edits >= 0" not in code  # no fake dependencies in bindings
    assert not re.search(r"\b(session|theme|technician|idle)\.", code)  # no context properties
    if path.name != "Main.qml":
        assert not re.search(r"\bwin\.", code), "a component reaches into the window by id"
    assert not re.search(r"options:\s*\[", code), "a choice list in QML"
    assert not re.search(r"value\(\s*\"(kind|applying_as)", code), "a rule on the answers"
    assert not re.search(r"最多\s*5|超过\s*5", code), "the number of representatives"


def test_no_choice_label_of_the_core_is_written_in_qml():
    tax = taxonomy.load()
    labels = {c.label for group in (choices.KINDS, choices.APPLYING_AS, choices.ID_TYPES,
                                    choices.REPLY_ONLINE, choices.INFORMED_OF_LIMIT)
              for c in group}
    labels |= {c.label for c in choices.categories(tax) + choices.purposes(tax)}
    labels |= {label for _, label in choices.CONSENTS}
    for path in _qml_files():
        text = path.read_text(encoding="utf-8")
        found = sorted(label for label in labels if f'"{label}"' in text)
        assert found == [], (path.name, found)


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_every_screen_loads_without_a_qml_warning(kiosk_window, size):
    make, _ = kiosk_window
    k = make(size=size)
    warnings: list[str] = []
    k.engine.warnings.connect(lambda errors: warnings.extend(e.toString() for e in errors))
    s = k.session
    s.start("review")
    doc = sample_petition()
    doc.update(kind="review", applying_as="group")
    doc.pop("purpose")
    s.load(doc)
    loaded = []
    for step in flow.STEPS:
        s.goTo(step.id)
        pump(30)
        assert s.screen == step.id
        loaded.append(step.id)
    s.goHome()
    pump(30)
    assert loaded == [st.id for st in flow.STEPS] and s.screen == HOME
    assert warnings == []
