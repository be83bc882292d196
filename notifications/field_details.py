"""What the field page shows of an incident beyond its own row: the needs by name, the call's
narrative and callback number, the safety lines of earlier calls, and the outcomes a team may
record after a clear.

The SMS carries none of the call's own words (DOMAIN.md "SMS to field teams"); the page behind
the signed link does, unless FIELD_SEES_NARRATIVE is off. Reading the call is a view of a call
record, audited by the page that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from config import Settings
from dispatch.models import Incident, IncidentMove
from dispatch.states import IncidentStatus, Outcome, outcomes_for
from notifications.content import dispatch_needs
from triage.models import Call


@dataclass(frozen=True)
class FieldDetails:
    """`call_id` is set when the page shows something of the call (to audit the view)."""

    needs: tuple[str, ...] = ()
    narrative: str | None = None
    caller_phone: str | None = None
    safety: list[str] = field(default_factory=list)
    call_id: int | None = None


def field_details(*, session: Any, incident: Incident, settings: Settings) -> FieldDetails:
    needs = dispatch_needs(youth=incident.needs_youth, language=incident.needs_language)
    call = session.get(Call, incident.call_id) if incident.call_id is not None else None
    if call is None or not settings.field_sees_narrative:
        return FieldDetails(needs=needs)
    return FieldDetails(
        needs=needs,
        narrative=(call.narrative or "").strip() or None,
        caller_phone=(call.caller_phone or "").strip() or None,
        call_id=call.id,
    )


def outcomes_after_clear(*, session: Any, incident: Incident) -> list[str]:
    """The outcomes that fit the way the incident cleared: before arrival only the stand-down
    and hand-over ones, after arrival every other one (dispatch.states.outcomes_for)."""
    cleared_from = session.scalars(
        sa.select(IncidentMove.from_status)
        .where(IncidentMove.incident_id == incident.id, IncidentMove.to_status == IncidentStatus.CLEARED.value)
        .order_by(IncidentMove.id.desc())
        .limit(1)
    ).first()
    allowed = outcomes_for(IncidentStatus(cleared_from)) if cleared_from else frozenset()
    return sorted(outcome.value for outcome in (allowed or frozenset(Outcome)))
