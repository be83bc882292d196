"""Units (mobile crisis teams)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, utcnow
from core.extensions import db


class Unit(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sign: Mapped[str] = mapped_column(sa.String(20), unique=True)
    phones: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    youth: Mapped[bool] = mapped_column(default=False)
    home_lat: Mapped[float] = mapped_column(sa.Float)
    home_lon: Mapped[float] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(20), default="available")
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lat: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    location_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def capabilities(self) -> dict[str, Any]:
        return {"languages": list(self.languages or []), "youth": bool(self.youth)}

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.call_sign} {self.status}>"
