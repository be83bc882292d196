"""The follow-up API of CONTRACT.md and the follow-up queue partial."""

from __future__ import annotations

from typing import Literal

from flask_login import current_user
from pydantic import Field

from core.actors import Actor
from core.api import ApiBlueprint, ApiModel, ListQuery
from core.audit import audit
from core.clock import now as clock_now
from core.extensions import db
from core.roles import STAFF
from timers.followups import calls_of, due_followups, record_attempt
from timers.schemas import FollowupRead

api = ApiBlueprint("timers_api", __name__, url_prefix="/api/v1")


class FollowupQuery(ListQuery):
    state: Literal["due", "done", "declined", "lost", "all"] = "due"
    call_id: int | None = Field(default=None, ge=1, description="only the follow-ups of this call")


class AttemptIn(ApiModel):
    outcome: Literal["reached", "no_answer", "declined", "lost"]
    note: str | None = Field(default=None, max_length=2000)


@api.op(
    "/followups",
    "GET",
    roles=STAFF,
    query=FollowupQuery,
    response=list[FollowupRead],
    summary="Follow-ups; state=due lists the open ones, soonest due first",
)
def list_followups(*, query: FollowupQuery) -> list[FollowupRead]:
    rows = due_followups(session=db.session, state=query.state, limit=query.limit, call_id=query.call_id)
    at = clock_now()
    calls = calls_of(session=db.session, followups=rows)
    body = [FollowupRead.of(row, now=at, call=calls.get(row.call_id or 0)) for row in rows]
    # A follow-up names the person to call back: the list is one audited view naming them.
    audit(
        session=db.session,
        user=current_user,
        action="view",
        record_type="followup_list",
        detail={"followup_ids": [row.id for row in rows], "call_ids": sorted(calls), "state": query.state},
    )
    db.session.commit()
    return body


@api.op(
    "/followups/<int:followup_id>/attempts",
    "POST",
    roles=STAFF,
    body=AttemptIn,
    response=FollowupRead,
    status=201,
    summary="Record an attempt to reach the person (reached, no_answer, declined, lost)",
)
def add_attempt(followup_id: int, *, body: AttemptIn) -> tuple[FollowupRead, int]:
    followup = record_attempt(
        session=db.session, followup_id=followup_id, outcome=body.outcome, note=body.note, by=Actor.of(current_user)
    )
    db.session.commit()
    call = calls_of(session=db.session, followups=[followup]).get(followup.call_id or 0)
    return FollowupRead.of(followup, now=clock_now(), call=call), 201
