"""Request bodies and query strings of the triage and calls API (validated by core.api), and the
answers it gives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.api import ApiModel, HeaderModel, ListQuery, QueryModel
from core.schemas import ReadModel, Timestamp
from dispatch.models import Incident
from geo.service import is_approximate
from triage import rules
from triage.engine import TriageResult
from triage.history import CallHistory
from triage.models import Call, CallAmendment
from triage.questionnaire import Questionnaire

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
    answered_at: datetime | None = Field(
        default=None,
        description="when the operator picked up (ISO 8601 with offset; not in the future, at most 24 h ago; "
        "default: now). The call's `received_at`.",
    )
    caller: CallerIn = Field(default_factory=CallerIn)
    location: LocationIn = Field(default_factory=LocationIn)
    answers: dict[str, str] = Field(default_factory=dict)
    narrative: str | None = Field(default=None, max_length=4000)
    override: OverrideIn | None = None
    questionnaire: QuestionnaireRef | None = None


class CallHeaders(HeaderModel):
    idempotency_key: str | None = Field(
        default=None,
        alias="Idempotency-Key",
        max_length=100,
        description="the same key again answers the call it first saved (200) instead of saving another",
    )


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
RiskLevel = Literal["none", "low", "moderate", "high", "incomplete"]


class CallsQuery(ListQuery):
    """Search (CONTRACT "Calls (amended)"): every parameter given must hold."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    status: Literal["open", "closed"] | None = None
    q: str | None = Field(
        default=None, max_length=200, description="words matched against number, address, caller name"
    )
    phone: str | None = Field(default=None, max_length=32, description="the caller's number, in any format")
    from_: datetime | None = Field(default=None, alias="from", description="received at or after (ISO 8601)")
    to: datetime | None = Field(default=None, description="received before (ISO 8601)")
    risk_level: RiskLevel | None = None
    disposition: Disposition | None = None
    transfer: Literal["pending"] | None = Field(
        default=None, description="pending: emergency_911 calls not yet transferred"
    )

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _iso_only(cls, value: Any) -> Any:
        """ISO 8601 text only: pydantic would read "0.5" as seconds since 1970."""
        if isinstance(value, str) and not ISO_DATE.match(value.strip()):
            raise ValueError("must be an ISO 8601 date-time with its offset, e.g. 2026-12-01T08:00:00+00:00")
        return value


class HistoryQuery(QueryModel):
    phone: str | None = Field(default=None, max_length=32, description="the caller's number, in any format")
    address: str | None = Field(default=None, max_length=300, description="geocoded; calls at the same place")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class CallerPatchIn(ApiModel):
    phone: str | None = Field(default=None, max_length=32)
    name: str | None = Field(default=None, max_length=120)
    relation: str | None = Field(default=None, max_length=40)


class NeedsIn(ApiModel):
    youth: bool | None = None
    language: str | None = Field(default=None, max_length=60, description="an ISO 639-1 code or a language's name")


class CallAmendIn(ApiModel):
    """Only the fields given change (null clears one); the triage answers never do."""

    caller: CallerPatchIn | None = None
    location: LocationIn | None = None
    narrative: str | None = Field(default=None, max_length=4000)
    needs: NeedsIn | None = None
    reason: str = Field(max_length=2000, description="why the call is corrected (required)")


class TransferIn(ApiModel):
    to: Literal["911"]
    at: datetime | None = Field(default=None, description="when the transfer happened (default: now)")
    note: str | None = Field(default=None, max_length=2000)


# --- answers -----------------------------------------------------------------------------------


def _absent(value: object) -> bool:
    return value is None


def _empty(value: object) -> bool:
    return not value


class QuestionRead(ReadModel):
    id: str
    text: str
    type: Literal["yes_no", "yes_no_unknown", "text", "choice"]
    options: list[str] | None = Field(default=None, exclude_if=_absent)
    show_if: Any = Field(default=None, exclude_if=_absent, description="when to show it (see triage/rules.py)")
    label: str
    required: bool
    help: str | None = Field(default=None, exclude_if=_empty)
    format: str | None = Field(default=None, exclude_if=_empty)

    @field_validator("show_if", mode="before")
    @classmethod
    def _browser_form(cls, condition: Any) -> Any:
        return None if condition is None else rules.to_browser(condition)


class SectionRead(ReadModel):
    id: str
    title: str
    instructions: str | None = Field(default=None, exclude_if=_empty)
    questions: list[QuestionRead]


class QuestionnaireRead(ReadModel):
    """`GET /api/v1/triage/questionnaire` (CONTRACT.md), plus title and licence."""

    id: str
    version: int
    title: str
    licence: str
    sections: list[SectionRead]


class QuestionnaireSummaryRead(ReadModel):
    id: str
    version: int
    title: str
    licence: str
    active: bool

    @classmethod
    def of(cls, questionnaire: Questionnaire, *, active: bool) -> QuestionnaireSummaryRead:
        return cls(
            id=questionnaire.id,
            version=questionnaire.version,
            title=questionnaire.title,
            licence=questionnaire.licence,
            active=active,
        )


class ActiveQuestionnaireRead(BaseModel):
    id: str
    version: int
    title: str
    active: bool


class QuestionnaireKeyRead(BaseModel):
    id: str
    version: int


class EvaluationRead(ReadModel):
    """`POST /api/v1/triage/evaluate` (CONTRACT.md) plus flags, needs and what is missing."""

    questionnaire: QuestionnaireKeyRead
    risk_level: Literal["none", "low", "moderate", "high", "incomplete"]
    disposition: Disposition
    priority: Priority | None
    reasons: list[str]
    flags: list[str]
    asked: list[str]
    complete: bool
    missing: list[str]
    needs: dict[str, bool | str | None]
    disposition_note: str | None
    instruction: str | None
    concern: str | None = Field(
        description="what a dispatch text names, in plain words (the questionnaire's concern_rules)"
    )

    @classmethod
    def of(cls, result: TriageResult) -> EvaluationRead:
        key = QuestionnaireKeyRead(id=result.questionnaire_id, version=result.questionnaire_version)
        columns = {name: getattr(result, name) for name in cls.model_fields if name != "questionnaire"}
        return cls.model_validate({**columns, "questionnaire": key})


class LanguageRead(ReadModel):
    code: str = Field(description="ISO 639-1")
    name: str = Field(description="in English")
    native: str = Field(description="in the language itself")
    also: list[str] = Field(description="other names people use for it (Mandarin, Farsi…)")


class CallerRead(BaseModel):
    phone: str | None
    name: str | None
    relation: str | None


class CallLocationRead(BaseModel):
    address: str | None
    lat: float | None
    lon: float | None
    source: str | None
    resolved: bool
    approximate: bool = Field(default=False, description="near the place, not at it (geo.service.is_approximate)")


class ComputedRead(BaseModel):
    disposition: str
    priority: str | None


class OverrideRead(BaseModel):
    reason: str


class NeedsRead(BaseModel):
    youth: bool | None
    language: str | None = Field(description="ISO 639-1 code")


class EarlierCallRead(BaseModel):
    id: int
    number: str
    received_at: Timestamp
    risk_level: str
    disposition: str


class HistoryRead(BaseModel):
    """Earlier calls from the same number or the same place (CONTRACT "Calls (amended)")."""

    prior_calls: int
    recent: list[EarlierCallRead] = Field(description="newest first, at most 5")
    safety: list[str] = Field(description='e.g. "weapon reported on C-2026-000123, 2026-10-03"')

    @classmethod
    def of(cls, history: CallHistory) -> HistoryRead:
        return cls(
            prior_calls=history.prior_calls,
            recent=[EarlierCallRead.model_validate(call, from_attributes=True) for call in history.recent],
            safety=list(history.safety),
        )


class AmendmentRead(ReadModel):
    id: int
    at: Timestamp
    user_id: int | None
    actor: str
    reason: str
    changes: dict[str, Any] = Field(description='{"<field>": {"from": old, "to": new}}')


class TransferByRead(BaseModel):
    id: int
    username: str


class TransferRead(BaseModel):
    to: str
    at: Timestamp = Field(description="when the warm transfer happened")
    by: TransferByRead | None = Field(description="the user who recorded it")
    note: str | None = Field(default=None, description="what the operator noted about the transfer")


class CallRead(ReadModel):
    """The call as CONTRACT.md shows it, plus what was asked, who overrode what and why."""

    id: int
    number: str
    status: str
    received_at: Timestamp = Field(description="when the operator answered (`answered_at`)")
    saved_at: Timestamp
    taken_by: int | None
    caller: CallerRead
    location: CallLocationRead
    questionnaire: QuestionnaireKeyRead
    answers: dict[str, Any]
    narrative: str | None
    triage: dict[str, Any] = Field(description="the evaluation as it was at intake")
    risk_level: str
    disposition: str
    priority: str | None
    computed: ComputedRead
    override: OverrideRead | None
    transfer_instruction: str | None
    transfer: TransferRead | None = Field(description="the recorded warm transfer of an emergency_911 call")
    needs: NeedsRead
    history: HistoryRead
    amendments: list[AmendmentRead] = Field(description="corrections of the call, oldest first")
    incident_id: int | None

    @classmethod
    def of(
        cls,
        call: Call,
        incident: Incident | None,
        *,
        history: CallHistory,
        amendments: Sequence[CallAmendment] = (),
        transfer_by: str | None = None,
    ) -> CallRead:
        """`transfer_by`: the username of the user who recorded the transfer (`Call.transfer_by`)."""
        return cls(
            id=call.id,
            number=call.number,
            status=call.status,
            received_at=call.received_at,
            saved_at=call.saved_at,
            taken_by=call.taken_by,
            caller=CallerRead(phone=call.caller_phone, name=call.caller_name, relation=call.caller_relation),
            location=CallLocationRead(
                address=call.address,
                lat=call.lat,
                lon=call.lon,
                source=call.location_source,
                resolved=bool(call.location_resolved),
                approximate=is_approximate(call.location_source),
            ),
            questionnaire=QuestionnaireKeyRead(id=call.questionnaire_id, version=call.questionnaire_version),
            answers=dict(call.answers or {}),
            narrative=call.narrative,
            triage=call.triage,
            risk_level=call.risk_level,
            disposition=call.disposition,
            priority=call.priority,
            computed=ComputedRead(disposition=call.computed_disposition, priority=call.computed_priority),
            override=OverrideRead(reason=call.override_reason) if call.override_reason is not None else None,
            transfer_instruction=call.transfer_instruction,
            transfer=(
                TransferRead(
                    to=call.transfer_to,
                    at=call.transfer_at,
                    by=TransferByRead(id=call.transfer_by, username=transfer_by or "?")
                    if call.transfer_by is not None
                    else None,
                    note=call.transfer_note,
                )
                if call.transfer_to is not None and call.transfer_at is not None
                else None
            ),
            needs=NeedsRead(youth=call.needs_youth, language=call.needs_language),
            history=HistoryRead.of(history),
            amendments=[AmendmentRead.model_validate(amendment) for amendment in amendments],
            incident_id=incident.id if incident is not None else None,
        )
