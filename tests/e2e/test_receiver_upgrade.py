"""A platform upgraded in place: `serve` on a data directory release 0.1.0 left (its
database made without migrations) migrates it and goes on answering as before — the
kept answer of a delivered submission included, so a terminal's late retry is still
the same case."""

from __future__ import annotations

from tests.receiver import legacy
from tests.support.platform_server import running_receiver, sealed_submission, signed_request, submit
from wire import paths, schemas


def test_serve_upgrades_a_database_of_release_0_1_0_in_place(tmp_path):
    data = legacy.make(tmp_path / "platform")
    key = legacy.TERMINAL_KEY
    with running_receiver(data) as rx:
        before = rx.counts()
        retry = submit(rx, legacy.TERMINAL, key, legacy.kept_request())
        assert retry.status_code == 201, retry.text
        accepted = schemas.SubmissionAccepted.model_validate(retry.json())
        assert (accepted.case_no, accepted.query_code) == (legacy.CASE_NO, legacy.QUERY_CODE)
        assert rx.counts()["cases"] == before["cases"] == 1

        case = signed_request(rx, "GET", paths.case_path(legacy.QUERY_CODE), legacy.TERMINAL, key)
        assert case.status_code == 200
        assert [e["status"] for e in case.json()["history"]] == ["received", "accepted"]
        status = signed_request(rx, "GET", paths.attachment_path(legacy.ATTACHMENT_DIGEST),
                                legacy.TERMINAL, key)
        assert status.json()["complete"] is True

        fresh = submit(rx, legacy.TERMINAL, key,
                       sealed_submission(rx.platform_public_key, legacy.TERMINAL))
        assert fresh.status_code == 201, fresh.text
        assert rx.counts()["cases"] == 2
        assert "migrated" not in rx.cli("migrate").stdout  # serve did it already
