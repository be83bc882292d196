"""Destinations for an incident (`GET /api/v1/incidents/<id>/facilities`): read what the ranking
needs from the database, end the read, then rank with facilities.rank (the router may be a network
service, so no transaction waits on it: see dispatch.views._ranked).

What the incident knows decides who is taken in: `needs.youth` (a youth bed at a facility that
accepts youth), and an involuntary hold when its outcome already says `involuntary_hold` (a
move entered after the fact); otherwise the hold is what the asker says (`involuntary=true|false`)
or not known, and then every facility is listed with whether it takes holds. `bed_type` asks for
another bed type than the incident's (`observation`, `detox`: decided on scene).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from dispatch.models import Incident
from dispatch.service import get_incident
from dispatch.states import Outcome
from facilities.models import Facility, FacilityBeds
from facilities.rank import BedCount, Destination, FacilityCandidate, Person, accepts, rank_destinations
from geo.travel import Router


@dataclass(frozen=True, slots=True)
class DestinationQuery:
    """What ranking an incident's destinations needs, read in one short transaction."""

    incident_id: int
    person: Person
    facilities: list[FacilityCandidate]
    now: datetime
    stale_after_s: int


def person_of(incident: Incident, *, involuntary: bool | None = None, bed_type: str | None = None) -> Person:
    """The person as the incident knows them; `involuntary`/`bed_type`: what the asker adds."""
    if incident.outcome == Outcome.INVOLUNTARY_HOLD.value:
        involuntary = True
    return Person(
        lat=incident.lat,
        lon=incident.lon,
        youth=incident.needs_youth,
        involuntary=involuntary,
        bed_type=bed_type,
    )


def candidates(*, session: Any) -> list[FacilityCandidate]:
    """Every active facility with its beds, as plain data: two plain-column queries (no ORM
    objects: the ranking reads 200 facilities in a few milliseconds)."""
    f = Facility
    rows = session.execute(
        sa.select(
            f.id, f.name, f.kind, f.lat, f.lon, f.accepts_youth, f.accepts_involuntary, f.accepts_walk_in,
            f.beds_updated_at, f.phone,
        ).where(f.active.is_(True)).order_by(f.id)
    ).all()  # fmt: skip
    beds: dict[int, dict[str, BedCount]] = {}
    counts = session.execute(
        sa.select(FacilityBeds.facility_id, FacilityBeds.bed_type, FacilityBeds.total, FacilityBeds.available)
        .join(Facility, Facility.id == FacilityBeds.facility_id)
        .where(Facility.active.is_(True))
    )
    for facility_id, bed_type, total, available in counts:
        beds.setdefault(facility_id, {})[bed_type] = BedCount(total=total, available=available)
    return [
        FacilityCandidate(
            facility_id=row.id,
            name=row.name,
            kind=row.kind,
            lat=row.lat,
            lon=row.lon,
            accepts_youth=bool(row.accepts_youth),
            accepts_involuntary=bool(row.accepts_involuntary),
            accepts_walk_in=bool(row.accepts_walk_in),
            beds=beds.get(row.id, {}),
            beds_updated_at=row.beds_updated_at,
            phone=row.phone,
        )
        for row in rows
    ]


def read_destinations(
    *,
    session: Any,
    incident_id: int,
    now: datetime,
    stale_after_s: int,
    involuntary: bool | None = None,
    bed_type: str | None = None,
) -> DestinationQuery:
    """Reads only (404 for an unknown incident). An incident with no location is still answered."""
    incident = get_incident(session=session, incident_id=incident_id)
    person = person_of(incident, involuntary=involuntary, bed_type=bed_type)
    return DestinationQuery(
        incident_id=incident.id,
        person=person,
        facilities=candidates(session=session),
        now=now,
        stale_after_s=stale_after_s,
    )


def rank(query: DestinationQuery, *, router: Router, limit: int | None = None) -> list[Destination]:
    """The destinations, best first, the first `limit` (call it holding no transaction where you can)."""
    return rank_destinations(
        person=query.person,
        facilities=query.facilities,
        now=query.now,
        stale_after_s=query.stale_after_s,
        router=router,
        limit=limit,
    )


def accepted_count(query: DestinationQuery) -> int:
    """How many facilities take the person (the list may stop at its limit before them all)."""
    return sum(1 for facility in query.facilities if accepts(query.person, facility))


def destinations_for(
    *,
    session: Any,
    incident_id: int,
    router: Router,
    now: datetime,
    stale_after_s: int,
    involuntary: bool | None = None,
    bed_type: str | None = None,
    limit: int | None = None,
) -> list[Destination]:
    """Read and rank in the caller's transaction (the service alone, with no Flask)."""
    query = read_destinations(
        session=session,
        incident_id=incident_id,
        now=now,
        stale_after_s=stale_after_s,
        involuntary=involuntary,
        bed_type=bed_type,
    )
    return rank(query, router=router, limit=limit)
