"""Follow-ups owed after a call resolved by phone or an encounter, and the attempts to reach people.

DOMAIN.md: within FOLLOWUP_AFTER_HIGH_S after a moderate or high call or encounter, within
FOLLOWUP_AFTER_LOW_S after a low one, none after none. A call resolved by phone starts the clock
when it is saved; an incident when it clears. After MAX_ATTEMPTS unanswered attempts the person
is "lost to follow-up".
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alerts.models import Alert
from alerts.schemas import AlertRead
from core.actors import Actor
from core.audit import audit_as
from core.clock import now as clock_now
from core.errors import Conflict, NotFound
from core.events import record_event
from timers import service
from timers.models import Followup, FollowupAttempt
from timers.service import TimerSettings
from triage.models import Call

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
CLOSING_OUTCOMES = {"reached": "done", "declined": "declined", "lost": "lost"}


def start_followup(
    *,
    session: Any,
    settings: TimerSettings,
    at: datetime,
    call: Any = None,
    incident: Any = None,
    risk_level: str | None = None,
) -> Followup | None:
    """Open a follow-up for a call resolved by phone or transferred to 911, or for an incident that
    just cleared. `risk_level` (default: the call's) sets the window."""
    call_id = call.id if call is not None else getattr(incident, "call_id", None)
    risk_level = risk_level or getattr(call, "risk_level", None)
    if risk_level is None and call_id is not None:
        found = session.get(Call, call_id)
        risk_level = found.risk_level if found is not None else None
    if risk_level is None or risk_level == "incomplete":
        risk_level = "moderate"  # a team went out: treat the encounter as at least moderate
    after = settings.followup_after(risk_level)
    if after is None:
        return None
    incident_id = incident.id if incident is not None else None
    existing = session.scalars(
        sa.select(Followup).where(
            Followup.state == "due",
            Followup.call_id == call_id if call_id is not None else Followup.incident_id == incident_id,
        )
    ).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    followup = Followup(
        call_id=call_id,
        incident_id=incident_id,
        risk_level=risk_level,
        started_at=at,
        due_at=at + after,
        state="due",
        attempts=0,
    )
    session.add(followup)
    session.flush()
    service.start_timer(
        session=session,
        kind=service.FOLLOWUP_OVERDUE,
        due_at=followup.due_at,
        call_id=call_id,
        incident_id=incident_id,
        data={"followup_id": followup.id},
    )
    return followup


def restart_followup(*, session: Any, call_id: int, at: datetime) -> Followup | None:
    """Start a call's follow-up clock again at `at` (a 911 call's transfer, recorded after the save
    that opened it), unless someone has already tried to reach the person."""
    followup = session.scalars(
        sa.select(Followup).where(Followup.call_id == call_id, Followup.state == "due", Followup.incident_id.is_(None))
    ).first()
    if followup is None or followup.attempts:
        return followup  # type: ignore[no-any-return]
    window = followup.due_at - followup.started_at
    followup.started_at, followup.due_at = at, at + window
    service.cancel_timers(session=session, kinds={service.FOLLOWUP_OVERDUE}, call_id=call_id)
    service.start_timer(
        session=session,
        kind=service.FOLLOWUP_OVERDUE,
        due_at=followup.due_at,
        call_id=call_id,
        data={"followup_id": followup.id},
    )
    return followup  # type: ignore[no-any-return]


def due_followups(*, session: Any, state: str = "due", limit: int = 50, call_id: int | None = None) -> list[Followup]:
    statement = sa.select(Followup).limit(limit)
    if call_id is not None:
        statement = statement.where(Followup.call_id == call_id)
    if state == "all":
        statement = statement.order_by(Followup.id.desc())
    else:
        statement = statement.where(Followup.state == state).order_by(Followup.due_at, Followup.id)
    return list(session.scalars(statement))


def calls_of(*, session: Any, followups: list[Followup]) -> dict[int, Call]:
    """The calls of these follow-ups, by id (one query), for their numbers and callback numbers."""
    ids = {followup.call_id for followup in followups if followup.call_id is not None}
    if not ids:
        return {}
    return {call.id: call for call in session.scalars(sa.select(Call).where(Call.id.in_(ids)))}


def record_attempt(*, session: Any, followup_id: int, outcome: str, note: str | None, by: Actor) -> Followup:
    followup = session.get(Followup, followup_id, with_for_update=True)
    if followup is None:
        raise NotFound("No such follow-up.")
    if followup.state != "due":
        raise Conflict(f"This follow-up is already closed ({followup.state}).")
    at = clock_now()
    session.add(FollowupAttempt(followup_id=followup.id, at=at, outcome=outcome, note=note, user_id=by.user_id))
    followup.attempts += 1
    state = CLOSING_OUTCOMES.get(outcome)
    if state is None and followup.attempts >= MAX_ATTEMPTS:
        state = "lost"  # lost to follow-up after the last unanswered attempt
    if state is not None:
        followup.state = state
        followup.closed_at = at
        service.cancel_timers(
            session=session,
            kinds={service.FOLLOWUP_OVERDUE},
            call_id=followup.call_id,
            incident_id=followup.incident_id,
        )
        _clear_overdue(session=session, followup_id=followup.id, by=by.name)
    if followup.call_id is not None:
        audit_as(
            session=session,
            by=by,
            action="followup_attempt",
            record_type="call",
            record_id=followup.call_id,
            detail={"followup_id": followup.id, "outcome": outcome, "state": followup.state},
        )
    session.flush()
    return followup  # type: ignore[no-any-return]


def _clear_overdue(*, session: Any, followup_id: int, by: str) -> None:
    rows = session.scalars(sa.select(Alert).where(Alert.kind == "followup_overdue", Alert.cleared_at.is_(None)))
    for alert in rows:
        if (alert.data or {}).get("followup_id") == followup_id:
            alert.cleared_at = clock_now()
            alert.cleared_by = by
            session.flush()
            record_event(
                session=session,
                type="alert.cleared",
                data=AlertRead.model_validate(alert).model_dump(mode="json"),
                unit_id=alert.unit_id,
            )
