"""Facilities: reading them with their incoming transports, adding and changing them, and the
bed reports of their staff. The caller (a view, the CSV import) commits; a place is looked up
before (`locate_facility`, holding no transaction), never inside."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from config import Settings
from core.actors import Actor
from core.audit import audit_as
from core.bus import MessageBus
from core.clock import now as clock_now
from core.errors import Conflict, DomainError, NotFound
from core.models import User
from core.roles import FacilityScope, facility_scope, sees_every_unit
from dispatch.models import Incident, Unit
from dispatch.states import IncidentStatus
from facilities.beds import BEDS_MAX, BedCount, BedReportInvalid, apply_report
from facilities.events import FacilityUpdated
from facilities.models import BED_TYPES as FACILITY_BED_TYPES
from facilities.models import FACILITY_KINDS, Facility, FacilityBeds
from facilities.schemas import FacilityRead, IncomingTransport
from geo.service import LocatedAddress, Locator
from triage.phones import PhoneInvalid, e164_or_none

log = logging.getLogger(__name__)

# The columns `update_facility` changes (the API's names are mapped to them by the view).
EDITABLE = (
    "name",
    "kind",
    "address",
    "lat",
    "lon",
    "phone",
    "accepts_youth",
    "accepts_involuntary",
    "accepts_walk_in",
    "active",
)


# --- reading -----------------------------------------------------------------------------------


def get_facility(*, session: Any, facility_id: int) -> Facility:
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise NotFound(f"No facility {facility_id}.")
    return facility  # type: ignore[no-any-return]


def list_facilities(
    *,
    session: Any,
    scope: FacilityScope,
    kind: str | None = None,
    include_inactive: bool = False,
    limit: int = 50,
) -> list[Facility]:
    """Facilities by name; a facility user's scope holds their own only (none without one)."""
    if scope.nothing:
        return []
    statement = sa.select(Facility).order_by(Facility.name, Facility.id).limit(limit)
    if scope.facility_id is not None:
        statement = statement.where(Facility.id == scope.facility_id)
    if kind is not None:
        statement = statement.where(Facility.kind == kind)
    if not include_inactive:
        statement = statement.where(Facility.active.is_(True))
    return list(session.scalars(statement))


def incoming_for(*, session: Any, facility_ids: Iterable[int]) -> dict[int, list[IncomingTransport]]:
    """The transports on their way to each facility (incidents `transporting` there), oldest
    first: only the incident's number, the unit, the ETA and the bed type."""
    ids = sorted(set(facility_ids))
    found: dict[int, list[IncomingTransport]] = {facility_id: [] for facility_id in ids}
    if not ids:
        return found
    rows = session.execute(
        sa.select(
            Incident.facility_id,
            Incident.id.label("incident_id"),
            Incident.number.label("incident_number"),
            Incident.unit_id,
            Unit.call_sign,
            Incident.transport_bed_type.label("bed_type"),
            Incident.transport_eta_seconds.label("eta_seconds"),
            Incident.transport_eta_computed_at.label("eta_computed_at"),
            Incident.transporting_at.label("since"),
        )
        .outerjoin(Unit, Unit.id == Incident.unit_id)
        .where(Incident.facility_id.in_(ids), Incident.status == IncidentStatus.TRANSPORTING.value)
        .order_by(Incident.transporting_at, Incident.id)
    )
    for row in rows:
        found[row.facility_id].append(IncomingTransport.model_validate(row))
    return found


def facility_reads(*, session: Any, facilities: list[Facility], now: datetime, stale_s: int) -> list[FacilityRead]:
    """The API's answer for these facilities (one query for all their incoming transports)."""
    incoming = incoming_for(session=session, facility_ids=[f.id for f in facilities])
    return [FacilityRead.of(f, incoming=incoming[f.id], now=now, stale_s=stale_s) for f in facilities]


def facility_read(*, session: Any, facility: Facility, now: datetime, stale_s: int) -> FacilityRead:
    return facility_reads(session=session, facilities=[facility], now=now, stale_s=stale_s)[0]


def facilities_snapshot(session: Any, user: User, settings: Settings) -> list[dict[str, Any]]:
    """The "facilities" part of the live snapshot: those whose `facility.updated` this screen
    receives (core.live): every active facility for staff, a facility user's own, none for a
    field team (its screens do not follow facilities: it asks for destinations when it needs one)."""
    scope = facility_scope(user)
    if scope.everything and not sees_every_unit(user):
        return []
    rows = list_facilities(session=session, scope=scope, limit=500)
    reads = facility_reads(session=session, facilities=rows, now=clock_now(), stale_s=settings.facility_beds_stale_s)
    return [read.model_dump(mode="json") for read in reads]


# --- adding and changing -----------------------------------------------------------------------


def locate_facility(*, locator: Locator, address: str | None, lat: float | None, lon: float | None) -> LocatedAddress:
    """Where a facility is: lat and lon given win (the address words are kept), else the address
    is geocoded like a call's. Call it holding no transaction (a network geocoder may take
    seconds). A facility must be on the map: nothing found → 422 naming the field."""
    if (lat is None) != (lon is None):
        raise DomainError("Give both lat and lon, or neither.", fields={"lat" if lat is None else "lon": "required"})
    if lat is None and not (address or "").strip():
        raise DomainError("Give the facility's address (or its lat and lon).", fields={"address": "required"})
    found = locator.locate(address=address, lat=lat, lon=lon)
    if not found.resolved or found.lat is None or found.lon is None:
        raise DomainError(
            f"No place found for {address!r}: check the spelling, or give lat and lon.",
            fields={"address": "not found"},
            code="address_not_found",
        )
    if not (found.address or address or "").strip():
        raise DomainError("Give the facility's address in words too.", fields={"address": "required"})
    return found


def _phone(raw: str | None) -> str | None:
    try:
        return e164_or_none(raw)
    except PhoneInvalid as error:
        raise DomainError(f"The phone number cannot be read: {error}.", fields={"phone": str(error)}) from None


def _kind(kind: str) -> str:
    if kind not in FACILITY_KINDS:
        raise DomainError(f"Unknown kind {kind!r}.", fields={"kind": f"one of {', '.join(FACILITY_KINDS)}"})
    return kind


def _name(session: Any, name: str, *, other_than: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Name the facility.", fields={"name": "required"})
    statement = sa.select(Facility.id).where(sa.func.lower(Facility.name) == name.lower())
    if other_than is not None:
        statement = statement.where(Facility.id != other_than)
    if session.scalar(statement) is not None:
        raise Conflict(f"A facility named {name!r} exists already.", fields={"name": "taken"}, code="name_taken")
    return name


def _flush_named(session: Any, name: str) -> None:
    """Flush in a savepoint: a name taken meanwhile (the unique index) is a 409, not a 500."""
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"A facility named {name!r} exists already.", fields={"name": "taken"}, code="name_taken"
        ) from None


def create_facility(
    *,
    session: Any,
    name: str,
    kind: str,
    place: LocatedAddress,
    phone: str | None,
    accepts_youth: bool,
    accepts_involuntary: bool,
    accepts_walk_in: bool,
    beds: Mapping[str, BedCount],
    active: bool = True,
    by: Actor,
    bus: MessageBus,
) -> Facility:
    """Add a facility at a place already found (`locate_facility`); beds given are its first
    report (stamped now). Duplicate name (any case) → 409."""
    name = _name(session, name)
    counts = _checked(beds)
    facility = Facility(
        name=name,
        kind=_kind(kind),
        address=(place.address or "").strip()[:300],
        lat=place.lat,
        lon=place.lon,
        phone=_phone(phone),
        accepts_youth=accepts_youth,
        accepts_involuntary=accepts_involuntary,
        accepts_walk_in=accepts_walk_in,
        active=active,
        beds=[FacilityBeds(bed_type=t, total=c.total, available=c.available) for t, c in counts.items()],
        beds_updated_at=clock_now() if counts else None,
    )
    session.add(facility)
    _flush_named(session, name)
    audit_as(
        session=session,
        by=by,
        action="facility.create",
        record_type="facility",
        record_id=facility.id,
        detail={"name": name, "kind": facility.kind, "beds": _counts_of(facility)},
    )
    bus.publish(FacilityUpdated(facility_id=facility.id, by=by, change="created"), session=session)
    return facility


def _checked(beds: Mapping[str, BedCount]) -> dict[str, BedCount]:
    try:
        return apply_report({}, {t: (c.available, c.total) for t, c in beds.items()})
    except BedReportInvalid as error:
        raise DomainError("Some bed counts are not valid.", fields=error.fields) from None


def _counts_of(facility: Facility) -> dict[str, dict[str, int]]:
    return {row.bed_type: {"total": row.total, "available": row.available} for row in facility.beds}


def update_facility(
    *,
    session: Any,
    facility_id: int,
    changes: Mapping[str, Any],
    place: LocatedAddress | None,
    by: Actor,
    bus: MessageBus,
) -> Facility:
    """Change what is given (`changes`: columns of EDITABLE); `place`: a new place already found.
    The audit entry keeps the values replaced."""
    facility = get_facility(session=session, facility_id=facility_id)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    wanted = dict(changes)
    if "name" in wanted:
        wanted["name"] = _name(session, wanted["name"], other_than=facility.id)
    if "kind" in wanted:
        wanted["kind"] = _kind(wanted["kind"])
    if "phone" in wanted:
        wanted["phone"] = _phone(wanted["phone"])
    for column in ("accepts_youth", "accepts_involuntary", "accepts_walk_in", "active"):
        if column in wanted and wanted[column] is None:
            del wanted[column]
    for column in ("address", "lat", "lon"):  # the place comes found, as `place`
        wanted.pop(column, None)
    if place is not None:
        wanted.update(address=(place.address or facility.address).strip()[:300], lat=place.lat, lon=place.lon)
    before = {column: getattr(facility, column) for column in wanted if getattr(facility, column) != wanted[column]}
    for column in before:
        setattr(facility, column, wanted[column])
    if before:
        _flush_named(session, facility.name)
        audit_as(
            session=session,
            by=by,
            action="facility.update",
            record_type="facility",
            record_id=facility.id,
            detail={"before": before, "after": {column: wanted[column] for column in before}},
        )
        bus.publish(FacilityUpdated(facility_id=facility.id, by=by, change="updated"), session=session)
    return facility


def report_beds(
    *,
    session: Any,
    facility_id: int,
    report: Mapping[str, tuple[int, int | None]],
    by: Actor,
    bus: MessageBus,
    now: datetime,
) -> Facility:
    """A bed report {bed_type: (available, total or None: unchanged)}: 0 <= available <= total
    (422 naming the field otherwise); the count is fresh from `now`. Types not reported keep
    their counts. Audited with the counts replaced; `facility.updated` follows."""
    facility = get_facility(session=session, facility_id=facility_id)
    held = {row.bed_type: BedCount(total=row.total, available=row.available) for row in facility.beds}
    try:
        counts = apply_report(held, report)
    except BedReportInvalid as error:
        raise DomainError("Some bed counts are not valid.", fields=error.fields) from None
    before = _counts_of(facility)
    for bed_type, count in counts.items():
        row = facility.beds_of(bed_type)
        if row is None:
            facility.beds.append(FacilityBeds(bed_type=bed_type, total=count.total, available=count.available))
        else:
            row.total, row.available = count.total, count.available
    facility.beds_updated_at = now
    session.flush()
    audit_as(
        session=session,
        by=by,
        action="facility.beds",
        record_type="facility",
        record_id=facility.id,
        detail={"before": {t: before[t] for t in counts if t in before}, "after": _counts_of(facility)},
    )
    bus.publish(FacilityUpdated(facility_id=facility.id, by=by, change="beds"), session=session)
    return facility


def set_bed_totals(
    *, session: Any, facility_id: int, totals: Mapping[str, int], by: Actor, bus: MessageBus
) -> Facility:
    """How many beds of each type there are, without a count of the open ones (a spreadsheet's
    "8"): open beds are kept where known (at most the new total), 0 for a new type; the count is
    not made fresher (a type never reported stays stale)."""
    facility = get_facility(session=session, facility_id=facility_id)
    before = _counts_of(facility)
    for bed_type, total in totals.items():
        if bed_type not in FACILITY_BED_TYPES or not 0 <= total <= BEDS_MAX:
            raise DomainError("Some bed totals are not valid.", fields={f"beds.{bed_type}.total": "not valid"})
        row = facility.beds_of(bed_type)
        if row is None:
            facility.beds.append(FacilityBeds(bed_type=bed_type, total=total, available=0))
        else:
            row.total, row.available = total, min(row.available, total)
    session.flush()
    after = _counts_of(facility)
    if after != before:
        audit_as(
            session=session,
            by=by,
            action="facility.bed_totals",
            record_type="facility",
            record_id=facility.id,
            detail={"before": before, "after": after},
        )
        bus.publish(FacilityUpdated(facility_id=facility.id, by=by, change="beds"), session=session)
    return facility
