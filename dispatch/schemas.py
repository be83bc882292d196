"""Request bodies and query strings of the dispatch API (validated by pydantic, strict)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from core.api import ApiModel, QueryModel

Latitude = Field(ge=-90, le=90)
Longitude = Field(ge=-180, le=180)


class Position(ApiModel):
    lat: float = Latitude
    lon: float = Longitude


class Capabilities(ApiModel):
    languages: list[str] = Field(default_factory=list, max_length=20)
    youth: bool = False


class UnitIn(ApiModel):
    call_sign: str = Field(min_length=1, max_length=20)
    phones: list[str] = Field(min_length=1, max_length=5)
    capabilities: Capabilities = Field(default_factory=Capabilities)
    home: Position
    status: str | None = None


class UnitStatusIn(ApiModel):
    status: str = Field(max_length=20)


class UnitLocationIn(ApiModel):
    lat: float = Latitude
    lon: float = Longitude
    accuracy_m: float | None = Field(default=None, ge=0)
    recorded_at: datetime | None = None


class UnitsQuery(QueryModel):
    status: str | None = Field(default=None, max_length=200)


class IncidentsQuery(QueryModel):
    status: str | None = Field(default=None, max_length=200, description="comma-separated statuses")
    limit: int = Field(default=50, ge=1, le=500)


class IncidentStatusIn(ApiModel):
    status: str = Field(max_length=20)
    outcome: str | None = Field(default=None, max_length=40)
    police_present: bool | None = None
    note: str | None = Field(default=None, max_length=2000)


class CancelIn(ApiModel):
    reason: str = Field(max_length=2000)


class AssignIn(ApiModel):
    unit_id: int
    reason: str | None = Field(default=None, max_length=2000)


class IncidentLocationIn(ApiModel):
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
