"""The warm transfer of an emergency_911 call to 911, once recorded (CONTRACT "Calls (amended)").

Works in the caller's transaction and never commits. Recording it is a compare-and-set on the call
row, so of two operators recording one transfer at once exactly one succeeds (the other: 409).
Its reactions (the confirmation timer stops, its alert clears, the follow-up clock starts again at
the transfer) are timers/handlers.py's, on `CallTransferred`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core.actors import Actor
from core.audit import audit_as
from core.bus import MessageBus
from core.errors import Conflict, DomainError, NotFound
from reports import facts as report_facts
from triage.events import CallTransferred
from triage.models import Call

CLOCK_SKEW = timedelta(seconds=60)  # a browser clock this far ahead is taken as now
INVALID = "validation_failed"


def transfer_time(at: datetime | None, *, call: Call, now: datetime) -> datetime:
    """When the transfer happened: `at` (not in the future, not before the call was answered) or now."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise DomainError(
            "Give the time with its UTC offset.", fields={"at": "needs a UTC offset"}, code="validation_failed"
        )
    if at > now + CLOCK_SKEW:
        raise DomainError(
            "A transfer cannot be recorded in the future.", fields={"at": "in the future"}, code="validation_failed"
        )
    if at < call.received_at:
        raise DomainError(
            "The transfer cannot have happened before the call was answered.",
            fields={"at": f"before the call was answered ({call.received_at.isoformat()})"},
            code=INVALID,
        )
    return min(at, now)


def record_transfer(
    *,
    session: Any,
    call_id: int,
    to: str,
    at: datetime | None,
    note: str | None,
    by: Actor,
    now: datetime,
    bus: MessageBus,
) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("There is no such call.")
    if call.disposition != "emergency_911":
        raise Conflict(f"Call {call.number} is not a 911 call ({call.disposition}): there is no transfer to record.")
    if call.transfer_at is not None:
        raise Conflict(f"The transfer of call {call.number} was already recorded at {call.transfer_at.isoformat()}.")
    when = transfer_time(at, call=call, now=now)
    text = (note or "").strip() or None
    updated = session.execute(
        sa.update(Call)
        .where(Call.id == call.id, Call.transfer_at.is_(None))
        .values(transfer_to=to, transfer_at=when, transfer_by=by.user_id, transfer_note=text, transfer_recorded_at=now)
        .execution_options(synchronize_session=False, report_facts="refreshed")
    )
    if updated.rowcount != 1:
        raise Conflict(f"The transfer of call {call.number} was recorded meanwhile.")
    report_facts.refresh(session.connection(), call_ids=[call.id])
    session.refresh(call)
    detail: dict[str, Any] = {"to": to, "at": when.isoformat()}
    if text:
        detail["note"] = text
    audit_as(session=session, by=by, action="transfer", record_type="call", record_id=call.id, detail=detail)
    bus.publish(CallTransferred(call=call, by=by), session=session)
    return call  # type: ignore[no-any-return]
