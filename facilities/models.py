"""Facility rows: where a team may take a person, and their beds by type (CONTRACT "Facilities
and beds")."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import UtcDateTime, utcnow
from core.extensions import db

FACILITY_KINDS = ("crisis_receiving", "stabilization", "detox", "hospital_ed", "respite", "shelter")
# Bed types, in the order screens list them: `observation` is a 23-hour chair.
BED_TYPES = ("adult", "youth", "observation", "detox")


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
    # When the facility's beds were last reported (by its staff, a dispatcher or an admin); a bed
    # taken on arrival does not make the count fresher. None: never reported.
    beds_updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    beds: Mapped[list[FacilityBeds]] = relationship(
        back_populates="facility",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="FacilityBeds.bed_type",
    )

    def beds_of(self, bed_type: str) -> FacilityBeds | None:
        return next((row for row in self.beds if row.bed_type == bed_type), None)

    def __repr__(self) -> str:
        return f"<Facility {self.id} {self.name}>"


class FacilityBeds(db.Model):  # type: ignore[name-defined,misc]
    """One bed type of one facility: how many there are and how many are open."""

    __tablename__ = "facility_beds"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True)
    bed_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # one of BED_TYPES
    total: Mapped[int] = mapped_column(sa.Integer)
    available: Mapped[int] = mapped_column(sa.Integer)
    facility: Mapped[Facility] = relationship(back_populates="beds")

    __table_args__ = (
        sa.CheckConstraint("available >= 0 AND available <= total", name="available_within_total"),
        sa.CheckConstraint(
            "bed_type IN (" + ", ".join(f"'{t}'" for t in BED_TYPES) + ")",
            name="known_bed_type",
        ),
    )

    def __repr__(self) -> str:
        return f"<FacilityBeds {self.facility_id} {self.bed_type} {self.available}/{self.total}>"
