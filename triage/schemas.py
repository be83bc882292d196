"""Request bodies and query strings of the triage and calls API (validated by core.api)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from core.api import ApiModel, QueryModel

Disposition = Literal["phone", "mobile_team", "co_response", "emergency_911"]
Priority = Literal["emergent", "urgent", "routine"]


class QuestionnaireRef(ApiModel):
    id: str = Field(min_length=1, max_length=60)
    version: int = Field(ge=1)


class QuestionnaireQuery(QueryModel):
    id: str | None = Field(default=None, max_length=60)
    version: int | None = Field(default=None, ge=1)


class EvaluateIn(ApiModel):
    answers: dict[str, str] = Field(default_factory=dict)
    # The questionnaire the answers were given to (the page sends the one it rendered); the
    # active one when left out.
    questionnaire: QuestionnaireRef | None = None


class CallerIn(ApiModel):
    phone: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=120)
    relation: str | None = Field(default=None, max_length=40)


class LocationIn(ApiModel):
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class OverrideIn(ApiModel):
    disposition: Disposition | None = None
    priority: Priority | None = None
    reason: str = Field(max_length=2000)


class CallIn(ApiModel):
    caller: CallerIn = Field(default_factory=CallerIn)
    location: LocationIn = Field(default_factory=LocationIn)
    answers: dict[str, str] = Field(default_factory=dict)
    narrative: str | None = Field(default=None, max_length=4000)
    override: OverrideIn | None = None
    questionnaire: QuestionnaireRef | None = None


class CallsQuery(QueryModel):
    status: Literal["open", "closed"] | None = None
    limit: int = Field(default=50, ge=1, le=500)
