"""What each timer does when it fires, and the domain events that start and cancel timers.

Timer handlers run inside the sweep's transaction that marks the row fired: they re-check the
state of the world (the incident may have moved on) and write rows only (alerts, outbox SMS,
events, the next timer). Event handlers (`EVENT_HANDLERS`) run inside the transaction of the change that starts or
answers a timer.

Choices (DOMAIN.md leaves them open):
- A check-in request gives the team CHECKIN_REPLY_WITHIN_S (default 300 s) to answer "OK". A
  missed one alerts the dispatcher (`checkin_missed`, critical, with the last position); if still
  unanswered after as long again, the same alert is escalated to the supervisor.
- A stale position always re-sends the unit (`unit.updated`) so every screen repaints it as stale;
  only a unit committed to an incident also raises `position_stale` for the dispatcher.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from alerts.models import Alert
from alerts.schemas import AlertRead
from alerts.service import clear_alerts, raise_alert
from config import Settings
from core.bus import HandlerTable
from core.clock import now as clock_now
from core.events import record_event
from core.roles import Role
from dispatch.events import IncidentMoved, IncidentOpened, OutcomeRecorded, UnitAssigned, UnitPositioned
from dispatch.models import Incident, Unit
from dispatch.recommend import DEFAULT_ESTIMATOR
from dispatch.schemas import UnitRead
from dispatch.service import recommend_units
from dispatch.states import ARRIVED_STATUSES, UNASSIGNED_STATUSES, IncidentStatus
from notifications.outbox import page_unit
from timers import service
from timers.followups import restart_followup, start_followup
from timers.models import Followup, Timer, TimerProbe
from timers.sweep import Handler
from triage.events import CallLogged, CallTransferred
from triage.models import Call

log = logging.getLogger(__name__)

ACK_ALERTS = frozenset({"ack_overdue", "reassign_suggested"})
# Check-ins end when no team is on the incident any more (cleared, closed, cancelled, back in the queue).
CHECKIN_ENDS = UNASSIGNED_STATUSES


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes >= 1 else f"{int(seconds)} s"


def _position(unit: Unit, now: datetime) -> dict[str, Any]:
    age = (now - unit.location_at).total_seconds() if unit.location_at else None
    return {
        "lat": unit.lat,
        "lon": unit.lon,
        "at": unit.location_at.isoformat() if unit.location_at else None,
        "age_s": int(age) if age is not None else None,
    }


def _still_waiting_for_ack(session: Any, timer: Timer) -> tuple[Incident, Unit] | None:
    incident = session.get(Incident, timer.incident_id)
    unit = session.get(Unit, timer.unit_id)
    if incident is None or unit is None or incident.status != IncidentStatus.DISPATCHED or incident.unit_id != unit.id:
        return None
    return incident, unit


# -- timer handlers ------------------------------------------------------------------------------
def fire_ack_repage(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    waiting = _still_waiting_for_ack(session, timer)
    if waiting is None:
        return
    incident, unit = waiting
    page_unit(session=session, unit=unit, incident=incident, kind="repage", settings=settings)
    since = incident.dispatched_at or timer.created_at
    raise_alert(
        session=session,
        kind="ack_overdue",
        severity="warning",
        incident_id=incident.id,
        unit_id=unit.id,
        message=f"{unit.call_sign} has not acknowledged {incident.number} after "
        f"{_minutes((now - since).total_seconds())}; paged again.",
        data={"dispatched_at": since.isoformat(), "repaged_at": now.isoformat()},
    )


def fire_ack_reassign(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    waiting = _still_waiting_for_ack(session, timer)
    if waiting is None:
        return
    incident, unit = waiting
    ranked = recommend_units(
        session=session,
        incident_id=incident.id,
        # The straight-line estimate, never a routing server: this runs inside the sweep's
        # transaction, and the suggestion only points the dispatcher at a unit; the board ranks
        # again (with OSRM when configured) when they open the incident.
        router=DEFAULT_ESTIMATOR,
        clock=lambda: now,
        stale_after_s=settings.position_stale_s,
        limit=5,
        settings=settings,  # the fit band of the incident's priority
    )
    options = [r for r in ranked if r.unit_id != unit.id]
    since = incident.dispatched_at or timer.created_at
    data: dict[str, Any] = {"dispatched_at": since.isoformat(), "suggested": None}
    if options:
        best = options[0]
        data["suggested"] = {
            "unit_id": best.unit_id,
            "call_sign": best.call_sign,
            "eta_seconds": best.eta_seconds,
            "reasons": list(best.reasons),
        }
        proposal = f"next best: {best.call_sign}, about {_minutes(best.eta_seconds)} away"
    else:
        proposal = "no other unit is available"
    raise_alert(
        session=session,
        kind="reassign_suggested",
        severity="critical",
        incident_id=incident.id,
        unit_id=unit.id,
        message=f"{unit.call_sign} still has not acknowledged {incident.number} after "
        f"{_minutes((now - since).total_seconds())}; {proposal}.",
        data=data,
    )


def fire_checkin_ask(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    incident = session.get(Incident, timer.incident_id)
    unit = session.get(Unit, timer.unit_id)
    if incident is None or unit is None or incident.status not in ARRIVED_STATUSES or incident.unit_id != unit.id:
        return
    page_unit(session=session, unit=unit, incident=incident, kind="checkin", settings=settings)
    service.start_timer(
        session=session,
        kind=service.CHECKIN_MISSED,
        incident_id=incident.id,
        unit_id=unit.id,
        due_at=now + timedelta(seconds=settings.checkin_reply_within_s),
        data={"asked_at": now.isoformat()},
    )


def fire_checkin_missed(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    incident = session.get(Incident, timer.incident_id)
    unit = session.get(Unit, timer.unit_id)
    if incident is None or unit is None or incident.status not in ARRIVED_STATUSES:
        return
    asked_at = (timer.data or {}).get("asked_at", timer.created_at.isoformat())
    raise_alert(
        session=session,
        kind="checkin_missed",
        severity="critical",
        incident_id=incident.id,
        unit_id=unit.id,
        message=f"{unit.call_sign} missed its safety check-in on {incident.number}.",
        data={"asked_at": asked_at, "last_position": _position(unit, now), "escalated": False},
    )
    service.start_timer(
        session=session,
        kind=service.CHECKIN_ESCALATE,
        incident_id=incident.id,
        unit_id=unit.id,
        due_at=now + timedelta(seconds=settings.checkin_reply_within_s),
        data={"asked_at": asked_at},
    )


def fire_checkin_escalate(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    unit = session.get(Unit, timer.unit_id)
    row = session.scalars(
        sa.select(Alert).where(
            Alert.kind == "checkin_missed",
            Alert.cleared_at.is_(None),
            Alert.unit_id == timer.unit_id,
            Alert.incident_id == timer.incident_id,
        )
    ).first()
    if row is None or unit is None:
        return  # answered meanwhile
    row.audience = Role.SUPERVISOR.value
    row.data = {
        **(row.data or {}),
        "escalated": True,
        "escalated_at": now.isoformat(),
        "last_position": _position(unit, now),
    }
    row.message = (
        f"{unit.call_sign} has not checked in since {_minutes((now - _asked(timer)).total_seconds())} ago: "
        "supervisor alerted."
    )
    session.flush()
    record_event(
        session=session,
        type="alert.raised",
        data=AlertRead.model_validate(row).model_dump(mode="json"),
        unit_id=row.unit_id,
    )


def _asked(timer: Timer) -> datetime:
    asked = (timer.data or {}).get("asked_at")
    return datetime.fromisoformat(asked) if isinstance(asked, str) else timer.created_at


def fire_pending_sla(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    incident = session.get(Incident, timer.incident_id)
    if incident is None or incident.status != IncidentStatus.PENDING:
        return
    raise_alert(
        session=session,
        kind="pending_sla",
        severity="critical",
        incident_id=incident.id,
        audience=Role.SUPERVISOR.value,
        message=f"Emergent {incident.number} is still waiting for a unit after "
        f"{_minutes((now - (incident.created_at or timer.created_at)).total_seconds())}.",
        data={"created_at": incident.created_at.isoformat() if incident.created_at else None},
    )


def fire_followup_overdue(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    followup = session.get(Followup, (timer.data or {}).get("followup_id"))
    if followup is None or followup.state != "due":
        return
    # One alert per follow-up: raise_alert would fold all phone-only calls (no incident, no unit)
    # into one, so the row is written here.
    alert = Alert(
        kind="followup_overdue",
        severity="warning",
        audience=Role.DISPATCHER.value,
        incident_id=followup.incident_id,
        message=f"Follow-up of call {followup.call_id or '?'} is overdue ({followup.attempts} attempts).",
        data={"followup_id": followup.id, "call_id": followup.call_id, "due_at": followup.due_at.isoformat()},
        raised_at=now,
    )
    session.add(alert)
    session.flush()
    record_event(session=session, type="alert.raised", data=AlertRead.model_validate(alert).model_dump(mode="json"))


def fire_position_stale(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    unit = session.get(Unit, timer.unit_id)
    fix_at = (timer.data or {}).get("fix_at")
    if unit is None or unit.location_at is None:
        return
    if isinstance(fix_at, str) and unit.location_at > datetime.fromisoformat(fix_at):
        return  # a newer fix came in (its own timer covers it)
    unit_data = UnitRead.of(unit, now=now, stale_s=settings.position_stale_s).model_dump(mode="json")
    record_event(session=session, type="unit.updated", data=unit_data, unit_id=unit.id)
    if unit.incident_id is not None:
        raise_alert(
            session=session,
            kind="position_stale",
            severity="warning",
            unit_id=unit.id,
            incident_id=unit.incident_id,
            message=f"{unit.call_sign} has sent no position for {_minutes((now - unit.location_at).total_seconds())}.",
            data={"last_position": _position(unit, now)},
        )


def fire_outcome_missing(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    incident = session.get(Incident, timer.incident_id)
    if incident is None or incident.outcome is not None:
        return  # recorded meanwhile
    since = incident.cleared_at or timer.created_at
    raise_alert(
        session=session,
        kind="outcome_missing",
        severity="warning",
        incident_id=incident.id,
        message=f"{incident.number} was cleared {_minutes((now - since).total_seconds())} ago and its outcome "
        "is still not recorded: record it, and whether police were present.",
        data={"cleared_at": since.isoformat()},
    )


def fire_transfer_confirm(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    call = session.get(Call, timer.call_id)
    if call is None or call.transfer_at is not None or call.disposition != "emergency_911":
        return  # recorded meanwhile
    # One alert per call (raise_alert would fold every call without an incident into one).
    alert = Alert(
        kind="transfer_unconfirmed",
        severity="critical",
        audience=Role.OPERATOR.value,  # and the supervisor: every staff screen lists it
        message=f"911 call {call.number}: no warm transfer recorded "
        f"{_minutes((now - call.received_at).total_seconds())} after it was answered.",
        data={"call_id": call.id, "call_number": call.number, "received_at": call.received_at.isoformat()},
        raised_at=now,
    )
    session.add(alert)
    session.flush()
    record_event(session=session, type="alert.raised", data=AlertRead.model_validate(alert).model_dump(mode="json"))


def _clear_transfer_alert(*, session: Any, call_id: int, by: str) -> None:
    rows = session.scalars(sa.select(Alert).where(Alert.kind == "transfer_unconfirmed", Alert.cleared_at.is_(None)))
    for alert in rows:
        if (alert.data or {}).get("call_id") == call_id:
            alert.cleared_at = clock_now()
            alert.cleared_by = by[:80]
            session.flush()
            record_event(
                session=session, type="alert.cleared", data=AlertRead.model_validate(alert).model_dump(mode="json")
            )


def fire_probe(*, session: Any, timer: Timer, now: datetime, settings: Settings) -> None:
    session.add(TimerProbe(timer_id=timer.id, fired_by=(timer.claimed_by or "?")[:80], fired_at=now))


# What each timer kind does when it fires (the sweep, timers/sweep.py, looks them up by kind).
HANDLERS: dict[str, Handler] = {
    service.ACK_REPAGE: fire_ack_repage,
    service.ACK_REASSIGN: fire_ack_reassign,
    service.CHECKIN_ASK: fire_checkin_ask,
    service.CHECKIN_MISSED: fire_checkin_missed,
    service.CHECKIN_ESCALATE: fire_checkin_escalate,
    service.PENDING_SLA: fire_pending_sla,
    service.FOLLOWUP_OVERDUE: fire_followup_overdue,
    service.POSITION_STALE: fire_position_stale,
    service.OUTCOME_MISSING: fire_outcome_missing,
    service.TRANSFER_CONFIRM: fire_transfer_confirm,
    service.PROBE: fire_probe,
}


# -- event handlers: the changes that start and answer timers -------------------------------------
def on_incident_opened(event: IncidentOpened, /, *, session: Any, settings: Settings) -> None:
    incident = event.incident
    if incident.priority == "emergent" and incident.status == IncidentStatus.PENDING:
        _start_pending_sla(session, incident, settings)


def _start_pending_sla(session: Any, incident: Incident, settings: Settings) -> None:
    service.cancel_timers(session=session, kinds={service.PENDING_SLA}, incident_id=incident.id)
    service.start_timer(
        session=session,
        kind=service.PENDING_SLA,
        incident_id=incident.id,
        due_at=clock_now() + timedelta(seconds=settings.pending_sla_s),
    )


def on_unit_assigned(event: UnitAssigned, /, *, session: Any, settings: Settings) -> None:
    incident, unit = event.incident, event.unit
    at = event.assignment.assigned_at or clock_now()  # a backdated dispatch counts from when it happened
    service.cancel_timers(session=session, kinds={service.PENDING_SLA}, incident_id=incident.id)
    clear_alerts(session=session, kinds={"pending_sla"}, incident_id=incident.id, by="assigned")
    service.cancel_timers(session=session, kinds=service.ACK_KINDS, incident_id=incident.id)
    for kind, after in (
        (service.ACK_REPAGE, settings.ack_repage_after_s),
        (service.ACK_REASSIGN, settings.ack_reassign_after_s),
    ):
        service.start_timer(
            session=session, kind=kind, incident_id=incident.id, unit_id=unit.id, due_at=at + timedelta(seconds=after)
        )


def on_incident_moved(event: IncidentMoved, /, *, session: Any, settings: Settings) -> None:
    incident, unit, to_status = event.incident, event.unit, event.to_status
    at = event.at or clock_now()  # a backdated move counts from when it happened
    if to_status != IncidentStatus.DISPATCHED:
        service.cancel_timers(session=session, kinds=service.ACK_KINDS, incident_id=incident.id)
        clear_alerts(session=session, kinds=ACK_ALERTS, incident_id=incident.id, by=f"incident {to_status}")
    if to_status == IncidentStatus.ON_SCENE and unit is not None:
        running = service.live_timers(session=session, kinds=service.CHECKIN_KINDS, incident_id=incident.id)
        if not running:
            service.schedule_checkin(
                session=session,
                incident_id=incident.id,
                unit_id=unit.id,
                after_s=settings.checkin_interval_s,
                at=at,
            )
    if to_status in CHECKIN_ENDS:
        service.cancel_timers(session=session, kinds=service.CHECKIN_KINDS, incident_id=incident.id)
        clear_alerts(
            session=session,
            kinds={"checkin_missed", "position_stale"},
            incident_id=incident.id,
            by=f"incident {to_status}",
        )
    if to_status == IncidentStatus.CANCELLED:
        service.cancel_timers(session=session, kinds={service.PENDING_SLA}, incident_id=incident.id)
        clear_alerts(session=session, kinds={"pending_sla"}, incident_id=incident.id, by="cancelled")
    if to_status == IncidentStatus.PENDING and incident.priority == "emergent":
        _start_pending_sla(session, incident, settings)  # back in the queue: the wait starts again
    if to_status == IncidentStatus.CLEARED:
        start_followup(session=session, settings=settings.timers, incident=incident, at=at)
        if incident.outcome is None:
            service.cancel_timers(session=session, kinds={service.OUTCOME_MISSING}, incident_id=incident.id)
            service.start_timer(
                session=session,
                kind=service.OUTCOME_MISSING,
                incident_id=incident.id,
                due_at=at + timedelta(seconds=settings.outcome_missing_after_s),
            )


def on_outcome_recorded(event: OutcomeRecorded, /, *, session: Any, settings: Settings) -> None:
    incident = event.incident
    service.cancel_timers(session=session, kinds={service.OUTCOME_MISSING}, incident_id=incident.id)
    clear_alerts(session=session, kinds={"outcome_missing"}, incident_id=incident.id, by="outcome recorded")


def on_call_logged(event: CallLogged, /, *, session: Any, settings: Settings) -> None:
    call = event.call
    saved_at = call.saved_at or clock_now()
    if call.disposition == "phone":
        start_followup(session=session, settings=settings.timers, call=call, at=saved_at)
    elif call.disposition == "emergency_911":
        # DOMAIN "Timers": a person handed to 911 still gets a follow-up; its clock starts at the save
        # and again at the transfer when one is recorded (on_call_transferred).
        risk = call.risk_level if call.risk_level in ("low", "moderate", "high") else "moderate"
        start_followup(session=session, settings=settings.timers, call=call, at=saved_at, risk_level=risk)
        if call.transfer_at is None:
            service.start_timer(
                session=session,
                kind=service.TRANSFER_CONFIRM,
                call_id=call.id,
                due_at=call.received_at + timedelta(seconds=settings.transfer_confirm_s),
            )


def on_call_transferred(event: CallTransferred, /, *, session: Any, settings: Settings) -> None:
    call = event.call
    service.cancel_timers(session=session, kinds={service.TRANSFER_CONFIRM}, call_id=call.id)
    _clear_transfer_alert(session=session, call_id=call.id, by=event.by.name)
    if call.transfer_at is not None:
        restart_followup(session=session, call_id=call.id, at=call.transfer_at)


def on_unit_positioned(event: UnitPositioned, /, *, session: Any, settings: Settings) -> None:
    unit = event.unit
    if unit.location_at is None:
        return
    service.cancel_timers(session=session, kinds={service.POSITION_STALE}, unit_id=unit.id)
    clear_alerts(session=session, kinds={"position_stale"}, unit_id=unit.id, by="new position")
    service.start_timer(
        session=session,
        kind=service.POSITION_STALE,
        unit_id=unit.id,
        due_at=unit.location_at + timedelta(seconds=settings.position_stale_s + 1),  # older than
        data={"fix_at": unit.location_at.isoformat()},
    )


# What starts, answers and cancels timers (subscribed to the app's bus by core.app.create_app).
EVENT_HANDLERS: HandlerTable = {
    IncidentOpened: (on_incident_opened,),
    UnitAssigned: (on_unit_assigned,),
    IncidentMoved: (on_incident_moved,),
    OutcomeRecorded: (on_outcome_recorded,),
    CallLogged: (on_call_logged,),
    CallTransferred: (on_call_transferred,),
    UnitPositioned: (on_unit_positioned,),
}
