"""The reports' table, `report_facts` (migration 0016_report_facts; reports/facts.py says what
its rows are and how they are kept), and the indexes that keeping it reads (0015_report_indexes):

* calls (received_at, disposition, priority, transfer_at): a period's calls, for the CSV export.
* assignments (incident_id, assigned_at): an incident's first dispatch from the index alone.
* followup_attempts (followup_id, outcome, at): whether a follow-up was done in its window.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import BigId, UtcDateTime
from core.extensions import db
from dispatch.models import Assignment
from timers.models import FollowupAttempt
from triage.models import Call

_calls = Call.__table__.c
_assignments = Assignment.__table__.c
_attempts = FollowupAttempt.__table__.c

REPORT_INDEXES = (
    sa.Index(
        "ix_calls_received_at_disposition",
        _calls.received_at,
        _calls.disposition,
        _calls.priority,
        _calls.transfer_at,
        postgresql_include=["id"],
    ),
    sa.Index("ix_assignments_incident_id_assigned_at", _assignments.incident_id, _assignments.assigned_at),
    sa.Index("ix_followup_attempts_followup_id_outcome", _attempts.followup_id, _attempts.outcome, _attempts.at),
)


class ReportFact(db.Model):  # type: ignore[name-defined,misc]
    """One thing a call or follow-up adds to the figures (reports/facts.py). Derived: no foreign
    keys, rewritten whenever its records change. Both indexes hold every column a report reads:
    `(kind, at, ...)` makes a period one range per kind to count; `(kind, bucket, at, ...)` one
    range per minute of an interval, to rank (reports.figures)."""

    __tablename__ = "report_facts"
    __table_args__ = (
        sa.Index("ix_report_facts_kind_at", "kind", "at", "v", "priority", "area"),
        sa.Index("ix_report_facts_kind_bucket", "kind", "bucket", "at", "v", "priority", "area"),
        sa.Index("ix_report_facts_call_id", "call_id"),
        sa.Index("ix_report_facts_followup_id", "followup_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(60))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    v: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    bucket: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    priority: Mapped[str | None] = mapped_column(sa.String(12), nullable=True)
    area: Mapped[str | None] = mapped_column(sa.String(80), nullable=True)
    call_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    followup_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
