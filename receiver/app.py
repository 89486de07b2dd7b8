"""The receiving platform's HTTP API (wire protocol v1), as a FastAPI application.

`create_app` only composes: the storage, the authenticator, the intake, and one
router per resource (`receiver/api/`). Every `/api/v1` request except enrollment must
carry a valid RFC 9421 signature of an enrolled, non-revoked terminal with a nonce
never seen before (`receiver.auth`); a refusal answers `ErrorBody` with a code of
`wire.errors` and changes nothing.

Endpoints are plain functions, so FastAPI runs them in its threadpool: a slow disk
or a held SQLite lock never stalls the event loop.
"""

from __future__ import annotations

import logging
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from fastapi import FastAPI

from receiver import __version__, keys
from receiver.api import agents as agents_api
from receiver.api import attachments, cases, enrollments, followups, receipts, submissions, terminals
from receiver.api import carry as carry_api
from receiver.api import limits as limits_api
from receiver.api.answers import SignAnswers
from receiver.api.common import Gate, Platform, install_error_handlers
from receiver.api.openapi import DESCRIPTION, error_catalogue, install_openapi
from receiver.auth import Authenticator, Claims
from receiver.carry import CarryImporter, carry_intake
from receiver.faults import Switches
from receiver.guard import BodyBudget, BodyGuard, RouteLimits, require_room
from receiver.intake import ContentCheck, Intake, Judge, SubmissionDecoder
from receiver.limits import LIMITS, ServerLimits, max_body
from receiver.storage import ReadLimits, Store
from wire import paths, schemas

__all__ = ["LIMITS", "create_app"]
log = logging.getLogger("receiver")
ROUTERS = (enrollments.router, agents_api.router, limits_api.router, attachments.router, submissions.router,
           cases.router, terminals.router, followups.router, receipts.router, carry_api.router)


def create_app(data_dir: Path, *, platform_private_key: X25519PrivateKey | None = None,
               platform_signing_key: Ed25519PrivateKey | None = None,
               limits: schemas.Limits | None = None,
               read_limits: ReadLimits | None = None,
               server_limits: ServerLimits | None = None) -> FastAPI:
    """The platform on `data_dir`; its keys there (sealing, signing) are made on first use
    unless given. `limits` default to this module's `LIMITS`, read when the app is made;
    `read_limits` (failed case reads) to `ReadLimits()`; of `server_limits`, the app keeps
    the body budget and wait (`receiver.guard`). Every `/api/v1` answer is signed with the
    signing key (`SignAnswers`)."""
    data_dir = Path(data_dir)
    limits = limits or LIMITS
    server_limits = server_limits or ServerLimits()
    store = Store(data_dir)
    if platform_private_key is None:
        platform_private_key, made = keys.load_or_create(data_dir)
        if made:
            log.warning("made a new platform key pair in the data directory; public key %s",
                        keys.public_text(platform_private_key))
    if platform_signing_key is None:
        platform_signing_key, made = keys.load_or_create_signing(data_dir)
        if made:
            log.warning("made a new signing key pair for the platform's answers in the data "
                        "directory; fingerprint %s", keys.signing_fingerprint(platform_signing_key))
    judge = Judge(store, SubmissionDecoder(limits), ContentCheck(platform_private_key))
    switches = Switches(data_dir)
    platform = Platform(store=store, auth=Authenticator(store),
                        intake=Intake(store, judge, Claims()), switches=switches, limits=limits,
                        max_body=max_body(limits),
                        platform_public_key=keys.public_text(platform_private_key),
                        platform_signing_key=keys.signing_public_text(platform_signing_key),
                        read_limits=read_limits or ReadLimits(),
                        carry=CarryImporter(store, carry_intake(store, limits,
                                                                platform_private_key),
                                            keys.public_text(platform_private_key),
                                            platform_signing_key))

    app = FastAPI(title=f"kiosk-receiver (wire protocol v{paths.VERSION})", version=__version__,
                  description=DESCRIPTION + "\n" + error_catalogue(), docs_url=None,
                  redoc_url=None)
    app.state.platform = platform
    app.state.store = store
    routes, budget = RouteLimits(platform.max_body), BodyBudget(server_limits.body_budget)
    require_room(routes, budget)  # now: Starlette builds its middleware at the first request
    # The last added runs first: maintenance and the access log, then the body guard.
    app.add_middleware(BodyGuard, routes=routes, budget=budget, wait=server_limits.body_wait,
                       auth=platform.auth)
    app.add_middleware(Gate, switches=switches)
    app.add_middleware(SignAnswers, key=platform_signing_key)  # outermost: signs the Gate's too
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    install_openapi(app)
    return app
