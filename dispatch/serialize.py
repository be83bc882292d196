"""JSON shapes of incidents, units, assignments and recommendations (CONTRACT.md)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context

from dispatch.models import Assignment, Incident, Unit
from dispatch.recommend import Recommendation
from dispatch.states import UnitStatus, availability_of

log = logging.getLogger(__name__)

DEFAULT_STALE_S = 900
TIMESTAMPS = (
    "created_at",
    "dispatched_at",
    "acknowledged_at",
    "en_route_at",
    "on_scene_at",
    "transporting_at",
    "at_facility_at",
    "cleared_at",
    "closed_at",
    "cancelled_at",
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def stale_after_s() -> int:
    """POSITION_STALE_S from the app's settings (the DOMAIN.md default outside an app)."""
    if has_app_context():
        return int(current_app.config.get("POSITION_STALE_S", DEFAULT_STALE_S))
    return DEFAULT_STALE_S


def position_is_stale(unit: Unit, *, now: datetime, stale_s: int | None = None) -> bool:
    """No fix at all, or a fix older than the stale limit."""
    if unit.lat is None or unit.lon is None or unit.location_at is None:
        return True
    limit = stale_after_s() if stale_s is None else stale_s
    return bool(unit.location_at < now - timedelta(seconds=limit))


def incident_json(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "number": incident.number,
        "call_id": incident.call_id,
        "status": incident.status,
        "priority": incident.priority,
        "disposition": incident.disposition,
        "category": incident.category,
        "location": {
            "address": incident.address,
            "lat": incident.lat,
            "lon": incident.lon,
            "source": incident.location_source,
            "resolved": bool(incident.location_resolved),
        },
        "needs": {"youth": incident.needs_youth, "language": incident.needs_language},
        "flags": list(incident.flags or []),
        "unit_id": incident.unit_id,
        "timestamps": {name: iso(getattr(incident, name)) for name in TIMESTAMPS},
        "outcome": incident.outcome,
        "police_present": incident.police_present,
        "cancel_reason": incident.cancel_reason,
        "version": incident.version,
    }


def unit_json(unit: Unit, *, now: datetime, stale_s: int | None = None) -> dict[str, Any]:
    try:
        availability = availability_of(UnitStatus(unit.status)).value
    except ValueError:
        availability = "unavailable"
    return {
        "id": unit.id,
        "call_sign": unit.call_sign,
        "status": unit.status,
        "availability": availability,
        "status_changed_at": iso(unit.status_changed_at),
        "lat": unit.lat,
        "lon": unit.lon,
        "location_at": iso(unit.location_at),
        "location_stale": position_is_stale(unit, now=now, stale_s=stale_s),
        "has_position": unit.lat is not None and unit.lon is not None,
        "home": {"lat": unit.home_lat, "lon": unit.home_lon},
        "phones": list(unit.phones or []),
        "capabilities": unit.capabilities(),
        "incident_id": unit.incident_id,
        "last_dispatched_at": iso(unit.last_dispatched_at),
    }


def assignment_json(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "incident_id": assignment.incident_id,
        "unit_id": assignment.unit_id,
        "recommended_rank": assignment.recommended_rank,
        "eta_seconds": assignment.eta_seconds,
        "reason": assignment.reason,
        "assigned_at": iso(assignment.assigned_at),
    }


def recommendation_json(recommendation: Recommendation) -> dict[str, Any]:
    return {
        "unit_id": recommendation.unit_id,
        "call_sign": recommendation.call_sign,
        "rank": recommendation.rank,
        "eta_seconds": recommendation.eta_seconds,
        "eta_by_road": recommendation.eta_by_road,
        "distance_m": recommendation.distance_m,
        "location_stale": recommendation.location_stale,
        "has_position": recommendation.has_position,
        "matches": dict(recommendation.matches),
        "reasons": list(recommendation.reasons),
    }


def recommendations_json(incident_id: int, recommendations: list[Recommendation]) -> dict[str, Any]:
    return {"incident_id": incident_id, "units": [recommendation_json(r) for r in recommendations]}
