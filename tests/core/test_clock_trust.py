"""How far the terminal trusts its clock (kiosk/clock_trust.py): the durable record the
delivery keeps, the states judged from it on this machine's real boot id and boot-time
clock, what a confirm records with its submission (real outbox, real sealing), and how
long the station has been cut off, in words."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest

from kiosk import clock_trust, outgoing, petition, submission
from kiosk.clock_trust import Reading
from kiosk.store import Outbox
from tests.support import factories
from tests.support.common import EXAMPLE, TODAY
from wire import schemas

DAY = 86400.0


def later(start: Reading, seconds: float, *, wall_extra: float = 0.0,
          boot: str | None = None) -> Reading:
    """`seconds` later than `start` by every clock; the wall clock `wall_extra` more."""
    return Reading(start.wall + seconds + wall_extra, start.boot if boot is None else boot,
                   start.since_boot + seconds if boot is None else 30.0)


@pytest.fixture
def kept(tmp_path):
    """A keeper that has just learned the platform's time: this clock 3 days behind."""
    keeper = clock_trust.Keeper(tmp_path)
    now = Reading.now()
    behind = 3 * DAY
    keeper.learned(offset=behind, platform_time=now.wall + behind, sent=now.wall - 0.1,
                   received=now.wall, uncertainty=0.6)
    return keeper, Reading(now.wall, clock_trust.boot_id(), clock_trust.boot_time())


def test_a_terminal_that_never_learned_is_unknown_and_says_so(tmp_path):
    trust = clock_trust.current(tmp_path)
    assert trust.state == "unknown" and not trust.trusted and trust.offset is None
    contact = clock_trust.station_contact(tmp_path)
    assert contact.words == "从未连上平台"
    assert contact.clock_words == "本机时钟：还没有和平台对过时间"
    assert contact.as_dict()["last_reached_at"] is None


def test_a_learned_offset_is_kept_durably_and_trusted_in_this_boot(tmp_path, kept):
    keeper, at = kept
    path = tmp_path / clock_trust.TRUST_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    raw = json.loads(path.read_text())
    assert raw["learned"]["boot"] == clock_trust.boot_id() != ""
    assert raw["learned"]["offset"] == 3 * DAY
    trust = clock_trust.assess(clock_trust.load(tmp_path), later(at, 60))
    assert trust.state == "synced" and trust.trusted
    assert trust.offset == 3 * DAY
    assert trust.bound == pytest.approx(0.6 + 60 * clock_trust.DRIFT_RATE)
    assert trust.platform_time(at.wall) == pytest.approx(at.wall + 3 * DAY)


def test_weeks_later_the_offset_still_holds_with_a_growing_bound(tmp_path, kept):
    _, at = kept
    record = clock_trust.load(tmp_path)
    three_weeks = clock_trust.assess(record, later(at, 21 * DAY))
    assert three_weeks.state == "drifting" and three_weeks.trusted
    assert three_weeks.bound == pytest.approx(0.6 + 21 * DAY * 20e-6)  # ~36.9 s
    # after a reboot the boot-time clock cannot measure it: the wall clock does, plus margin
    rebooted = clock_trust.assess(record, later(at, 5 * DAY, boot="another-boot"))
    assert rebooted.state == "drifting"
    assert rebooted.bound == pytest.approx(0.6 + 5 * DAY * 20e-6 + clock_trust.REBOOT_MARGIN)


def test_a_clock_set_by_hand_is_noticed_and_the_notice_outlives_a_reboot(tmp_path, kept):
    keeper, at = kept
    record = clock_trust.load(tmp_path)
    # within the tolerance: a time daemon's small step is not a jump
    assert clock_trust.assess(record, later(at, 3600, wall_extra=4.0)).state == "synced"
    set_forward = later(at, 3600, wall_extra=3 * DAY)  # someone "fixed" the clock
    assert clock_trust.assess(record, set_forward).state == "jumped"
    keeper.local = lambda: set_forward.wall
    assert keeper.seen().state == "jumped"
    assert clock_trust.load(tmp_path).disturbed == "jumped"
    after_reboot = later(set_forward, DAY, boot="another-boot")
    assert clock_trust.assess(clock_trust.load(tmp_path), after_reboot).state == "jumped"
    # the platform's time learned again clears it
    keeper.learned(offset=0.0, platform_time=set_forward.wall, sent=set_forward.wall,
                   received=set_forward.wall, uncertainty=0.5)
    assert clock_trust.current(tmp_path, set_forward.wall).state == "synced"


def test_a_clock_back_in_2000_is_a_reset_across_reboots(tmp_path, kept):
    keeper, at = kept
    y2000 = datetime(2000, 1, 1, tzinfo=UTC).timestamp()
    dead_battery = Reading(y2000, "another-boot", 20.0)
    record = clock_trust.load(tmp_path)
    assert clock_trust.assess(record, dead_battery).state == "reset"
    keeper.local = lambda: y2000
    assert keeper.seen().state == "reset"
    assert clock_trust.load(tmp_path).disturbed == "reset"
    contact = clock_trust.station_contact(tmp_path, dead_battery)
    assert contact.clock_words.startswith("本机时钟：曾被调回过去")
    assert contact.words == "上次连上平台的时间无法确定（本机时钟被调回过去）"
    # never learned, but a high-water mark says time went back
    clock_trust.save(tmp_path / "fresh", clock_trust.Record(high_water=at.wall))
    assert clock_trust.assess(clock_trust.load(tmp_path / "fresh"), dead_battery).state == "reset"


def test_cut_off_in_words_by_the_clock_nobody_sets(tmp_path, kept):
    _, at = kept
    gone = later(at, 3 * DAY + 5 * 3600 + 120, wall_extra=-7 * DAY)  # wall set back too
    contact = clock_trust.station_contact(tmp_path, gone)
    assert contact.words == "已 3 天 5 小时未连上平台"
    assert contact.cut_off_seconds == pytest.approx(3 * DAY + 5 * 3600 + 120)
    assert contact.last_reached_at == datetime.fromtimestamp(at.wall + 3 * DAY, UTC)
    drifting = later(at, 20 * DAY)
    contact = clock_trust.station_contact(tmp_path, drifting)
    assert contact.words == "已 20 天未连上平台"
    assert contact.clock_words == "本机时钟：可能不准（已离线 20 天，误差可能达 ±36 秒）"
    assert contact.as_dict()["clock_state"] == "drifting"
    assert clock_trust.station_contact(tmp_path, later(at, 10)).words == "刚刚连上平台"
    assert clock_trust.duration_words(5 * 3600 + 12 * 60) == "5 小时 12 分钟"
    assert clock_trust.duration_words(30) == "1 分钟"


def test_the_keeper_writes_rarely_and_a_damaged_file_trusts_nothing(tmp_path, kept):
    keeper, at = kept
    path = tmp_path / clock_trust.TRUST_FILE
    before = path.stat().st_mtime_ns
    keeper.learned(offset=3 * DAY + 0.3, platform_time=at.wall + 3 * DAY, sent=at.wall,
                   received=at.wall + 0.2, uncertainty=0.6)
    assert path.stat().st_mtime_ns == before  # the same offset a moment later: not rewritten
    keeper.learned(offset=3 * DAY + 40, platform_time=at.wall + 3 * DAY + 40, sent=at.wall,
                   received=at.wall + 0.2, uncertainty=0.6)
    assert clock_trust.load(tmp_path).learned.offset == 3 * DAY + 40  # moved: written at once
    path.write_text("{not json")
    assert clock_trust.current(tmp_path).state == "unknown"


def confirm_one(loaded, tax, box, now):
    doc = factories.petition()
    result = petition.validate(doc, taxonomy=tax, today=TODAY)
    assert result.ok, result.problems
    files, problems = submission.read_attachment_files(doc, EXAMPLE.parent)
    assert not problems
    return submission.confirm(box, result, files, loaded, tax, now=now)


def test_a_confirm_records_the_clock_trust_and_the_wire_body_carries_it(demo_config, tax):
    data_dir = demo_config.data_dir
    keeper = clock_trust.Keeper(data_dir)
    now = Reading.now()
    behind = 3 * DAY  # this terminal's clock is three days behind the platform's
    keeper.learned(offset=behind, platform_time=now.wall + behind, sent=now.wall - 0.2,
                   received=now.wall, uncertainty=0.6)
    box = Outbox.open(data_dir)
    try:
        confirmed_at = datetime.fromtimestamp(now.wall, UTC)
        receipt = confirm_one(demo_config, tax, box, confirmed_at)
        jumped = confirm_one(demo_config, tax, box, confirmed_at + timedelta(days=2))
        claimed = {c.receipt_no: c for c in box.undelivered()}
    finally:
        box.close()
    record = claimed[receipt.receipt_no].clock_trust
    assert record["state"] == "synced"
    assert record["offset_seconds"] == -behind  # the wire's sign: terminal minus platform
    assert 0.6 <= record["bound_seconds"] < 1.0
    assert record["confirmed_local"] == confirmed_at.isoformat()
    assert record["learned_at"] == datetime.fromtimestamp(now.wall + behind, UTC).isoformat()
    body = outgoing.wire_body(claimed[receipt.receipt_no])
    assert body.confirmation_clock == schemas.ConfirmationClock.model_validate(record)
    again = schemas.SubmissionRequest.model_validate_json(body.model_dump_json())
    assert again.identity_sha256() == body.identity_sha256()
    assert claimed[jumped.receipt_no].clock_trust["state"] == "jumped"
    assert outgoing.wire_body(claimed[jumped.receipt_no]).confirmation_clock.state == "jumped"


def test_a_submission_without_a_record_keeps_its_identity():
    """A request kept by an earlier release (no record) is still the same request: its
    identity is the hash of the body as that release wrote it; a record counts once there."""
    body = schemas.SubmissionRequest(
        submission_id="00000000-0000-4000-8000-000000000001", terminal_id="T-0001",
        jurisdiction="演示县", kind="petition", category="labour",
        created_at=datetime(2026, 11, 26, tzinfo=UTC), receipt_no="2611260001",
        envelope="c2VhbGVk")
    earlier_release = json.dumps({k: v for k, v in json.loads(body.model_dump_json()).items()
                                  if k not in ("inline", "clock_offset_seconds", "receipt",
                                               "confirmation_clock")}, separators=(",", ":"),
                                 ensure_ascii=False)
    assert body.identity_sha256() == hashlib.sha256(earlier_release.encode()).hexdigest()
    with_record = body.model_copy(update={"confirmation_clock": schemas.ConfirmationClock(
        confirmed_local=body.created_at, state="unknown")})
    assert with_record.identity_sha256() != body.identity_sha256()


def test_the_doctor_says_how_far_the_clock_is_trusted_and_the_fix(demo_config, kept):
    from kiosk import doctor

    keeper, at = kept  # in tmp_path, the demo config's data dir is below it
    ctx = doctor.Context(demo_config)
    never = doctor.check_clock_trust(ctx)
    assert never.status == doctor.WARN and "never checked" in never.found
    assert "sync --once" in never.fix
    data_dir = demo_config.data_dir
    clock_trust.save(data_dir, clock_trust.load(keeper.data_dir))
    synced = doctor.check_clock_trust(ctx, later(at, 60))
    assert synced.status == doctor.PASS and "offset to the platform -259200 s" in synced.found
    drifting = doctor.check_clock_trust(ctx, later(at, 40 * DAY))
    assert drifting.status == doctor.WARN and "40 d" in drifting.found and "±70 s" in drifting.found
    jumped = doctor.check_clock_trust(ctx, later(at, 60, wall_extra=600))
    assert jumped.status == doctor.FAIL and "set or stepped" in jumped.found
    reset = doctor.check_clock_trust(ctx, Reading(946684800.0, "another-boot", 9.0))
    assert reset.status == doctor.FAIL and "CR2032" in reset.fix and "timedatectl" in reset.fix
    assert "clock-trust" in {c.name for c in doctor.core_checks(ctx)}


def test_kiosk_status_says_how_long_the_station_is_cut_off(tmp_path):
    from tests.support.common import run_kiosk

    env = {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
           "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}
    first = run_kiosk("status", env=env)
    assert first.returncode == 0, first.stderr
    assert "platform: 从未连上平台 (last reached never)" in first.stdout
    assert "clock: 本机时钟：还没有和平台对过时间 [unknown]" in first.stdout
    data_dir = next(line.split(": ", 1)[1] for line in first.stdout.splitlines()
                    if line.startswith("outbox: "))
    now = Reading.now()
    gone = 3 * DAY + 5 * 3600 + 60
    clock_trust.save(data_dir, clock_trust.Record(
        learned=clock_trust.Learned(offset=0.0, platform_time=now.wall - gone,
                                    local_time=now.wall - gone, boot="an-earlier-boot",
                                    since_boot=5.0, uncertainty=0.5),
        high_water=now.wall - gone, last_reached=now.wall - gone,
        last_reached_local=Reading(now.wall - gone, "an-earlier-boot", 5.0)))
    shown = run_kiosk("status", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    contact = json.loads(shown.stdout)["platform_contact"]
    assert contact["words"] == "已 3 天 5 小时未连上平台"
    assert contact["clock_state"] == "drifting"
    # 0.5 + 3.2 d × 20 ppm + 2, rounded up
    assert contact["clock_words"] == "本机时钟：可能不准（已离线 3 天，误差可能达 ±9 秒）"
    assert abs(contact["cut_off_seconds"] - gone) < 60
