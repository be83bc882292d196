"""Timer rows, follow-ups of calls and encounters, and scheduler probes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import BigId, UtcDateTime, utcnow
from core.extensions import db

TIMER_STATES = ("pending", "claimed", "fired", "cancelled", "failed")
FOLLOWUP_STATES = ("due", "done", "declined", "lost")
FOLLOWUP_OUTCOMES = ("reached", "no_answer", "declined", "lost")


class Timer(db.Model):  # type: ignore[name-defined,misc]
    """Something that must happen at `due_at` unless the change that answers it comes first."""

    __tablename__ = "timers"
    __table_args__ = (sa.Index("ix_timers_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    state: Mapped[str] = mapped_column(sa.String(12), default="pending")
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), nullable=True, index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), nullable=True, index=True)
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"), nullable=True, index=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)

    def __repr__(self) -> str:
        return f"<Timer {self.id} {self.kind} {self.state} due {self.due_at:%H:%M:%S}>"


class Followup(db.Model):  # type: ignore[name-defined,misc]
    """A call-back owed to a person after a call resolved by phone or an encounter."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"), nullable=True, index=True)
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), nullable=True, index=True)
    risk_level: Mapped[str] = mapped_column(sa.String(12))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    state: Mapped[str] = mapped_column(sa.String(12), default="due", index=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class FollowupAttempt(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "followup_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(sa.ForeignKey("followups.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(sa.String(12))
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)


class TimerProbe(db.Model):  # type: ignore[name-defined,misc]
    """One row per fired `probe` timer: proof that a scheduler is sweeping (and which one)."""

    __tablename__ = "timer_probes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    timer_id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), index=True)
    fired_by: Mapped[str] = mapped_column(sa.String(80))
    fired_at: Mapped[datetime] = mapped_column(UtcDateTime)
