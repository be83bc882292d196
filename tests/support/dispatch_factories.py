"""Test data for dispatch: calls that need a team, incidents opened from them, placed units."""

from __future__ import annotations

import functools
import itertools
from datetime import timedelta
from typing import Any

from flask import current_app

from core.actors import Actor
from core.clock import now as clock_now
from core.deps import bus_of, settings_of
from core.extensions import db
from core.ports import current_ports
from dispatch.service import assign_unit
from tests.support.factories import make_unit
from triage.engine import evaluate
from triage.questionnaire import QUESTIONNAIRE_DIR, Questionnaire, load_questionnaire

_numbers = itertools.count(1)

# Known places in Burlington, Vermont (lat, lon).
CHURCH_ST = (44.4781, -73.2125)  # the incident
NEAR = (44.4800, -73.2100)  # ~0.3 km
MIDDLE = (44.4930, -73.2200)  # ~1.8 km
FAR = (44.5200, -73.2000)  # ~4.8 km
HOME_BASE = (44.4757, -73.2195)


@functools.cache
def _cssrs() -> Questionnaire:
    return load_questionnaire(QUESTIONNAIRE_DIR / "cssrs_screener_recent.yaml")


def make_call(
    app: Any,
    *,
    lat: float | None = CHURCH_ST[0],
    lon: float | None = CHURCH_ST[1],
    address: str | None = "135 Church St, Burlington, VT",
    priority: str = "urgent",
    language: str | None = None,
    youth: bool | None = None,
    answers: dict[str, str] | None = None,
    disposition: str = "mobile_team",
    received_at: Any = None,
    caller_phone: str | None = None,
    narrative: str | None = None,
) -> int:
    from triage.models import Call

    n = next(_numbers)
    answers = answers or {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "no"}
    with app.app_context():
        call = Call(
            number=f"C-T-{n:06d}",
            received_at=received_at or clock_now(),
            saved_at=received_at or clock_now(),
            caller_phone=caller_phone,
            narrative=narrative,
            address=address,
            lat=lat,
            lon=lon,
            location_source="typed" if lat is not None else None,
            location_resolved=lat is not None,
            questionnaire_id="cssrs_screener_recent",
            questionnaire_version=1,
            answers=answers,
            triage={
                "risk_level": "moderate",
                "disposition": disposition,
                "priority": priority,
                "reasons": [],
                "flags": ["weapon status unknown"] if answers.get("weapon_present") == "unknown" else [],
                "needs": {"youth": youth, "language": language},
                "concern": evaluate(_cssrs(), answers).concern,
            },
            risk_level="moderate",
            computed_disposition=disposition,
            computed_priority=priority,
            disposition=disposition,
            priority=priority,
        )
        db.session.add(call)
        db.session.commit()
        return int(call.id)


def make_incident(app: Any, **call_fields: Any) -> int:
    """A pending incident opened from a new call, committed."""
    from dispatch.service import open_incident_for_call
    from triage.models import Call

    call_id = make_call(app, **call_fields)
    with app.app_context():
        call = db.session.get(Call, call_id)
        incident = open_incident_for_call(
            session=db.session, call=call, by=Actor.system("test"), bus=bus_of(current_app)
        )
        db.session.commit()
        return int(incident.id)


def make_placed_unit(app: Any, position: tuple[float, float] | None, *, age_s: float = 60, **fields: Any) -> int:
    """A unit with a position fix `age_s` old (None: no fix)."""
    if position is not None:
        fields.update(lat=position[0], lon=position[1], location_at=clock_now() - timedelta(seconds=age_s))
    fields.setdefault("home_lat", HOME_BASE[0])
    fields.setdefault("home_lon", HOME_BASE[1])
    return make_unit(app, **fields)


def assign_with_app_ports(*, incident_id: int, unit_id: int, reason: str | None, by: Actor) -> Any:
    """dispatch.service.assign_unit with the current app's router and clock (in an app context)."""
    ports = current_ports()
    return assign_unit(
        session=db.session,
        incident_id=incident_id,
        unit_id=unit_id,
        reason=reason,
        by=by,
        bus=bus_of(current_app),
        router=ports.router,
        clock=ports.clock,
        stale_after_s=settings_of(current_app).position_stale_s,
    )
