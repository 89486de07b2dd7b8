"""Measuring a live screen against shared/UX.md: targets, text sizes, contrast.

Everything is read from the item tree as it is on screen: every enabled, visible
thing a finger can press; every visible piece of text with the colour of what is
painted behind it (the nearest rectangle under its centre, in paint order,
blended over the window colour when translucent).

An open keyboard (the item named `inputPanel`) and an open digit or PIN pad
(`digitPad`, `techPinPad`) are counted key by key: each key's cell against the
targets, its visible label (a function key's in Chinese), and for a pad the cells
of its grid left blank and its primary buttons. Their labels count with the
screen's text, sizes and contrast. `primary_buttons` counts the screen's shown
primary buttons.
"""

from __future__ import annotations

import re

import shiboken6
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QTextLayout, QTextOption
from PySide6.QtQml import QQmlEngine, QQmlExpression
from PySide6.QtQuick import QQuickItem, QQuickWindow

from ui.driver import shown

CLICKABLE = ("QQuickAbstractButton", "QQuickMouseArea", "QQuickTextInput", "QQuickTextEdit")
TEXT = ("QQuickText", "QQuickTextInput", "QQuickTextEdit")
PADS = ("digitPad", "techPinPad", "handwritingPad")
PAD_KEY_PREFIXES = ("key:", "pin:")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _luminance(c: QColor) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _blend(top: QColor, bottom: QColor, alpha: float) -> QColor:
    return QColor.fromRgbF(top.redF() * alpha + bottom.redF() * (1 - alpha),
                           top.greenF() * alpha + bottom.greenF() * (1 - alpha),
                           top.blueF() * alpha + bottom.blueF() * (1 - alpha))


def _paint_order(root: QQuickItem) -> list[QQuickItem]:
    out: list[QQuickItem] = []

    def visit(item: QQuickItem) -> None:
        if not item.isVisible() or item.opacity() <= 0:
            return
        children = sorted(enumerate(item.childItems()), key=lambda p: (p[1].z(), p[0]))
        for _, child in children:
            if child.z() < 0:
                visit(child)
        out.append(item)
        for _, child in children:
            if child.z() >= 0:
                visit(child)

    visit(root)
    return out


def _scene_rect(item: QQuickItem) -> QRectF:
    return item.mapRectToScene(QRectF(0, 0, item.width(), item.height()))


def _is(item: QQuickItem, classes: tuple[str, ...]) -> bool:
    return any(item.inherits(c) for c in classes)


def _in_keyboard(item: QQuickItem) -> bool:
    node = item
    while node is not None:
        if node.objectName() == "inputPanel":
            return True
        node = node.parentItem()
    return False


def _accepts_presses(item: QQuickItem) -> bool:
    # A MouseArea's own `enabled` shadows the item's: false, it takes no press, though
    # the item itself still counts as enabled.
    return item.isEnabled() and item.property("enabled") is not False


def _text_of(item: QQuickItem) -> str:
    return str(item.property("text") or "")


# What does not count as a character of its own on a line: spaces and punctuation (the
# same as WrappedText.qml's).
_NOT_A_CHARACTER = re.compile(r"[\s\u3000-\u303f\uff00-\uff0f\uff1a-\uff20"
                              r"\uff3b-\uff40\uff5b-\uff65.,;:!?()\[\]\"'·、]")


def _evaluate(item: QQuickItem, expression: str):
    """`expression` read by QML in `item`'s scope (PySide has no converter for some of a
    QML item's enums, and a Text's own layout is asked through its methods)."""
    context = QQmlEngine.contextForObject(item)
    if context is None:
        return None
    value, failed = QQmlExpression(context, item, expression).evaluate()
    return None if failed else value


def _laid_out_lines(item: QQuickItem) -> list[str]:
    """`item`'s lines as Qt lays them out: its font, width and wrap mode, and for a
    WrappedText the line it shortened (`givingLine`) shortened the same way."""
    # Text lays a newline out as a line separator (one character: the offsets stay).
    text = _text_of(item).replace("\n", "\u2028")
    width = item.width() - (item.property("leftPadding") or 0) - (item.property("rightPadding") or 0)
    font = item.property("font")
    giving = item.property("givingLine")
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode(int(_evaluate(item, "wrapMode + 0") or 0)))
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        if giving is not None and line.lineNumber() == giving:
            line.setLineWidth(max(1.0, line.naturalTextWidth() - font.pixelSize() * 0.9))
        lines.append(text[line.textStart():line.textStart() + line.textLength()])
    layout.endLayout()
    return lines


def lone_character(item: QQuickItem) -> str | None:
    """The text of `item` when a wrapped line of it holds one character alone (such as 证
    under 港澳台居民居住); None otherwise."""
    text = _text_of(item)
    if not text.strip() or (item.property("lineCount") or 0) < 2 or "<" in text \
            or not _evaluate(item, "wrapMode + 0"):
        return None
    lines = _laid_out_lines(item)
    if any(len(_NOT_A_CHARACTER.sub("", piece)) == 1 for piece in lines[1:]):
        return " / ".join(lines)[:60]
    return None


# An ID, phone or receipt number, masked or grouped: what must never break across lines.
_NUMBER = re.compile(r"[0-9Xx*]{3,}(?: [0-9Xx*]{2,})+|[0-9Xx*]{7,}")


def split_number(item: QQuickItem) -> str | None:
    """An ID, phone or receipt number of `item` broken across two lines, as laid out, or
    wider than the item on its one line (cut off by the box it stands in)."""
    text = _text_of(item)
    if "<" in text or not _NUMBER.search(text):
        return None
    if (item.property("lineCount") or 0) < 2:  # on one line: cut off at the item's edge?
        room = item.width() - (item.property("leftPadding") or 0) - (item.property("rightPadding") or 0)
        cut = (item.property("contentWidth") or 0) > room + 2  # Text fits to within a pixel or two
        return _NUMBER.search(text).group() + " (cut off)" if cut and room > 0 else None
    starts, at = [], 0
    for piece in _laid_out_lines(item):
        starts.append(at)
        at += len(piece)
    for match in _NUMBER.finditer(text):
        if any(match.start() < start < match.end() for start in starts):
            return match.group()
    return None


def measure(window: QQuickWindow, heading_px: int) -> dict:
    """Smallest target, smallest text, lowest contrast (all text, and body text)."""
    items = _paint_order(window.contentItem())
    base = window.color()
    targets, texts = [], []
    keyboard_keys = []
    for index, item in enumerate(items):
        if not shown(item):
            continue
        in_keyboard = _in_keyboard(item)
        if in_keyboard and _is_key(item):
            keyboard_keys.append(item)
        if not in_keyboard and _is(item, CLICKABLE) and _accepts_presses(item):
            editable = not _is(item, ("QQuickTextInput", "QQuickTextEdit")) or \
                not item.property("readOnly")
            if editable:
                targets.append({"w": round(item.width()), "h": round(item.height()),
                                "name": item.objectName() or class_name(item),
                                "label": _text_of(item)[:20]})
        if _is(item, TEXT) and _text_of(item).strip():
            font = item.property("font")
            px = font.pixelSize() if font.pixelSize() > 0 else round(font.pointSizeF() * 96 / 72)
            colour = QColor(item.property("color"))
            centre = _scene_rect(item).center()
            background = _background(items[:index], centre, base)
            texts.append({"px": px, "contrast": round(contrast(colour, background), 2),
                          "text": _text_of(item)[:20], "color": colour.name(),
                          "background": background.name()})
    result: dict = {"targets": len(targets), "texts": len(texts)}
    shown_texts = [i for i in items if _is(i, ("QQuickText",)) and shown(i)]
    result["lone_characters"] = [t for i in shown_texts for t in [lone_character(i)] if t]
    result["split_numbers"] = [n for i in shown_texts for n in [split_number(i)] if n]
    if targets:
        smallest = min(targets, key=lambda t: (min(t["w"], t["h"]), t["w"] * t["h"]))
        result["smallest_target"] = f"{smallest['w']}x{smallest['h']}"
        result["smallest_target_px"] = min(smallest["w"], smallest["h"])
        result["smallest_target_item"] = smallest["label"] or smallest["name"]
    if texts:
        small = min(texts, key=lambda t: t["px"])
        low = min(texts, key=lambda t: t["contrast"])
        body = [t for t in texts if t["px"] < heading_px]
        result["smallest_text_px"] = small["px"]
        result["smallest_text"] = small["text"]
        result["lowest_contrast"] = low["contrast"]
        result["lowest_contrast_text"] = f"{low['text']} ({low['color']} on {low['background']})"
        result["lowest_body_contrast"] = min((t["contrast"] for t in body), default=None)
    primaries = [i for i in items if shown(i) and i.inherits("QQuickAbstractButton")
                 and i.property("primary") is True]
    result["primary_buttons"] = len(primaries)
    if keyboard_keys:
        result.update(_keys("keyboard", [(k, _key_label(k), bool(k.property("functionKey")))
                                         for k in keyboard_keys]))
    pads = [i for i in items if i.objectName() in PADS and shown(i)]
    if pads:
        result.update(_pads(pads))
    writing = [i for i in items if i.objectName() == "handwritingArea" and shown(i)]
    if writing:  # 手写: the writing area's shorter side (UX.md: 600, 大字 800)
        result["handwriting_area_px"] = round(min(writing[0].width(), writing[0].height()))
    hidden = below_the_fold(items)
    cued = any(i.objectName() == SCROLL_CUE and shown(i) for i in items)
    result["below_fold"] = len(hidden)
    result["below_fold_uncued"] = 0 if cued else len(hidden)
    result["below_fold_items"] = hidden
    return result


def class_name(item: QQuickItem) -> str:
    """The item's class name. A QML item's meta-object is the engine's own heap object,
    which Python cannot see die: its wrapper is dropped at once, or an item allocated
    later at the same address would come back from Qt as that stale QMetaObject."""
    meta = item.metaObject()
    try:
        return meta.className()
    finally:
        shiboken6.invalidate(meta)


# What a step asks the citizen to do: fields, digit fields, choices, consent boxes, the
# signature box. One of them out of view needs the page's "下面还有内容" cue on screen.
STEP_ITEMS = ("field:", "area:", "digits:", "choice:", "consent:", "signaturePad")
SCROLL_CUE = "scrollCue"


def below_the_fold(items: list[QQuickItem]) -> list[str]:
    """The step's items not fully in view in their scrolling page (below its visible end)."""
    out = []
    for item in items:
        name = item.objectName()
        if not name.startswith(STEP_ITEMS) or not shown(item):
            continue
        def enclosing(of: QQuickItem) -> QQuickItem | None:
            up = of.parentItem()
            while up is not None and not up.inherits("QQuickFlickable"):
                up = up.parentItem()
            return up

        page = enclosing(item)
        if name.startswith("area:") and page is not None:
            item, page = page, enclosing(page)  # a text box scrolls in itself: its box counts
        if page is None:
            continue
        # The "下面还有内容" band covers the page's bottom: what stands under it is not in view.
        bottom = _scene_rect(page).bottom() - (page.property("cueRoom") or 0)
        rect = _scene_rect(item)
        if rect.bottom() > bottom + 1:
            out.append(name)
    return out


def _is_key(item: QQuickItem) -> bool:
    """A key of Qt Virtual Keyboard (a BaseKey: it has a key type and a display text),
    not a filler that only takes room."""
    return item.property("keyType") is not None and item.property("displayText") is not None \
        and "FillerKey" not in class_name(item)


def _texts_under(item: QQuickItem) -> list[str]:
    out = []
    for child in item.childItems():
        if _is(child, TEXT) and shown(child) and _text_of(child).strip():
            out.append(_text_of(child).strip())
        out.extend(_texts_under(child))
    return out


def _key_label(key: QQuickItem) -> str:
    """What a keyboard key shows: the text painted on its face, nothing else."""
    return " ".join(_texts_under(key))


def _keys(prefix: str, keys: list[tuple[QQuickItem, str, bool]]) -> dict:
    """Sizes and labels of a keyboard's or pad's keys: the smallest cell (its shorter side
    decides), the keys with no visible label, the function keys not labelled in Chinese."""
    sizes = [(round(k.width()), round(k.height())) for k, _, _ in keys]
    w, h = min(sizes, key=lambda s: (min(s), s[0] * s[1]))
    return {f"{prefix}_keys": len(keys),
            f"{prefix}_smallest_key": f"{w}x{h}",
            f"{prefix}_smallest_key_px": min(w, h),
            f"{prefix}_unlabelled": [k.objectName() or class_name(k).split("_")[0]
                                     for k, label, _ in keys if not label],
            f"{prefix}_not_chinese": [label for _, label, function in keys
                                      if label and function and not CHINESE.search(label)]}


def _pads(pads: list[QQuickItem]) -> dict:
    """The open pads' keys, the cells of their grids left blank (a key kept invisible or
    without a word), and their primary buttons."""
    keys, blank, primary = [], 0, 0
    for pad in pads:
        for item in _descendants(pad):
            if not item.objectName().startswith(PAD_KEY_PREFIXES) or \
                    not item.inherits("QQuickAbstractButton"):
                continue
            if not _shown_up_to(item.parentItem(), pad):
                continue  # in a part of the pad not shown in this layout (e.g. its other row)
            label = _text_of(item).strip()
            if not shown(item) or not label:
                blank += 1
                continue
            if item.property("primary") is True:
                primary += 1
            # a key for one character is its own label; a key for an action says it in words
            keys.append((item, label, len(label) > 1))
    result = _keys("pad", keys) if keys else {"pad_keys": 0}
    result["pad_blank_cells"] = blank
    result["pad_primary_buttons"] = primary
    return result


def _shown_up_to(item: QQuickItem | None, top: QQuickItem) -> bool:
    node = item
    while node is not None and node is not top:
        if not node.isVisible() or node.opacity() <= 0:
            return False
        node = node.parentItem()
    return True


def _descendants(item: QQuickItem) -> list[QQuickItem]:
    out = []
    for child in item.childItems():
        out.append(child)
        out.extend(_descendants(child))
    return out


def _background(before: list[QQuickItem], point: QPointF, base: QColor) -> QColor:
    layers = []
    for item in reversed(before):
        if not item.inherits("QQuickRectangle") or not shown(item):
            continue
        colour = QColor(item.property("color"))
        alpha = colour.alphaF() * _opacity(item)
        if alpha <= 0 or not _scene_rect(item).contains(point):
            continue
        layers.append((colour, alpha))
        if alpha >= 0.999:
            break
    result = base
    for colour, alpha in reversed(layers):
        result = _blend(colour, result, alpha)
    return result


def _opacity(item: QQuickItem) -> float:
    value, node = 1.0, item
    while node is not None:
        value *= node.opacity()
        node = node.parentItem()
    return value
