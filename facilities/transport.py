"""A transport, seen from the receiving facility: it joins the facility's `incoming` when the
incident moves to `transporting` (with the unit's ETA and the bed type it is for), and at
`at_facility` it leaves `incoming` and one bed of that type is taken (never below zero). A
transport that ends otherwise (the incident cancelled) leaves `incoming` too. Each step is a
`FacilityUpdated` (the `facility.updated` live event). Called by dispatch.service inside the
move's transaction; the caller commits.

The ETA is the straight-line estimate (geo.travel, times a circuity of 1.3): computed here, inside the
transaction, because it is local arithmetic and waits on nothing; a road router (OSRM) is not
asked, so no transaction ever waits on the network for it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core.actors import Actor
from core.audit import audit_as
from core.bus import MessageBus
from core.errors import DomainError
from dispatch.models import Incident, Unit
from facilities.beds import bed_type_for
from facilities.events import FacilityUpdated
from facilities.models import BED_TYPES, Facility, FacilityBeds
from geo.travel import LatLon, StraightLineRouter

log = logging.getLogger(__name__)

ETA_ESTIMATOR = StraightLineRouter()


def check_bed_type(bed_type: str | None) -> None:
    if bed_type is not None and bed_type not in BED_TYPES:
        raise DomainError(f"Unknown bed type {bed_type!r}.", fields={"bed_type": f"one of {', '.join(BED_TYPES)}"})


def transport_origin(*, unit: Unit | None, incident: Incident, now: datetime, stale_s: int) -> LatLon | None:
    """Where the transport starts: the unit's fresh fix, else the scene (the team is with the
    person), else the unit's last fix, else its home base."""
    has_fix = unit is not None and unit.lat is not None and unit.lon is not None
    fresh = unit is not None and unit.location_at is not None and unit.location_at >= now - timedelta(seconds=stale_s)
    if unit is not None and has_fix and fresh:
        return (unit.lat, unit.lon)  # type: ignore[return-value]
    if incident.lat is not None and incident.lon is not None:
        return (incident.lat, incident.lon)
    if unit is not None and has_fix:
        return (unit.lat, unit.lon)  # type: ignore[return-value]
    if unit is not None:
        return (unit.home_lat, unit.home_lon)
    return None


def start_transport(
    *,
    session: Any,
    incident: Incident,
    facility: Facility,
    bed_type: str | None,
    by: Actor,
    bus: MessageBus,
    at: datetime,
    stale_s: int,
) -> str:
    """The incident (now `transporting` to `facility`) joins its `incoming`. `bed_type` None:
    by the person's needs (facilities.beds.bed_type_for). Returns the bed type recorded."""
    check_bed_type(bed_type)
    offered = {row.bed_type: row.total for row in facility.beds}
    chosen = bed_type or bed_type_for(youth=incident.needs_youth, offered=offered)
    unit = session.get(Unit, incident.unit_id) if incident.unit_id is not None else None
    origin = transport_origin(unit=unit, incident=incident, now=at, stale_s=stale_s)
    eta = None if origin is None else round(ETA_ESTIMATOR.eta_seconds(origin, (facility.lat, facility.lon)))
    incident.transport_bed_type = chosen
    incident.transport_eta_seconds = eta
    incident.transport_eta_computed_at = at
    incident.bed_taken_at = None
    session.flush()
    bus.publish(FacilityUpdated(facility_id=facility.id, by=by, change="incoming"), session=session)
    return chosen


def retime_transport(*, session: Any, incident: Incident, unit: Unit, now: datetime, stale_s: int) -> bool:
    """A transporting unit reported a new position: its ETA to the facility, again, from there.
    Returns whether the incident was transporting (and so retimed).

    Written by a plain UPDATE, not through the incident's version: a position fix is not a change
    of the incident, so a move made at the same moment (the team taps "At the facility") is not
    refused as a concurrent change of it."""
    if incident.status != "transporting" or incident.facility_id is None:
        return False
    facility = session.get(Facility, incident.facility_id)
    origin = transport_origin(unit=unit, incident=incident, now=now, stale_s=stale_s)
    if facility is None or origin is None:
        return False
    eta = round(ETA_ESTIMATOR.eta_seconds(origin, (facility.lat, facility.lon)))
    session.execute(
        sa.update(Incident)
        .where(Incident.id == incident.id, Incident.status == "transporting")
        .values(transport_eta_seconds=eta, transport_eta_computed_at=now)
        .execution_options(synchronize_session=False, report_facts="unchanged")
    )
    session.expire(incident, ["transport_eta_seconds", "transport_eta_computed_at"])
    return True


def arrive(*, session: Any, incident: Incident, by: Actor, bus: MessageBus, at: datetime) -> bool:
    """The transport reached its facility (`at_facility`): it leaves `incoming`, and one bed of
    its type is taken when one is open (the row is locked: two arrivals take two beds). Returns
    whether a bed was taken; none open is audited as such and changes no count."""
    facility_id, bed_type = incident.facility_id, incident.transport_bed_type
    if facility_id is None:
        return False
    row = None
    if bed_type is not None:
        row = session.scalars(
            sa.select(FacilityBeds)
            .where(FacilityBeds.facility_id == facility_id, FacilityBeds.bed_type == bed_type)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
    taken = row is not None and row.available > 0
    if taken:
        assert row is not None
        row.available -= 1
        incident.bed_taken_at = at
    session.flush()
    audit_as(
        session=session,
        by=by,
        action="facility.bed_taken" if taken else "facility.no_bed",
        record_type="facility",
        record_id=facility_id,
        detail={
            "incident_id": incident.id,
            "bed_type": bed_type,
            "available": row.available if row is not None else None,
        },
    )
    if not taken:
        log.info("a transport arrived at facility %s with no open %s bed on record", facility_id, bed_type)
    bus.publish(FacilityUpdated(facility_id=facility_id, by=by, change="arrived"), session=session)
    return taken


def transport_ended(*, session: Any, incident: Incident, by: Actor, bus: MessageBus) -> None:
    """A transport that will not arrive (the incident was cancelled): it leaves `incoming`."""
    if incident.facility_id is not None:
        session.flush()
        bus.publish(FacilityUpdated(facility_id=incident.facility_id, by=by, change="incoming"), session=session)
