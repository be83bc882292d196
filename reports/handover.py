"""What the next shift needs to know, read for the printable hand-over (`/reports/shift`).

The open incidents with their clocks (what runs late is named by the rules the board and the map
use: an emergent incident waiting for dispatch beyond PENDING_SLA_S, a dispatch not acknowledged
beyond ACK_REPAGE_AFTER_S, an open alert, an outcome still missing), the cleared incidents that
still need their outcome, the open alerts, every unit and its status, and the follow-ups due.
No Flask: the page passes the session, the time and the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from alerts.models import Alert
from alerts.service import open_alerts
from config import TimerSettings
from dispatch.models import Incident, Unit
from dispatch.service import OUTCOME_MISSING, list_incidents
from dispatch.states import OPEN_STATUSES, IncidentStatus
from dispatch.units import list_units
from timers.followups import calls_of, due_followups
from timers.models import Followup
from triage.models import Call

PRIORITY_ORDER = {"emergent": 0, "urgent": 1, "routine": 2}
# The incident timestamps, newest milestone first: "since" counts from the first one set.
MILESTONES = ("at_facility_at", "transporting_at", "on_scene_at", "en_route_at", "acknowledged_at", "dispatched_at")
LIMIT = 500


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: int
    number: str
    priority: str | None
    status: str
    unit: str | None
    address: str | None
    area: str | None
    category: str | None
    opened_at: datetime
    since: datetime  # the latest milestone (opened, dispatched, …)
    late: str | None  # what runs late, in words; None when nothing does


@dataclass(frozen=True, slots=True)
class UnitLine:
    call_sign: str
    status: str
    since: datetime
    incident: str | None
    position_at: datetime | None
    position_stale: bool
    late: str | None


@dataclass(frozen=True, slots=True)
class AlertLine:
    kind: str
    severity: str
    message: str
    raised_at: datetime
    acknowledged: bool
    incident: str | None
    unit: str | None


@dataclass(frozen=True, slots=True)
class FollowupLine:
    id: int
    call_number: str | None
    call_id: int | None
    risk_level: str
    due_at: datetime
    attempts: int
    overdue: bool


@dataclass(frozen=True, slots=True)
class Handover:
    incidents: list[OpenIncident]
    needs_outcome: list[OpenIncident]
    alerts: list[AlertLine]
    units: list[UnitLine]
    followups: list[FollowupLine]

    @property
    def late_count(self) -> int:
        return sum(1 for incident in self.incidents if incident.late)


def _words(word: str) -> str:
    return word.replace("_", " ")


def lateness(incident: Incident, *, now: datetime, timers: TimerSettings, alerts: list[Alert]) -> str | None:
    """What runs late on an incident, in the board's words, or None."""
    waited = (now - incident.created_at).total_seconds()
    if (
        incident.status == IncidentStatus.PENDING.value
        and incident.priority == "emergent"
        and waited > timers.pending_sla_s
    ):
        return "waiting for dispatch"
    sent = incident.dispatched_at
    if (
        incident.status == IncidentStatus.DISPATCHED.value
        and sent
        and (now - sent).total_seconds() > timers.ack_repage_after_s
    ):
        return "not acknowledged"
    if alerts:
        return "alert: " + _words(alerts[0].kind) if len(alerts) == 1 else f"{len(alerts)} alerts"
    if OUTCOME_MISSING in (incident.flags or []):
        return "outcome missing"
    return None


def _since(incident: Incident) -> datetime:
    for name in MILESTONES:
        value = getattr(incident, name)
        if value is not None:
            return value  # type: ignore[no-any-return]
    return incident.created_at


def _line(incident: Incident, signs: dict[int, str], late: str | None) -> OpenIncident:
    return OpenIncident(
        id=incident.id,
        number=incident.number,
        priority=incident.priority,
        status=incident.status,
        unit=signs.get(incident.unit_id or 0),
        address=incident.address,
        area=incident.area,
        category=incident.category,
        opened_at=incident.created_at,
        since=incident.cleared_at or _since(incident),
        late=late,
    )


def handover(*, session: Any, now: datetime, timers: TimerSettings) -> Handover:
    """The state of the service at `now`, for the hand-over."""
    units = list_units(session=session)
    signs = {unit.id: unit.call_sign for unit in units}
    alerts = open_alerts(session=session, limit=LIMIT)
    by_incident: dict[int, list[Alert]] = {}
    by_unit: dict[int, list[Alert]] = {}
    for alert in alerts:
        if alert.incident_id is not None:
            by_incident.setdefault(alert.incident_id, []).append(alert)
        if alert.unit_id is not None:
            by_unit.setdefault(alert.unit_id, []).append(alert)
    rows = list_incidents(session=session, statuses=[s.value for s in OPEN_STATUSES], limit=LIMIT)
    incidents = [_line(i, signs, lateness(i, now=now, timers=timers, alerts=by_incident.get(i.id, []))) for i in rows]
    incidents.sort(key=lambda i: (PRIORITY_ORDER.get(i.priority or "", 3), i.opened_at))
    missing = session.scalars(
        sa.select(Incident)
        .where(Incident.status == IncidentStatus.CLEARED.value, Incident.outcome.is_(None))
        .order_by(Incident.cleared_at)
        .limit(LIMIT)
    )
    needs_outcome = [_line(i, signs, "outcome missing") for i in missing]
    numbers = {i.id: i.number for i in [*rows]}
    numbers |= _incident_numbers(session, {a.incident_id for a in alerts if a.incident_id not in numbers})
    return Handover(
        incidents=incidents,
        needs_outcome=needs_outcome,
        alerts=[_alert_line(a, numbers, signs) for a in alerts],
        units=[_unit_line(u, numbers, now=now, timers=timers, alerts=by_unit.get(u.id, [])) for u in units],
        followups=_followups(session, now=now),
    )


def _incident_numbers(session: Any, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(sa.select(Incident.id, Incident.number).where(Incident.id.in_(wanted))).tuples().all())


def _alert_line(alert: Alert, numbers: dict[int, str], signs: dict[int, str]) -> AlertLine:
    return AlertLine(
        kind=alert.kind,
        severity=alert.severity,
        message=alert.message,
        raised_at=alert.raised_at,
        acknowledged=alert.acknowledged_at is not None,
        incident=numbers.get(alert.incident_id or 0),
        unit=signs.get(alert.unit_id or 0),
    )


def _unit_line(
    unit: Unit, numbers: dict[int, str], *, now: datetime, timers: TimerSettings, alerts: list[Alert]
) -> UnitLine:
    stale = unit.location_at is None or (now - unit.location_at).total_seconds() > timers.position_stale_s
    late = None
    if alerts:
        late = "alert: " + _words(alerts[0].kind) if len(alerts) == 1 else f"{len(alerts)} alerts"
    return UnitLine(
        call_sign=unit.call_sign,
        status=unit.status,
        since=unit.status_changed_at,
        incident=numbers.get(unit.incident_id or 0),
        position_at=unit.location_at,
        position_stale=stale,
        late=late,
    )


def _followups(session: Any, *, now: datetime) -> list[FollowupLine]:
    rows: list[Followup] = due_followups(session=session, state="due", limit=LIMIT)
    calls: dict[int, Call] = calls_of(session=session, followups=rows)
    return [
        FollowupLine(
            id=row.id,
            call_number=calls[row.call_id].number if row.call_id in calls else None,
            call_id=row.call_id,
            risk_level=row.risk_level,
            due_at=row.due_at,
            attempts=row.attempts,
            overdue=row.due_at <= now,
        )
        for row in rows
    ]
