"""Calls: what the operator logged, the triage that was computed, and what was decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, utcnow
from core.extensions import db


class Call(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # When the operator answered (the request's `answered_at`, default: the time of the request).
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    saved_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)  # when the row was written
    taken_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    caller_phone: Mapped[str | None] = mapped_column(sa.String(32), nullable=True, index=True)  # E.164
    caller_name: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    caller_relation: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)

    address: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    lat: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    location_source: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    location_resolved: Mapped[bool] = mapped_column(default=False)

    questionnaire_id: Mapped[str] = mapped_column(sa.String(60))
    questionnaire_version: Mapped[int] = mapped_column(sa.Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    narrative: Mapped[str | None] = mapped_column(sa.Text, nullable=True)

    triage: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # the engine's result, as computed
    risk_level: Mapped[str] = mapped_column(sa.String(12))
    computed_disposition: Mapped[str] = mapped_column(sa.String(20))
    computed_priority: Mapped[str | None] = mapped_column(sa.String(12), nullable=True)
    disposition: Mapped[str] = mapped_column(sa.String(20))  # final, after any override
    priority: Mapped[str | None] = mapped_column(sa.String(12), nullable=True)
    override_reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    transfer_instruction: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)

    # What the team must match (from the triage at intake; an amendment may change them).
    needs_youth: Mapped[bool | None] = mapped_column(nullable=True)
    needs_language: Mapped[str | None] = mapped_column(sa.String(8), nullable=True)  # ISO 639-1

    # The warm transfer of an emergency_911 call, once recorded.
    transfer_to: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    transfer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # when it happened
    transfer_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    transfer_note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    transfer_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    # A client's Idempotency-Key, unique per user who took the call (see triage/service.py).
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(100), nullable=True)

    __table_args__ = (sa.UniqueConstraint("taken_by", "idempotency_key", name="uq_calls_taken_by_idempotency_key"),)

    def __repr__(self) -> str:
        return f"<Call {self.id} {self.number}>"


class CallAmendment(db.Model):  # type: ignore[name-defined,misc]
    """One correction of a saved call: who, when, why, and each field's value before and after.

    `changes` is {"<field>": {"from": old, "to": new}} with fields such as "caller.phone",
    "location.address", "narrative", "needs.language", "needs.youth"."""

    __tablename__ = "call_amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    reason: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<CallAmendment {self.id} of call {self.call_id}>"


class Setting(db.Model):  # type: ignore[name-defined,misc]
    """Choices an admin makes at run time (e.g. the active questionnaire)."""

    __tablename__ = "settings"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
