"""Alert rows."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, utcnow
from core.extensions import db
from core.roles import Role

ALERT_KINDS = frozenset(
    {
        "ack_overdue",
        "reassign_suggested",
        "checkin_missed",
        "duress",
        "pending_sla",
        "sms_failed",
        "followup_overdue",
        "position_stale",
        "outcome_missing",
        "transfer_unconfirmed",
    }
)
SEVERITIES = ("info", "warning", "critical")


class Alert(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    severity: Mapped[str] = mapped_column(sa.String(10))
    audience: Mapped[str] = mapped_column(sa.String(20), default=Role.DISPATCHER.value)  # or supervisor: who is told
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), nullable=True, index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), nullable=True, index=True)
    message: Mapped[str] = mapped_column(sa.String(500))
    data: Mapped[dict[str, object] | None] = mapped_column(sa.JSON, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    acknowledged_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cleared_by: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
