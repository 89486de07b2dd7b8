"""Technician mode on the real window: the hidden gesture, the PIN pad and its lock-out,
the screen over a real store, its actions on that store, and the audit lines."""

from __future__ import annotations

import errno
import json
import logging
import os
import subprocess
import sys

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from kiosk import technician as tech
from kiosk.store import Outbox, Settlement, StoreError
from tests.support.common import ROOT
from tests.support.store import claim_one, new_submission, settle_one
from ui.driver import all_items, find, pump, tap, wait_until

PIN = "480215"


class Clock:
    """The gesture's clock, moved by the test instead of waiting."""

    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def corner_tap(window, clock: Clock | None = None, step: float = 0.2) -> None:
    if clock is not None:
        clock.t += step
    QTest.mouseClick(window, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(window.width() - 15, 15))
    pump()


def enter_pin(window, k, pin: str) -> None:
    for ch in pin:
        tap(window, f"pin:{ch}")
    tap(window, "pin:ok")
    assert wait_until(lambda: not k.technician.busy, 10_000)
    pump(20)


def audit_whats(data_dir) -> list[str]:
    return [line["what"] for line in tech.read_audit(data_dir)[0]]


def texts(window) -> str:
    return "\n".join(str(i.property("text") or "") for i in all_items(window)
                     if i.inherits("QQuickText") and i.isVisible())


def test_only_five_quick_taps_in_the_corner_open_the_pin_pad(kiosk_window):
    make, loaded = kiosk_window
    clock = Clock()
    k = make(technician_options={"clock": clock})
    w, t = k.window, k.technician

    for _ in range(4):
        corner_tap(w, clock)
    assert t.mode == ""
    # Five taps spread over more than 3 s do not open it.
    clock.t += 10
    for _ in range(5):
        corner_tap(w, clock, step=0.9)
    assert t.mode == ""
    # A tap elsewhere breaks the sequence.
    QTest.mouseClick(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(w.width() // 2, w.height() // 2))
    for _ in range(4):
        corner_tap(w, clock)
    assert t.mode == ""
    # Five taps just inside 120 x 120 but one outside: no.
    clock.t += 10
    for x, y in [(w.width() - 119, 119)] * 4 + [(w.width() - 125, 10)]:
        clock.t += 0.1
        QTest.mouseClick(w, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    pump()
    assert t.mode == ""
    assert find(w, "techPinPad", required=False) is None

    # From a screen in the middle of a petition: five quick taps open the pad over it.
    tap(w, "btn:petition")
    k.session.setValue("applicants[0].name", "张三丰")
    assert k.session.screen == "applying_as"
    clock.t += 10
    for _ in range(5):
        corner_tap(w, clock)
    assert t.mode == "pin"
    pad = find(w, "techPinPad")
    assert pad.width() == w.width() and pad.height() == w.height()
    assert "技术人员" in texts(w) and "请输入维护密码" in texts(w)
    assert "未设置维护密码，请用 kiosk set-pin 设置" in texts(w)
    assert not find(w, "pin:1").isEnabled()  # no PIN set: nothing to type
    # 返回 on the pad: the visitor's session is still there, untouched.
    tap(w, "pin:cancel")
    assert t.mode == "" and k.session.screen == "applying_as"
    assert k.session.value("applicants[0].name") == "张三丰"


def test_wrong_pins_lock_out_with_a_countdown_that_a_new_process_keeps(kiosk_window):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    k = make()
    w, t = k.window, k.technician
    t.openPad()
    pump(20)
    for n in range(1, 5):
        enter_pin(w, k, "111111")
        assert t.mode == "pin"
        assert f"密码不正确，还可以再试 {5 - n} 次" in texts(w)
    enter_pin(w, k, "222222")
    assert t.lockSeconds > 0
    assert f"输入错误次数过多，请 {t.lockSeconds} 秒后再试" in texts(w)
    assert not find(w, "pin:4").isEnabled() and not find(w, "pin:ok").isEnabled()
    t.pressDigit("4")
    assert t.pinLength == 0
    assert audit_whats(loaded.data_dir) == ["wrong_pin"] * 5 + ["lock_out"]

    # A fresh process refuses even the right PIN: the lock-out lives on disk.
    child = subprocess.run(
        [sys.executable, "-c", "import sys; from kiosk import technician as t; "
         "a = t.verify(sys.argv[1], sys.argv[2], terminal_id='T'); print(a.outcome)",
         str(loaded.data_dir), PIN], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert child.stdout.strip() == "locked", child.stderr
    # And so does a kiosk window made afresh.
    t.back()
    k2 = make()
    k2.technician.openPad()
    pump(20)
    assert k2.technician.lockSeconds > 0 and "秒后再试" in texts(k2.window)


def _store_with_items(data_dir):
    with Outbox.open(data_dir) as box:
        box.confirm(new_submission())
        box.confirm(new_submission())
        refused = [box.confirm(new_submission()) for _ in range(2)]
        for _ in refused:
            claimed = claim_one(box)
            # The text the delivery records of the platform's refusal (sync/sending.py).
            settle_one(box, Settlement.needs_attention(
                claimed.submission_id, "submission: 422 envelope_invalid: the envelope "
                                       "cannot be opened with the platform's sealing key"))
        # The two refused are the oldest two confirmed first? Find them by state.
        attention = {i.submission_id: i for i in box.items("needs_attention")}
    return attention


def test_right_pin_opens_the_screen_on_the_real_store_and_its_actions_change_it(
        kiosk_window, root_logger):
    from kiosk import logs

    make, loaded = kiosk_window
    data = loaded.data_dir
    tech.set_pin(data, PIN)
    attention = _store_with_items(data)
    # What the UI logs when the disk is full at confirm (ui/confirm.py), of the store's own
    # error for a write that found no space.
    logs.setup_logging(data, "ui", stderr=False)
    full = StoreError.from_exception(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                                     "confirm: write attachment")
    logging.getLogger("ui.session").error("confirm failed: %s", full)
    # The network test as `kiosk ui` hands it to the screen: the delivery side's checks.
    from app.doctor import network_test_for

    k = make(technician_options={"network_test": network_test_for(loaded)})
    w, t, s = k.window, k.technician, k.session

    tap(w, "btn:petition")
    s.setValue("applicants[0].name", "张三丰")
    s.setValue("applicants[0].phone", "13912345678")
    t.openPad()
    pump(20)
    enter_pin(w, k, PIN)
    assert t.mode == "screen"
    # Entering wiped the visitor's session; nothing of it is on the screen.
    assert s.screen == "home" and s.answers == {}
    assert wait_until(lambda: t.info.get("counts"), 10_000)
    pump(50)
    assert find(w, "count:queued").property("count") == 2
    assert find(w, "count:needs_attention").property("count") == 2
    assert find(w, "count:delivered").property("count") == 0
    shown = texts(w)
    assert "张三丰" not in shown and "13912345678" not in shown and "王*兰" not in shown
    assert "DEMO-0001" in shown and "0.1.0" in shown
    # The cause of the failed confirm in plain Chinese, with the free space measured now
    # (plenty here): the English only behind 详情.
    assert "提交没有保存" in shown and "磁盘已满" in shown and "现在磁盘还有" in shown
    assert "confirm failed" not in shown and "ENOSPC" not in shown
    assert "可用" in find(w, "tech:disk").property("v")
    for info in attention.values():
        assert f"回执号 {info.display_no}" in shown
        assert find(w, f"cause:{info.display_no}:english", required=False) is None
        assert find(w, f"cause:{info.display_no}:detail")  # behind 详情
    assert "平台打不开加密的提交" in shown and "envelope_invalid" not in shown
    confirm_error = [item for item in all_items(w)
                     if (item.objectName() or "").startswith("error:")
                     and (item.objectName() or "").endswith(":detail")
                     and item.isVisible()]
    assert confirm_error, "each log line has its 详情"
    for button in confirm_error:
        tap(w, button)
    pump(50)
    shown = texts(w)
    assert "confirm failed: confirm: write attachment: ENOSPC" in shown  # the cause, as logged
    tap(w, confirm_error[0])  # 收起详情
    pump(20)
    assert find(w, confirm_error[0].objectName().replace(":detail", ":english"),
                required=False) is None

    first, second = list(attention.values())
    tap(w, f"retry:{first.display_no}")
    assert wait_until(lambda: "已重新排队发送" in t.notice, 10_000)
    assert wait_until(lambda: find(w, "count:needs_attention").property("count") == 1, 10_000)
    tap(w, f"aside:{second.display_no}")
    assert not find(w, "aside:confirm").isEnabled()  # a reason first
    tap(w, "reason:duplicate")
    tap(w, "aside:confirm")
    assert wait_until(lambda: "已搁置" in t.notice, 10_000)
    with Outbox.open(data) as box:
        assert box.get(first.submission_id).state == "queued"
        assert box.get(second.submission_id).state == "set_aside"
    assert wait_until(lambda: find(w, "count:set_aside").property("count") == 1, 10_000)

    from kiosk.wake import WakeListener

    listener = WakeListener(data)
    try:
        tap(w, "tech:sync")
        assert listener.wait(10)  # the worker's socket was nudged
        assert wait_until(lambda: "已通知发送程序" in t.notice, 10_000)
    finally:
        listener.close()
    tap(w, "tech:reach")
    assert wait_until(lambda: t.reach and not t.reachBusy, 30_000)
    assert {r["name"] for r in t.reach} >= {p.name for p in loaded.config.platforms}
    pump(50)
    shown = texts(w)
    for r in t.reach:  # each finding in Chinese; the doctor's English behind 详情
        assert r["words"] and r["detail"] and r["detail"] not in shown
        assert r["ok"] or r["words"] in shown

    tap(w, "tech:back")
    assert t.mode == "" and s.screen == "home"
    lines = tech.read_audit(data)[0]
    assert [x["what"] for x in lines] == ["open", "retry", "set_aside", "sync_now",
                                          "connectivity_test", "close"]
    assert lines[1]["receipt"] == first.receipt_no and lines[2]["reason"] == "duplicate"
    assert all(x["who"] == "technician" and x["terminal"] == "DEMO-0001" for x in lines)
    raw = (data / tech.AUDIT_FILE).read_text(encoding="utf-8")
    assert "王*兰" not in raw and "张三丰" not in raw and PIN not in raw
    assert json.loads(raw.splitlines()[0])["when"].endswith("Z")


def test_the_screen_closes_itself_when_idle(kiosk_window):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    # Long enough that entering the PIN on a loaded machine is not taken for idle time.
    k = make(technician_options={"screen_idle_ms": 2000})
    k.technician.openPad()
    pump(20)
    enter_pin(k.window, k, PIN)
    assert k.technician.mode == "screen"
    assert wait_until(lambda: k.technician.mode == "", 10_000)
    assert find(k.window, "techScreen", required=False) is None
    assert audit_whats(loaded.data_dir) == ["open", "close"]
    assert tech.read_audit(loaded.data_dir)[0][-1]["by"] == "idle"


def test_the_oldest_waiting_age_is_that_of_the_oldest_confirm_and_grows_while_open(
        kiosk_window, root_logger):
    from datetime import UTC, datetime, timedelta

    make, loaded = kiosk_window
    data = loaded.data_dir
    tech.set_pin(data, PIN)
    now = datetime.now(UTC)
    oldest = now - timedelta(hours=2, minutes=5, seconds=10)
    with Outbox.open(data) as box:
        box.confirm(new_submission(created_at=now - timedelta(minutes=3)))
        box.confirm(new_submission(created_at=oldest))
        box.confirm(new_submission())
    from kiosk import logs

    logs.setup_logging(data, "sync", stderr=False)
    logging.getLogger("kiosk.sync").warning(
        "receipt %s will be retried: %s", "1234567890",
        "ConnectionError: Failed to establish a new connection: [Errno 111] Connection refused")
    k = make(technician_options={"refresh_ms": 200})
    w, t = k.window, k.technician
    t.openPad()
    pump(20)
    enter_pin(w, k, PIN)
    assert wait_until(lambda: t.info.get("counts"), 10_000)
    pump(50)
    tap(w, "error:0:detail")
    assert "[Errno 111] Connection refused" in find(w, "error:0:english").property("text")
    assert find(w, "count:queued").property("count") == 3
    shown = find(w, "tech:oldest").property("v")
    assert shown == f"2 小时 5 分钟（{oldest.astimezone():%m-%d %H:%M} 确认）", shown
    # The same age `kiosk status` reports (one query of the store).
    with Outbox.open(data) as box:
        age = box.status().oldest_queued_age
    assert timedelta(hours=2, minutes=5) <= age < timedelta(hours=2, minutes=6)

    # Left open, the screen reads the queue again: one put back from a damaged database
    # meanwhile (confirmed three days ago) shows, with its age, without reopening.
    with Outbox.open(data) as box:
        box.confirm(new_submission(created_at=now - timedelta(days=3, hours=1)))
    assert wait_until(lambda: find(w, "count:queued").property("count") == 4, 10_000)
    assert wait_until(lambda: find(w, "tech:oldest").property("v").startswith("3 天 1 小时"),
                      10_000)
    # The English a technician opened stays open while the screen reads the queue again.
    assert find(w, "error:0:english").isVisible()


def test_leaving_is_apart_from_restarting_and_each_asks_first_saying_what_happens(
        kiosk_window):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, PIN)
    exits: list[int] = []
    k = make(technician_options={"exit_app": exits.append})
    w, t = k.window, k.technician
    t.openPad()
    pump(20)
    enter_pin(w, k, PIN)
    assert wait_until(lambda: t.info.get("counts") is not None, 10_000)  # laid out
    pump(50)
    leave, restart = find(w, "tech:leave"), find(w, "tech:restart")
    # Told apart by more than their words: red with its own icon, the other blue.
    assert leave.property("danger") is True and restart.property("danger") is False
    assert leave.property("iconName") == "power" and restart.property("iconName") == "restart"

    tap(w, leave)
    assert find(w, "techConfirm").isVisible()
    said = texts(w)
    assert "退出自助服务？" in said and "不会自动重新打开，市民不能再使用本机" in said
    assert "systemctl start petition-kiosk-ui" in said  # how it comes back
    assert "已确认的提交都保存在本机" in said
    assert find(w, "techConfirm:primary").property("text") == "确认退出自助服务"
    tap(w, "techConfirm:secondary")  # 取消: nothing happens
    assert find(w, "techConfirm", required=False) is None and exits == [] and t.mode == "screen"

    tap(w, restart)
    said = texts(w)
    assert "重新启动自助服务？" in said and "几秒钟后自动重新打开首页" in said
    tap(w, "techConfirm:primary")
    assert exits == [0]
    tap(w, leave)
    tap(w, "techConfirm:primary")
    assert exits == [0, 10]
    assert audit_whats(loaded.data_dir)[-2:] == ["restart", "leave"]


def test_the_screen_says_how_long_the_station_is_cut_off_and_what_its_clock_is_worth(
        kiosk_window):
    """The words of `kiosk.clock_trust.station_contact`, read again while the screen is
    open: never reached, then the platform's time learned 2 days 3 hours ago."""
    import time

    from kiosk import clock_trust

    make, loaded = kiosk_window
    data = loaded.data_dir
    tech.set_pin(data, PIN)
    k = make(technician_options={"refresh_ms": 200})
    w, t = k.window, k.technician
    t.openPad()
    pump(20)
    enter_pin(w, k, PIN)
    assert wait_until(lambda: t.info.get("contact"), 10_000)
    pump(20)
    assert find(w, "tech:contact").property("v") == "从未连上平台"
    assert find(w, "tech:contact").property("bad") is True
    assert find(w, "tech:clock").property("v") == "还没有和平台对过时间"
    gone = 2 * 86400 + 3 * 3600 + 30
    then = clock_trust.Reading(time.time() - gone, "an-earlier-boot", 3.0)
    clock_trust.save(data, clock_trust.Record(
        learned=clock_trust.Learned(offset=12.0, platform_time=then.wall + 12, local_time=then.wall,
                                    boot=then.boot, since_boot=then.since_boot, uncertainty=0.4),
        high_water=then.wall, last_reached=then.wall + 12, last_reached_local=then))
    assert wait_until(lambda: find(w, "tech:contact").property("v") == "已 2 天 3 小时未连上平台",
                      10_000), find(w, "tech:contact").property("v")
    # 0.4 + 2.1 d × 20 ppm + 2, rounded up
    assert find(w, "tech:clock").property("v") == "可能不准（已离线 2 天，误差可能达 ±7 秒）"
    assert find(w, "tech:clock").property("bad") is True
    assert "已 2 天 3 小时未连上平台" in texts(w)
