"""The reactions to facility events, as one table the app factory subscribes (core/bus.py).

`FacilityUpdated` → the `facility.updated` live event: the facility as the API reads it (beds,
staleness, incoming transports), to every staff screen and to that facility's own users.
"""

from __future__ import annotations

from typing import Any

from config import Settings
from core.bus import HandlerTable
from core.clock import now as clock_now
from core.events import record_event
from facilities import service
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


EVENT_HANDLERS: HandlerTable = {
    FacilityUpdated: (publish_facility,),
}
