"""Raise, acknowledge and clear alerts; each change is an event on the live stream."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from alerts.models import ALERT_KINDS, SEVERITIES, Alert
from alerts.schemas import AlertRead
from core.actors import Actor
from core.clock import now
from core.errors import Conflict, NotFound
from core.events import record_event
from core.roles import Role


def raise_alert(
    *,
    session: Any,
    kind: str,
    severity: str,
    message: str,
    incident_id: int | None = None,
    unit_id: int | None = None,
    audience: str = Role.DISPATCHER.value,
    data: dict[str, Any] | None = None,
) -> Alert:
    """Raise an alert in the caller's transaction. An open alert of the same kind for the same
    incident and unit is not raised twice: the existing one is returned."""
    if kind not in ALERT_KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")
    existing = session.scalars(
        sa.select(Alert).where(
            Alert.kind == kind,
            Alert.cleared_at.is_(None),
            Alert.incident_id.is_(None) if incident_id is None else Alert.incident_id == incident_id,
            Alert.unit_id.is_(None) if unit_id is None else Alert.unit_id == unit_id,
        )
    ).first()
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    alert = Alert(
        kind=kind,
        severity=severity,
        message=message,
        incident_id=incident_id,
        unit_id=unit_id,
        audience=audience,
        data=data,
        raised_at=now(),
    )
    session.add(alert)
    session.flush()
    record_event(
        session=session,
        type="alert.raised",
        data=AlertRead.model_validate(alert).model_dump(mode="json"),
        unit_id=unit_id,
    )
    return alert


def acknowledge_alert(*, session: Any, alert_id: int, by: Actor) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound("No such alert.")
    if alert.cleared_at is not None:
        raise Conflict("This alert is already cleared.")
    if alert.acknowledged_at is None:
        alert.acknowledged_by = by.user_id
        alert.acknowledged_at = now()
        session.flush()
        record_event(
            session=session,
            type="alert.raised",
            data=AlertRead.model_validate(alert).model_dump(mode="json"),
            unit_id=alert.unit_id,
        )
    return alert  # type: ignore[no-any-return]


def clear_alerts(
    *,
    session: Any,
    kinds: set[str] | frozenset[str],
    incident_id: int | None = None,
    unit_id: int | None = None,
    by: str = "system",
) -> list[Alert]:
    """Clear the open alerts of these kinds for the incident (and/or unit): the cause is answered."""
    statement = sa.select(Alert).where(Alert.kind.in_(kinds), Alert.cleared_at.is_(None))
    if incident_id is not None:
        statement = statement.where(Alert.incident_id == incident_id)
    if unit_id is not None:
        statement = statement.where(Alert.unit_id == unit_id)
    cleared = list(session.scalars(statement))
    for alert in cleared:
        alert.cleared_at = now()
        alert.cleared_by = by
    session.flush()
    for alert in cleared:
        record_event(
            session=session,
            type="alert.cleared",
            data=AlertRead.model_validate(alert).model_dump(mode="json"),
            unit_id=alert.unit_id,
        )
    return cleared


def open_alerts(*, session: Any, limit: int = 200) -> list[Alert]:
    return list(
        session.scalars(sa.select(Alert).where(Alert.cleared_at.is_(None)).order_by(Alert.id.desc()).limit(limit))
    )
