"""The kiosk keeps serving when it finds its database damaged: the citizen gets a
receipt from a fresh database, and what the damaged one held can be put back."""

from __future__ import annotations

from kiosk.store import Outbox, recovery
from tests.support.store import new_submission, overwrite_pages, pages_of
from ui.driver import drag, find, pump, tap, wait_until


def test_a_damaged_database_is_moved_aside_and_the_citizen_gets_a_receipt(kiosk_window):
    make, loaded = kiosk_window
    with Outbox.open(loaded.data_dir) as box:
        earlier = [box.confirm(new_submission(attachments=1)).receipt_no for _ in range(3)]
    db = loaded.data_dir / "kiosk.db"
    overwrite_pages(db, pages_of(db, "ix_submissions_state_created_at"))

    k = make(size=(1080, 1920))
    s, w = k.session, k.window
    from ui.tour import sample_petition

    tap(w, "btn:petition")
    s.load(sample_petition() | {"consent": {"privacy": True, "truthful": True}})
    s.goTo("consent")
    pump(20)
    drag(w, find(w, "signaturePad"), [(30, 30), (200, 100), (260, 40)])
    tap(w, "btn:next")
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.storeError, s.problems)
    receipt_no = s.receiptNo.replace(" ", "")

    [folder] = recovery.damaged_folders(loaded.data_dir)
    with Outbox.open(loaded.data_dir) as box:
        assert [i.receipt_no for i in box.items()] == [receipt_no]
        report = recovery.recover(box, folder)
        assert report.queued == 3
        assert sorted(i.receipt_no for i in box.items()) == sorted([*earlier, receipt_no])
