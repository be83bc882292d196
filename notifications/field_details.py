"""What the field page shows of an incident beyond its own row: the needs by name, the call's
narrative and callback number, the safety lines of earlier calls, its notes and timeline, the
outcomes a team may record after a clear.

The SMS carries none of the call's own words (DOMAIN.md "SMS to field teams"); the page behind
the signed link does, unless FIELD_SEES_NARRATIVE is off. Reading the call is a view of a call
record, audited by the page that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from config import Settings
from core.actors import team_of
from dispatch.models import Incident
from dispatch.notes import notes_of
from dispatch.service import cleared_from
from dispatch.states import outcomes_for
from dispatch.timeline import timeline_for
from notifications.content import dispatch_needs
from triage.history import history_of_call
from triage.models import Call


@dataclass(frozen=True)
class Line:
    """One line of the notes or the timeline as the page shows it: local time, who, what."""

    at: datetime
    time: str
    by: str
    text: str
    kind: str = "note"


@dataclass(frozen=True)
class FieldDetails:
    """`call_id` is set when the page shows something of the call, `history_call_ids` the earlier
    calls its safety lines come from (to audit the views)."""

    needs: tuple[str, ...] = ()
    narrative: str | None = None
    caller_phone: str | None = None
    safety: list[str] = field(default_factory=list)
    call_id: int | None = None
    history_call_ids: list[int] = field(default_factory=list)  # the earlier calls its safety lines name
    notes: list[Line] = field(default_factory=list)
    timeline: list[Line] = field(default_factory=list)


def _local(at: datetime, settings: Settings) -> str:
    return at.astimezone(ZoneInfo(settings.timezone)).strftime("%H:%M")


def _who(actor: str) -> str:
    """'field:MCT-3' and 'sms:MCT-3' -> 'MCT-3'; a username as it is."""
    return team_of(actor) or actor


def field_details(*, session: Any, incident: Incident, settings: Settings) -> FieldDetails:
    needs = dispatch_needs(youth=incident.needs_youth, language=incident.needs_language)
    notes = [
        Line(at=note.at, time=_local(note.at, settings), by=_who(note.actor), text=note.text)
        for note in notes_of(session=session, incident_id=incident.id)
    ]
    hidden = not settings.field_sees_narrative
    timeline = [
        Line(
            at=entry.at,
            time=_local(entry.at, settings),
            by=entry.by.username if entry.by else "",
            text=entry.text,
            kind=entry.kind,
        )
        for entry in timeline_for(session, incident, viewer=None, hide_narrative=hidden)
    ]
    call = session.get(Call, incident.call_id) if incident.call_id is not None else None
    if call is None:
        return FieldDetails(needs=needs, notes=notes, timeline=timeline)
    # Safety lines name earlier calls and what was said of weapons and violence, never a phone
    # or a narrative: the team reads them whatever FIELD_SEES_NARRATIVE says.
    history = history_of_call(session=session, call=call, tz=ZoneInfo(settings.timezone))
    shown = not hidden or bool(history.safety)
    return FieldDetails(
        needs=needs,
        narrative=None if hidden else (call.narrative or "").strip() or None,
        caller_phone=None if hidden else (call.caller_phone or "").strip() or None,
        safety=list(history.safety),
        call_id=call.id if shown else None,
        history_call_ids=list(history.call_ids) if history.safety else [],
        notes=notes,
        timeline=timeline,
    )


def outcomes_after_clear(*, session: Any, incident: Incident) -> list[str]:
    """The outcomes that fit the way the incident cleared: before arrival only the stand-down
    and hand-over ones, after arrival every other one (dispatch.states.outcomes_for)."""
    old = cleared_from(session, incident)
    allowed = outcomes_for(old) if old is not None else frozenset()
    return sorted(outcome.value for outcome in allowed)
