"""POST /agent-bindings: an enrolled terminal redeems an agent's one-time binding code.

Signed like every terminal call. The answer names the agent (id, their own name, the
station); the code is then spent. A wrong code counts toward the terminal's lock-out
(`receiver.storage.agents`), committed with the request's nonce before the answer."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request

from receiver.api.common import SIGNED, error_responses, json_body, parse, platform_of, read_body, signed
from receiver.errors import ApiError
from receiver.storage.agents import CodeLimited, CodeRefused
from wire import errors, paths, schemas

log = logging.getLogger("receiver")
router = APIRouter()


@router.post(paths.AGENT_BINDINGS, response_model=schemas.AgentBinding,
             responses=error_responses(*SIGNED, errors.AGENT_CODE_REFUSED,
                                       errors.AGENT_CODE_LIMITED, errors.INVALID_BODY,
                                       errors.DUPLICATE_KEY),
             openapi_extra=json_body("AgentBindingRequest"),
             summary="Redeem an agent's one-time binding code at a proxy station")
def bind_agent(request: Request, body: bytes = Depends(read_body)) -> schemas.AgentBinding:
    with signed(request, body) as signer:
        req = parse(schemas.AgentBindingRequest, body)
        try:
            bound = platform_of(request).store.redeem_agent_code(signer.terminal_id, req.code,
                                                                 signer=signer)
        except CodeLimited as exc:
            raise ApiError(errors.AGENT_CODE_LIMITED,
                           "too many wrong binding codes from this terminal; try again later",
                           headers={"Retry-After": str(exc.retry_after)}) from None
        except CodeRefused:
            raise ApiError(errors.AGENT_CODE_REFUSED,
                           "the binding code is wrong, already used or expired; ask the "
                           "platform operator for a new one") from None
        log.info("agent %s bound at terminal %s", bound.agent_id, signer.terminal_id)
        return schemas.AgentBinding(agent_id=bound.agent_id, name=bound.name,
                                    station=bound.station, bound_at=bound.bound_at)
