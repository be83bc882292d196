"""Responses with backdated milestones, made through the dispatch services themselves (the `at` of
CONTRACT "Incidents (amended)"), for the reports' hand-computed figures."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import current_app

from core.actors import Actor
from core.clock import now as clock_now
from core.deps import bus_of, settings_of
from core.extensions import db
from core.ports import EXTENSION, current_ports, ports_of
from dispatch.service import assign_unit, move_incident, open_incident_for_call, return_to_queue
from facilities.models import Facility
from geo.areas import parse_areas
from tests.support.dispatch_factories import make_call
from tests.support.factories import make_unit
from timers.models import Followup, FollowupAttempt
from triage.transfer import record_transfer

_names = itertools.count(1)
BY = Actor.system("report-test")

# Two service areas of Burlington: downtown (urban) and the hills to the north (rural).
DOWNTOWN = (44.4781, -73.2125)
HILLS = (44.5200, -73.2000)
NOWHERE = (44.4000, -73.3000)  # in no area


def _square(name: str, rural: bool, lat: float, lon: float, half: float = 0.01) -> dict[str, Any]:
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {
        "type": "Feature",
        "properties": {"name": name, "rural": rural},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


AREAS = {
    "type": "FeatureCollection",
    "features": [_square("Downtown", False, *DOWNTOWN), _square("Hills", True, *HILLS)],
}


def use_areas(app: Any) -> None:
    """SERVICE_AREAS of this app: Downtown (urban) and Hills (rural)."""
    app.extensions[EXTENSION] = replace(ports_of(app), areas=parse_areas(AREAS))


def use_settings(app: Any, **changes: Any) -> None:
    from core.deps import SETTINGS

    app.extensions[SETTINGS] = settings_of(app).model_copy(update=changes)


def make_facility(app: Any) -> int:
    with app.app_context():
        facility = Facility(
            name=f"Crisis Center {next(_names)}",
            kind="crisis_receiving",
            address="1 Main St, Burlington, VT",
            lat=44.47,
            lon=-73.21,
        )
        db.session.add(facility)
        db.session.commit()
        return int(facility.id)


def make_response(
    app: Any,
    *,
    received_at: datetime,
    place: tuple[float, float] = DOWNTOWN,
    priority: str = "urgent",
    disposition: str = "mobile_team",
    steps: list[tuple[str, datetime]] = (),  # type: ignore[assignment]
    outcome: str | None = None,
    police_present: bool | None = None,
    facility_id: int | None = None,
) -> int:
    """A call received at `received_at` and its incident (area from this app's SERVICE_AREAS),
    taken through `steps`: ("dispatch", at) assigns a fresh unit, ("requeue", at) sends it back
    to the queue, any other name is that status move at `at` (the clear carries the outcome)."""
    call_id = make_call(
        app, lat=place[0], lon=place[1], priority=priority, disposition=disposition, received_at=received_at
    )
    with app.app_context():
        from triage.models import Call

        call = db.session.get(Call, call_id)
        incident = open_incident_for_call(
            session=db.session, call=call, by=BY, bus=bus_of(current_app), areas=current_ports().areas
        )
        db.session.commit()
        incident_id = int(incident.id)
    for name, at in steps:
        with app.app_context():
            _step(app, incident_id, name, at, outcome=outcome, police_present=police_present, facility_id=facility_id)
            db.session.commit()
    return incident_id


def _step(
    app: Any,
    incident_id: int,
    name: str,
    at: datetime,
    *,
    outcome: str | None,
    police_present: bool | None,
    facility_id: int | None,
) -> None:
    bus = bus_of(current_app)
    if name == "dispatch":
        ports = current_ports()
        assign_unit(
            session=db.session,
            incident_id=incident_id,
            unit_id=make_unit(app),
            reason="report test",
            by=BY,
            bus=bus,
            router=ports.router,
            clock=ports.clock,
            stale_after_s=settings_of(current_app).position_stale_s,
            at=at,
        )
    elif name == "requeue":
        return_to_queue(session=db.session, incident_id=incident_id, reason="unit broke down", by=BY, bus=bus, at=at)
    else:
        clears = name == "cleared"
        move_incident(
            session=db.session,
            incident_id=incident_id,
            status=name,
            by=BY,
            bus=bus,
            dispatcher=True,
            at=at,
            outcome=outcome if clears else None,
            police_present=police_present if clears else None,
            facility_id=facility_id if name == "transporting" else None,
            note="cancelled in test" if name == "cancelled" else None,
        )


def make_transferred_call(app: Any, *, received_at: datetime, transfer_at: datetime | None) -> int:
    """An emergency_911 call and, when `transfer_at` is given, its recorded warm transfer."""
    call_id = make_call(app, priority="emergent", disposition="emergency_911", received_at=received_at)
    if transfer_at is not None:
        with app.app_context():
            record_transfer(
                session=db.session,
                call_id=call_id,
                to="911",
                at=transfer_at,
                note=None,
                by=BY,
                now=clock_now(),
                bus=bus_of(current_app),
            )
            db.session.commit()
    return call_id


def followup_of(app: Any, incident_id: int) -> tuple[int, datetime]:
    """The follow-up the incident's clear opened: its id and due_at."""
    import sqlalchemy as sa

    from dispatch.models import Incident

    with app.app_context():
        call_id = db.session.get_one(Incident, incident_id).call_id
        row = db.session.scalars(sa.select(Followup).where(Followup.call_id == call_id)).one()
        return int(row.id), row.due_at


def add_attempt(app: Any, followup_id: int, *, outcome: str, at: datetime) -> None:
    """An attempt at a given time (the API stamps attempts with the present)."""
    with app.app_context():
        db.session.add(FollowupAttempt(followup_id=followup_id, outcome=outcome, at=at))
        db.session.commit()
