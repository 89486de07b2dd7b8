"""Clock trust end to end, with a real platform process: a terminal whose clock is three
days behind learns the platform's time through its real worker (kept in
clock-trust.json), confirms, and the platform relies on the corrected confirmation time;
a confirmation after someone set the clock is flagged and not relied on; and the same
queue sent by a worker whose clock says 60 days later is delivered whole, each once."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import pytest

from kiosk import clock_trust, petition, submission, taxonomy
from kiosk.store import Outbox
from sync import enrollment
from sync.client import PlatformClient, PlatformClock
from sync.worker import SyncWorker
from tests.support import factories
from tests.support.common import TODAY
from tests.support.platform_server import running_receiver
from tests.support.terminal import SIGNATURE_PNG, enrolled_terminal, receiver_cases

DAY = 86400


@pytest.fixture
def platform(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        yield rx


def confirm(term, at: datetime) -> str:
    """One petition confirmed when this terminal's clock says `at`."""
    loaded, tax = term.loaded(), taxonomy.load()
    result = petition.validate(factories.petition(), taxonomy=tax, today=TODAY)
    files = [submission.AttachmentData("signature", "image/png", SIGNATURE_PNG)]
    with Outbox.open(term.data_dir) as box:
        return submission.confirm(box, result, files, loaded, tax, now=at).receipt_no


def run_worker(term, platform, local) -> None:
    enrolled = enrollment.load(term.data_dir)
    key, platform_key = enrolled.signing_key, enrollment.require_platform_key(enrolled)
    clock = PlatformClock(local)

    def client() -> PlatformClient:
        return PlatformClient(platform.api_url, term.terminal_id,
                              key, clock=clock, platform_key=platform_key)

    with Outbox.open(term.data_dir) as box:
        worker = SyncWorker(term.loaded(), box, client)
        try:
            worker.run_once()
        finally:
            worker.close()


def case_clock(platform, case_no: str) -> dict:
    shown = json.loads(platform.cli("case", "show", case_no, "--json").stdout)
    return shown["application_date"]


def test_a_wrong_clock_that_knew_it_counts_and_a_set_clock_is_flagged(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)

    def behind() -> float:
        return time.time() - 3 * DAY

    run_worker(term, platform, behind)  # nothing queued: the heartbeat tells the platform's time
    learned = clock_trust.current(term.data_dir, behind())
    assert learned.state == "synced", learned
    assert abs(learned.offset - 3 * DAY) < 5
    contact = clock_trust.station_contact(term.data_dir)
    assert contact.words == "刚刚连上平台"

    really = datetime.now(UTC)
    trusted = [confirm(term, datetime.fromtimestamp(behind(), UTC)) for _ in range(2)]
    set_forward = confirm(term, datetime.fromtimestamp(behind() + DAY, UTC))  # "fixed" by hand

    # the queue goes out weeks later by the terminal's clock: nothing expired
    run_worker(term, platform, lambda: time.time() + 60 * DAY)
    status = term.status()
    assert status["counts"]["delivered"] == 3 and status["total"] == 3, status
    cases = {c["receipt_no"]: c for c in receiver_cases(platform)}
    assert sorted(cases) == sorted([*trusted, set_forward])  # each once

    for receipt in trusted:
        clock = case_clock(platform, cases[receipt]["case_no"])
        assert clock["applied_basis"] == "terminal_corrected", clock
        assert clock["clock_flag"] == "时间可信（已校正终端时钟）"
        relied = datetime.fromisoformat(clock["applied_at"])
        assert abs((relied - really).total_seconds()) < 60, (relied, really)
        said = datetime.fromisoformat(clock["confirmed_at_terminal"])
        assert abs((really - said).total_seconds() - 3 * DAY) < 60
        assert clock["confirmation_clock"]["state"] == "synced"
    flagged = case_clock(platform, cases[set_forward]["case_no"])
    assert (flagged["applied_basis"], flagged["clock_flag"]) == ("clock_jumped", "时钟曾被调整")
    arrived = datetime.fromisoformat(cases[set_forward]["received_at"])
    assert datetime.fromisoformat(flagged["applied_at"]) == arrived

    human = platform.cli("case", "show", cases[set_forward]["case_no"]).stdout
    assert "时钟曾被调整" in human and "terminal's clock at confirm: jumped" in human
    human = platform.cli("case", "show", cases[trusted[0]]["case_no"]).stdout
    assert "时间可信" in human
    # the offset as learned: three days, to within the second it was measured in
    offset = re.search(r"synced, terminal clock ([+-]\d+) s off the platform's", human)
    assert offset and abs(int(offset.group(1)) + 3 * DAY) <= 2, human
