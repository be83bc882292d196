"""Incidents: opening from a call, status moves, cancel, back to the queue, recommendation and
the compare-and-set assignment. The caller (a view, an SMS handler, a timer) commits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
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
from dispatch.events import IncidentMoved, IncidentOpened, UnitAssigned
from dispatch.models import Assignment, Incident, IncidentMove, Unit
from dispatch.recommend import DEFAULT_ESTIMATOR, IncidentSite, Recommendation, UnitCandidate, origin_of, recommend
from dispatch.schemas import AssignmentEventRead, IncidentRead, UnitRead
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
FIT_WINDOW_S = 60.0  # dispatch.recommend's windows, passed explicitly so the SQL box agrees
FAIRNESS_WINDOW_S = 30.0
FIRST_BOX_M = 10_000.0
LAST_BOX_M = 1_000_000.0  # beyond this, read every available unit


class LocationRequired(DomainError):
    status = 409
    code = "location_required"


# --- reading -----------------------------------------------------------------------------------


def get_incident(*, session: Any, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound(f"No incident {incident_id}.")
    return incident  # type: ignore[no-any-return]


def list_incidents(
    *, session: Any, statuses: list[str] | None = None, unit_id: int | None = None, limit: int = 50
) -> list[Incident]:
    statement = sa.select(Incident).order_by(Incident.created_at.desc(), Incident.id.desc()).limit(limit)
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
    return [IncidentRead.of(i).model_dump(mode="json") for i in rows]


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


def open_incident_for_call(*, session: Any, call: Any, by: Actor, bus: MessageBus) -> Incident:
    """A pending incident for a call that needs a team; the call's own incident if it has one."""
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
        created_at=at,
    )
    session.add(incident)
    session.flush()
    _stamp_move(session, incident, None, _I.PENDING, by, note=f"from call {call.number}")
    record_event(session=session, type="incident.created", data=IncidentRead.of(incident).model_dump(mode="json"))
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
    incident.address = found.address or incident.address  # a point picked on the map keeps the words given
    incident.lat, incident.lon = found.lat, found.lon
    incident.location_source = found.source
    incident.location_resolved = True
    _flush(session, incident)
    record_event(
        session=session,
        type="incident.updated",
        data=IncidentRead.of(incident).model_dump(mode="json"),
        unit_id=incident.unit_id,
    )
    audit_as(
        session=session,
        by=by,
        action="incident.location",
        record_type="incident",
        record_id=incident.id,
        detail={"source": found.source},
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


def _release_unit(session: Any, incident: Incident, by: Actor, end_reason: str, stale_s: int) -> Unit | None:
    """Free the incident's unit (available, no incident) and end its assignment."""
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
        .values(ended_at=clock_now(), end_reason=end_reason[:40])
        .execution_options(synchronize_session=False)
    )
    return unit


def _after_move(
    session: Any, incident: Incident, old: IncidentStatus, unit: Unit | None, by: Actor, bus: MessageBus
) -> None:
    record_event(
        session=session,
        type="incident.updated",
        data=IncidentRead.of(incident).model_dump(mode="json"),
        unit_id=incident.unit_id,
    )
    audit_as(
        session=session,
        by=by,
        action="incident.status",
        record_type="incident",
        record_id=incident.id,
        detail={"from": old.value, "to": incident.status},
    )
    bus.publish(
        IncidentMoved(incident=incident, unit=unit, from_status=old, to_status=_I(incident.status), by=by),
        session=session,
    )


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
) -> Incident:
    """One lifecycle move (DOMAIN.md); the unit follows. Illegal moves raise Conflict (409).

    `dispatcher` says whether `by` may make a dispatcher's move (back to the queue, cancelled,
    closed): the API passes what core.roles says of the signed-in user; the team's own ways in
    (its SMS codes, the field page, its unit's status) make only the team's moves
    (core.roles.TEAM_MOVES), and any other raises Forbidden (403). A team's decline is
    `return_to_queue`, called for what it is.

    Clearing needs an outcome when a person clears; a clear from the team's SMS (a system actor)
    may come without one, and the dispatcher records it afterwards.
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
            session=session, incident_id=incident_id, reason=note or "returned to the queue", by=by, bus=bus
        )
    if target is _I.CANCELLED:
        return cancel_incident(session=session, incident_id=incident_id, reason=note or "", by=by, bus=bus)
    old = _I(incident.status)
    if target is _I.DISPATCHED:
        raise Conflict("An incident is dispatched by assigning a unit to it.")
    try:
        incident_transition(old, target)
    except IllegalTransition as error:
        raise Conflict(f"Incident {incident.number}: {error}.", code="illegal_transition") from None
    if target is _I.CLEARED:
        allowed = outcomes_for(old)
        if outcome is None and by.user_id is not None:
            raise DomainError(
                "Record the outcome to clear the incident.",
                fields={"outcome": f"required; one of {', '.join(sorted(allowed))}"},
            )
        if outcome is not None and outcome not in allowed:
            raise DomainError(
                f"{outcome!r} is not an outcome for an incident cleared from {old.value}.",
                fields={"outcome": f"one of {', '.join(sorted(allowed))}"},
            )
        incident.outcome = outcome
        if police_present is not None:
            incident.police_present = police_present
    elif outcome is not None:
        raise DomainError("An outcome is recorded only when the incident clears.", fields={"outcome": "not now"})
    elif police_present is not None:
        incident.police_present = police_present
    incident.status = target.value
    setattr(incident, STAMPS[target], clock_now())
    _stamp_move(session, incident, old, target, by, note)
    _flush(session, incident)
    unit = None
    if target in (_I.CLEARED, _I.CLOSED):
        unit = _release_unit(session, incident, by, target.value, bus.settings.position_stale_s)
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
    _after_move(session, incident, old, unit, by, bus)
    return incident


def cancel_incident(*, session: Any, incident_id: int, reason: str, by: Actor, bus: MessageBus) -> Incident:
    """Withdraw an open incident (duplicate, entered in error, resolved by phone); frees its unit."""
    incident = get_incident(session=session, incident_id=incident_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the incident is cancelled.", fields={"reason": "required"})
    old = _I(incident.status)
    try:
        incident_transition(old, _I.CANCELLED)
    except IllegalTransition as error:
        raise Conflict(f"Incident {incident.number}: {error}.", code="illegal_transition") from None
    incident.status = _I.CANCELLED.value
    incident.cancelled_at = clock_now()
    incident.cancel_reason = reason
    _stamp_move(session, incident, old, _I.CANCELLED, by, reason)
    _flush(session, incident)
    unit = _release_unit(session, incident, by, "cancelled", bus.settings.position_stale_s)
    _after_move(session, incident, old, unit, by, bus)
    return incident


def return_to_queue(*, session: Any, incident_id: int, reason: str, by: Actor, bus: MessageBus) -> Incident:
    """The unit declined, did not acknowledge or is needed elsewhere: back to pending, unit freed."""
    incident = get_incident(session=session, incident_id=incident_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the incident goes back to the queue.", fields={"reason": "required"})
    old = _I(incident.status)
    try:
        incident_transition(old, _I.PENDING)
    except IllegalTransition as error:
        raise Conflict(f"Incident {incident.number}: {error}.", code="illegal_transition") from None
    unit = _release_unit(session, incident, by, "returned to queue", bus.settings.position_stale_s)
    incident.status = _I.PENDING.value
    incident.unit_id = None
    incident.dispatched_at = incident.acknowledged_at = incident.en_route_at = None
    _stamp_move(session, incident, old, _I.PENDING, by, reason)
    _flush(session, incident)
    _after_move(session, incident, old, unit, by, bus)
    if unit is not None:  # the unit's own stream learns that the incident left it
        record_event(
            session=session,
            type="incident.updated",
            data=IncidentRead.of(incident).model_dump(mode="json"),
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
    *, session: Any, site: IncidentSite, now: datetime, stale_s: int, need: int
) -> list[UnitCandidate]:
    """The units the ranking needs, read through a growing bounding box in SQL.

    A box of radius R is enough once it holds `need` units ranked from inside R and the `need`-th
    of them is far enough ahead that no unit beyond R could overtake it within the ranking's fit
    and fairness windows (the same reach rule as dispatch.recommend): the answer is then the
    one a read of every unit would give.
    """
    estimator = DEFAULT_ESTIMATOR
    extra_s = FIT_WINDOW_S + FAIRNESS_WINDOW_S
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
        lat=incident.lat, lon=incident.lon, needs_language=incident.needs_language, needs_youth=incident.needs_youth
    )


@dataclass(frozen=True)
class Shortlist:
    """What a ranking needs from the database, read at `now`: the site and the nearby units."""

    site: IncidentSite
    units: list[UnitCandidate]
    now: datetime
    stale_after_s: int
    limit: int


def shortlist(*, session: Any, incident_id: int, now: datetime, stale_after_s: int, limit: int = 10) -> Shortlist:
    """Read what ranking the incident's units needs (reads only; 409 without a location)."""
    site = require_location(get_incident(session=session, incident_id=incident_id))
    need = max(limit, REFINE_TOP, 1)
    units = _candidates_near(session=session, site=site, now=now, stale_s=stale_after_s, need=need)
    return Shortlist(site=site, units=units, now=now, stale_after_s=stale_after_s, limit=limit)


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
        fit_window_s=FIT_WINDOW_S,
        fairness_window_s=FAIRNESS_WINDOW_S,
        estimator=DEFAULT_ESTIMATOR,
    )


def recommend_units(
    *, session: Any, incident_id: int, router: Router, clock: Clock, stale_after_s: int, limit: int = 10
) -> list[Recommendation]:
    """Dispatchable units for the incident, best first, with ETA and reasons, in the caller's
    transaction (a timer handler's). The API reads the shortlist, ends its read transaction and
    ranks after (dispatch.views)."""
    listed = shortlist(session=session, incident_id=incident_id, now=clock(), stale_after_s=stale_after_s, limit=limit)
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
        .execution_options(synchronize_session=False)
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
) -> Assignment:
    """Send a unit: compare-and-set of unit (available -> dispatched) and incident (pending ->
    dispatched) in one transaction (`_take`). Of any number of concurrent tries for one unit, or
    for one incident, one wins; the others raise Conflict (409) and change nothing.

    The chosen unit's rank comes first, holding no transaction (the router may be a network
    service): the incident, the unit and the shortlist are read, that read transaction is ended
    (core.db.end_reads: call this with nothing written in the session), the shortlist is ranked,
    and the compare-and-set runs in a new transaction that the caller commits. What changed in
    between is the compare-and-set's business: it is what decides, as before."""
    incident = get_incident(session=session, incident_id=incident_id)
    unit = get_unit(session=session, unit_id=unit_id)
    reason = (reason or "").strip() or None
    if incident.status != _I.PENDING.value:
        raise Conflict(f"Incident {incident.number} is no longer pending (it is {incident.status}).")
    if unit.status != UnitStatus.AVAILABLE.value or unit.incident_id is not None:
        raise Conflict(f"Unit {unit.call_sign} is no longer available (it is {unit.status}).")
    call_sign, number = unit.call_sign, incident.number
    listed = None
    if incident.location_resolved and incident.lat is not None:
        listed = shortlist(
            session=session, incident_id=incident_id, now=clock(), stale_after_s=stale_after_s, limit=RANK_DEPTH
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
    at = clock()
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
        data=IncidentRead.of(incident).model_dump(mode="json"),
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
        detail={"unit_id": unit_id, "rank": chosen_rank, "reason": reason},
    )
    bus.publish(UnitAssigned(incident=incident, unit=unit, assignment=assignment, by=by), session=session)
    return assignment
