"""The alerts API of CONTRACT.md: list open (or all) alerts, acknowledge one."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from flask_login import current_user

from alerts.models import Alert
from alerts.schemas import AlertRead
from alerts.service import acknowledge_alert
from core.actors import Actor
from core.api import ApiBlueprint, ListQuery
from core.extensions import db
from core.roles import DISPATCHERS, STAFF, unit_scope

api = ApiBlueprint("alerts_api", __name__, url_prefix="/api/v1")


class AlertQuery(ListQuery):
    state: Literal["open", "all"] = "open"


def open_alerts_part(session: Any, user: Any, settings: Any) -> list[dict[str, Any]]:
    """The snapshot's "alerts": open alerts for staff; a field user's own unit's only."""
    statement = sa.select(Alert).where(Alert.cleared_at.is_(None)).order_by(Alert.id.desc()).limit(500)
    scope = unit_scope(user)
    if scope.nothing:
        return []
    if not scope.everything:
        statement = statement.where(Alert.unit_id == scope.unit_id)
    return [AlertRead.model_validate(alert).model_dump(mode="json") for alert in session.scalars(statement)]


@api.op(
    "/alerts",
    "GET",
    roles=STAFF,
    query=AlertQuery,
    response=list[AlertRead],
    summary="Alerts, newest first; state=open by default",
)
def list_alerts(*, query: AlertQuery) -> list[AlertRead]:
    statement = sa.select(Alert).order_by(Alert.id.desc()).limit(query.limit)
    if query.state == "open":
        statement = statement.where(Alert.cleared_at.is_(None))
    return [AlertRead.model_validate(alert) for alert in db.session.scalars(statement)]


@api.op(
    "/alerts/<int:alert_id>/acknowledge",
    "POST",
    roles=DISPATCHERS,
    response=AlertRead,
    summary="Acknowledge an alert: a person has seen it and is acting (stamped with who and when)",
)
def acknowledge(alert_id: int) -> AlertRead:
    alert = acknowledge_alert(session=db.session, alert_id=alert_id, by=Actor.of(current_user))
    db.session.commit()
    return AlertRead.model_validate(alert)
