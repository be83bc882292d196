"""Notes on an incident: what a dispatcher or the team wants the others to know. Never edited."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.actors import Actor
from core.audit import audit_as
from core.clock import now as clock_now
from core.errors import DomainError
from core.events import record_event
from dispatch.models import Incident, IncidentNote
from dispatch.schemas import NoteRead

NOTE_MAX = 4000


def add_note(*, session: Any, incident: Incident, text: str, by: Actor) -> IncidentNote:
    """Add a note (1-4000 characters, not only spaces); live `note.added` to staff and to the
    incident's unit. Control characters are refused before this (core.text, in the API layer)."""
    text = (text or "").strip()
    if not text:
        raise DomainError("Write the note first.", fields={"text": "required"})
    if len(text) > NOTE_MAX:
        raise DomainError(f"A note holds at most {NOTE_MAX} characters.", fields={"text": f"at most {NOTE_MAX}"})
    note = IncidentNote(incident_id=incident.id, text=text, user_id=by.user_id, actor=by.name[:80], at=clock_now())
    session.add(note)
    session.flush()
    record_event(
        session=session,
        type="note.added",
        data={"incident_id": incident.id, "note": NoteRead.of(note).model_dump(mode="json")},
        unit_id=incident.unit_id,
    )
    audit_as(
        session=session,
        by=by,
        action="incident.note",
        record_type="incident",
        record_id=incident.id,
        detail={"note_id": note.id},
    )
    return note


def notes_of(*, session: Any, incident_id: int, limit: int = 500) -> list[IncidentNote]:
    """The incident's notes, oldest first (they read as a conversation)."""
    return list(
        session.scalars(
            sa.select(IncidentNote)
            .where(IncidentNote.incident_id == incident_id)
            .order_by(IncidentNote.at, IncidentNote.id)
            .limit(limit)
        )
    )
