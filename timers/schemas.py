"""The follow-up as the API shows it (CONTRACT.md "Messages, alerts, follow-ups")."""

from __future__ import annotations

from datetime import datetime

from core.schemas import ReadModel, Timestamp
from timers.models import Followup


class FollowupRead(ReadModel):
    id: int
    call_id: int | None
    incident_id: int | None
    risk_level: str
    started_at: Timestamp
    due_at: Timestamp
    overdue: bool
    attempts: int
    state: str
    closed_at: Timestamp | None

    @classmethod
    def of(cls, followup: Followup, *, now: datetime) -> FollowupRead:
        """`overdue`: still due, and its time has come at `now`."""
        overdue = followup.state == "due" and followup.due_at <= now
        return cls.model_validate({**_columns(followup), "overdue": overdue})


def _columns(followup: Followup) -> dict[str, object]:
    return {name: getattr(followup, name) for name in FollowupRead.model_fields if name != "overdue"}
