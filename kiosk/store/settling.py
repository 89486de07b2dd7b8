"""What a settled event writes on an item of the outbox: the one form shared by submissions
and follow-ups, which move along the same `states.TRANSITIONS`.

Each statement is an `UPDATE … WHERE id = :b_id` setting the state the table gives the
event and what that event records; `params` gives the bound values for one `Settlement`.
Submissions also keep the query code the platform returned; follow-ups have none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam, update

from . import states
from .records import Settlement
from .states import Event


def statements(table: Table, *, with_query_code: bool = False) -> dict[Event, Any]:
    by_id = table.c.id == bindparam("b_id")
    delivered = {"query_code": bindparam("b_query_code")} if with_query_code else {}
    return {
        Event.DELIVER: update(table).where(by_id).values(
            state=states.target(Event.DELIVER), case_no=bindparam("b_case_no"), **delivered,
            delivered_at=bindparam("b_at"), last_error=None, platform_ack=bindparam("b_ack"),
            updated_at=bindparam("b_now")),
        Event.RETRY: update(table).where(by_id).values(
            state=states.target(Event.RETRY), last_error=bindparam("b_error"),
            next_attempt_at=bindparam("b_at"), updated_at=bindparam("b_now")),
        Event.RELEASE: update(table).where(by_id).values(
            state=states.target(Event.RELEASE), attempts=table.c.attempts - 1,
            next_attempt_at=bindparam("b_at"), updated_at=bindparam("b_now")),
        Event.REFUSE: update(table).where(by_id).values(
            state=states.target(Event.REFUSE), last_error=bindparam("b_error"),
            platform_ack=bindparam("b_ack"), updated_at=bindparam("b_now")),
    }


def params(x: Settlement, *, with_query_code: bool = False) -> dict[str, Any]:
    if x.event is Event.DELIVER:
        delivered = {"b_case_no": x.case_no, "b_at": x.at, "b_ack": x.acknowledgement}
        return {**delivered, "b_query_code": x.query_code} if with_query_code else delivered
    if x.event is Event.REFUSE:
        return {"b_error": x.error, "b_ack": x.acknowledgement}
    if x.event is Event.RETRY:
        return {"b_error": x.error, "b_at": x.at}
    return {"b_at": x.at}
