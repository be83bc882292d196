"""The indexes the report queries read (migration 0015_report_indexes). No tables of their own:
the reports read the calls, incidents, assignments and follow-ups as they are.

* calls (received_at, disposition, priority, transfer_at): a period's calls, their disposition
  and priority, and the 911 transfers, from the index alone (a call row carries the answers and
  the narrative: far wider than what a report needs). PostgreSQL includes the id for the join.
* assignments (incident_id, assigned_at): an incident's first dispatch from the index alone.
* followup_attempts (followup_id, outcome, at): whether a follow-up was done in its window.
"""

from __future__ import annotations

import sqlalchemy as sa

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
