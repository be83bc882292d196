"""Starting and cancelling timers in the caller's transaction; answering safety check-ins.

These functions write rows only. The caller (a service function, a hook, a view) commits, so a
timer exists exactly when the change that started it does, and is cancelled exactly when the
change that answers it commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alerts.service import clear_alerts
from config import TimerSettings
from core.clock import now as clock_now
from dispatch.models import Incident, Unit
from dispatch.states import ARRIVED_STATUSES
from timers.models import Timer

__all__ = ["TimerSettings", "cancel_timers", "start_timer"]  # TimerSettings: its one definition is in config.py

log = logging.getLogger(__name__)

# Timer kinds (handlers in timers/handlers.py).
ACK_REPAGE = "ack_repage"
ACK_REASSIGN = "ack_reassign"
CHECKIN_ASK = "checkin_ask"
CHECKIN_MISSED = "checkin_missed"
CHECKIN_ESCALATE = "checkin_escalate"
PENDING_SLA = "pending_sla"
FOLLOWUP_OVERDUE = "followup_overdue"
POSITION_STALE = "position_stale"
OUTCOME_MISSING = "outcome_missing"  # a cleared incident still without its outcome
TRANSFER_CONFIRM = "transfer_confirm"  # an emergency_911 call whose warm transfer is not recorded yet
PROBE = "probe"

ACK_KINDS = frozenset({ACK_REPAGE, ACK_REASSIGN})
CHECKIN_KINDS = frozenset({CHECKIN_ASK, CHECKIN_MISSED, CHECKIN_ESCALATE})
LIVE_STATES = ("pending", "claimed")  # timer states (timers.models.TIMER_STATES), not incident statuses


def start_timer(
    *,
    session: Any,
    kind: str,
    due_at: datetime,
    incident_id: int | None = None,
    unit_id: int | None = None,
    call_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Timer:
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    timer = Timer(
        kind=kind,
        due_at=due_at,
        state="pending",
        incident_id=incident_id,
        unit_id=unit_id,
        call_id=call_id,
        data=data,
        created_at=clock_now(),
        attempts=0,
    )
    session.add(timer)
    session.flush()
    log.debug("timer %s %s due %s", timer.id, kind, due_at.isoformat())
    return timer


def cancel_timers(
    *,
    session: Any,
    kinds: Iterable[str],
    incident_id: int | None = None,
    unit_id: int | None = None,
    call_id: int | None = None,
) -> int:
    """Cancel the live timers of these kinds for the incident/unit/call. Returns how many.

    A timer a sweep has claimed but not yet fired is cancelled too: firing re-checks the state in
    its own transaction and does nothing for a cancelled row."""
    if incident_id is None and unit_id is None and call_id is None:
        raise ValueError("cancel_timers needs an incident, a unit or a call")
    statement = sa.update(Timer).where(Timer.kind.in_(list(kinds)), Timer.state.in_(LIVE_STATES))
    if incident_id is not None:
        statement = statement.where(Timer.incident_id == incident_id)
    if unit_id is not None:
        statement = statement.where(Timer.unit_id == unit_id)
    if call_id is not None:
        statement = statement.where(Timer.call_id == call_id)
    result = session.execute(
        statement.values(state="cancelled", cancelled_at=clock_now()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def live_timers(
    *, session: Any, kinds: Iterable[str] | None = None, incident_id: int | None = None, unit_id: int | None = None
) -> list[Timer]:
    statement = sa.select(Timer).where(Timer.state.in_(LIVE_STATES)).order_by(Timer.due_at, Timer.id)
    if kinds is not None:
        statement = statement.where(Timer.kind.in_(list(kinds)))
    if incident_id is not None:
        statement = statement.where(Timer.incident_id == incident_id)
    if unit_id is not None:
        statement = statement.where(Timer.unit_id == unit_id)
    return list(session.scalars(statement))


def schedule_checkin(*, session: Any, incident_id: int, unit_id: int, after_s: int, at: datetime) -> Timer:
    """Replace any check-in timers of this team with the next request, `after_s` from `at`."""
    cancel_timers(session=session, kinds=CHECKIN_KINDS, incident_id=incident_id, unit_id=unit_id)
    return start_timer(
        session=session,
        kind=CHECKIN_ASK,
        due_at=at + timedelta(seconds=after_s),
        incident_id=incident_id,
        unit_id=unit_id,
    )


def checkin_received(*, session: Any, unit_id: int, at: datetime, interval_s: int) -> bool:
    """A team answered "OK": the missed-check-in timers stop, its alert clears, the next one is set.

    Called by the SMS inbound handler (and the field page) in its transaction. Returns False when
    the unit is not on scene with an incident: nothing changes then."""
    unit = session.get(Unit, unit_id)
    incident = session.get(Incident, unit.incident_id) if unit is not None and unit.incident_id else None
    if incident is None or incident.status not in ARRIVED_STATUSES:
        log.info("check-in from unit %s, which is not on scene", unit_id)
        return False
    clear_alerts(session=session, kinds={"checkin_missed"}, incident_id=incident.id, unit_id=unit_id, by="checkin")
    schedule_checkin(session=session, incident_id=incident.id, unit_id=unit_id, after_s=interval_s, at=at)
    return True
