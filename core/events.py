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
        "incident.created",
        "incident.updated",
        "unit.updated",
        "assignment.created",
        "message.updated",
        "alert.raised",
        "alert.cleared",
    }
)
NOTIFY_CHANNEL = "crisis_events"

# Set after a commit that wrote events; the relay in this process waits on it.
events_committed = threading.Event()


def record_event(*, session: Any, type: str, data: dict[str, Any], unit_id: int | None = None) -> Event:
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    row = Event(type=type, data=data, unit_id=unit_id, at=utcnow())
    session.add(row)
    session.info["events_written"] = True
    return row


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
