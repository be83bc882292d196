"""The follow-up as the API shows it (CONTRACT.md "Messages, alerts, follow-ups")."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from core.schemas import ReadModel, Timestamp
from timers.models import Followup
from triage.models import Call


class FollowupRead(ReadModel):
    id: int
    call_id: int | None
    call_number: str | None = Field(description="the call's number (C-…), as people name it")
    caller_phone: str | None = Field(description="the number to call back (E.164), from the call")
    incident_id: int | None
    risk_level: str
    started_at: Timestamp
    due_at: Timestamp
    overdue: bool
    attempts: int
    state: str
    closed_at: Timestamp | None

    @classmethod
    def of(cls, followup: Followup, *, now: datetime, call: Call | None = None) -> FollowupRead:
        """`overdue`: still due, and its time has come at `now`; `call` is the follow-up's call
        (its number and callback number are shown), None when it has none or is not at hand."""
        overdue = followup.state == "due" and followup.due_at <= now
        return cls.model_validate(
            {
                **_columns(followup),
                "overdue": overdue,
                "call_number": call.number if call is not None else None,
                "caller_phone": call.caller_phone if call is not None else None,
            }
        )


_FROM_ELSEWHERE = {"overdue", "call_number", "caller_phone"}
_OWN_COLUMNS = tuple(name for name in FollowupRead.model_fields if name not in _FROM_ELSEWHERE)


def _columns(followup: Followup) -> dict[str, object]:
    return {name: getattr(followup, name) for name in _OWN_COLUMNS}
