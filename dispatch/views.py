"""The dispatch JSON API: units, incidents, recommendations and assignment (CONTRACT.md)."""

from __future__ import annotations

import logging
from typing import Any

from flask_login import current_user

from core import deps
from core.actors import Actor
from core.api import ApiBlueprint
from core.audit import audit
from core.clock import now as clock_now
from core.db import end_reads
from core.errors import Conflict, DomainError, Forbidden, error_body
from core.extensions import db
from core.ports import current_ports
from core.roles import (
    ADMINS,
    CREW_SETTERS,
    DISPATCHERS,
    EVERYONE,
    INCIDENT_MOVERS,
    UNIT_REPORTERS,
    can_see_incident,
    can_see_unit,
    may_make_dispatcher_moves,
    may_report_for_unit,
    unit_scope,
)
from dispatch import notes, service, staffing, timeline, unit_status, units
from dispatch.models import Incident, Unit
from dispatch.recommend import Recommendation
from dispatch.schemas import (
    AssignConflictRead,
    AssignedRead,
    AssignIn,
    AssignmentRead,
    CancelIn,
    CrewIn,
    IncidentLocationIn,
    IncidentRead,
    IncidentRecordQuery,
    IncidentsQuery,
    IncidentStatusIn,
    NoteIn,
    NoteRead,
    OutcomeIn,
    RecommendationsRead,
    RequeueIn,
    TimelineEntryRead,
    UnitIn,
    UnitLocationIn,
    UnitRead,
    UnitsQuery,
    UnitStatusIn,
    hides_narrative,
)
from dispatch.states import IncidentStatus, UnitStatus

log = logging.getLogger(__name__)

api = ApiBlueprint("dispatch_api", __name__, url_prefix="/api/v1")


def _stale_s() -> int:
    """POSITION_STALE_S: a fix older than this is shown and ranked as stale."""
    return deps.settings().position_stale_s


def _actor() -> Actor:
    return Actor.of(current_user)


def _own_unit_only(unit_id: int) -> None:
    if not may_report_for_unit(current_user, unit_id):
        raise Forbidden("You can report only for the unit you ride with.")


def _visible_incident(incident_id: int) -> Any:
    incident = service.get_incident(session=db.session, incident_id=incident_id)
    if not can_see_incident(current_user, incident):
        raise Forbidden("This incident is not assigned to your unit.")
    return incident


def _incident_read(incident: Incident) -> IncidentRead:
    """The incident as the signed-in user may read it (a field user under FIELD_SEES_NARRATIVE=0:
    without the narrative and the callback number)."""
    hide = hides_narrative(current_user, field_sees_narrative=deps.settings().field_sees_narrative)
    return IncidentRead.of(incident, field_view=hide)


def _unit_read(unit: Unit) -> UnitRead:
    return UnitRead.of(unit, now=clock_now(), stale_s=_stale_s())


def _statuses(text: str | None, known: type[IncidentStatus] | type[UnitStatus]) -> list[str] | None:
    if not text:
        return None
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [s for s in wanted if s not in {k.value for k in known}]
    if unknown:
        raise DomainError("Unknown status in the filter.", fields={"status": f"unknown: {', '.join(unknown)}"})
    return wanted


# --- units -------------------------------------------------------------------------------------


@api.op(
    "/units",
    "GET",
    roles=EVERYONE,
    query=UnitsQuery,
    response=list[UnitRead],
    summary="Units, by call sign (a field user: their own)",
)
def list_units(*, query: UnitsQuery) -> list[UnitRead]:
    wanted = _statuses(query.status, UnitStatus)
    scope = unit_scope(current_user)
    rows = [] if scope.nothing else units.list_units(session=db.session, unit_id=scope.unit_id)
    at, stale_s = clock_now(), _stale_s()
    shown = [u for u in rows if wanted is None or u.status in wanted][: query.limit]
    return [UnitRead.of(u, now=at, stale_s=stale_s) for u in shown]


@api.op("/units", "POST", roles=ADMINS, body=UnitIn, response=UnitRead, status=201, summary="Add a unit")
def create_unit(*, body: UnitIn) -> tuple[UnitRead, int]:
    unit = units.create_unit(
        session=db.session,
        call_sign=body.call_sign,
        phones=body.phones,
        languages=body.capabilities.languages,
        youth=body.capabilities.youth,
        home_lat=body.home.lat,
        home_lon=body.home.lon,
        status=body.status or UnitStatus.AVAILABLE,
        by=_actor(),
        stale_s=_stale_s(),
    )
    db.session.commit()
    return _unit_read(unit), 201


@api.op("/units/<int:unit_id>", "GET", roles=EVERYONE, response=UnitRead, summary="One unit")
def get_unit(unit_id: int) -> UnitRead:
    if not can_see_unit(current_user, unit_id):
        raise Forbidden("You can report only for the unit you ride with.")
    return _unit_read(units.get_unit(session=db.session, unit_id=unit_id))


@api.op(
    "/units/<int:unit_id>/status",
    "POST",
    roles=UNIT_REPORTERS,
    body=UnitStatusIn,
    response=UnitRead,
    summary="Set a unit's status",
)
def set_unit_status(unit_id: int, *, body: UnitStatusIn) -> UnitRead:
    _own_unit_only(unit_id)
    unit = unit_status.set_unit_status(
        session=db.session, unit_id=unit_id, status=body.status, by=_actor(), bus=deps.bus()
    )
    db.session.commit()
    return _unit_read(unit)


@api.op(
    "/units/<int:unit_id>/location",
    "POST",
    roles=UNIT_REPORTERS,
    body=UnitLocationIn,
    response=UnitRead,
    summary="Report a position fix",
)
def post_location(unit_id: int, *, body: UnitLocationIn) -> UnitRead:
    _own_unit_only(unit_id)
    unit = units.record_position(
        session=db.session,
        unit_id=unit_id,
        lat=body.lat,
        lon=body.lon,
        accuracy_m=body.accuracy_m,
        recorded_at=body.recorded_at,
        by=_actor(),
        bus=deps.bus(),
    )
    db.session.commit()
    return _unit_read(unit)


@api.op(
    "/units/<int:unit_id>/crew",
    "PUT",
    roles=CREW_SETTERS,
    body=CrewIn,
    response=UnitRead,
    summary="Set who rides with a unit this shift (0-6 people; an empty list clears it)",
)
def set_crew(unit_id: int, *, body: CrewIn) -> UnitRead:
    unit = staffing.set_crew(
        session=db.session,
        unit_id=unit_id,
        crew=[(person.name, person.role, person.user_id) for person in body.crew],
        by=_actor(),
        stale_s=_stale_s(),
    )
    db.session.commit()
    return _unit_read(unit)


# --- incidents ---------------------------------------------------------------------------------


@api.op(
    "/incidents",
    "GET",
    roles=EVERYONE,
    query=IncidentsQuery,
    response=list[IncidentRead],
    summary="Incidents, newest first",
)
def list_incidents(*, query: IncidentsQuery) -> list[IncidentRead]:
    statuses = _statuses(query.status, IncidentStatus)
    scope = unit_scope(current_user)
    rows = (
        []
        if scope.nothing
        else service.list_incidents(session=db.session, statuses=statuses, unit_id=scope.unit_id, limit=query.limit)
    )
    body = [_incident_read(i) for i in rows]
    # The list shows incident records (the place, the category): one audited view naming them.
    audit(
        session=db.session,
        user=current_user,
        action="view",
        record_type="incident_list",
        detail={"incident_ids": [i.id for i in rows], "status": query.status, "via": "GET /api/v1/incidents"},
    )
    db.session.commit()
    return body


@api.op("/incidents/<int:incident_id>", "GET", roles=EVERYONE, response=IncidentRead, summary="One incident")
def get_incident(incident_id: int) -> IncidentRead:
    incident = _visible_incident(incident_id)
    audit(session=db.session, user=current_user, action="incident.view", record_type="incident", record_id=incident.id)
    body = _incident_read(incident)
    db.session.commit()
    return body


@api.op(
    "/incidents/<int:incident_id>/status",
    "POST",
    roles=INCIDENT_MOVERS,
    body=IncidentStatusIn,
    response=IncidentRead,
    summary="Move an incident along its lifecycle",
)
def move_incident(incident_id: int, *, body: IncidentStatusIn) -> IncidentRead:
    _visible_incident(incident_id)
    incident = service.move_incident(
        session=db.session,
        incident_id=incident_id,
        status=body.status,
        outcome=body.outcome,
        police_present=body.police_present,
        note=body.note,
        by=_actor(),
        bus=deps.bus(),
        dispatcher=may_make_dispatcher_moves(current_user),
        at=body.at,
        facility_id=body.facility_id,
        bed_type=body.bed_type,
    )
    answer = _incident_read(incident)
    db.session.commit()
    return answer


@api.op(
    "/incidents/<int:incident_id>/cancel",
    "POST",
    roles=DISPATCHERS,
    body=CancelIn,
    response=IncidentRead,
    summary="Cancel an incident",
)
def cancel_incident(incident_id: int, *, body: CancelIn) -> IncidentRead:
    incident = service.cancel_incident(
        session=db.session, incident_id=incident_id, reason=body.reason, by=_actor(), bus=deps.bus(), at=body.at
    )
    answer = _incident_read(incident)
    db.session.commit()
    return answer


@api.op(
    "/incidents/<int:incident_id>/requeue",
    "POST",
    roles=DISPATCHERS,
    body=RequeueIn,
    response=IncidentRead,
    summary="Return an incident to the queue (its unit is released; the reason is kept)",
)
def requeue_incident(incident_id: int, *, body: RequeueIn) -> IncidentRead:
    incident = service.return_to_queue(
        session=db.session, incident_id=incident_id, reason=body.reason, by=_actor(), bus=deps.bus(), at=body.at
    )
    answer = _incident_read(incident)
    db.session.commit()
    return answer


@api.op(
    "/incidents/<int:incident_id>/outcome",
    "POST",
    roles=INCIDENT_MOVERS,
    body=OutcomeIn,
    response=IncidentRead,
    summary="Record the outcome of an incident cleared without one (once)",
)
def record_outcome(incident_id: int, *, body: OutcomeIn) -> IncidentRead:
    _visible_incident(incident_id)
    incident = service.record_outcome(
        session=db.session,
        incident_id=incident_id,
        outcome=body.outcome,
        police_present=body.police_present,
        by=_actor(),
        bus=deps.bus(),
    )
    answer = _incident_read(incident)
    db.session.commit()
    return answer


@api.op(
    "/incidents/<int:incident_id>/notes",
    "POST",
    roles=EVERYONE,
    body=NoteIn,
    response=NoteRead,
    status=201,
    summary="Add a note to an incident",
)
def add_note(incident_id: int, *, body: NoteIn) -> tuple[NoteRead, int]:
    incident = _visible_incident(incident_id)
    note = notes.add_note(session=db.session, incident=incident, text=body.text, by=_actor())
    answer = NoteRead.of(note)
    db.session.commit()
    return answer, 201


@api.op(
    "/incidents/<int:incident_id>/notes",
    "GET",
    roles=EVERYONE,
    query=IncidentRecordQuery,
    response=list[NoteRead],
    summary="An incident's notes, oldest first",
)
def list_notes(incident_id: int, *, query: IncidentRecordQuery) -> list[NoteRead]:
    incident = _visible_incident(incident_id)
    rows = notes.notes_of(session=db.session, incident_id=incident.id, limit=query.limit)
    body = [NoteRead.of(n) for n in rows]
    audit(session=db.session, user=current_user, action="incident.notes", record_type="incident", record_id=incident.id)
    db.session.commit()
    return body


@api.op(
    "/incidents/<int:incident_id>/timeline",
    "GET",
    roles=EVERYONE,
    query=IncidentRecordQuery,
    response=list[TimelineEntryRead],
    summary="Everything that happened to an incident and its call, oldest first",
)
def get_timeline(incident_id: int, *, query: IncidentRecordQuery) -> list[TimelineEntryRead]:
    incident = _visible_incident(incident_id)
    hide = hides_narrative(current_user, field_sees_narrative=deps.settings().field_sees_narrative)
    entries = timeline.timeline_for(db.session, incident, viewer=current_user, hide_narrative=hide)[: query.limit]
    audit(
        session=db.session, user=current_user, action="incident.timeline", record_type="incident", record_id=incident.id
    )
    db.session.commit()
    return entries


@api.op(
    "/incidents/<int:incident_id>/location",
    "POST",
    roles=DISPATCHERS,
    body=IncidentLocationIn,
    response=IncidentRead,
    summary="Resolve an incident's location from an address or a map point",
)
def set_location(incident_id: int, *, body: IncidentLocationIn) -> IncidentRead:
    if (body.lat is None) != (body.lon is None):
        raise DomainError("Give both lat and lon, or an address.", fields={"lat": "lat and lon go together"})
    if body.lat is None and not (body.address or "").strip():
        raise DomainError("Give an address or a point.", fields={"address": "required without lat/lon"})
    incident = service.set_incident_location(
        session=db.session,
        incident_id=incident_id,
        address=body.address,
        lat=body.lat,
        lon=body.lon,
        by=_actor(),
        locator=current_ports().locator,
        areas=current_ports().areas,
    )
    answer = _incident_read(incident)
    db.session.commit()
    return answer


@api.op(
    "/incidents/<int:incident_id>/recommendations",
    "GET",
    roles=DISPATCHERS,
    response=RecommendationsRead,
    summary="Dispatchable units for an incident, best first, with reasons",
)
def recommendations(incident_id: int) -> RecommendationsRead:
    return RecommendationsRead.of(incident_id, _ranked(incident_id))


def _ranked(incident_id: int) -> list[Recommendation]:
    """Read the shortlist, end the read transaction, then rank: the router may be a network
    service, and no transaction (on SQLite, the process's writer lock) waits on it."""
    ports = current_ports()
    listed = service.shortlist(
        session=db.session,
        incident_id=incident_id,
        now=ports.clock(),
        stale_after_s=_stale_s(),
        settings=deps.settings(),
    )
    end_reads(db.session)
    return service.rank(listed, router=ports.router)


@api.op(
    "/incidents/<int:incident_id>/assign",
    "POST",
    roles=DISPATCHERS,
    body=AssignIn,
    response=AssignedRead,
    responses={409: AssignConflictRead},
    summary="Assign a unit (one wins)",
)
def assign(incident_id: int, *, body: AssignIn) -> AssignedRead | tuple[AssignConflictRead, int]:
    ports = current_ports()
    try:
        assignment = service.assign_unit(
            session=db.session,
            incident_id=incident_id,
            unit_id=body.unit_id,
            reason=body.reason,
            by=_actor(),
            bus=deps.bus(),
            router=ports.router,
            clock=ports.clock,
            stale_after_s=_stale_s(),
            at=body.at,
        )
    except Conflict as error:
        db.session.rollback()
        refused = AssignConflictRead.model_validate(
            {**error_body(409, error.message, code=error.code), "recommendations": _fresh_recommendations(incident_id)}
        )
        return refused, 409
    incident = service.get_incident(session=db.session, incident_id=incident_id)
    answer = AssignedRead(incident=_incident_read(incident), assignment=AssignmentRead.model_validate(assignment))
    db.session.commit()
    return answer


def _fresh_recommendations(incident_id: int) -> RecommendationsRead | None:
    try:
        recs = _ranked(incident_id)
    except DomainError:  # gone, or no location: the 409 message says enough
        db.session.rollback()
        return None
    return RecommendationsRead.of(incident_id, recs)
