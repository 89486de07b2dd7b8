"""How the terminal reads the platform's answers (sync/answers.py), with no server:
the whole status table, each error code the terminal acts on, codes it does not know
(read by their status), malformed bodies, and headers."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from requests.structures import CaseInsensitiveDict

from sync import answers
from sync.answers import Answer
from wire import errors

SYNC_DIR = Path(__file__).resolve().parents[2] / "sync"
DIGEST_A, DIGEST_B = "a" * 64, "b" * 64
SID_1, SID_2, SID_3 = (f"{n:08d}-0000-4000-8000-000000000000" for n in (1, 2, 3))


def error_answer(code: errors.ErrorCode | str, status: int | None = None, *,
                 message: str = "why", headers: dict[str, str] | None = None,
                 **extra) -> Answer:
    if isinstance(code, errors.ErrorCode):
        status = code.status if status is None else status
        code = code.code
    assert status is not None
    return Answer(status, {"error": code, "message": message, **extra},
                  CaseInsensitiveDict(headers or {}))


def accepted_body(sid: str = SID_1) -> dict:
    return {"submission_id": sid, "case_no": "XF-2026-000001", "query_code": "Q7K2M9",
            "received_at": "2026-11-26T08:00:00Z"}


# --- the status table --------------------------------------------------------------------

STATUS_TABLE = {
    **dict.fromkeys((200, 201, 202, 204, 299), "delivered"),
    **dict.fromkeys((401, 403, 408, 409, 425, 429), "retry"),
    **dict.fromkeys((500, 501, 502, 503, 504, 507, 599), "retry"),
    **dict.fromkeys((400, 404, 405, 410, 411, 413, 415, 422, 451), "refused"),
    **dict.fromkeys((100, 301, 302, 304, 307), "refused"),
}


@pytest.mark.parametrize(("status", "expected"), sorted(STATUS_TABLE.items()))
def test_the_status_table(status, expected):
    assert answers.outcome(status) == expected


def test_every_status_reads_one_way():
    for status in range(100, 600):
        expected = ("delivered" if 200 <= status < 300 else
                    "retry" if status in answers.RETRYABLE or status >= 500 else "refused")
        assert answers.outcome(status) == expected, status


@pytest.mark.parametrize("entry", list(errors.CATALOGUE.values()), ids=str)
def test_each_catalogue_code_with_its_status(entry):
    """An item is set aside only for the platform's own refusal of it (400, 413, 422
    with a code); every other failure holds the queue and is retried."""
    reading = answers.read(error_answer(entry, message="the platform's reason"))
    if entry.status in answers.ITEM_REFUSALS:
        assert reading.outcome == "refused"
        assert reading.error == f"{entry.status} {entry.code}: the platform's reason"
    else:
        assert reading.outcome == "retry"
        assert reading.error.startswith(f"{entry.status} {entry.code}: the platform's reason")
    # Not about one item (limits, a batch's envelope): never sets anything aside.
    assert answers.read(error_answer(entry), about_item=False).outcome == "retry"


def test_a_wrong_address_is_never_the_items_fault():
    for entry in (errors.NOT_FOUND, errors.METHOD_NOT_ALLOWED):
        reading = answers.read(error_answer(entry))
        assert reading.outcome == "retry" and answers.NOT_THE_ITEM in reading.error


def test_success_is_delivered_without_error_text():
    assert answers.read(Answer(201, accepted_body(), {})) == answers.Reading("delivered")


def test_a_refusal_not_about_the_item_says_where_to_look():
    reading = answers.read(error_answer(errors.ENVELOPE_INVALID), about_item=False)
    assert reading == answers.Reading(
        "retry", f"422 envelope_invalid: why ({answers.NOT_THE_ITEM})", None)


# --- codes the terminal acts on ----------------------------------------------------------

def test_attachments_missing_lists_what_to_upload():
    answer = error_answer(errors.ATTACHMENTS_MISSING, missing=[DIGEST_A, DIGEST_B])
    assert answers.missing_attachments(answer) == {DIGEST_A, DIGEST_B}
    # Nothing listed, or a list of junk: upload nothing, send again.
    assert answers.missing_attachments(error_answer(errors.ATTACHMENTS_MISSING)) == frozenset()
    assert answers.missing_attachments(
        error_answer(errors.ATTACHMENTS_MISSING, missing="all")) == frozenset()
    assert answers.missing_attachments(
        error_answer(errors.ATTACHMENTS_MISSING, missing=[7, DIGEST_A])) == {DIGEST_A}


def test_only_attachments_missing_is_attachments_missing():
    assert answers.missing_attachments(error_answer(errors.IN_PROGRESS)) is None
    assert answers.missing_attachments(error_answer(errors.ATTACHMENTS_MISSING, 422)) is None
    assert answers.missing_attachments(Answer(409, None, {})) is None
    assert answers.missing_attachments(Answer(201, accepted_body(), {})) is None


def test_a_stale_signature_is_signed_again_and_nothing_else_is():
    assert answers.is_stale_signature(error_answer(errors.SIGNATURE_STALE))
    for other in (errors.SIGNATURE_INVALID, errors.SIGNATURE_REPLAYED, errors.UNSIGNED,
                  errors.TERMINAL_UNKNOWN):
        assert not answers.is_stale_signature(error_answer(other))
    assert not answers.is_stale_signature(error_answer(errors.SIGNATURE_STALE, 403))
    assert not answers.is_stale_signature(Answer(401, None, {}))


def test_which_refusals_mean_the_key_is_not_accepted():
    refused = {e for e in errors.CATALOGUE.values() if answers.key_refused(error_answer(e))}
    assert refused == {errors.TERMINAL_UNKNOWN, errors.SIGNATURE_INVALID,
                       errors.TERMINAL_MISMATCH}
    assert not answers.key_refused(Answer(403, None, {}))


def test_maintenance_is_read_by_its_status():
    assert answers.is_maintenance(error_answer(errors.MAINTENANCE))
    assert answers.is_maintenance(Answer(503, None, {}))  # a proxy's 503: the same wait
    assert not answers.is_maintenance(error_answer(errors.INTERNAL_ERROR))


def test_an_upload_answered_409_resumes_whatever_the_code():
    assert answers.upload_must_resume(error_answer(errors.UPLOAD_OFFSET_MISMATCH))
    assert answers.upload_must_resume(Answer(409, None, {}))
    assert not answers.upload_must_resume(error_answer(errors.DIGEST_MISMATCH))
    assert not answers.upload_must_resume(Answer(200, {}, {}))


def test_batch_refused_as_whole_only_for_its_body_size_or_count():
    whole = {e for e in errors.CATALOGUE.values()
             if answers.batch_refused_as_whole(error_answer(e))}
    assert whole == {errors.INVALID_BODY, errors.TOO_LARGE, errors.TOO_MANY_SUBMISSIONS}
    # The same code with a status that is no refusal is read by its status.
    assert not answers.batch_refused_as_whole(error_answer(errors.TOO_LARGE, 503))


def test_a_platform_without_batches():
    assert answers.batches_unsupported(error_answer(errors.NOT_FOUND))
    assert answers.batches_unsupported(Answer(405, None, {}))
    assert not answers.batches_unsupported(error_answer(errors.INVALID_BODY))
    assert not answers.batches_unsupported(Answer(200, {"results": []}, {}))


def test_the_accepted_case_number_and_query_code():
    case = answers.accepted(Answer(201, accepted_body(), {}))
    assert (case.case_no, case.query_code) == ("XF-2026-000001", "Q7K2M9")
    assert case.received_at == datetime(2026, 11, 26, 8, tzinfo=UTC)


def test_batch_results_are_each_submissions_own_answer():
    body = {"results": [
        {"submission_id": SID_1, "status": 201, "accepted": accepted_body(SID_1)},
        {"submission_id": SID_2, "status": 422,
         "error": {"error": errors.ENVELOPE_INVALID.code, "message": "cannot open"}},
        {"submission_id": SID_3, "status": 409,
         "error": {"error": errors.ATTACHMENTS_MISSING.code, "message": "upload first",
                   "missing": [DIGEST_A]}},
    ]}
    first, second, third = answers.batch_item_answers(Answer(200, body, {}),
                                                      [SID_1, SID_2, SID_3])
    assert answers.accepted(first).submission_id == SID_1
    assert answers.read(second) == answers.Reading("refused",
                                                   "422 envelope_invalid: cannot open")
    assert answers.missing_attachments(third) == {DIGEST_A}


def test_the_error_text_recorded_in_the_outbox():
    assert answers.error_text(error_answer(errors.ENVELOPE_INVALID, message="cannot open")) \
        == "422 envelope_invalid: cannot open"
    assert Answer(422, {"error": "envelope_invalid"}, {}).error == "422 envelope_invalid:"
    assert answers.error_text(Answer(502, None, {})) == "HTTP 502"
    assert answers.error_text(Answer(400, ["not", "an", "object"], {})) == "HTTP 400"


# --- codes the terminal does not know ----------------------------------------------------

@pytest.mark.parametrize(("status", "expected"), [
    (400, "refused"), (413, "refused"), (422, "refused"),  # the platform's word on the item
    (409, "retry"), (429, "retry"), (503, "retry"), (500, "retry"), (401, "retry"),
    (404, "retry"), (410, "retry"),  # a refusal, but not one the item can be blamed for
])
def test_an_unknown_code_is_read_by_its_status(status, expected):
    answer = error_answer("a_code_from_a_newer_platform", status)
    assert answers.known_error(answer) is None
    assert answers.code_of(answer) == "a_code_from_a_newer_platform"
    assert answers.read(answer).outcome == expected
    assert answers.missing_attachments(answer) is None
    assert not answers.is_stale_signature(answer)
    assert not answers.batch_refused_as_whole(answer)
    assert not answers.key_refused(answer)


# --- malformed bodies --------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"<html>502 Bad Gateway</html>", b"{\"error\": ",
                                     b"\xff\xfe\xfa", b""])
def test_a_body_that_is_not_json_is_none(content):
    answer = Answer.parse(422, content, {})
    assert answer.body is None and answer.error == "HTTP 422"
    # A bare 422 (a proxy, a gateway) is not the platform's refusal of the item.
    assert answers.read(answer).outcome == "retry"


@pytest.mark.parametrize("body", [None, [], "error", 7, {"error": 422}, {"message": "x"}])
def test_a_body_without_a_code_names_none(body):
    answer = Answer(422, body, {})
    assert answers.code_of(answer) is None and answers.known_error(answer) is None
    assert answers.read(answer).outcome == "retry"
    assert answers.missing_attachments(Answer(409, body, {})) is None


def test_json_bodies_are_parsed():
    answer = Answer.parse(201, b'{"case_no": "1"}', {})
    assert answer.body == {"case_no": "1"}


@pytest.mark.parametrize("body", [None, {}, {"case_no": "1"}, ["x"],
                                  {**accepted_body(), "extra": "field"}])
def test_a_success_without_a_case_is_no_acceptance(body):
    with pytest.raises(ValueError):
        answers.accepted(Answer(201, body, {}))


def test_a_failure_is_no_acceptance():
    with pytest.raises(ValueError):
        answers.accepted(Answer(503, accepted_body(), {}))


def test_batch_results_that_do_not_match_the_batch():
    one = {"submission_id": SID_1, "status": 201, "accepted": accepted_body(SID_1)}
    two = {"submission_id": SID_2, "status": 201, "accepted": accepted_body(SID_2)}
    for body, sent in [({"results": [one]}, [SID_1, SID_2]),  # one missing
                       ({"results": [two, one]}, [SID_1, SID_2]),  # out of order
                       ({"results": [one, one]}, [SID_1, SID_2]),  # a duplicate
                       ({"results": "all fine"}, [SID_1]),
                       (None, [SID_1]),
                       ({"results": [{"submission_id": SID_1}]}, [SID_1])]:
        with pytest.raises(ValueError):
            answers.batch_item_answers(Answer(200, body, {}), sent)


def test_a_batch_result_that_says_success_without_a_case():
    body = {"results": [{"submission_id": SID_1, "status": 201}]}
    (item,) = answers.batch_item_answers(Answer(200, body, {}), [SID_1])
    assert answers.read(item).outcome == "delivered"
    with pytest.raises(ValueError):
        answers.accepted(item)


def test_malformed_platform_data():
    for read in (answers.upload_status, answers.limits, answers.enrollment):
        with pytest.raises(ValueError):
            read(Answer(200, {"nothing": "useful"}, {}))
    with pytest.raises(ValueError):
        answers.fresh_content(Answer(200, ["not", "content"], {}))
    assert answers.heartbeat_ack(Answer(200, {"received_at": "yesterday"}, {})) is None
    assert answers.heartbeat_ack(Answer(200, None, {})) is None


def test_content_unchanged_or_refused_is_no_fresh_content():
    content = {"version": 3}
    fresh = answers.fresh_content(Answer(200, content, CaseInsensitiveDict({"etag": '"v3"'})))
    assert fresh is not None and fresh.content.version == 3 and fresh.etag == '"v3"'
    assert answers.fresh_content(Answer(304, None, {})) is None
    assert answers.fresh_content(Answer(503, content, {})) is None
    assert answers.fresh_content(error_answer(errors.TERMINAL_UNKNOWN)) is None


def test_a_heartbeat_ack_carries_the_platforms_clock():
    ack = answers.heartbeat_ack(Answer(200, {"received_at": "2026-11-26T08:00:00.25Z"}, {}))
    assert ack is not None and ack.received_at.timestamp() % 1 == 0.25
    assert answers.heartbeat_ack(error_answer(errors.SIGNATURE_STALE)) is None


# --- headers -----------------------------------------------------------------------------

def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert answers.retry_after_seconds("7") == 7.0
    assert answers.retry_after_seconds(" 120 ") == 120.0
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert answers.retry_after_seconds(later, now) == 90.0
    earlier = format_datetime(now - timedelta(hours=1), usegmt=True)
    assert answers.retry_after_seconds(earlier, now) == 0.0
    for junk in (None, "", "soon", "-5", "1.5", "Mon, 99 Foo 2026"):
        assert answers.retry_after_seconds(junk, now) is None, junk


def test_retry_after_goes_with_a_retry_only():
    busy = error_answer(errors.MAINTENANCE, headers={"Retry-After": "30"})
    assert answers.read(busy) == answers.Reading("retry", "503 maintenance: why", 30.0)
    assert answers.retry_after(busy) == 30.0
    refused = error_answer(errors.ENVELOPE_INVALID, headers={"Retry-After": "30"})
    assert answers.read(refused).retry_after is None
    wrong_address = Answer(404, None, CaseInsensitiveDict({"Retry-After": "30"}))
    assert answers.read(wrong_address).retry_after is None


def test_the_platforms_time_from_its_date_header():
    when = datetime(2026, 11, 26, 8, 0, 5, tzinfo=UTC)
    answer = Answer(200, None, CaseInsensitiveDict({"date": format_datetime(when, usegmt=True)}))
    assert answers.platform_time(answer) == when.timestamp()
    for junk in ("", "yesterday", "Thu, 32 Nov 2026 08:00:05 GMT"):
        assert answers.platform_time(Answer(200, None, {"Date": junk})) is None
    assert answers.platform_time(Answer(200, None, {})) is None


# --- exact readings: what the outbox records, boundaries, the headers as sent ----------

def test_parse_keeps_the_headers_it_was_given():
    headers = CaseInsensitiveDict({"Retry-After": "5", "ETag": '"v1"'})
    answer = Answer.parse(503, b"", headers)
    assert answer.headers is headers
    assert (answer.status, answer.body, answer.headers["retry-after"]) == (503, None, "5")


def test_the_texts_recorded_when_an_answer_is_no_acceptance():
    """The worker records str(exc) as "unexpected answer: ..." in the outbox."""
    with pytest.raises(ValueError, match=r"^a 503 answer is no acceptance$"):
        answers.accepted(Answer(503, accepted_body(), {}))
    with pytest.raises(ValueError, match=r"^a 201 result without a case$"):
        answers.accepted(Answer(201, ["x"], {}))
    one = {"submission_id": SID_1, "status": 201, "accepted": accepted_body(SID_1)}
    with pytest.raises(ValueError,
                       match=r"^the batch's results do not match its submissions$"):
        answers.batch_item_answers(Answer(200, {"results": [one]}, {}), [SID_2])


def test_a_batch_result_is_an_acceptance_only_with_a_2xx_status():
    """The edges of 2xx: 200 and 299 carry the case as JSON, exactly as POST /submissions
    would have; 199 and 300 with a case attached are not acceptances."""
    results = [{"submission_id": sid, "status": status, "accepted": accepted_body(sid)}
               for sid, status in ((SID_1, 200), (SID_2, 299), (SID_3, 300))]
    four = "00000004-0000-4000-8000-000000000000"
    results.append({"submission_id": four, "status": 199, "accepted": accepted_body(four)})
    first, second, third, fourth = answers.batch_item_answers(
        Answer(200, {"results": results}, {}), [SID_1, SID_2, SID_3, four])
    assert first == Answer(200, accepted_body(SID_1), {})
    assert second == Answer(299, accepted_body(SID_2), {})
    assert answers.accepted(first).received_at == datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert third == Answer(300, None, {}) and fourth == Answer(199, None, {})


def test_platform_data_is_read_from_the_body():
    status = answers.upload_status(Answer(200, {"sealed_digest": DIGEST_A, "received": 5,
                                                "complete": False, "size_limit": 9}, {}))
    assert (status.sealed_digest, status.received, status.complete, status.size_limit) == \
        (DIGEST_A, 5, False, 9)
    limits = answers.limits(Answer(200, {"max_attachment_bytes": 1, "max_attachments": 2,
                                         "max_envelope_bytes": 3, "chunk_bytes": 4,
                                         "a_newer_limit": 5}, {}))
    assert (limits.max_attachment_bytes, limits.max_attachments, limits.max_envelope_bytes,
            limits.chunk_bytes, limits.max_batch_submissions) == (1, 2, 3, 4, 0)
    enrolled = answers.enrollment(Answer(201, {"terminal_id": "T-0001",
                                               "platform_public_key": "cGs=",
                                               "enrolled_at": "2026-11-26T08:00:00Z"}, {}))
    assert (enrolled.terminal_id, enrolled.platform_public_key, enrolled.enrolled_at) == \
        ("T-0001", "cGs=", datetime(2026, 11, 26, 8, tzinfo=UTC))


def test_headers_are_read_by_their_canonical_names():
    """Headers built by hand (a plain dict, not the wire's case-insensitive one) are
    read under the names HTTP spells them: Date, ETag, Retry-After."""
    when = datetime(2026, 11, 26, 8, 0, 5, tzinfo=UTC)
    dated = Answer(200, None, {"Date": format_datetime(when, usegmt=True)})
    assert answers.platform_time(dated) == when.timestamp()
    fresh = answers.fresh_content(Answer(200, {"version": 4}, {"ETag": '"v4"'}))
    assert fresh is not None and fresh.etag == '"v4"'
    assert answers.retry_after(Answer(503, None, {"Retry-After": "12"})) == 12.0


def test_a_retry_after_date_is_counted_from_the_given_now():
    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=45), usegmt=True)
    answer = Answer(503, None, {"Retry-After": later})
    assert answers.retry_after(answer, now) == 45.0
    assert answers.read(answer).outcome == "retry"


def test_a_retry_after_date_without_a_zone_is_utc_and_a_zone_counts():
    now = datetime(2026, 11, 26, 8, tzinfo=UTC)
    # "-0000": a date whose zone is not known (RFC 5322), read as UTC.
    assert answers.retry_after_seconds("Thu, 26 Nov 2026 08:01:30 -0000", now) == 90.0
    # 09:01:30 at +0100 is 08:01:30 UTC: the zone is not thrown away.
    assert answers.retry_after_seconds("Thu, 26 Nov 2026 09:01:30 +0100", now) == 90.0


def test_a_retry_after_date_without_now_is_counted_from_the_clock():
    soon = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    waited = answers.retry_after_seconds(soon)
    assert waited is not None and 3000.0 < waited <= 3600.0


def progress_body() -> dict:
    return {"case_no": "XF-2026-000001", "query_code": "Q7K2M9AB", "kind": "petition",
            "status": "accepted", "status_label": "已受理",
            "received_at": "2026-11-26T08:00:00Z", "updated_at": "2026-11-27T09:30:00Z",
            "history": [{"at": "2026-11-27T09:30:00Z", "status": "accepted",
                         "status_label": "已受理", "note": None}]}


def test_a_case_read_gives_the_progress():
    reading = answers.case_reading(Answer(200, progress_body(), {}))
    assert (reading.unknown, reading.retry_after) == (False, None)
    progress = reading.progress
    assert progress is not None
    assert (progress.case_no, progress.query_code, progress.status, progress.updated_at) == \
        ("XF-2026-000001", "Q7K2M9AB", "accepted", datetime(2026, 11, 27, 9, 30, tzinfo=UTC))
    assert [e.status for e in progress.history] == ["accepted"]


def test_a_case_read_of_no_case_or_too_many_reads():
    assert answers.case_reading(error_answer(errors.CASE_UNKNOWN)) == \
        answers.CaseReading(None, unknown=True, retry_after=None)
    limited = error_answer(errors.CASE_QUERY_LIMITED, headers={"Retry-After": "120"})
    assert answers.case_reading(limited) == answers.CaseReading(None, False, 120.0)
    # No Retry-After (or an unreadable one): a minute.
    assert answers.case_reading(error_answer(errors.CASE_QUERY_LIMITED)) == \
        answers.CaseReading(None, False, 60.0)
    assert answers.case_reading(error_answer(errors.CASE_QUERY_LIMITED,
                                             headers={"Retry-After": "soon"})).retry_after == 60.0


def test_a_case_read_that_is_none_of_these_is_an_unexpected_answer():
    for answer, text in [(error_answer(errors.INTERNAL_ERROR, message="boom"),
                          "500 internal_error: boom"),
                         (Answer(404, None, {}), "HTTP 404"),  # a proxy's 404: not "no case"
                         (error_answer("case_unknown_v2", 404), "404 case_unknown_v2: why")]:
        with pytest.raises(ValueError) as raised:
            answers.case_reading(answer)
        assert str(raised.value) == text
    with pytest.raises(ValueError):  # a 200 that is no progress
        answers.case_reading(Answer(200, {"case_no": "XF-2026-000001"}, {}))


# --- one place ---------------------------------------------------------------------------

@pytest.mark.source
def test_no_module_of_sync_spells_an_error_code():
    """Codes are named from wire.errors: a literal would drift from the catalogue."""
    codes = set(errors.CATALOGUE)
    for path in sorted(SYNC_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals = {node.value for node in ast.walk(tree)
                    if isinstance(node, ast.Constant) and isinstance(node.value, str)}
        assert not literals & codes, f"{path.name} spells {sorted(literals & codes)}"


@pytest.mark.source
def test_only_answers_reads_an_answers_body():
    """Outside sync/answers.py no module of sync/ looks into an answer's body."""
    for path in sorted(SYNC_DIR.glob("*.py")):
        if path.name == "answers.py":
            continue
        source = path.read_text(encoding="utf-8")
        assert "answer.body" not in source and ".body.get(" not in source, path.name


def test_an_agent_bindings_answer():
    named = {"agent_id": "A-01", "name": "王小明", "station": "和平村代办站",
             "bound_at": "2026-12-01T08:00:00Z"}
    reading = answers.agent_binding(Answer(200, named, {}))
    assert reading.binding is not None and reading.binding.agent_id == "A-01"
    assert answers.agent_binding(error_answer(errors.AGENT_CODE_REFUSED)).refused
    limited = answers.agent_binding(error_answer(errors.AGENT_CODE_LIMITED,
                                                 headers={"Retry-After": "120"}))
    assert limited.binding is None and limited.retry_after == 120.0
    with pytest.raises(ValueError):
        answers.agent_binding(Answer(200, {"agent_id": "A-01"}, {}))  # no agent named
    with pytest.raises(ValueError):
        answers.agent_binding(error_answer(errors.MAINTENANCE))
