"""Accounts, tokens, the audit trail and the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import BigId, UtcDateTime, utcnow
from core.extensions import db


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), nullable=True)
    # The facility a `facility` user works at (they see and report only its beds).
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Part of the id a cookie session carries (`get_id`): raising it ends every cookie session of
    # this user at once, every copy of the cookie included (core.auth.end_cookie_sessions).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Two-factor sign-in (core/twofactor.py): the TOTP secret, encrypted; on once `totp_enabled_at`
    # is set (a secret without it is an enrolment not yet confirmed). `totp_last_step`: the time
    # step of the last code accepted, so a code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255), nullable=True)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    role_rows: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def roles(self) -> list[str]:
        return sorted(row.role for row in self.role_rows)

    def has_any_role(self, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
        return any(row.role in roles for row in self.role_rows)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds, checked by the user loader
        return f"{self.id}:{self.session_epoch}"

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "roles": self.roles,
            "unit_id": self.unit_id,
            "facility_id": self.facility_id,
        }

    @property
    def two_factor_on(self) -> bool:
        return self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username}>"


class UserRole(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    user: Mapped[User] = relationship(back_populates="role_rows")


class RecoveryCode(db.Model):  # type: ignore[name-defined,misc]
    """A one-time recovery code for two-factor sign-in; only its SHA-256 is stored."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    def __repr__(self) -> str:  # never the hash
        return f"<RecoveryCode {self.id} user={self.user_id}>"


class ApiToken(db.Model):  # type: ignore[name-defined,misc]
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:  # never the hash
        return f"<ApiToken {self.id} user={self.user_id}>"


class AuditEntry(db.Model):  # type: ignore[name-defined,misc]
    """Who saw or changed which record, when and from where. Rows are never updated or deleted
    (database triggers refuse it, see the migration)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(40))
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    client_address: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)

    __table_args__ = (sa.Index("ix_audit_log_record", "record_type", "record_id"),)


class Event(db.Model):  # type: ignore[name-defined,misc]
    """One change, written in the same transaction as the change itself.

    `seq` is empty until the relay publishes the event: it is assigned there, under one lock,
    in the order the rows became visible, so it is gapless even though ids are not commit order.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True, nullable=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    unit_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    # A `facility.updated` event: the facility it is about (its own users' screens receive it).
    facility_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    __table_args__ = (
        sa.Index(
            "ix_events_unpublished", "id", postgresql_where=sa.text("seq IS NULL"), sqlite_where=sa.text("seq IS NULL")
        ),
    )


class RelayState(db.Model):  # type: ignore[name-defined,misc]
    """The last `seq` the relay has handed to Socket.IO (one row)."""

    __tablename__ = "relay_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    published_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Counter(db.Model):  # type: ignore[name-defined,misc]
    """Named counters for numbers people read aloud (C-2026-000123), one row per name and year."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)
