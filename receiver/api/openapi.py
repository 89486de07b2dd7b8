"""The OpenAPI document (`python -m receiver openapi` > docs/openapi.json).

The busiest endpoints read their bodies raw (the signature covers them first), so
their request schemas are named here; the description carries the catalogue of error
codes (`wire.errors`) with their statuses and meanings."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from wire import errors, schemas

REQUEST_MODELS = (schemas.EnrollmentRequest, schemas.SubmissionRequest,
                  schemas.SubmissionBatch, schemas.Heartbeat)

DESCRIPTION = """\
Reference receiving platform for the online-petition kiosk (网上信访自助服务区).

Every `/api/v1` request except `POST /api/v1/enrollments` carries an RFC 9421
HTTP Message Signature (label `kiosk`, Ed25519, `keyid` = terminal id) covering
`@method`, `@path`, `@query`, `content-digest` (RFC 9530) and, when present,
`idempotency-key`, `upload-offset` and `upload-length`, with `created` (within
5 minutes of the platform's clock) and a `nonce` used once. `@path` and `@query`
are the request target as sent (percent-encoding untouched), never taken from
`Host`; a field sent on several lines is their values joined by ", " (RFC 9421
§2.1). Refusals: 401 `unsigned` / `signature_invalid` (also for a key id no
terminal has: one answer for every bad signature) / `signature_stale` /
`signature_replayed`, 403 `terminal_unknown` (a revoked terminal signing with its
own key) / `terminal_mismatch`. A malformed header the platform reads is 400
`bad_request`, never 500.

Every `/api/v1` answer is signed by the platform (RFC 9421 response signature,
label `platform`, Ed25519, `keyid` = `platform-` and 16 hex digits of the sha256 of
its signing key, which enrollment hands out as `platform_signing_key`) covering
`@status`, `content-digest` and, when present, `content-type`, `location`,
`retry-after`, `upload-offset` and `etag`, bound to the request it answers by
`"@method";req`, `"@path";req` and, for a signed request, `"signature";req`.
A terminal acts on no answer whose signature it cannot verify.

A submission's sealed document must agree with its routing metadata (422
`envelope_mismatch`, `attachments_mismatch`). A refusal is kept as the
Idempotency-Key's answer only when the request's bytes alone decide it; one that
depends on the platform's state (its key, its limits, the uploads) is not.

Every error answers an `ErrorBody`. During planned maintenance every `/api/v1`
request answers 503 `maintenance` with `Retry-After`.
"""


def error_catalogue() -> str:
    """The catalogue as a Markdown table: every code the platform answers."""
    rows = [f"| `{e.code}` | {e.status} | {e.meaning} |" for e in errors.CATALOGUE.values()]
    return "\n".join(["## Error codes", "",
                      "`ErrorBody.error` is always one of these (`http_error` keeps the "
                      "status of the HTTP-level refusal it stands for).", "",
                      "| error | status | meaning |", "| --- | --- | --- |", *rows]) + "\n"


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in REQUEST_MODELS:
                doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(doc.pop("$defs", {}))
                components[model.__name__] = doc
            schema["components"]["schemas"] = dict(sorted(components.items()))
            for operations in schema.get("paths", {}).values():
                for method, operation in operations.items():
                    operations[method] = _parameters_first(operation)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _parameters_first(operation: dict[str, Any]) -> dict[str, Any]:
    # Where FastAPI puts the parameters it derives from a signature (after operationId),
    # also for those documented through openapi_extra (`header_params`).
    if "parameters" not in operation or "operationId" not in operation:
        return operation
    out: dict[str, Any] = {}
    for name, value in operation.items():
        if name != "parameters":
            out[name] = value
        if name == "operationId":
            out["parameters"] = operation["parameters"]
    return out
