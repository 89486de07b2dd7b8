"""The carry file (wire/carry.py) and the station's side of it (kiosk/carry.py), on a
real outbox: what is exported is what the network path sends, every byte of the file
is covered, the acknowledgement settles through the outbox's own path."""

from __future__ import annotations

import base64
import errno
import json
import shutil
import subprocess
import tarfile
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk import carry as station
from kiosk.outgoing import wire_body
from kiosk.store import Outbox
from tests.support.store import new_submission, sealed_attachment
from wire import carry

PLATFORM_SEALING_KEY = base64.b64encode(b"k" * 32).decode()


@pytest.fixture
def outbox(tmp_path):
    with Outbox.open(tmp_path / "data") as box:
        yield box


def _export(outbox, folder, key, **kw):
    folder.mkdir(exist_ok=True)
    return station.export(outbox, folder, terminal_id="T-0001",
                          platform_public_key=PLATFORM_SEALING_KEY, signing_key=key, **kw)


def test_a_carry_file_holds_the_network_path_s_requests_and_the_sealed_bytes(tmp_path, outbox):
    key = Ed25519PrivateKey.generate()
    shared = sealed_attachment(3000)
    for n in range(3):
        outbox.confirm(new_submission(attachments=[shared, sealed_attachment(700 + n)]))
    seen = []
    done = _export(outbox, tmp_path / "stick", key, progress=lambda d, t: seen.append((d, t)))
    assert (done.submissions, done.attachments) == (3, 4) and seen[-1] == (3, 3)
    assert [p.name for p in (tmp_path / "stick").iterdir()] == [done.path.name]
    found = carry.read(done.path.read_bytes())
    found.verify(key.public_key())
    items = outbox.undelivered()
    assert list(found.bodies) == [i.submission_id for i in items]
    for item in items:
        assert found.bodies[item.submission_id] == wire_body(item)  # the same request
        assert found.bodies[item.submission_id].identity_sha256() == \
            wire_body(item).identity_sha256()
        for a in item.attachments:
            assert found.attachments[a.sealed_digest] == outbox.read_claimed(a)
    assert found.manifest.platform == carry.platform_fingerprint(PLATFORM_SEALING_KEY)
    assert outbox.status().counts["queued"] == 3  # nothing left the queue
    with pytest.raises(carry.CarryRefused, match="not signed"):
        found.verify(Ed25519PrivateKey.generate().public_key())


def test_nothing_waiting_writes_nothing(tmp_path, outbox):
    done = _export(outbox, tmp_path / "stick", Ed25519PrivateKey.generate())
    assert done.path is None and list((tmp_path / "stick").iterdir()) == []


def test_every_byte_of_the_file_is_covered(tmp_path, outbox):
    """One bit flipped at any offset — member, header, padding, end of archive — and
    the file is refused (or, if it still reads, its signature fails)."""
    key = Ed25519PrivateKey.generate()
    outbox.confirm(new_submission(attachments=[sealed_attachment(300)]))
    data = _export(outbox, tmp_path / "stick", key).path.read_bytes()
    for at in range(len(data)):
        changed = bytearray(data)
        changed[at] ^= 0x10
        try:
            carry.read(bytes(changed)).verify(key.public_key())
        except carry.CarryRefused:
            continue
        pytest.fail(f"a bit flipped at byte {at} went unnoticed")
    for size in range(0, len(data), 512):  # cut short at every tar block
        with pytest.raises(carry.CarryRefused):
            carry.read(data[:size])


def test_standard_tar_reads_it_member_for_member(tmp_path, outbox):
    """Written by hand around `tarfile` (deterministic headers): GNU tar and the library
    itself must read the same members back."""
    outbox.confirm(new_submission(attachments=2))
    path = _export(outbox, tmp_path / "stick", Ed25519PrivateKey.generate()).path
    with tarfile.open(path) as tar:
        names = tar.getnames()
    assert names[-2:] == [carry.MANIFEST, carry.SIGNATURE] and len(names) == 5
    if shutil.which("tar"):
        listed = subprocess.run(["tar", "-tf", str(path)], capture_output=True, text=True,
                                check=True).stdout.split()
        assert listed == names


def _ack(found, platform_key, status=201, case_no="C-1"):
    items = [carry.sign_item(platform_key, carry_id=found.manifest.carry_id,
                             carry_sha256=found.sha256, terminal_id="T-0001",
                             submission_id=sid, status=status,
                             answer={"submission_id": sid, "case_no": f"{case_no}-{n}",
                                     "query_code": "ABCD2345",
                                     "received_at": datetime.now(UTC).isoformat()},
                             acknowledged_at=datetime.now(UTC))
             for n, sid in enumerate(found.manifest.submissions)]
    return carry.ack_document(found, items, "SHA256:test")


def test_the_acknowledgement_settles_each_item_once_and_a_forged_one_nothing(tmp_path, outbox):
    key, platform_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    for _ in range(3):
        outbox.confirm(new_submission(attachments=1))
    stick = tmp_path / "stick"
    done = _export(outbox, stick, key)
    found = carry.read(done.path.read_bytes())
    ack_path = stick / carry.ack_name(done.path.name)

    forged = json.loads(_ack(found, platform_key))
    forged["items"][1]["signature"] = base64.b64encode(b"\0" * 64).decode()
    ack_path.write_text(json.dumps(forged))
    with pytest.raises(station.CarryError) as refused:
        station.read_acknowledgements(outbox, stick, terminal_id="T-0001",
                                      platform_key=platform_key.public_key())
    assert "签名" in refused.value.plain and refused.value.bad_input
    assert outbox.status().counts["queued"] == 3  # not even the two good items

    ack_path.write_bytes(_ack(found, platform_key))
    with pytest.raises(station.CarryError):  # another platform's key
        station.read_acknowledgements(outbox, stick, terminal_id="T-0001",
                                      platform_key=Ed25519PrivateKey.generate().public_key())
    result = station.read_acknowledgements(outbox, stick, terminal_id="T-0001",
                                           platform_key=platform_key.public_key())
    assert (result.delivered, result.already) == (3, 0)
    for n, sid in enumerate(found.manifest.submissions):
        info = outbox.get(sid)
        assert (info.state, info.case_no) == ("delivered", f"C-1-{n}")
        assert carry.read_ack(ack_path.read_bytes(), platform_key.public_key())[n].signed \
            == info.platform_ack  # the signed item is kept, as a network answer is
    again = station.read_acknowledgements(outbox, stick, terminal_id="T-0001",
                                          platform_key=platform_key.public_key())
    assert (again.delivered, again.already) == (0, 3)
    assert _export(outbox, tmp_path / "next", key).path is None  # nothing waits any more


def test_a_failed_write_leaves_nothing_on_the_stick(tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()

    def fills_up(out):
        out.write(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(carry.StickFull, match="the stick is full"):
        carry.write_on_stick(stick / "a.petition-carry", fills_up)
    assert list(stick.iterdir()) == []
    carry.write_on_stick(stick / "b", lambda out: out.write(b"whole"))
    assert [p.name for p in stick.iterdir()] == ["b"] and (stick / "b").read_bytes() == b"whole"
