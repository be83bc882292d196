"""Units (mobile crisis teams), incidents, assignments and position fixes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

import triage.models  # noqa: F401  (Incident.call names its class)
from core.db import UtcDateTime, utcnow
from core.extensions import db
from dispatch.states import IncidentStatus, UnitStatus

if TYPE_CHECKING:
    from triage.models import Call


class Unit(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sign: Mapped[str] = mapped_column(sa.String(20), unique=True)
    phones: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    youth: Mapped[bool] = mapped_column(default=False)
    home_lat: Mapped[float] = mapped_column(sa.Float)
    home_lon: Mapped[float] = mapped_column(sa.Float)
    status: Mapped[str] = mapped_column(sa.String(20), default=UnitStatus.AVAILABLE.value, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lat: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    location_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The incident this unit is committed to; set and cleared only by compare-and-set updates.
    incident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("incidents.id", use_alter=True), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Who rides with the unit this shift (dispatch/staffing.py writes it; read with every unit).
    crew: Mapped[list[CrewMember]] = relationship(
        "CrewMember", order_by="CrewMember.position", lazy="selectin", viewonly=True
    )

    def capabilities(self) -> dict[str, Any]:
        return {"languages": list(self.languages or []), "youth": bool(self.youth)}

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.call_sign} {self.status}>"


class Incident(db.Model):  # type: ignore[name-defined,misc]
    """A response to a call: from `pending` to `closed` (or `cancelled`); see dispatch/states.py."""

    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    call_id: Mapped[int | None] = mapped_column(sa.ForeignKey("calls.id"), nullable=True, unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=IncidentStatus.PENDING.value, index=True)
    priority: Mapped[str | None] = mapped_column(sa.String(12), nullable=True)
    disposition: Mapped[str] = mapped_column(sa.String(20), default="mobile_team")
    category: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)  # short, for the SMS

    address: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    lat: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    location_source: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    location_resolved: Mapped[bool] = mapped_column(default=False)

    needs_youth: Mapped[bool | None] = mapped_column(nullable=True)
    needs_language: Mapped[str | None] = mapped_column(sa.String(8), nullable=True)
    flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), nullable=True, index=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    en_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    on_scene_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    transporting_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    at_facility_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cleared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    police_present: Mapped[bool | None] = mapped_column(nullable=True)
    # When and by whom the outcome was recorded (at the clear, or later by POST …/outcome).
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    outcome_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    # The destination of a transport (`transporting` names it).
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id"), nullable=True, index=True)
    # The transport (facilities.transport): the bed type it is for, the unit's ETA to the facility
    # when it started and when that was computed, and when a bed was taken on arrival (None: none
    # was open, or not arrived).
    transport_bed_type: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    transport_eta_seconds: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    transport_eta_computed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    bed_taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The service area (geo.areas) holding the incident's location; None: outside every area.
    area: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)

    # The call it answers: its callback number and narrative are part of every incident answer.
    call: Mapped[Call | None] = relationship("Call", viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Incident {self.id} {self.number} {self.status}>"


class IncidentMove(db.Model):  # type: ignore[name-defined,misc]
    """Every status move of an incident, stamped with its time and who made it."""

    __tablename__ = "incident_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    to_status: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(80))  # username, or "sms:MCT-3", "timer"
    note: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


class IncidentNote(db.Model):  # type: ignore[name-defined,misc]
    """A note a dispatcher or the team added to an incident (never edited)."""

    __tablename__ = "incident_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Assignment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(sa.ForeignKey("incidents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    assigned_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    recommended_rank: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    eta_seconds: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    reason: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)


class UnitPosition(db.Model):  # type: ignore[name-defined,misc]
    """Every position fix a unit reported; the newest one moves the unit."""

    __tablename__ = "unit_positions"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    lat: Mapped[float] = mapped_column(sa.Float)
    lon: Mapped[float] = mapped_column(sa.Float)
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float, nullable=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(sa.String(20), default="api")


class CrewMember(db.Model):  # type: ignore[name-defined,misc]
    """One person riding with a unit this shift (dispatch/crew.py: roles and flags). A crew is
    replaced whole, so every member carries when and by whom the crew was set."""

    __tablename__ = "unit_crew"
    __table_args__ = (sa.UniqueConstraint("unit_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))  # indexed by the unique (unit_id, position)
    position: Mapped[int] = mapped_column(sa.Integer)  # the order the dispatcher listed them in
    name: Mapped[str] = mapped_column(sa.String(80))
    crew_role: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)  # their account, if any
    set_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    set_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), nullable=True)
    set_by_name: Mapped[str] = mapped_column(sa.String(80))
