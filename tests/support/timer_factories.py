"""A clock tests can move, and helpers to sweep timers and read what they left behind."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from core.clock import set_clock
from core.db import utcnow
from core.deps import settings_of
from core.extensions import db
from timers.handlers import HANDLERS
from timers.sweep import sweep


class MovableClock:
    """Installed as core.clock's clock: time stands still until the test moves it."""

    def __init__(self, start: datetime | None = None):
        self.at = (start or utcnow()).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.at

    def move(self, seconds: float) -> datetime:
        self.at += timedelta(seconds=seconds)
        return self.at

    def install(self) -> MovableClock:
        set_clock(self)
        return self

    @staticmethod
    def uninstall() -> None:
        set_clock(None)


def sweep_now() -> Any:
    """One sweep in the current app context, as the scheduler would run it."""
    return sweep(session=db.session, handlers=HANDLERS, settings=settings_of(current_app))


def outbox(*, kind: str | None = None, incident_id: int | None = None) -> list[Any]:
    from notifications.models import OutboundMessage

    statement = sa.select(OutboundMessage).order_by(OutboundMessage.id)
    if kind is not None:
        statement = statement.where(OutboundMessage.kind == kind)
    if incident_id is not None:
        statement = statement.where(OutboundMessage.incident_id == incident_id)
    return list(db.session.scalars(statement))


def alerts(*, kind: str | None = None, open_only: bool = True) -> list[Any]:
    from alerts.models import Alert

    statement = sa.select(Alert).order_by(Alert.id)
    if kind is not None:
        statement = statement.where(Alert.kind == kind)
    if open_only:
        statement = statement.where(Alert.cleared_at.is_(None))
    return list(db.session.scalars(statement))
