"""Facility rows: where a team may take a person. Issue 13 adds the API and the beds."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, utcnow
from core.extensions import db

FACILITY_KINDS = ("crisis_receiving", "stabilization", "detox", "hospital_ed", "respite", "shelter")


class Facility(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "facilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # one of FACILITY_KINDS
    address: Mapped[str] = mapped_column(sa.String(300))
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    phone: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)  # E.164
    accepts_youth: Mapped[bool] = mapped_column(default=False)
    accepts_involuntary: Mapped[bool] = mapped_column(default=False)
    accepts_walk_in: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Facility {self.id} {self.name}>"
