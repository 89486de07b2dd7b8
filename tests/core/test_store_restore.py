"""Reading a database moved aside back into a fresh outbox: which state each item
takes, receipt numbers, per-day counts, and a repeat that adds nothing. Real SQLite
files and real attachment files; the database is moved aside as `Outbox.open` does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.store import Outbox, RecoveredSubmission, Settlement, recovery
from tests.support.store import new_submission

T0 = datetime.now(UTC) - timedelta(days=10)  # created and delivered in the past


def _moved_aside(data, box_setup):
    """A store filled by `box_setup`, then moved aside whole (as a damaged one would be)."""
    with Outbox.open(data) as box:
        made = box_setup(box)
    with recovery.open_lock(data):
        folder = recovery.move_aside(data, "moved aside by a test")
    return folder, made


def _fill(box: Outbox) -> dict:
    """One item for each way back, oldest first."""
    made = {}
    for name, attachments in (("delivered", 1), ("refused", 0), ("sending", 1), ("queued", 2),
                              ("damaged", 1), ("purged", 1)):
        made[name] = box.confirm(new_submission(attachments=attachments,
                                                created_at=T0 + timedelta(minutes=len(made))))
    claimed = box.claim_batch(6)
    assert [c.submission_id for c in claimed] == [r.submission_id for r in made.values()]
    delivered_at = {"delivered": T0 + timedelta(days=2), "purged": T0 + timedelta(hours=1)}
    assert box.settle([
        Settlement.delivered(made["delivered"].submission_id, "C-delivered", "Q-delivered",
                             at=delivered_at["delivered"]),
        Settlement.delivered(made["purged"].submission_id, "C-purged", "Q-purged",
                             at=delivered_at["purged"]),
        Settlement.needs_attention(made["refused"].submission_id, "refused: 422"),
        Settlement.release(made["queued"].submission_id),
        Settlement.release(made["damaged"].submission_id),
        # "sending" stays claimed: its worker died with the database.
    ]) == []
    assert box.purge_delivered(timedelta(0), now=T0 + timedelta(days=1)) == 1
    return made


def test_every_readable_item_comes_back_in_the_state_the_rules_give(tmp_path):
    data = tmp_path / "d"

    def setup(box):
        made = _fill(box)
        made["counts"] = box.delivery_counts()
        assert len(made["counts"]) == 2  # one day from the purge's table, one from a row
        return made

    folder, made = _moved_aside(data, setup)
    # Damage the one attachment of "damaged" inside the moved-aside folder.
    [file] = (folder / "attachments" / made["damaged"].submission_id).iterdir()
    file.write_bytes(b"not what was sealed")

    with Outbox.open(data) as box:
        assert box.status().total == 0
        report = recovery.recover(box, folder)
        assert report.readable and report.read_errors == 0
        assert (report.queued, report.needs_attention, report.kept_delivered) == (2, 2, 2)
        assert report.new_receipt_numbers == {}

        def state(name):
            info = box.find_by_receipt(made[name].receipt_no)
            assert info.submission_id == made[name].submission_id
            return info

        assert state("sending").state == "queued"  # a dead worker's item is sent again
        assert state("queued").state == "queued"
        assert state("refused").state == "needs_attention"
        assert state("refused").last_error == "refused: 422"
        damaged = state("damaged")
        assert damaged.state == "needs_attention"
        assert "attachment missing or damaged: evidence" in damaged.last_error
        for name in ("delivered", "purged"):
            assert state(name).state == name
            assert (state(name).case_no, state(name).query_code) == (f"C-{name}", f"Q-{name}")
        assert box.delivery_counts() == made["counts"]

        # The attachments of what will be sent again are back, whole, and claimable.
        claimed = {c.submission_id: c for c in box.claim_batch(10)}
        assert set(claimed) == {made["sending"].submission_id, made["queued"].submission_id}
        assert len(claimed[made["queued"].submission_id].attachments) == 2
        for item in claimed.values():
            for att in item.attachments:
                assert box.read_claimed(att)
        assert box.sweep_orphans() == 0  # every file written has its row

        again = recovery.recover(box, folder)
        assert again.restored == 0 and again.already_present == 6
        assert box.delivery_counts() == made["counts"]  # counts are carried over once
        assert box.status().total == 6


def test_a_receipt_number_taken_meanwhile_is_replaced_and_reported(tmp_path):
    data = tmp_path / "d"
    folder, made = _moved_aside(data, lambda box: box.confirm(new_submission(attachments=1)))
    old_no = made.receipt_no
    fresh = []

    class Reusing(Outbox):
        # The fresh store happens to hand the old number to a new petition first.
        @staticmethod
        def receipt_numbers() -> str:
            if not fresh:
                fresh.append(old_no)
                return old_no
            return Outbox.receipt_numbers()

    with Reusing.open(data) as box:
        newcomer = box.confirm(new_submission())
        assert newcomer.receipt_no == old_no
        report = recovery.recover(box, folder)
        assert report.queued == 1
        new_no = report.new_receipt_numbers[old_no]
        assert new_no != old_no
        assert box.find_by_receipt(new_no).submission_id == made.submission_id
        assert box.find_by_receipt(old_no).submission_id == newcomer.submission_id


def test_restore_is_the_public_way_back_and_repeating_it_changes_nothing(tmp_path):
    with Outbox.open(tmp_path / "d") as box:
        receipt = box.confirm(new_submission())
        info = box.get(receipt.submission_id)
        with box.engine.connect() as conn:
            row = conn.exec_driver_sql("SELECT * FROM submissions").mappings().one()
        assert box.restore(RecoveredSubmission(dict(row))) is None  # present already
        assert box.get(receipt.submission_id) == info
