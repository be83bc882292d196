"""The audit trail: every view and change of a call record goes through `audit()`."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from core.actors import Actor
from core.models import AuditEntry


def client_address() -> str | None:
    if not has_request_context():
        return None
    return request.remote_addr


def audit(
    *,
    session: Any,
    user: Any,
    action: str,
    record_type: str,
    record_id: Any = None,
    detail: dict[str, Any] | None = None,
    actor: str | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction: it is saved exactly when the change is.

    `user` is the signed-in person (None for the system: a timer, an SMS from a unit's phone);
    `actor` names a system actor in words ("sms:+1…89", "scheduler")."""
    user_id = getattr(user, "id", None) if user is not None and getattr(user, "is_authenticated", False) else None
    entry = AuditEntry(
        user_id=user_id,
        actor=getattr(user, "username", None) if user_id is not None else (actor or "system"),
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        client_address=client_address(),
        detail=detail,
    )
    session.add(entry)
    return entry


def audit_as(
    *,
    session: Any,
    by: Actor,
    action: str,
    record_type: str,
    record_id: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """`audit()` in the name of an Actor (a person, or the system on someone's behalf): the actor
    already carries the user id and name, so no user row needs loading."""
    entry = AuditEntry(
        user_id=by.user_id,
        actor=by.name,
        action=action,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        client_address=client_address(),
        detail=detail,
    )
    session.add(entry)
    return entry
