"""The reactions to facility events, as one table the app factory subscribes (core/bus.py).

`FacilityUpdated` → the `facility.updated` live event: the facility as the API reads it (beds,
staleness, incoming transports), to every staff screen and to that facility's own users.
`UnitPositioned` of a unit transporting someone → its ETA to the facility again, from the new
fix, and the facility's `facility.updated` (its staff see the team come closer).
"""

from __future__ import annotations

from typing import Any

from config import Settings
from core.bus import HandlerTable
from core.clock import now as clock_now
from core.events import record_event
from dispatch.events import UnitPositioned
from dispatch.models import Incident
from facilities import service, transport
from facilities.events import FacilityUpdated


def publish_facility(event: FacilityUpdated, /, *, session: Any, settings: Settings) -> None:
    facility = service.get_facility(session=session, facility_id=event.facility_id)
    read = service.facility_read(
        session=session, facility=facility, now=clock_now(), stale_s=settings.facility_beds_stale_s
    )
    record_event(
        session=session,
        type="facility.updated",
        data=read.model_dump(mode="json"),
        facility_id=facility.id,
    )


def retime_incoming(event: UnitPositioned, /, *, session: Any, settings: Settings) -> None:
    unit = event.unit
    incident = session.get(Incident, unit.incident_id) if unit.incident_id is not None else None
    if incident is None or incident.facility_id is None:
        return
    now = clock_now()
    if transport.retime_transport(
        session=session, incident=incident, unit=unit, now=now, stale_s=settings.position_stale_s
    ):
        # A handler does not publish on the bus: the live event is written as FacilityUpdated's is.
        publish_facility(
            FacilityUpdated(facility_id=incident.facility_id, by=event.by, change="incoming"),
            session=session,
            settings=settings,
        )


EVENT_HANDLERS: HandlerTable = {
    FacilityUpdated: (publish_facility,),
    UnitPositioned: (retime_incoming,),
}
