"""Intake without a server: requests built with `wire.schemas` and sealed with
`wire.sealing` (through the test helpers), judged against a real store on disk."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from receiver.auth import Claims
from receiver.errors import ApiError, Refusal
from receiver.intake import ContentCheck, Intake, Judge, SubmissionDecoder, claim_key
from receiver.limits import LIMITS
from receiver.storage import Accept, Refuse, Store, StoredAnswer
from tests.support.platform_server import seal_attachment, sealed_submission
from wire import errors, schemas, sealing

T = "T-0001"


@pytest.fixture(scope="module")
def platform_key():
    return sealing.generate_private_key()


@pytest.fixture(scope="module")
def pub(platform_key) -> str:
    return sealing.encode_public_key(platform_key.public_key())


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    opened = Store(tmp_path / "platform")
    yield opened
    opened.close()


@pytest.fixture
def judge(store, platform_key) -> Judge:
    return Judge(store, SubmissionDecoder(LIMITS), ContentCheck(platform_key))


@pytest.fixture
def intake(store, judge) -> Intake:
    return Intake(store, judge, Claims())


def upload_whole(store: Store, sealed: bytes) -> None:
    store.put_chunk(hashlib.sha256(sealed).hexdigest(), 0, len(sealed), sealed)


def code_of(refusal: ApiError | None) -> tuple[str, bool] | None:
    if refusal is None:
        return None
    return refusal.error.code, getattr(refusal, "lasting", False)


# --- decoding -------------------------------------------------------------------------------


def test_the_envelope_is_decoded_within_the_limits(pub):
    decoder = SubmissionDecoder(LIMITS)
    req = sealed_submission(pub, T)
    sealed, refusal = decoder.envelope(req)
    assert refusal is None and sealed == base64.b64decode(req.envelope)

    _, refusal = decoder.envelope(req.model_copy(update={"envelope": "%%%"}))
    assert code_of(refusal) == ("envelope_invalid", True)  # the bytes alone decide: kept

    small = SubmissionDecoder(LIMITS.model_copy(update={"max_envelope_bytes": 10,
                                                        "max_attachments": 1}))
    _, refusal = small.envelope(req)
    assert code_of(refusal) == ("too_large", False)  # the platform's limit: not kept
    assert refusal.status == 413
    ref = schemas.AttachmentRef(sealed_digest="ab" * 32, size=1, role="evidence",
                                media_type="image/jpeg")
    many = sealed_submission(pub, T, attachments=[ref, ref.model_copy(
        update={"sealed_digest": "cd" * 32})])
    _, refusal = SubmissionDecoder(LIMITS.model_copy(update={"max_attachments": 1})).envelope(many)
    assert code_of(refusal) == ("too_many_attachments", False)


@pytest.mark.parametrize("how, code", [
    ("not base64", "inline_invalid"), ("not listed", "inline_invalid"),
    ("too large", "too_large"), ("wrong digest", "digest_mismatch")])
def test_a_bad_inline_attachment_is_refused_never_kept(pub, how, code):
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(300))
    data = base64.b64encode(sealed).decode()
    digest = ref.sealed_digest
    limits = LIMITS
    if how == "not base64":
        data = "%%%"
    elif how == "not listed":
        digest = "ef" * 32
    elif how == "too large":
        limits = LIMITS.model_copy(update={"max_inline_bytes": 100})
    else:
        data = base64.b64encode(sealed[:-1] + b"x").decode()
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref]).model_copy(
        update={"inline": [schemas.InlineAttachment(sealed_digest=digest, data=data)]})
    found, refusal = SubmissionDecoder(limits).inline(req)
    assert found == {} and code_of(refusal) == (code, False)


def test_good_inline_attachments_are_their_sealed_bytes_by_digest(pub):
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(300))
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref]).model_copy(
        update={"inline": [schemas.InlineAttachment(sealed_digest=ref.sealed_digest,
                                                    data=base64.b64encode(sealed).decode())]})
    assert SubmissionDecoder(LIMITS).inline(req) == ({ref.sealed_digest: sealed}, None)


# --- checking -------------------------------------------------------------------------------


def check(platform_key, store, req: schemas.SubmissionRequest,
          sizes: dict[str, int] | None = None, inline: dict[str, bytes] | None = None):
    sealed = base64.b64decode(req.envelope)
    sizes = sizes if sizes is not None else {a.sealed_digest: a.size for a in req.attachments}
    return ContentCheck(platform_key).check(req, sealed, sizes, inline or {}, store)


def test_an_agreeing_submission_passes(platform_key, pub, store):
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(500))
    upload_whole(store, sealed)
    assert check(platform_key, store, sealed_submission(pub, T, submission_id=sid,
                                                        attachments=[ref])) is None
    other_sid = str(uuid.uuid4())
    inline_sealed, inline_ref = seal_attachment(pub, other_sid, os.urandom(50))
    req = sealed_submission(pub, T, submission_id=other_sid, attachments=[inline_ref])
    assert check(platform_key, store, req, inline={inline_ref.sealed_digest: inline_sealed}) \
        is None


@pytest.mark.parametrize("how, code, lasting", [
    ("sealed to another key", "envelope_invalid", False),
    ("sealed for another submission", "envelope_invalid", False),
    ("another terminal inside", "envelope_invalid", True),
    ("no document", "envelope_mismatch", True),
    ("other kind inside", "envelope_mismatch", True),
    ("other purpose inside", "envelope_mismatch", True),
    ("attachment count differs", "attachments_mismatch", True),
])
def test_an_envelope_that_disagrees_is_refused(platform_key, pub, store, how, code, lasting):
    sid = str(uuid.uuid4())
    if how == "sealed to another key":
        stranger = sealing.encode_public_key(sealing.generate_private_key().public_key())
        req = sealed_submission(stranger, T, submission_id=sid)
    elif how == "sealed for another submission":
        req = sealed_submission(pub, T, submission_id=sid, seal_as=str(uuid.uuid4()))
    elif how == "another terminal inside":
        req = sealed_submission(pub, T, submission_id=sid,
                                envelope={"submission_id": sid, "terminal_id": "T-0002"})
    elif how == "no document":
        req = sealed_submission(pub, T, submission_id=sid,
                                envelope={"submission_id": sid, "terminal_id": T})
    elif how == "other kind inside":
        req = sealed_submission(pub, T, submission_id=sid, document={"kind": "review"})
    elif how == "other purpose inside":
        req = sealed_submission(pub, T, submission_id=sid, document={"purpose": "other"})
    else:
        req = sealed_submission(pub, T, submission_id=sid, document={"attachments": [{}]})
    refusal = check(platform_key, store, req)
    assert isinstance(refusal, Refusal) and code_of(refusal) == (code, lasting)
    assert refusal.status == errors.CATALOGUE[code].status


@pytest.mark.parametrize("how, code, lasting", [
    ("size differs from the upload", "attachment_size_mismatch", False),
    ("role differs", "attachments_mismatch", True),
    ("sealed to another key", "attachments_mismatch", False),
    ("content differs from the document", "attachments_mismatch", True),
])
def test_an_attachment_that_disagrees_is_refused(platform_key, pub, store, how, code, lasting):
    sid = str(uuid.uuid4())
    plaintext = os.urandom(400)
    sealed, ref = seal_attachment(pub, sid, plaintext)
    sizes = None
    document = None
    if how == "size differs from the upload":
        sizes = {ref.sealed_digest: ref.size - 1}
    elif how == "role differs":
        document = {"attachments": [{"role": "id_card", "media_type": ref.media_type,
                                     "digest": hashlib.sha256(plaintext).hexdigest(),
                                     "size": len(plaintext)}]}
    elif how == "sealed to another key":
        stranger = sealing.encode_public_key(sealing.generate_private_key().public_key())
        sealed, ref = seal_attachment(stranger, sid, plaintext)
    else:
        document = {"attachments": [{"role": ref.role, "media_type": ref.media_type,
                                     "digest": hashlib.sha256(plaintext).hexdigest(),
                                     "size": len(plaintext) + 1}]}
    upload_whole(store, sealed)
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref], document=document)
    refusal = check(platform_key, store, req, sizes=sizes)
    assert isinstance(refusal, Refusal) and code_of(refusal) == (code, lasting)


# --- judging ---------------------------------------------------------------------------------


def test_a_submission_waits_for_its_attachments_then_is_accepted(pub, store, judge):
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(2000))
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref])
    verdict, inline = judge.judge(req, req.identity_sha256())
    assert isinstance(verdict, ApiError) and verdict.error is errors.ATTACHMENTS_MISSING
    assert verdict.status == 409 and verdict.body.missing == [ref.sealed_digest]
    half = len(sealed) // 2
    store.put_chunk(ref.sealed_digest, 0, len(sealed), sealed[:half])
    verdict, _ = judge.judge(req, req.identity_sha256())
    assert isinstance(verdict, ApiError) and verdict.body.missing == [ref.sealed_digest]
    store.put_chunk(ref.sealed_digest, half, len(sealed), sealed[half:])
    verdict, inline = judge.judge(req, req.identity_sha256())
    assert isinstance(verdict, Accept) and inline == {}
    assert verdict.envelope == base64.b64decode(req.envelope)


def test_a_kept_answer_is_given_again_only_for_the_same_request(pub, store, judge):
    req = sealed_submission(pub, T)
    verdict, _ = judge.judge(req, req.identity_sha256())
    [answer] = store.record([verdict])
    again, _ = judge.judge(req, req.identity_sha256())
    assert again == answer and again.status == 201
    other = req.model_copy(update={"receipt_no": "2026112699"})
    reused, _ = judge.judge(other, other.identity_sha256())
    assert isinstance(reused, ApiError) and reused.error is errors.IDEMPOTENCY_KEY_REUSED


def test_a_lasting_refusal_is_to_be_kept_with_its_error_body(pub, judge):
    sid = str(uuid.uuid4())
    req = sealed_submission(pub, T, submission_id=sid, document={"kind": "review"})
    verdict, _ = judge.judge(req, req.identity_sha256())
    assert isinstance(verdict, Refuse) and verdict.status == 422
    body = schemas.ErrorBody.model_validate_json(verdict.body)
    assert body.error == "envelope_mismatch"


# --- a request's submissions -----------------------------------------------------------------


def test_each_submission_once_and_inline_attachments_kept_with_it(pub, store, intake):
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(700))
    with_inline = sealed_submission(pub, T, submission_id=sid, attachments=[ref]).model_copy(
        update={"inline": [schemas.InlineAttachment(sealed_digest=ref.sealed_digest,
                                                    data=base64.b64encode(sealed).decode())]})
    plain = sealed_submission(pub, T, receipt_no="2026112602")
    refused = sealed_submission(pub, T, receipt_no="2026112603", document={"kind": "review"})
    answers = intake.deliver([with_inline, plain, plain, refused], None)
    assert [a.status for a in answers] == [201, 201, 409, 422]
    assert isinstance(answers[2], ApiError) and answers[2].error is errors.IN_PROGRESS
    assert store.upload_status(ref.sealed_digest).complete
    assert store.attachment_bytes(ref.sealed_digest) == sealed
    cases = store.list_cases()
    assert sorted(c["receipt_no"] for c in cases) == ["2026112601", "2026112602"]
    # the same requests again: the same answers, byte for byte, and no new case
    again = intake.deliver([with_inline, plain, refused], None)
    assert [a.body for a in again] == [answers[0].body, answers[1].body, answers[3].body]
    assert all(isinstance(a, StoredAnswer) for a in again)
    assert len(store.list_cases()) == 2
    assert json.loads(answers[0].body)["case_no"] != json.loads(answers[1].body)["case_no"]


def test_a_refusal_that_depends_on_the_platform_is_not_kept(pub, store, intake):
    stranger = sealing.encode_public_key(sealing.generate_private_key().public_key())
    req = sealed_submission(stranger, T)
    [answer] = intake.deliver([req], None)
    assert isinstance(answer, ApiError) and answer.error is errors.ENVELOPE_INVALID
    assert store.stored_answer(req.terminal_id, req.submission_id) is None


def test_the_inline_attachments_of_a_request_are_all_kept_whole(pub, store, intake):
    """Several inline files in one request are written side by side, one directory fsync."""
    reqs, kept = [], {}
    for number in range(3):
        sid = str(uuid.uuid4())
        sealed = [seal_attachment(pub, sid, os.urandom(1000 + n)) for n in range(2)]
        refs = [ref for _, ref in sealed]
        inline = [schemas.InlineAttachment(sealed_digest=ref.sealed_digest,
                                           data=base64.b64encode(data).decode())
                  for data, ref in sealed]
        reqs.append(sealed_submission(pub, T, submission_id=sid, attachments=refs,
                                      receipt_no=f"202611260{number}").model_copy(
            update={"inline": inline}))
        kept.update((ref.sealed_digest, data) for data, ref in sealed)
    assert [a.status for a in intake.deliver(reqs, None)] == [201, 201, 201]
    for digest, data in kept.items():
        assert store.upload_status(digest).complete
        assert store.attachment_bytes(digest) == data
    files = sorted(p.name for p in store.uploads.directory.iterdir())
    assert files == sorted(kept)  # no temporary file left behind


def test_a_sealed_document_naming_a_key_twice_is_refused_and_kept(pub, store, intake):
    req = sealed_submission(pub, T)
    inner = json.dumps({"submission_id": req.submission_id, "terminal_id": T, "document": {
        "kind": "petition", "category": "labour", "purpose": "demand", "attachments": []}})
    assert inner.count('"kind"') == 1  # json.dumps of a dict cannot repeat: seal raw text
    raw = inner.replace('"kind": "petition"', '"kind": "review", "kind": "petition"')
    sealed = sealing.seal(raw.encode(), sealing.decode_public_key(pub), req.submission_id,
                          "envelope")
    req = req.model_copy(update={"envelope": base64.b64encode(sealed).decode()})
    [answer] = intake.deliver([req], None)
    assert isinstance(answer, StoredAnswer) and answer.status == 422
    assert json.loads(answer.body)["error"] == "duplicate_key"
    assert store.stored_answer(T, req.submission_id) == answer  # the bytes alone decide it
    assert store.list_cases() == []


def test_a_key_held_for_one_terminal_does_not_hold_another_terminals(pub, store, intake):
    """While T's submission is being judged (its key held), another terminal's submission
    under the same id goes through, and T's own second copy meets 409 in_progress."""
    sid = str(uuid.uuid4())
    mine = sealed_submission(pub, T, submission_id=sid)
    theirs = sealed_submission(pub, "T-0002", submission_id=sid)
    with intake.claims.hold(claim_key(mine)):
        [busy] = intake.deliver([mine], None)
        [answer] = intake.deliver([theirs], None)
    assert isinstance(busy, ApiError) and busy.error is errors.IN_PROGRESS
    assert isinstance(answer, StoredAnswer) and answer.status == 201
    [mine_now] = intake.deliver([mine], None)
    assert mine_now.status == 201 and mine_now.body != answer.body
    assert sorted(c["terminal_id"] for c in store.list_cases()) == [T, "T-0002"]


# --- categories the platform no longer accepts -------------------------------------------


def _with_category(pub: str, category: str, number: int) -> schemas.SubmissionRequest:
    return sealed_submission(pub, T, receipt_no=f"202611261{number}",
                             document={"category": category}).model_copy(
        update={"category": category})


def test_a_retired_category_is_kept_for_the_office_to_classify(pub, store, intake, tmp_path):
    """A terminal that confirmed a submission told its citizen it was saved: a category
    the platform stopped accepting since is never a refusal. The case is kept as
    `unclassified` with the code the terminal sent, for the operator to see."""
    store.set_content({"categories": [{"code": "labour", "label": "劳动和社会保障"},
                                      {"code": "health", "label": "医疗卫生"}]})
    assert store.accepted_categories() == {"labour", "health"}
    reqs = [_with_category(pub, code, n)
            for n, code in enumerate(["labour", "urban_rural_construction", "unclassified"])]
    assert [a.status for a in intake.deliver(reqs, None)] == [201, 201, 201]
    cases = {c["submission_id"]: c for c in store.list_cases()}
    assert [(cases[r.submission_id]["category"], cases[r.submission_id]["category_given"])
            for r in reqs] == [("labour", None), ("unclassified", "urban_rural_construction"),
                               ("unclassified", None)]
    # sent again, the kept answer: the same case, never a second
    again = intake.deliver([reqs[1]], None)
    assert again[0].status == 201 and len(store.list_cases()) == 3

    listed = subprocess.run([sys.executable, "-m", "receiver", "--data", str(store.data_dir),
                             "cases"], capture_output=True, text=True, check=True)
    line = next(row for row in listed.stdout.splitlines() if reqs[1].submission_id in row)
    assert "unclassified (given: urban_rural_construction)" in line
    as_json = subprocess.run([sys.executable, "-m", "receiver", "--data", str(store.data_dir),
                              "cases", "--json"], capture_output=True, text=True, check=True)
    row = next(c for c in json.loads(as_json.stdout) if c["submission_id"] == reqs[1].submission_id)
    assert (row["category"], row["category_given"]) == ("unclassified", "urban_rural_construction")


def test_without_a_published_list_every_category_is_taken_as_given(pub, store, intake):
    assert store.accepted_categories() == frozenset()  # the default content lists none
    [answer] = intake.deliver([_with_category(pub, "anything_new", 5)], None)
    assert answer.status == 201
    [case] = store.list_cases()
    assert (case["category"], case["category_given"]) == ("anything_new", None)
