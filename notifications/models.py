"""SMS rows: the outbox, inbound messages, opt-outs and the console sender's store."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, utcnow
from core.extensions import db

# Our own statuses of an outbound message. `queued`: written, not yet handed to the provider;
# `sending`: claimed by a relay, which is talking to the provider right now (or died doing so);
# `sent`: the provider took it; then the provider's callbacks: delivered, undelivered, failed.
OUTBOUND_STATUSES = ("queued", "sending", "sent", "delivered", "undelivered", "failed")
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed"})
MESSAGE_KINDS = ("dispatch", "repage", "checkin", "stand_down", "notice")


class OutboundMessage(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "sms_outbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(32))
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(20), default="notice")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), nullable=True, index=True)
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), nullable=True, index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    provider_sid: Mapped[str | None] = mapped_column(sa.String(64), nullable=True, unique=True)
    error_code: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    error_message: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    validity_period_s: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    # The claim of the relay that is sending it: a fresh token per attempt, set and committed
    # before the provider is called (see notifications/relay.py).
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (sa.Index("ix_sms_outbound_due", "status", "next_attempt_at"),)

    def __repr__(self) -> str:  # no phone number, no body
        return f"<OutboundMessage {self.id} {self.kind} {self.status}>"


class InboundMessage(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "sms_inbound"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    from_number: Mapped[str] = mapped_column(sa.String(32))
    to_number: Mapped[str] = mapped_column(sa.String(32), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), nullable=True, index=True)
    incident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("incidents.id"), nullable=True, index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    command: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    result: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    reply: Mapped[str | None] = mapped_column(sa.Text, nullable=True)

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.command} {self.result}>"


class OptOut(db.Model):  # type: ignore[name-defined,misc]
    """A phone that texted STOP: the provider blocks it, and we do not try."""

    __tablename__ = "sms_opt_outs"

    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    opted_out_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConsoleMessageRow(db.Model):  # type: ignore[name-defined,misc]
    """A text the console sender took (the embedded default): what the /sms simulator shows."""

    __tablename__ = "sms_console"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    outbox_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, unique=True)
    to: Mapped[str] = mapped_column(sa.String(32), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
