"""Writing events: one row per change, in the change's own transaction.

`record_event` is the only way a change reaches live screens. After the transaction commits the
relay is woken (same process) or notified (PostgreSQL NOTIFY, for a relay in another process).
"""

from __future__ import annotations

import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from core.db import utcnow
from core.models import Event

EVENT_TYPES = frozenset(
    {
        "call.created",
        "call.updated",
        "incident.created",
        "incident.updated",
        "unit.updated",
        "assignment.created",
        "message.updated",
        "alert.raised",
        "alert.cleared",
        "note.added",
        "facility.updated",
    }
)
NOTIFY_CHANNEL = "crisis_events"
# What a field user's screens do not receive when FIELD_SEES_NARRATIVE=0: the call's narrative and
# the callback number, in an incident (or an event that nests one under "incident").
FIELD_HIDDEN = ("caller_phone", "narrative")

# Set after a commit that wrote events; the relay in this process waits on it.
events_committed = threading.Event()


def record_event(
    *, session: Any, type: str, data: dict[str, Any], unit_id: int | None = None, facility_id: int | None = None
) -> Event:
    """One event row. `unit_id`: that unit's team receives it too; `facility_id` (a
    `facility.updated`): that facility's own users receive it (they receive nothing else)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    row = Event(type=type, data=data, unit_id=unit_id, facility_id=facility_id, at=utcnow())
    session.add(row)
    session.info["events_written"] = True
    return row


def for_field(data: dict[str, Any]) -> dict[str, Any]:
    """An event's data as a field user receives it under FIELD_SEES_NARRATIVE=0."""
    if isinstance(data.get("incident"), dict):
        return {**data, "incident": for_field(data["incident"])}
    if any(key in data for key in FIELD_HIDDEN):
        return {**data, **dict.fromkeys(FIELD_HIDDEN)}
    return data


def payload_for_field(payload: dict[str, Any]) -> dict[str, Any]:
    """An event payload ({"seq","type","at","data"}) as a field user receives it (see for_field)."""
    data = payload.get("data")
    return {**payload, "data": for_field(data)} if isinstance(data, dict) else payload


@sa_event.listens_for(Session, "before_commit")
def _notify_other_processes(session: Session) -> None:
    if session.info.get("events_written"):
        bind = session.get_bind()
        if bind.dialect.name == "postgresql":
            session.execute(sa.text(f"NOTIFY {NOTIFY_CHANNEL}"))


@sa_event.listens_for(Session, "after_commit")
def _wake_relay(session: Session) -> None:
    if session.info.pop("events_written", False):
        events_committed.set()


@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop("events_written", None)
