"""The service evaluation on the real window: reached from the receipt by choice,
nothing chosen at first, 不评价 rates nothing, a bad rating asks why, the text typed goes
sealed into the terminal's follow-up queue, and a service is rated once."""

from __future__ import annotations

import pytest

from kiosk.store import Outbox
from tests.support.qt import confirm_sample_by_touch
from ui.driver import find, pump, tap, wait_until


def _followups(loaded):
    with Outbox.open(loaded.data_dir) as box:
        [item] = box.items()
        return item, box.followups.of_submission(item.submission_id)


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_skipping_rates_nothing_and_a_bad_rating_asks_why(kiosk_window, size):
    make, loaded = kiosk_window
    k = make(size=size)
    w, s, ev = k.window, k.session, k.evaluation
    confirm_sample_by_touch(k)
    tap(w, "btn:evaluate")
    assert s.screen == "evaluation" and ev.level == "" and not ev.done  # nothing preselected
    assert not find(w, "btn:submitEvaluation").property("enabled")
    tap(w, "btn:skipEvaluation")  # one tap back to the receipt, nothing stored
    assert s.screen == "receipt"
    assert _followups(loaded)[1] == []

    tap(w, "btn:evaluate")
    tap(w, "level:very_dissatisfied")
    pump(50)
    tap(w, "btn:submitEvaluation")  # no reason yet: asked, nothing stored
    assert ev.message == "请至少选择一个不满意的原因。" and not ev.done
    tap(w, "reason:hard_to_use")
    pump(20)
    s.setValue("evaluation_text", "字太小看不清")  # as the keyboard would type it
    tap(w, "btn:submitEvaluation")
    assert wait_until(lambda: ev.done, 10_000), ev.message
    assert ev.message == "谢谢您的评价！"
    item, [rated] = _followups(loaded)
    assert (rated.service, rated.payload, rated.state) == (
        "terminal", {"level": "very_dissatisfied", "reasons": ["hard_to_use"]}, "queued")
    assert rated.sealed and "字太小看不清".encode() not in rated.sealed

    # 完成 ends the visit: the next citizen finds nothing chosen
    pump(50)  # the thanks and 完成 take the place of the levels
    tap(w, "btn:finish")
    assert s.screen == "home" and ev.level == "" and not ev.done  # the next citizen's
    assert s.value("evaluation_text") is None


def test_a_good_rating_is_stored_without_reasons(kiosk_window):
    make, loaded = kiosk_window
    k = make(size=(1920, 1080))
    confirm_sample_by_touch(k)
    tap(k.window, "btn:evaluate")
    tap(k.window, "level:basically_satisfied")
    pump(20)
    assert find(k.window, "reason:hard_to_use", required=False) is None  # not asked
    tap(k.window, "btn:submitEvaluation")
    assert wait_until(lambda: k.evaluation.done, 10_000), k.evaluation.message
    assert [f.payload["level"] for f in _followups(loaded)[1]] == ["basically_satisfied"]
