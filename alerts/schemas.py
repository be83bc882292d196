"""The alert as the API and the live events show it (CONTRACT.md "Messages, alerts, follow-ups")."""

from __future__ import annotations

from typing import Any

from core.schemas import ReadModel, Timestamp


class AlertRead(ReadModel):
    id: int
    kind: str
    severity: str
    audience: str
    incident_id: int | None
    unit_id: int | None
    message: str
    data: dict[str, Any] | None
    raised_at: Timestamp
    acknowledged_by: int | None
    acknowledged_at: Timestamp | None
    cleared_at: Timestamp | None
