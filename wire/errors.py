"""Every error code of wire protocol v1: the code, its HTTP status, what it means.

An error answer is an `ErrorBody` whose `error` is one of these codes. The platform
answers only with codes listed here, and the terminal names the codes it acts on
from here, so neither side can drift to a spelling the other does not know. A
terminal that meets a code it does not know goes by the HTTP status alone
(`sync/answers.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str  # stable, snake_case: what `ErrorBody.error` carries
    status: int  # the HTTP status it is answered with
    meaning: str  # for people reading a log or the API documentation

    def __str__(self) -> str:
        return self.code


CATALOGUE: dict[str, ErrorCode] = {}


def _code(code: str, status: int, meaning: str) -> ErrorCode:
    if code in CATALOGUE:
        raise ValueError(f"error code {code!r} defined twice")
    entry = CATALOGUE[code] = ErrorCode(code, status, meaning)
    return entry


# --- the request as a whole --------------------------------------------------------------
BAD_REQUEST = _code("bad_request", 400, "the request is malformed (headers, path or body)")
NOT_FOUND = _code("not_found", 404, "no such endpoint")
METHOD_NOT_ALLOWED = _code("method_not_allowed", 405, "the endpoint does not take this method")
HTTP_ERROR = _code("http_error", 400, "another HTTP-level refusal; its status says which")
INVALID_REQUEST = _code("invalid_request", 422, "a parameter or header does not match the schema")
INVALID_BODY = _code("invalid_body", 422, "the body is not valid JSON of the endpoint's schema")
DUPLICATE_KEY = _code("duplicate_key", 422,
                      "a JSON object in the body names the same key twice (which one counts "
                      "would depend on the reader)")
TOO_LARGE = _code("too_large", 413, "the body, an attachment or an upload exceeds the limits")
INTERNAL_ERROR = _code("internal_error", 500, "the platform failed; the same request may be retried")
MAINTENANCE = _code("maintenance", 503, "planned maintenance; retry after Retry-After")
BUSY = _code("busy", 503, "the platform holds as many request bodies as it takes at once; "
             "retry after Retry-After")

# --- who is asking -----------------------------------------------------------------------
UNSIGNED = _code("unsigned", 401, "the request carries no signature or no Content-Digest")
SIGNATURE_INVALID = _code("signature_invalid", 401,
                          "the signature does not match the request or is malformed")
SIGNATURE_STALE = _code("signature_stale", 401,
                        "the signature's created time is too far from the platform's clock")
SIGNATURE_REPLAYED = _code("signature_replayed", 401, "the signature's nonce was used before")
TERMINAL_UNKNOWN = _code("terminal_unknown", 403, "no enrolled terminal has this key id")
TERMINAL_MISMATCH = _code("terminal_mismatch", 403,
                          "the body names another terminal than the one that signed")
ENROLLMENT_REFUSED = _code("enrollment_refused", 403,
                           "the enrollment code is unknown, used or expired")

# --- idempotency -------------------------------------------------------------------------
IDEMPOTENCY_KEY_MISSING = _code("idempotency_key_missing", 400,
                                "a submission needs its Idempotency-Key header")
IDEMPOTENCY_KEY_MISMATCH = _code("idempotency_key_mismatch", 400,
                                 "the Idempotency-Key is not the body's submission id")
IDEMPOTENCY_KEY_REUSED = _code("idempotency_key_reused", 422,
                               "this key was used before for a different request")
IN_PROGRESS = _code("in_progress", 409, "the same key is being handled right now; retry")

# --- a submission and its attachments ----------------------------------------------------
ATTACHMENTS_MISSING = _code("attachments_missing", 409,
                            "some attachments are not uploaded yet; `missing` lists them")
ATTACHMENTS_MISMATCH = _code("attachments_mismatch", 422,
                             "the attachments listed do not match the sealed document")
ATTACHMENT_SIZE_MISMATCH = _code("attachment_size_mismatch", 422,
                                 "an attachment's size differs from what was uploaded")
TOO_MANY_ATTACHMENTS = _code("too_many_attachments", 413, "more attachments than the limits allow")
TOO_MANY_SUBMISSIONS = _code("too_many_submissions", 413,
                             "more submissions in one batch than the limits allow")
DIGEST_MISMATCH = _code("digest_mismatch", 422, "the bytes do not hash to the named digest")
INLINE_INVALID = _code("inline_invalid", 422, "an inline attachment is not base64 or not listed")
ENVELOPE_INVALID = _code("envelope_invalid", 422,
                         "the sealed envelope cannot be opened or is not a petition document")
ENVELOPE_MISMATCH = _code("envelope_mismatch", 422,
                          "the sealed document disagrees with the routing fields")
RECEIPT_MISMATCH = _code("receipt_mismatch", 422,
                         "the signed receipt is not a receipt or names another submission "
                         "(terminal, receipt number, kind, time or envelope)")
UPLOAD_OFFSET_MISMATCH = _code("upload_offset_mismatch", 409,
                               "the chunk does not start where the stored upload ends")
UPLOAD_TAKEN = _code("upload_taken", 409,
                     "an attachment of this digest is another terminal's upload")

# --- reading a case ----------------------------------------------------------------------
CASE_UNKNOWN = _code("case_unknown", 404, "no case this terminal may read has this query code "
                                          "(or the second factor does not match)")
CASE_QUERY_LIMITED = _code("case_query_limited", 429,
                           "too many failed case reads by this terminal or for this code; "
                           "retry after Retry-After")

# --- follow-ups to a submission ----------------------------------------------------------
FOLLOWUP_CASE_UNKNOWN = _code("followup_case_unknown", 409,
                              "the case this follow-up names has not arrived (yet): retry after "
                              "its submission is delivered")
FOLLOWUP_INVALID = _code("followup_invalid", 422,
                         "the follow-up does not fit its case: no or both links, a case rating "
                         "for a case not answered yet, material added over the limit")
ALREADY_EVALUATED = _code("already_evaluated", 422,
                          "this service of this case was rated before (one rating per service)")


# --- carry files (a station's USB stick, relayed) ----------------------------------------
CARRY_REFUSED = _code("carry_refused", 422,
                      "the carry file is damaged, truncated, sealed for another platform, not "
                      "signed by its enrolled terminal, or was imported before (a replay); "
                      "nothing of it was stored")


def lookup(code: object) -> ErrorCode | None:
    """The catalogue's entry for a code met in an answer, or None."""
    return CATALOGUE.get(code) if isinstance(code, str) else None



# --- agents of proxy stations (代办员) ------------------------------------------------------
AGENT_CODE_REFUSED = _code("agent_code_refused", 403,
                           "the agent's binding code is unknown, spent or expired, or the agent "
                           "was revoked; each refusal counts toward this terminal's lock-out")
AGENT_CODE_LIMITED = _code("agent_code_limited", 429,
                           "too many wrong binding codes from this terminal; retry after "
                           "Retry-After")
