"""Layout promises the tour's numbers do not catch: the attract screen fits, typing in landscape."""

from __future__ import annotations

import pytest

from ui.driver import find, pump, tap, wait_until
from ui.tour import keyboard_key, sample_petition


def _scene_rect(item):
    p = item.mapToScene(item.boundingRect().topLeft())
    return p.x(), p.y(), item.width(), item.height()


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_home_fits_without_scrolling_with_four_large_codes(kiosk_window, size):
    make, _ = kiosk_window
    k = make(size=size)
    w = k.window
    page = find(w, "homePage")
    assert page.property("contentHeight") <= page.height()
    codes = [i for i in _all(w) if i.objectName().startswith("qr:")]
    assert len(codes) == 4
    for code in codes:
        x, y, cw, ch = _scene_rect(code)
        assert cw >= 400 and ch >= 400
        assert y + ch + 40 <= size[1] and x + cw <= size[0]


def test_elderly_home_keeps_the_entries_on_top(kiosk_window):
    make, _ = kiosk_window
    k = make(size=(1080, 1920))
    tap(k.window, "btn:elderly")
    pump(50)
    page = find(k.window, "homePage")
    assert page.property("contentHeight") > page.height()  # 大字 may scroll ...
    _, page_top, _, _ = _scene_rect(page)
    _, first, _, _ = _scene_rect(find(k.window, "btn:petition"))
    assert first - page_top < 60  # ... but the entries come first
    for name in ("btn:petition", "btn:review"):
        _, y, _, h = _scene_rect(find(k.window, name))
        assert y + h <= 1920 * 0.6  # and are on the first screen, well above the fold


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_landscape_typing_shows_the_field_and_a_way_on(kiosk_window, elderly):
    make, _ = kiosk_window
    k = make(size=(1920, 1080), elderly=elderly)
    w, s = k.window, k.session
    tap(w, "btn:petition")
    s.load(sample_petition())
    s.goTo("matter")
    pump(50)
    back_before, next_before = _scene_rect(find(w, "btn:back")), _scene_rect(find(w, "btn:next"))
    tap(w, "area:matter.facts_and_reasons")
    assert wait_until(lambda: find(w, "inputPanel", required=False) is not None, 2000)
    pump(150)
    panel = find(w, "inputPanel")
    panel_x, panel_top, panel_w, _ = _scene_rect(panel)
    # 上一步 and 下一步 stay in their corners, beside the keyboard, never under it.
    back, nxt = _scene_rect(find(w, "btn:back")), _scene_rect(find(w, "btn:next"))
    assert back[0] == back_before[0] and nxt[0] + nxt[2] == next_before[0] + next_before[2]
    assert back[1] + back[3] <= 1080 and nxt[1] + nxt[3] <= 1080
    assert back[0] + back[2] <= panel_x and nxt[0] >= panel_x + panel_w
    assert find(w, "btn:doneTyping", required=False) is None  # no second primary button
    body = 51 if elderly else 34
    area = find(w, "area:matter.facts_and_reasons")
    box = area.parentItem().parentItem()  # the area's flickable, in the field's box
    _, top, _, height = _scene_rect(box)
    assert top >= 100 and top + height <= panel_top  # fully in view above the keyboard
    assert height >= 3 * body * 1.35
    tap(w, keyboard_key(w, "收起键盘"))  # the keyboard's own key closes it
    assert wait_until(lambda: find(w, "inputPanel", required=False) is None, 2000)
    assert _scene_rect(find(w, "btn:next")) == next_before


def test_landscape_digit_pad_stands_beside_the_field(kiosk_window):
    make, _ = kiosk_window
    k = make(size=(1920, 1080), elderly=True)
    w, s = k.window, k.session
    tap(w, "btn:petition")
    s.load(sample_petition())
    s.goTo("applicant")
    pump(50)
    tap(w, "digits:applicants[0].phone")
    pump(150)
    field = find(w, "digits:applicants[0].phone")
    x, y, fw, fh = _scene_rect(field)
    kx, _, _, _ = _scene_rect(find(w, "key:完成"))
    assert x + fw <= kx and y + fh <= 1080
    back, nxt = find(w, "btn:back"), find(w, "btn:next")
    bx, _, bw, _ = _scene_rect(back)
    nx, ny, nw, nh = _scene_rect(nxt)
    assert bx + bw < nx  # the footer's two buttons never overlap
    # 下一步 keeps its corner under the docked pad, which stands between header and footer.
    assert nx + nw > 1920 - 100 and ny + nh <= 1080
    _, pad_y, _, pad_h = _scene_rect(find(w, "digitPad"))
    assert pad_y + pad_h <= ny


def _all(window):
    from ui.driver import all_items

    return all_items(window)


def test_qr_targets_published_by_the_platform_replace_the_configured_ones(kiosk_window):
    """What `kiosk sync` pulled (content.json) is what the attract screen shows."""
    import json

    make, loaded = kiosk_window
    loaded.data_dir.mkdir(parents=True, exist_ok=True)
    (loaded.data_dir / "content.json").write_text(json.dumps({"etag": "\"2\"", "content": {
        "version": 2, "notices": [], "qr_targets": [
            {"platform_id": "city", "name": "新市级平台", "level": "city", "kind": "web",
             "url": "https://xf.example.cn/new"},
            {"platform_id": "city", "name": "新市信访", "level": "city", "kind": "wechat",
             "url": "https://mp.example.cn/new"}]}}), encoding="utf-8")
    k = make(size=(1080, 1920))
    names = sorted(i.objectName() for i in _all(k.window) if i.objectName().startswith("qr:"))
    assert names == ["qr:新市信访", "qr:新市级平台"]
    (loaded.data_dir / "content.json").write_text("{damaged", encoding="utf-8")
    k2 = make(size=(1080, 1920))
    names = [i.objectName() for i in _all(k2.window) if i.objectName().startswith("qr:")]
    assert len(names) == 4  # back to the configuration's four codes


def test_elderly_home_brings_the_codes_up_in_one_tap(kiosk_window):
    """大字: the QR codes are below the fold, 手机扫码办理 under the entries brings all four
    fully into view (above the 下面还有内容 band), scannable size kept."""
    make, _ = kiosk_window
    k = make(size=(1080, 1920), elderly=True)
    w = k.window
    page = find(w, "homePage")
    codes = [i for i in _all(w) if i.objectName().startswith("qr:")]
    page_bottom = _scene_rect(page)[1] + page.height()
    assert any(_scene_rect(c)[1] + c.height() > page_bottom for c in codes)  # below the fold
    tap(w, "btn:showCodes")
    pump(50)
    band = find(w, "scrollCue", required=False)  # gone once the end is in view
    visible_bottom = page_bottom - (band.height() if band is not None else 0)
    for code in codes:
        _, y, cw, ch = _scene_rect(code)
        assert cw >= 400 and _scene_rect(page)[1] <= y and y + ch <= visible_bottom, code.objectName()


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_next_brings_an_unanswered_choice_into_view(kiosk_window, size):
    """大字: 下一步 on 您收到的意见书 with nothing answered stays, and the first question it
    names, a row of choices below the fold, is scrolled into view above the band."""
    from ui import audit

    make, _ = kiosk_window
    k = make(size=size, elderly=True)
    w, s = k.window, k.session
    tap(w, "btn:review")
    tap(w, "choice:kind:review")
    tap(w, "btn:next")
    assert s.screen == "earlier_reply"
    for key in ("number", "received_on"):  # answered: the first unanswered is a choice
        s.setValue(f"matter.earlier_reply.{key}", {"number": "演人社复〔2026〕12号",
                                                     "received_on": "2026-11-09"}[key])
    s.valuesReset.emit()
    pump(50)
    target = "choice:matter.earlier_reply.online:true"
    items = list(_all(w))
    assert target in audit.below_the_fold(items)  # out of view before
    tap(w, "btn:next")
    pump(150)
    assert s.screen == "earlier_reply"
    assert target not in audit.below_the_fold(list(_all(w))), s.problems
