"""Request bodies and query strings of the dispatch API (validated by pydantic, strict), and the
answers it gives (the same shapes are the data of the live events)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from core.actors import team_of
from core.api import ApiModel, ListQuery
from core.roles import Member, sees_every_unit
from core.schemas import ID_MAX, ID_MIN, ErrorRead, ReadModel, Timestamp
from dispatch.crew import CREW_MAX, CREW_ROLES, role_label, staffing_flags
from dispatch.models import Assignment, CrewMember, Incident, IncidentNote, Unit
from dispatch.recommend import Recommendation
from dispatch.states import UnitStatus, availability_of
from facilities.schemas import BedType
from geo.service import is_approximate

Latitude = Field(ge=-90, le=90)
Longitude = Field(ge=-180, le=180)


class Position(ApiModel):
    lat: float = Latitude
    lon: float = Longitude


class Capabilities(ApiModel):
    languages: list[str] = Field(default_factory=list, max_length=20)
    youth: bool = False


class UnitIn(ApiModel):
    # Letters, digits, space, dash and slash ("MCT-3", "North 2/B"): a call sign is shown on every
    # screen and in texts, so nothing in it may read as markup.
    call_sign: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9 /-]*$")
    phones: list[str] = Field(min_length=1, max_length=5)
    capabilities: Capabilities = Field(default_factory=Capabilities)
    home: Position
    status: str | None = None


class UnitStatusIn(ApiModel):
    status: str = Field(max_length=20)


class CrewMemberIn(ApiModel):
    # Checked in dispatch.crew.clean_crew (trimmed, 1-80 characters; a role of CREW_ROLES), so
    # that a wrong one is a 422 naming `crew.<n>.name` or `crew.<n>.role` in words.
    name: str = Field(max_length=400, description="1-80 characters once trimmed")
    role: str = Field(max_length=40, description="|".join(CREW_ROLES))
    user_id: int | None = Field(default=None, ge=ID_MIN, le=ID_MAX, description="their account, if they have one")


class CrewIn(ApiModel):
    crew: list[CrewMemberIn] = Field(max_length=CREW_MAX, description=f"0-{CREW_MAX} people, in the order to show")


class UnitLocationIn(ApiModel):
    lat: float = Latitude
    lon: float = Longitude
    accuracy_m: float | None = Field(default=None, ge=0)
    recorded_at: datetime | None = None


class UnitsQuery(ListQuery):
    status: str | None = Field(default=None, max_length=200, description="comma-separated statuses")


class IncidentsQuery(ListQuery):
    status: str | None = Field(default=None, max_length=200, description="comma-separated statuses")


# When a move really happened (made by radio, entered later): with its offset; not in the future,
# not before the incident's previous milestone (dispatch.service.check_move_time).
MovedAt = Field(default=None, description="when the move happened (ISO 8601 with offset); default: now")


class IncidentRecordQuery(ListQuery):
    """An incident's notes or timeline: oldest first, the first `limit` (CONTRACT "Lists": 50 by
    default; a screen that shows a whole night asks for up to 500)."""


class IncidentStatusIn(ApiModel):
    status: str = Field(max_length=20)
    outcome: str | None = Field(default=None, max_length=40)
    police_present: bool | None = None
    note: str | None = Field(default=None, max_length=2000)
    facility_id: int | None = Field(default=None, ge=ID_MIN, le=ID_MAX, description="required with transporting")
    bed_type: BedType | None = Field(
        default=None,
        description="with transporting: the bed type the transport is for (default: youth for a youth "
        "incident, else adult when the facility has adult beds, else observation, else detox)",
    )
    at: AwareDatetime | None = MovedAt


class CancelIn(ApiModel):
    reason: str = Field(max_length=2000)
    at: AwareDatetime | None = MovedAt


class RequeueIn(ApiModel):
    reason: str = Field(max_length=2000)
    at: AwareDatetime | None = MovedAt


class OutcomeIn(ApiModel):
    outcome: str = Field(max_length=40)
    police_present: bool


class NoteIn(ApiModel):
    text: str = Field(max_length=4000)


class AssignIn(ApiModel):
    unit_id: int = Field(ge=ID_MIN, le=ID_MAX)
    reason: str | None = Field(default=None, max_length=2000)
    at: AwareDatetime | None = MovedAt


class IncidentLocationIn(ApiModel):
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


# --- answers -----------------------------------------------------------------------------------


class IncidentLocationRead(ReadModel):
    address: str | None
    lat: float | None
    lon: float | None
    source: str | None = Field(validation_alias="location_source")
    resolved: bool = Field(validation_alias="location_resolved")
    approximate: bool = Field(default=False, description="near the place, not at it (geo.service.is_approximate)")

    @model_validator(mode="after")
    def _approximate_from_source(self) -> IncidentLocationRead:
        self.approximate = is_approximate(self.source)
        return self


class NeedsRead(ReadModel):
    youth: bool | None = Field(validation_alias="needs_youth")
    language: str | None = Field(validation_alias="needs_language")


class IncidentTimestampsRead(ReadModel):
    created_at: Timestamp | None
    dispatched_at: Timestamp | None
    acknowledged_at: Timestamp | None
    en_route_at: Timestamp | None
    on_scene_at: Timestamp | None
    transporting_at: Timestamp | None
    at_facility_at: Timestamp | None
    cleared_at: Timestamp | None
    closed_at: Timestamp | None
    cancelled_at: Timestamp | None


class IncidentRead(ReadModel):
    id: int
    number: str
    call_id: int | None
    status: str
    priority: str | None
    disposition: str
    category: str | None
    location: IncidentLocationRead
    needs: NeedsRead
    flags: list[str]
    unit_id: int | None
    timestamps: IncidentTimestampsRead
    outcome: str | None
    police_present: bool | None
    outcome_recorded_at: Timestamp | None
    facility_id: int | None
    area: str | None
    cancel_reason: str | None
    # From the call: the callback number (E.164) and what the operator learned. Null for a field
    # user when FIELD_SEES_NARRATIVE=0 (see `for_field`).
    caller_phone: str | None
    narrative: str | None
    version: int

    @classmethod
    def of(cls, incident: Incident, *, field_view: bool = False) -> IncidentRead:
        """The incident's columns, with location, needs and timestamps each read as one group;
        `field_view`: a field user's answer under FIELD_SEES_NARRATIVE=0 (no narrative, no phone)."""
        call = incident.call
        return cls.model_validate(
            {
                **{name: getattr(incident, name) for name in _FLAT_INCIDENT_FIELDS},
                "flags": list(incident.flags or []),
                "location": IncidentLocationRead.model_validate(incident),
                "needs": NeedsRead.model_validate(incident),
                "timestamps": IncidentTimestampsRead.model_validate(incident),
                "caller_phone": None if call is None or field_view else call.caller_phone,
                "narrative": None if call is None or field_view else call.narrative,
            }
        )


_FLAT_INCIDENT_FIELDS = tuple(
    name
    for name in IncidentRead.model_fields
    if name not in {"flags", "location", "needs", "timestamps", "caller_phone", "narrative"}
)


def hides_narrative(user: Member, *, field_sees_narrative: bool) -> bool:
    """Whether this user's answers leave out the narrative and the callback number."""
    return not field_sees_narrative and not sees_every_unit(user)


class HomeRead(ReadModel):
    lat: float = Field(validation_alias="home_lat")
    lon: float = Field(validation_alias="home_lon")


class CapabilitiesRead(ReadModel):
    languages: list[str]
    youth: bool


class CrewMemberRead(BaseModel):
    name: str
    role: str = Field(description="|".join(CREW_ROLES))
    role_label: str = Field(description="the role in words, e.g. 'peer specialist'")
    user_id: int | None

    @classmethod
    def of(cls, member: CrewMember) -> CrewMemberRead:
        return cls(
            name=member.name, role=member.crew_role, role_label=role_label(member.crew_role), user_id=member.user_id
        )


class UnitRead(ReadModel):
    id: int
    call_sign: str
    status: str
    availability: str
    status_changed_at: Timestamp | None
    lat: float | None
    lon: float | None
    location_at: Timestamp | None
    location_stale: bool
    has_position: bool
    home: HomeRead
    phones: list[str]
    capabilities: CapabilitiesRead
    incident_id: int | None
    last_dispatched_at: Timestamp | None
    crew: list[CrewMemberRead] = Field(description="who rides with the unit this shift (dispatch/crew.py)")
    crew_set_at: Timestamp | None = Field(description="when the crew was set; null: nobody recorded")
    crew_set_by: str | None
    staffing_flags: list[str] = Field(
        description="what is short about an on-duty unit's crew, in words: 'no crew recorded', "
        "'fewer than two staff', 'no clinician'"
    )

    @classmethod
    def of(cls, unit: Unit, *, now: datetime, stale_s: int) -> UnitRead:
        """`location_stale`: no fix at all, or a fix older than `stale_s` seconds at `now`."""
        try:
            availability = availability_of(UnitStatus(unit.status)).value
        except ValueError:
            availability = "unavailable"
        has_position = unit.lat is not None and unit.lon is not None
        stale = not has_position or unit.location_at is None or unit.location_at < now - timedelta(seconds=stale_s)
        crew = list(unit.crew or [])
        return cls(
            id=unit.id,
            call_sign=unit.call_sign,
            status=unit.status,
            availability=availability,
            status_changed_at=unit.status_changed_at,
            lat=unit.lat,
            lon=unit.lon,
            location_at=unit.location_at,
            location_stale=stale,
            has_position=has_position,
            home=HomeRead.model_validate(unit),
            phones=list(unit.phones or []),
            capabilities=CapabilitiesRead(languages=list(unit.languages or []), youth=bool(unit.youth)),
            incident_id=unit.incident_id,
            last_dispatched_at=unit.last_dispatched_at,
            crew=[CrewMemberRead.of(member) for member in crew],
            crew_set_at=crew[0].set_at if crew else None,
            crew_set_by=crew[0].set_by_name if crew else None,
            staffing_flags=staffing_flags(status=unit.status, roles=[member.crew_role for member in crew]),
        )


class AssignmentRead(ReadModel):
    id: int
    incident_id: int
    unit_id: int
    recommended_rank: int | None
    eta_seconds: int | None
    reason: str | None
    assigned_at: Timestamp


class RecommendationRead(ReadModel):
    unit_id: int
    call_sign: str
    rank: int
    eta_seconds: int
    eta_by_road: bool
    distance_m: int
    location_stale: bool
    has_position: bool
    matches: dict[str, bool | None]
    reasons: list[str]


class RecommendationsRead(BaseModel):
    incident_id: int
    units: list[RecommendationRead]

    @classmethod
    def of(cls, incident_id: int, recommendations: Iterable[Recommendation]) -> RecommendationsRead:
        return cls(incident_id=incident_id, units=[RecommendationRead.model_validate(r) for r in recommendations])


class AssignedRead(BaseModel):
    """`POST /incidents/<id>/assign`: the incident as it now is and the assignment made."""

    incident: IncidentRead
    assignment: AssignmentRead


class AssignmentEventRead(AssignmentRead):
    """The `assignment.created` live event: the assignment with its incident."""

    incident: IncidentRead

    @classmethod
    def of(cls, assignment: Assignment, incident: Incident) -> AssignmentEventRead:
        made = AssignmentRead.model_validate(assignment)
        return cls.model_validate({**made.model_dump(), "incident": IncidentRead.of(incident)})


class AssignConflictRead(ErrorRead):
    """409 on assign: the error, and the recommendations as they are now (null: none to give)."""

    recommendations: RecommendationsRead | None


class NoteAuthorRead(BaseModel):
    id: int | None
    username: str


class NoteRead(BaseModel):
    """`POST/GET /incidents/<id>/notes`: one note, and who wrote it when."""

    id: int
    incident_id: int
    text: str
    by: NoteAuthorRead
    at: Timestamp

    @classmethod
    def of(cls, note: IncidentNote) -> NoteRead:
        return cls(
            id=note.id,
            incident_id=note.incident_id,
            text=note.text,
            by=NoteAuthorRead(id=note.user_id, username=team_of(note.actor) or note.actor),
            at=note.at,
        )


class TimelineEntryRead(BaseModel):
    """One thing that happened to an incident or its call (GET /incidents/<id>/timeline)."""

    at: Timestamp
    kind: str = Field(description="call|triage|amendment|status|assignment|note|message|alert|transfer|outcome")
    by: NoteAuthorRead | None
    text: str
    data: dict[str, Any]
