"""Incidents: opening from a call, status moves, cancel, back to the queue, recommendation and
the compare-and-set assignment. The caller (a view, an SMS handler, a timer) commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from config import Settings
from core.actors import Actor
from core.audit import audit_as
from core.bus import MessageBus
from core.clock import Clock
from core.clock import now as clock_now
from core.db import end_reads
from core.errors import Conflict, DomainError, Forbidden, NotFound
from core.events import record_event
from core.models import User
from core.numbers import next_number
from core.roles import TEAM_MOVES, unit_scope
from dispatch.events import IncidentMoved, IncidentOpened, OutcomeRecorded, UnitAssigned
from dispatch.models import Assignment, Incident, IncidentMove, Unit
from dispatch.recommend import (
    DEFAULT_ESTIMATOR,
    IncidentSite,
    Recommendation,
    UnitCandidate,
    fit_band_s,
    origin_of,
    recommend,
)
from dispatch.schemas import AssignmentEventRead, IncidentRead, UnitRead, hides_narrative
from dispatch.staffing import staffing_reasons
from dispatch.states import (
    OPEN_STATUSES,
    IllegalTransition,
    IncidentStatus,
    UnitStatus,
    can_move_incident,
    incident_transition,
    outcomes_for,
    unit_follows,
)
from dispatch.units import get_unit, move_unit_status
from facilities import transport
from facilities.models import Facility
from geo.areas import NO_AREAS, ServiceAreas
from geo.osrm import OsrmRouter
from geo.service import Locator
from geo.travel import BoundingBox, Router, bounding_box, haversine_m
from notifications.content import dispatch_category, minimum_category

log = logging.getLogger(__name__)

_I = IncidentStatus
# The incident timestamp each move stamps.
STAMPS = {
    _I.ACKNOWLEDGED: "acknowledged_at",
    _I.EN_ROUTE: "en_route_at",
    _I.ON_SCENE: "on_scene_at",
    _I.TRANSPORTING: "transporting_at",
    _I.AT_FACILITY: "at_facility_at",
    _I.CLEARED: "cleared_at",
    _I.CLOSED: "closed_at",
    _I.CANCELLED: "cancelled_at",
}
RANK_DEPTH = 50  # how deep the ranking is searched for the rank of a chosen unit
REFINE_TOP = 5  # units re-timed by the router (OSRM) after the straight-line ranking
FAIRNESS_WINDOW_S = 30.0  # dispatch.recommend's window, passed explicitly so the SQL box agrees
OUTCOME_MISSING = "outcome_missing"  # the flag of an incident cleared without an outcome
CLOCK_SKEW_S = 5  # a move's `at` this far ahead of our clock is taken as now, not as the future
FIRST_BOX_M = 10_000.0
LAST_BOX_M = 1_000_000.0  # beyond this, read every available unit


class LocationRequired(DomainError):
    status = 409
    code = "location_required"


def _incident_data(incident: Incident) -> dict[str, Any]:
    """An incident as live events carry it (the relay redacts it for field users when asked)."""
    return IncidentRead.of(incident).model_dump(mode="json")


# --- reading -----------------------------------------------------------------------------------


def get_incident(*, session: Any, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    return incident  # type: ignore[no-any-return]


def list_incidents(
    *, session: Any, statuses: list[str] | None = None, unit_id: int | None = None, limit: int = 50
) -> list[Incident]:
    statement = (
        sa.select(Incident)
        .options(selectinload(Incident.call))
        .order_by(Incident.created_at.desc(), Incident.id.desc())
        .limit(limit)
    )
    if statuses:
        statement = statement.where(Incident.status.in_(statuses))
    if unit_id is not None:
        statement = statement.where(Incident.unit_id == unit_id)
    return list(session.scalars(statement))


def incidents_snapshot(session: Any, user: User, settings: Settings) -> list[dict[str, Any]]:
    """The "incidents" part of the live snapshot: open incidents; a field user's unit's only."""
    open_statuses = [s.value for s in OPEN_STATUSES]
    scope = unit_scope(user)
    rows = (
        []
        if scope.nothing
        else list_incidents(session=session, statuses=open_statuses, unit_id=scope.unit_id, limit=500)
    )
    field_view = hides_narrative(user, field_sees_narrative=settings.field_sees_narrative)
    return [IncidentRead.of(i, field_view=field_view).model_dump(mode="json") for i in rows]


# --- opening -----------------------------------------------------------------------------------


def next_incident_number(*, session: Any, year: int) -> str:
    """`I-<year>-<6 digits>` (see core.numbers)."""
    return f"I-{year}-{next_number(session=session, kind='incident', year=year):06d}"


def _category(call: Any, triage: dict[str, Any]) -> str | None:
    """A short, SMS-safe category: the concern in plain words and what is known of a weapon.

    The concern is the triage's: the questionnaire's concern rules say which answers mean which
    concern (triage/questionnaires/README.md), so an ASQ call and a C-SSRS call read alike."""
    answers = call.answers or {}
    concern = triage.get("concern")
    weapon_present: Literal["yes", "no", "unknown"] = "unknown"
    weapon = answers.get("weapon_present")
    if weapon == "yes":
        weapon_present = "yes"
    elif weapon == "no":
        weapon_present = "no"
    text = dispatch_category(
        concern=concern if isinstance(concern, str) else "",
        weapon_present=weapon_present,
        co_response=(call.disposition == "co_response"),
    )
    return minimum_category(text)[:120] or None


def open_incident_for_call(
    *, session: Any, call: Any, by: Actor, bus: MessageBus, areas: ServiceAreas = NO_AREAS
) -> Incident:
    """A pending incident for a call that needs a team; the call's own incident if it has one.
    `areas`: the service areas (core.ports.Ports.areas) that name the incident's `area`."""
    existing = session.scalars(sa.select(Incident).where(Incident.call_id == call.id)).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    at = clock_now()
    triage = dict(call.triage or {})
    needs = triage.get("needs") or {}
    youth = needs.get("youth")
    language = needs.get("language")
    language = language.strip().lower()[:8] if isinstance(language, str) and language.strip() else None
    incident = Incident(
        number=next_incident_number(session=session, year=at.year),
        call_id=call.id,
        status=_I.PENDING.value,
        priority=call.priority,
        disposition=call.disposition,
        category=_category(call, triage),
        address=call.address,
        lat=call.lat,
        lon=call.lon,
        location_source=call.location_source,
        location_resolved=bool(call.location_resolved and call.lat is not None and call.lon is not None),
        needs_youth=youth if isinstance(youth, bool) else None,
        needs_language=language,
        flags=[str(f) for f in triage.get("flags") or []],
        area=areas.area_of(call.lat, call.lon) if call.location_resolved else None,
        created_at=at,
    )
    session.add(incident)
    session.flush()
    _stamp_move(session, incident, None, _I.PENDING, by, note=f"from call {call.number}")
    record_event(session=session, type="incident.created", data=_incident_data(incident))
    audit_as(
        session=session,
        by=by,
        action="incident.create",
        record_type="incident",
        record_id=incident.id,
        detail={"call_id": call.id},
    )
    bus.publish(IncidentOpened(incident=incident, by=by), session=session)
    return incident


def _open_for_location(session: Any, incident_id: int) -> Incident:
    incident = get_incident(session=session, incident_id=incident_id)
    if _I(incident.status) not in OPEN_STATUSES:
        raise Conflict(f"Incident {incident.number} is {incident.status}; its location can no longer change.")
    return incident


def set_incident_location(
    *,
    session: Any,
    incident_id: int,
    address: str | None,
    lat: float | None,
    lon: float | None,
    by: Actor,
    locator: Locator,
    areas: ServiceAreas = NO_AREAS,
) -> Incident:
    """Resolve an incident's location from an address search or a point picked on the map.

    The locator may wait on a network geocoder, so it is asked between two transactions: the
    incident is read and checked, that read transaction is ended (core.db.end_reads: call this
    with nothing written in the session), the place is looked up holding no transaction, and the
    incident is read again, checked again and changed in a new transaction the caller commits."""
    _open_for_location(session, incident_id)
    end_reads(session)
    found = locator.locate(address=address, lat=lat, lon=lon)
    incident = _open_for_location(session, incident_id)  # it may have closed meanwhile
    if not found.resolved:
        raise DomainError(
            f"No place found for {address!r}: check the spelling, or pick the point on the map.",
            fields={"address": "not found"},
            code="address_not_found",
        )
    return place_incident(
        session=session,
        incident=incident,
        address=found.address or incident.address,  # a point picked on the map keeps the words given
        lat=found.lat,
        lon=found.lon,
        source=found.source,
        by=by,
        areas=areas,
    )


def place_incident(
    *,
    session: Any,
    incident: Incident,
    address: str | None,
    lat: float | None,
    lon: float | None,
    source: str | None,
    by: Actor,
    areas: ServiceAreas = NO_AREAS,
) -> Incident:
    """Move an open incident to a place already found (a dispatcher's search, a call amended with
    a new address): its area follows; `incident.updated` to every screen and to its team; audited.
    No point (lat/lon None): the place is kept as words, unresolved."""
    if _I(incident.status) not in OPEN_STATUSES:
        raise Conflict(f"Incident {incident.number} is {incident.status}; its location can no longer change.")
    resolved = lat is not None and lon is not None
    incident.address = address
    incident.lat, incident.lon = lat, lon
    incident.location_source = source
    incident.location_resolved = resolved
    incident.area = areas.area_of(lat, lon) if resolved else None
    _flush(session, incident)
    record_event(session=session, type="incident.updated", data=_incident_data(incident), unit_id=incident.unit_id)
    audit_as(
        session=session,
        by=by,
        action="incident.location",
        record_type="incident",
        record_id=incident.id,
        detail={"source": source, "area": incident.area},
    )
    return incident


# --- moves -------------------------------------------------------------------------------------


def _stamp_move(
    session: Any,
    incident: Incident,
    old: IncidentStatus | None,
    new: IncidentStatus,
    by: Actor,
    note: str | None,
    at: datetime | None = None,
) -> None:
    session.add(
        IncidentMove(
            incident_id=incident.id,
            from_status=old.value if old else None,
            to_status=new.value,
            at=at or clock_now(),
            user_id=by.user_id,
            actor=by.name[:80],
            note=note,
        )
    )


def _flush(session: Any, incident: Incident) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"Incident {incident.number} changed meanwhile; look again and retry.") from None


def _release_unit(
    session: Any, incident: Incident, by: Actor, end_reason: str, stale_s: int, at: datetime | None = None
) -> Unit | None:
    """Free the incident's unit (available, no incident) and end its assignment (at `at`)."""
    if incident.unit_id is None:
        return None
    unit = get_unit(session=session, unit_id=incident.unit_id)
    if unit.incident_id == incident.id:
        move_unit_status(
            session=session,
            unit=unit,
            target=UnitStatus.AVAILABLE,
            by=by,
            incident_id=incident.id,
            release=True,
            stale_s=stale_s,
        )
    session.execute(
        sa.update(Assignment)
        .where(Assignment.incident_id == incident.id, Assignment.ended_at.is_(None))
        .values(ended_at=at or clock_now(), end_reason=end_reason[:40])
        .execution_options(synchronize_session=False, report_facts="unchanged")
    )
    return unit


def _after_move(
    session: Any,
    incident: Incident,
    old: IncidentStatus,
    unit: Unit | None,
    by: Actor,
    bus: MessageBus,
    at: datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    record_event(
        session=session,
        type="incident.updated",
        data=_incident_data(incident),
        unit_id=incident.unit_id,
    )
    audit_as(
        session=session,
        by=by,
        action="incident.status",
        record_type="incident",
        record_id=incident.id,
        detail={"from": old.value, "to": incident.status, **_when(at), **(detail or {})},
    )
    bus.publish(
        IncidentMoved(incident=incident, unit=unit, from_status=old, to_status=_I(incident.status), by=by, at=at),
        session=session,
    )


def _when(at: datetime | None) -> dict[str, str]:
    """The audit detail of a backdated move: when it happened (the audit row itself says when it
    was entered, and by whom)."""
    return {"at": at.isoformat()} if at is not None else {}


def previous_milestone(session: Any, incident: Incident) -> tuple[datetime | None, str]:
    """The earliest a move of this incident may be stamped, and what it is: its last move, or,
    before its first dispatch, when the call was received (CONTRACT "Incidents (amended)")."""
    latest: datetime | None = session.scalar(
        sa.select(sa.func.max(IncidentMove.at)).where(
            IncidentMove.incident_id == incident.id, IncidentMove.from_status.is_not(None)
        )
    )
    if latest is not None:
        return latest, "the incident's previous move"
    received = incident.call.received_at if incident.call is not None else None
    return received or incident.created_at, "the call was received"


def check_move_time(session: Any, incident: Incident, at: datetime | None, *, now: datetime) -> datetime | None:
    """`at` of a move entered after the fact: not in the future, not before the previous
    milestone (422 on `at`). None (no `at` given): the move happens now."""
    if at is None:
        return None
    if at.tzinfo is None:
        raise DomainError("Give the time with its offset.", fields={"at": "needs a UTC offset"})
    if at > now + timedelta(seconds=CLOCK_SKEW_S):
        raise DomainError("A move cannot be stamped in the future.", fields={"at": "in the future"})
    at = min(at, now)
    floor, what = previous_milestone(session, incident)
    if floor is not None and at < floor:
        raise DomainError(
            f"{incident.number}: the time given is before {what} ({floor.isoformat()}).",
            fields={"at": f"before {floor.isoformat()}"},
        )
    return at


def _facility_for_transport(session: Any, facility_id: int | None) -> Facility:
    if facility_id is None:
        raise DomainError(
            "Name the destination of the transport.", fields={"facility_id": "required with transporting"}
        )
    facility = session.get(Facility, facility_id)
    if facility is None or not facility.active:
        raise NotFound(f"No active facility {facility_id}.", fields={"facility_id": "unknown facility"})
    return facility  # type: ignore[no-any-return]


def incident_can_follow(*, session: Any, incident_id: int, unit_status: UnitStatus) -> bool:
    """Whether a unit status set by the team is also a move of its incident (e.g. on_scene)."""
    incident = get_incident(session=session, incident_id=incident_id)
    try:
        target = IncidentStatus(unit_status.value)
    except ValueError:
        return False
    return target not in (_I.PENDING, _I.DISPATCHED) and can_move_incident(_I(incident.status), target)


def move_incident(
    *,
    session: Any,
    incident_id: int,
    status: str,
    by: Actor,
    outcome: str | None = None,
    police_present: bool | None = None,
    note: str | None = None,
    bus: MessageBus,
    dispatcher: bool = False,
    at: datetime | None = None,
    facility_id: int | None = None,
    bed_type: str | None = None,
) -> Incident:
    """One lifecycle move (DOMAIN.md); the unit follows. Illegal moves raise Conflict (409).

    `dispatcher` says whether `by` may make a dispatcher's move (back to the queue, cancelled,
    closed): the API passes what core.roles says of the signed-in user; the team's own ways in
    (its SMS codes, the field page, its unit's status) make only the team's moves
    (core.roles.TEAM_MOVES), and any other raises Forbidden (403). A team's decline is
    `return_to_queue`, called for what it is.

    Clearing may come without an outcome (the team's SMS `4`, a radio call): the incident is
    flagged `outcome_missing` and the outcome is recorded afterwards (`record_outcome`).
    `transporting` names its destination (`facility_id`) and may name the bed type it is for
    (`bed_type`; default by the person's needs): it joins the facility's incoming, and
    `at_facility` takes the bed (facilities.transport). `at`: when the move really happened
    (check_move_time); the move and its timestamp carry it, the audit entry says who entered it.
    """
    incident = get_incident(session=session, incident_id=incident_id)
    try:
        target = IncidentStatus(status)
    except ValueError:
        raise DomainError(f"Unknown incident status {status!r}.", fields={"status": "unknown status"}) from None
    if not dispatcher and target is not _I.DISPATCHED and target.value not in TEAM_MOVES:
        raise Forbidden(
            f"Moving an incident to {target.value} is a dispatcher's move; ask the dispatcher.",
            fields={"status": "a dispatcher's move"},
        )
    if target is _I.PENDING:
        return return_to_queue(
            session=session, incident_id=incident_id, reason=note or "returned to the queue", by=by, bus=bus, at=at
        )
    if target is _I.CANCELLED:
        return cancel_incident(session=session, incident_id=incident_id, reason=note or "", by=by, bus=bus, at=at)
    old = _I(incident.status)
    if target is _I.DISPATCHED:
        raise Conflict("An incident is dispatched by assigning a unit to it.")
    try:
        incident_transition(old, target)
    except IllegalTransition as error:
        raise Conflict(f"Incident {incident.number}: {error}.", code="illegal_transition") from None
    if facility_id is not None and target is not _I.TRANSPORTING:
        raise DomainError("A destination is named when the transport starts.", fields={"facility_id": "not now"})
    if bed_type is not None and target is not _I.TRANSPORTING:
        raise DomainError("A bed type is named when the transport starts.", fields={"bed_type": "not now"})
    transport.check_bed_type(bed_type)
    now = clock_now()
    at = check_move_time(session, incident, at, now=now)
    destination = None
    if target is _I.TRANSPORTING:
        destination = _facility_for_transport(session, facility_id)
        incident.facility_id = destination.id
    if target is _I.CLEARED:
        _clear_outcome(incident, old, outcome, police_present, by, at or now)
    elif outcome is not None:
        raise DomainError("An outcome is recorded only when the incident clears.", fields={"outcome": "not now"})
    elif police_present is not None:
        incident.police_present = police_present
    incident.status = target.value
    setattr(incident, STAMPS[target], at or now)
    _stamp_move(session, incident, old, target, by, note, at=at)
    _flush(session, incident)
    unit = None
    if target in (_I.CLEARED, _I.CLOSED):
        unit = _release_unit(session, incident, by, target.value, bus.settings.position_stale_s, at=at)
    elif incident.unit_id is not None:
        unit = get_unit(session=session, unit_id=incident.unit_id)
        follows = unit_follows(UnitStatus(unit.status), target)
        if unit.incident_id == incident.id and follows.value != unit.status:
            move_unit_status(
                session=session,
                unit=unit,
                target=follows,
                by=by,
                incident_id=incident.id,
                stale_s=bus.settings.position_stale_s,
            )
    detail = None
    if destination is not None:
        chosen = transport.start_transport(
            session=session,
            incident=incident,
            facility=destination,
            bed_type=bed_type,
            by=by,
            bus=bus,
            at=at or now,
            stale_s=bus.settings.position_stale_s,
        )
        detail = {"facility_id": incident.facility_id, "bed_type": chosen}
    elif target is _I.AT_FACILITY:
        transport.arrive(session=session, incident=incident, by=by, bus=bus, at=at or now)
    _after_move(session, incident, old, unit, by, bus, at=at, detail=detail)
    return incident


def _clear_outcome(
    incident: Incident,
    old: IncidentStatus,
    outcome: str | None,
    police_present: bool | None,
    by: Actor,
    at: datetime,
) -> None:
    """The outcome given with a clear, or the `outcome_missing` flag when there is none."""
    allowed = outcomes_for(old)
    if outcome is not None and outcome not in allowed:
        raise DomainError(
            f"{outcome!r} is not an outcome for an incident cleared from {old.value}.",
            fields={"outcome": f"one of {', '.join(sorted(allowed))}"},
        )
    if police_present is not None:
        incident.police_present = police_present
    if outcome is None:
        incident.flags = [*(f for f in incident.flags or [] if f != OUTCOME_MISSING), OUTCOME_MISSING]
        return
    incident.outcome = outcome
    incident.outcome_recorded_at = at
    incident.outcome_by = by.user_id


def cleared_from(session: Any, incident: Incident) -> IncidentStatus | None:
    """The status the incident was in when it cleared (which outcomes make sense depends on it)."""
    found = session.scalar(
        sa.select(IncidentMove.from_status)
        .where(IncidentMove.incident_id == incident.id, IncidentMove.to_status == _I.CLEARED.value)
        .order_by(IncidentMove.id.desc())
        .limit(1)
    )
    return _I(found) if found else None


def record_outcome(
    *, session: Any, incident_id: int, outcome: str, police_present: bool, by: Actor, bus: MessageBus
) -> Incident:
    """Complete an incident cleared without an outcome, once: 409 when it is not cleared or its
    outcome is already recorded, 422 for an outcome that does not fit how it cleared."""
    incident = get_incident(session=session, incident_id=incident_id)
    if incident.status not in (_I.CLEARED.value, _I.CLOSED.value):
        raise Conflict(f"Incident {incident.number} is {incident.status}: an outcome is recorded once it clears.")
    if incident.outcome is not None:
        raise Conflict(f"The outcome of {incident.number} is already recorded ({incident.outcome}).")
    old = cleared_from(session, incident)
    allowed = outcomes_for(old) if old is not None else frozenset()
    if outcome not in allowed:
        raise DomainError(
            f"{outcome!r} is not an outcome for an incident cleared from {old.value if old else 'this state'}.",
            fields={"outcome": f"one of {', '.join(sorted(allowed))}"},
        )
    incident.outcome = outcome
    incident.police_present = police_present
    incident.outcome_recorded_at = clock_now()
    incident.outcome_by = by.user_id
    incident.flags = [f for f in incident.flags or [] if f != OUTCOME_MISSING]
    _flush(session, incident)
    record_event(session=session, type="incident.updated", data=_incident_data(incident), unit_id=incident.unit_id)
    audit_as(
        session=session,
        by=by,
        action="incident.outcome",
        record_type="incident",
        record_id=incident.id,
        detail={"outcome": outcome, "police_present": police_present},
    )
    bus.publish(OutcomeRecorded(incident=incident, by=by), session=session)
    return incident


def cancel_incident(
    *, session: Any, incident_id: int, reason: str, by: Actor, bus: MessageBus, at: datetime | None = None
) -> Incident:
    """Withdraw an open incident (duplicate, entered in error, resolved by phone); frees its unit.
    `at`: when it really happened (check_move_time)."""
    incident = get_incident(session=session, incident_id=incident_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the incident is cancelled.", fields={"reason": "required"})
    old = _I(incident.status)
    try:
        incident_transition(old, _I.CANCELLED)
    except IllegalTransition as error:
        raise Conflict(f"Incident {incident.number}: {error}.", code="illegal_transition") from None
    at = check_move_time(session, incident, at, now=clock_now())
    incident.status = _I.CANCELLED.value
    incident.cancelled_at = at or clock_now()
    incident.cancel_reason = reason
    _stamp_move(session, incident, old, _I.CANCELLED, by, reason, at=at)
    _flush(session, incident)
    unit = _release_unit(session, incident, by, "cancelled", bus.settings.position_stale_s, at=at)
    if old is _I.TRANSPORTING:
        transport.transport_ended(session=session, incident=incident, by=by, bus=bus)
    _after_move(session, incident, old, unit, by, bus, at=at)
    return incident


def return_to_queue(
    *, session: Any, incident_id: int, reason: str, by: Actor, bus: MessageBus, at: datetime | None = None
) -> Incident:
    """The unit declined, did not acknowledge or is needed elsewhere: back to pending, unit freed.
    `at`: when it really happened (check_move_time)."""
    incident = get_incident(session=session, incident_id=incident_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the incident goes back to the queue.", fields={"reason": "required"})
    old = _I(incident.status)
    try:
        incident_transition(old, _I.PENDING)
    except IllegalTransition as error:
        raise Conflict(f"Incident {incident.number}: {error}.", code="illegal_transition") from None
    at = check_move_time(session, incident, at, now=clock_now())
    unit = _release_unit(session, incident, by, f"requeued: {reason}", bus.settings.position_stale_s, at=at)
    incident.status = _I.PENDING.value
    incident.unit_id = None
    incident.dispatched_at = incident.acknowledged_at = incident.en_route_at = None
    _stamp_move(session, incident, old, _I.PENDING, by, reason, at=at)
    _flush(session, incident)
    _after_move(session, incident, old, unit, by, bus, at=at)
    if unit is not None:  # the unit's own stream learns that the incident left it
        record_event(
            session=session,
            type="incident.updated",
            data=_incident_data(incident),
            unit_id=unit.id,
        )
    return incident


# --- recommendation ----------------------------------------------------------------------------


def build_router(router_url: str | None) -> Router:
    """OSRM when ROUTER_URL is set, else the straight-line model (built once per app, core.ports)."""
    if router_url:
        return OsrmRouter(router_url)
    return DEFAULT_ESTIMATOR  # the ranking's own model: nothing to refine


def dispatchable_candidates(*, session: Any, box: BoundingBox | None = None) -> list[UnitCandidate]:
    """Available units with no incident, read as plain rows; with `box`, only those whose fix or
    home base lies inside it (the units that can be ranked from a point in the box)."""
    statement = sa.select(
        Unit.id,
        Unit.call_sign,
        Unit.status,
        Unit.lat,
        Unit.lon,
        Unit.location_at,
        Unit.home_lat,
        Unit.home_lon,
        Unit.languages,
        Unit.youth,
        Unit.last_dispatched_at,
    ).where(Unit.status == UnitStatus.AVAILABLE.value, Unit.incident_id.is_(None))
    if box is not None:
        statement = statement.where(
            sa.or_(
                sa.and_(Unit.lat.between(box.min_lat, box.max_lat), Unit.lon.between(box.min_lon, box.max_lon)),
                sa.and_(
                    Unit.home_lat.between(box.min_lat, box.max_lat), Unit.home_lon.between(box.min_lon, box.max_lon)
                ),
            )
        )
    return [
        UnitCandidate(
            unit_id=r.id,
            call_sign=r.call_sign,
            status=r.status,
            lat=r.lat,
            lon=r.lon,
            location_at=r.location_at,
            home_lat=r.home_lat,
            home_lon=r.home_lon,
            languages=tuple(r.languages or ()),
            youth=bool(r.youth),
            last_dispatched_at=r.last_dispatched_at,
        )
        for r in session.execute(statement)
    ]


def _candidates_near(
    *, session: Any, site: IncidentSite, now: datetime, stale_s: int, need: int, fit_window_s: float
) -> list[UnitCandidate]:
    """The units the ranking needs, read through a growing bounding box in SQL.

    A box of radius R is enough once it holds `need` units ranked from inside R and the `need`-th
    of them is far enough ahead that no unit beyond R could overtake it within the ranking's fit
    and fairness windows (the same reach rule as dispatch.recommend): the answer is then the
    one a read of every unit would give.
    """
    estimator = DEFAULT_ESTIMATOR
    extra_s = fit_window_s + FAIRNESS_WINDOW_S
    radius = FIRST_BOX_M
    while radius <= LAST_BOX_M:
        units = dispatchable_candidates(session=session, box=bounding_box((site.lat, site.lon), radius))
        inside = sorted(
            d
            for d in (haversine_m(origin_of(u, now=now, stale_after_s=stale_s), (site.lat, site.lon)) for u in units)
            if d <= radius
        )
        if len(inside) >= need:
            kth_s = estimator.seconds_for_straight_m(inside[need - 1])
            reach = estimator.straight_m_for_seconds(kth_s + extra_s)
            if reach <= radius:
                return units
            radius = reach
        else:
            radius *= 4
    return dispatchable_candidates(session=session)


def require_location(incident: Incident) -> IncidentSite:
    if not incident.location_resolved or incident.lat is None or incident.lon is None:
        raise LocationRequired(
            f"Incident {incident.number} has no resolved location. Search the address or pick the point "
            "on the map first."
        )
    return IncidentSite(
        lat=incident.lat,
        lon=incident.lon,
        needs_language=incident.needs_language,
        needs_youth=incident.needs_youth,
        priority=incident.priority,
    )


@dataclass(frozen=True)
class Shortlist:
    """What a ranking needs from the database, read at `now`: the site and the nearby units."""

    site: IncidentSite
    units: list[UnitCandidate]
    now: datetime
    stale_after_s: int
    limit: int
    fit_window_s: float  # the ETA band within which fit decides (by priority, DOMAIN "Fit and the ETA band")


def shortlist(
    *,
    session: Any,
    incident_id: int,
    now: datetime,
    stale_after_s: int,
    limit: int = 10,
    settings: Settings | None = None,
) -> Shortlist:
    """Read what ranking the incident's units needs (reads only; 409 without a location).
    `settings`: the FIT_BAND_* of the incident's priority (their defaults without)."""
    site = require_location(get_incident(session=session, incident_id=incident_id))
    need = max(limit, REFINE_TOP, 1)
    band = fit_band_s(site.priority, settings)
    units = _candidates_near(session=session, site=site, now=now, stale_s=stale_after_s, need=need, fit_window_s=band)
    short = staffing_reasons(session=session, units=[(u.unit_id, u.status) for u in units])
    units = [replace(u, staffing=short[u.unit_id]) if u.unit_id in short else u for u in units]
    return Shortlist(site=site, units=units, now=now, stale_after_s=stale_after_s, limit=limit, fit_window_s=band)


def rank(listed: Shortlist, *, router: Router) -> list[Recommendation]:
    """The shortlist ranked, best first; the best few are re-timed by the router (which may be a
    network service: call this holding no transaction where you can, see core.db.end_reads)."""
    return recommend(
        incident=listed.site,
        units=listed.units,
        now=listed.now,
        stale_after_s=listed.stale_after_s,
        router=router,
        limit=listed.limit,
        refine_top=REFINE_TOP,
        fit_window_s=listed.fit_window_s,
        fairness_window_s=FAIRNESS_WINDOW_S,
        estimator=DEFAULT_ESTIMATOR,
    )


def recommend_units(
    *,
    session: Any,
    incident_id: int,
    router: Router,
    clock: Clock,
    stale_after_s: int,
    limit: int = 10,
    settings: Settings | None = None,
) -> list[Recommendation]:
    """Dispatchable units for the incident, best first, with ETA and reasons, in the caller's
    transaction (a timer handler's). The API reads the shortlist, ends its read transaction and
    ranks after (dispatch.views)."""
    listed = shortlist(
        session=session,
        incident_id=incident_id,
        now=clock(),
        stale_after_s=stale_after_s,
        limit=limit,
        settings=settings,
    )
    return rank(listed, router=router)


# --- assignment --------------------------------------------------------------------------------


def _take(session: Any, *, incident_id: int, unit_id: int, at: datetime, call_sign: str, number: str) -> None:
    """The compare-and-set itself, inside the caller's savepoint: the unit (available ->
    dispatched), then the incident (pending -> dispatched). Raising rolls the savepoint back.

    Two tries for one unit queue on the unit's row: the second finds it no longer available.
    Two tries of different units for one incident meet first on the unique `units.incident_id`
    (on PostgreSQL the second waits for the first to commit, then is refused): that refusal is
    the same lost race, and the caller answers it as one (IntegrityError -> Conflict). The unit
    goes first: taking the incident first, with its `unit_id` (a foreign key to the unit), made
    the one-unit race deadlock on PostgreSQL."""
    took_unit = session.execute(
        sa.update(Unit)
        .where(Unit.id == unit_id, Unit.status == UnitStatus.AVAILABLE.value, Unit.incident_id.is_(None))
        .values(
            status=UnitStatus.DISPATCHED.value, incident_id=incident_id, last_dispatched_at=at, status_changed_at=at
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if took_unit != 1:
        raise Conflict(f"Unit {call_sign} is no longer available: someone assigned it a moment ago.")
    took_incident = session.execute(
        sa.update(Incident)
        .where(Incident.id == incident_id, Incident.status == _I.PENDING.value)
        .values(status=_I.DISPATCHED.value, unit_id=unit_id, dispatched_at=at, version=Incident.version + 1)
        .execution_options(synchronize_session=False, report_facts="unchanged")
    ).rowcount
    if took_incident != 1:
        raise Conflict(f"Incident {number} is no longer pending: someone assigned it a moment ago.")


def assign_unit(
    *,
    session: Any,
    incident_id: int,
    unit_id: int,
    reason: str | None,
    by: Actor,
    bus: MessageBus,
    router: Router,
    clock: Clock,
    stale_after_s: int,
    at: datetime | None = None,
) -> Assignment:
    """Send a unit: compare-and-set of unit (available -> dispatched) and incident (pending ->
    dispatched) in one transaction (`_take`). Of any number of concurrent tries for one unit, or
    for one incident, one wins; the others raise Conflict (409) and change nothing.

    The chosen unit's rank comes first, holding no transaction (the router may be a network
    service): the incident, the unit and the shortlist are read, that read transaction is ended
    (core.db.end_reads: call this with nothing written in the session), the shortlist is ranked,
    and the compare-and-set runs in a new transaction that the caller commits. What changed in
    between is the compare-and-set's business: it is what decides, as before.

    `at`: when the unit was really sent (by radio, entered later); the incident, the assignment
    and the unit are stamped with it, and the timers count from it (timers.handlers)."""
    incident = get_incident(session=session, incident_id=incident_id)
    unit = get_unit(session=session, unit_id=unit_id)
    reason = (reason or "").strip() or None
    if incident.status != _I.PENDING.value:
        raise Conflict(f"Incident {incident.number} is no longer pending (it is {incident.status}).")
    if unit.status != UnitStatus.AVAILABLE.value or unit.incident_id is not None:
        raise Conflict(f"Unit {unit.call_sign} is no longer available (it is {unit.status}).")
    call_sign, number = unit.call_sign, incident.number
    backdated = check_move_time(session, incident, at, now=clock())
    listed = None
    if incident.location_resolved and incident.lat is not None:
        listed = shortlist(
            session=session,
            incident_id=incident_id,
            now=clock(),
            stale_after_s=stale_after_s,
            limit=RANK_DEPTH,
            settings=bus.settings,
        )
    end_reads(session)
    chosen_rank: int | None = None
    eta: int | None = None
    for rec in rank(listed, router=router) if listed is not None else []:
        if rec.unit_id == unit_id:
            chosen_rank, eta = rec.rank, rec.eta_seconds
            break
    if chosen_rank != 1 and reason is None:
        why = "is not the first recommendation" if chosen_rank else "was not among the recommendations"
        raise DomainError(f"Unit {call_sign} {why}: give a reason.", fields={"reason": "required"})
    at = backdated or clock()
    try:
        with session.begin_nested():
            _take(session, incident_id=incident_id, unit_id=unit_id, at=at, call_sign=call_sign, number=number)
    except IntegrityError:  # another unit took the incident first; the savepoint is rolled back
        log.info("assignment of %s to %s refused by a unique constraint", call_sign, number)
        raise Conflict(f"Incident {number} is no longer pending: someone assigned it a moment ago.") from None
    session.expire(unit)
    session.expire(incident)
    assignment = Assignment(
        incident_id=incident_id,
        unit_id=unit_id,
        assigned_at=at,
        assigned_by=by.user_id,
        recommended_rank=chosen_rank,
        eta_seconds=eta,
        reason=reason,
    )
    session.add(assignment)
    _stamp_move(session, incident, _I.PENDING, _I.DISPATCHED, by, reason, at=at)
    session.flush()
    record_event(
        session=session,
        type="incident.updated",
        data=_incident_data(incident),
        unit_id=unit_id,
    )
    record_event(
        session=session,
        type="unit.updated",
        data=UnitRead.of(unit, now=at, stale_s=stale_after_s).model_dump(mode="json"),
        unit_id=unit_id,
    )
    record_event(
        session=session,
        type="assignment.created",
        data=AssignmentEventRead.of(assignment, incident).model_dump(mode="json"),
        unit_id=unit_id,
    )
    audit_as(
        session=session,
        by=by,
        action="incident.assign",
        record_type="incident",
        record_id=incident_id,
        detail={"unit_id": unit_id, "rank": chosen_rank, "reason": reason, **_when(backdated)},
    )
    bus.publish(UnitAssigned(incident=incident, unit=unit, assignment=assignment, by=by), session=session)
    return assignment
