"""Request bodies and answers of the facilities API (CONTRACT "Facilities and beds"); the same
`FacilityRead` is the data of the `facility.updated` live event."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from core.api import ApiModel, ListQuery
from core.schemas import ReadModel, Timestamp
from facilities.beds import BEDS_MAX, beds_stale
from facilities.models import BED_TYPES, Facility

# The kinds and bed types of facilities.models, spelt out for the OpenAPI description (a unit
# test checks they are the same tuples).
FacilityKind = Literal["crisis_receiving", "stabilization", "detox", "hospital_ed", "respite", "shelter"]
BedType = Literal["adult", "youth", "observation", "detox"]

Name = Field(min_length=1, max_length=120, description="unique among facilities")
Latitude = Field(default=None, ge=-90, le=90)
Longitude = Field(default=None, ge=-180, le=180)
Phone = Field(default=None, max_length=32, description="any US or +E.164 form; stored as E.164")
Count = Field(ge=0, le=BEDS_MAX)


class AcceptsIn(ApiModel):
    youth: bool = False
    involuntary: bool = False
    walk_in: bool = False


class AcceptsPatch(ApiModel):
    youth: bool | None = None
    involuntary: bool | None = None
    walk_in: bool | None = None


class BedCountIn(ApiModel):
    total: int = Count
    available: int = Count


class FacilityIn(ApiModel):
    """POST /facilities: an address is geocoded like a call's; lat and lon given win."""

    name: str = Name
    kind: FacilityKind
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Latitude
    lon: float | None = Longitude
    phone: str | None = Phone
    accepts: AcceptsIn = Field(default_factory=AcceptsIn)
    beds: dict[BedType, BedCountIn] = Field(default_factory=dict)
    active: bool = True


class FacilityPatch(ApiModel):
    """PATCH /facilities/<id>: only what is given changes (beds: POST /facilities/<id>/beds).
    A new address without lat/lon is geocoded; `phone: null` removes the number."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    kind: FacilityKind | None = None
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Latitude
    lon: float | None = Longitude
    phone: str | None = Phone
    accepts: AcceptsPatch | None = None
    active: bool | None = None


class BedReportIn(ApiModel):
    available: int = Count
    total: int | None = Field(default=None, ge=0, le=BEDS_MAX, description="default: unchanged")


class BedsIn(ApiModel):
    """POST /facilities/<id>/beds: open beds (and totals) by type; 0 <= available <= total."""

    beds: dict[BedType, BedReportIn] = Field(min_length=1)


class FacilitiesQuery(ListQuery):
    """Facilities by name (not newest first: a destination is looked up by its name)."""

    kind: FacilityKind | None = None
    include_inactive: bool = Field(default=False, description="closed facilities too (admin pages)")


# --- answers -----------------------------------------------------------------------------------


class AcceptsRead(BaseModel):
    youth: bool
    involuntary: bool
    walk_in: bool


class BedCountRead(BaseModel):
    total: int
    available: int


class IncomingRead(BaseModel):
    """A transport on its way: only what the receiving facility needs (never the person)."""

    incident_id: int
    incident_number: str
    unit_id: int | None
    call_sign: str | None
    bed_type: str | None
    eta_seconds: int | None = Field(description="the unit's ETA when it was computed")
    eta_computed_at: Timestamp | None
    expected_at: Timestamp | None = Field(description="eta_computed_at + eta_seconds")
    since: Timestamp | None = Field(description="when the transport started")


class IncomingTransport(ReadModel):
    """One incoming row as read from the database (facilities.service.incoming_for)."""

    incident_id: int
    incident_number: str
    unit_id: int | None
    call_sign: str | None
    bed_type: str | None
    eta_seconds: int | None
    eta_computed_at: datetime | None
    since: datetime | None

    def read(self) -> IncomingRead:
        expected = None
        if self.eta_computed_at is not None and self.eta_seconds is not None:
            expected = self.eta_computed_at + timedelta(seconds=self.eta_seconds)
        return IncomingRead(**self.model_dump(), expected_at=expected)


class FacilityRead(BaseModel):
    id: int
    name: str
    kind: str
    address: str
    lat: float
    lon: float
    phone: str | None
    accepts: AcceptsRead
    beds: dict[str, BedCountRead]
    beds_updated_at: Timestamp | None
    beds_stale: bool = Field(description="beds_updated_at missing or older than FACILITY_BEDS_STALE_S")
    incoming: list[IncomingRead]
    active: bool

    @classmethod
    def of(cls, facility: Facility, *, incoming: list[IncomingTransport], now: datetime, stale_s: int) -> FacilityRead:
        return cls(
            id=facility.id,
            name=facility.name,
            kind=facility.kind,
            address=facility.address,
            lat=facility.lat,
            lon=facility.lon,
            phone=facility.phone,
            accepts=AcceptsRead(
                youth=bool(facility.accepts_youth),
                involuntary=bool(facility.accepts_involuntary),
                walk_in=bool(facility.accepts_walk_in),
            ),
            beds={
                row.bed_type: BedCountRead(total=row.total, available=row.available)
                for row in sorted(facility.beds, key=lambda row: BED_TYPES.index(row.bed_type))
            },
            beds_updated_at=facility.beds_updated_at,
            beds_stale=beds_stale(facility.beds_updated_at, now=now, stale_s=stale_s),
            incoming=[row.read() for row in incoming],
            active=bool(facility.active),
        )
