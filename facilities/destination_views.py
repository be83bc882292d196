"""`GET /api/v1/incidents/<id>/facilities`: where the team may take the person, best first, with
reasons (CONTRACT "Facilities and beds"). Staff see every incident's; a field user only their own
unit's incident; a facility user none (they see their own facility, not the calls).

No audit entry: the answer names facilities and beds, nothing of the call record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask_login import current_user
from pydantic import BaseModel, Field

from core import deps
from core.api import LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, ApiBlueprint, QueryModel
from core.db import end_reads
from core.errors import Forbidden
from core.extensions import db
from core.ports import current_ports
from core.roles import STAFF, Role, can_see_incident
from core.schemas import ReadModel, Timestamp
from dispatch.service import get_incident
from facilities import destinations
from facilities.rank import Destination

api = ApiBlueprint("facility_destinations_api", __name__, url_prefix="/api/v1")

DESTINATION_ROLES = STAFF | {Role.FIELD}


class DestinationsQuery(QueryModel):
    limit: int = Field(default=LIST_LIMIT_DEFAULT, ge=1, le=LIST_LIMIT_MAX, description="the first N (1-500)")
    involuntary: bool | None = Field(
        default=None, description="an involuntary hold (true), a voluntary transport (false); unset: not known"
    )
    bed_type: Literal["adult", "youth", "observation", "detox"] | None = Field(
        default=None, description="the bed type wanted; unset: youth for a youth incident, else adult"
    )


class AcceptsRead(BaseModel):
    youth: bool
    involuntary: bool
    walk_in: bool


class DestinationRead(ReadModel):
    facility_id: int
    name: str
    kind: str
    rank: int
    eta_seconds: int | None = Field(description="null when the incident has no location")
    eta_by_road: bool
    distance_m: int | None = Field(description="geodesic; null when the incident has no location")
    bed_type: str
    available: int
    total: int
    beds_stale: bool
    beds_updated_at: Timestamp | None
    accepts: AcceptsRead
    phone: str | None = Field(description="E.164, to call ahead")
    reasons: list[str]


class DestinationsRead(BaseModel):
    incident_id: int
    bed_type: str
    located: bool = Field(description="false: the incident has no location, so no ETA (listed by name)")
    facilities: list[DestinationRead]
    left_off: int = Field(description="facilities that take the person beyond `limit`")

    @classmethod
    def of(cls, query: destinations.DestinationQuery, ranked: list[Destination]) -> DestinationsRead:
        return cls(
            incident_id=query.incident_id,
            bed_type=query.person.needed_bed_type,
            located=query.person.located,
            facilities=[DestinationRead.model_validate(d) for d in ranked],
            left_off=max(0, destinations.accepted_count(query) - len(ranked)),
        )


def _now() -> datetime:
    return current_ports().clock()


@api.op(
    "/incidents/<int:incident_id>/facilities",
    "GET",
    roles=DESTINATION_ROLES,
    query=DestinationsQuery,
    response=DestinationsRead,
    summary="Facilities that take the person, open beds first, then by ETA, with reasons",
)
def incident_facilities(incident_id: int, *, query: DestinationsQuery) -> DestinationsRead:
    incident = get_incident(session=db.session, incident_id=incident_id)
    if not can_see_incident(current_user, incident):
        raise Forbidden("This incident is not assigned to your unit.")
    read = destinations.read_destinations(
        session=db.session,
        incident_id=incident_id,
        now=_now(),
        stale_after_s=deps.settings().facility_beds_stale_s,
        involuntary=query.involuntary,
        bed_type=query.bed_type,
    )
    end_reads(db.session)
    return DestinationsRead.of(read, destinations.rank(read, router=current_ports().router, limit=query.limit))
