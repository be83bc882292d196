"""A unit's status set by its team or a dispatcher: the moves that belong to an incident are made
on the incident (dispatch/service.py) and the unit follows; the others are the unit's own."""

from __future__ import annotations

from typing import Any

from core.actors import Actor
from core.audit import audit_as
from core.bus import MessageBus
from core.errors import Conflict, DomainError
from dispatch import service, staffing
from dispatch.models import Unit
from dispatch.states import IllegalTransition, UnitStatus, unit_transition
from dispatch.units import get_unit, move_unit_status


def set_unit_status(*, session: Any, unit_id: int, status: str, by: Actor, bus: MessageBus) -> Unit:
    """A status set by the team or a dispatcher. Moves that belong to an incident follow it."""
    unit = get_unit(session=session, unit_id=unit_id)
    try:
        target = UnitStatus(status)
    except ValueError:
        raise DomainError(f"Unknown unit status {status!r}.", fields={"status": "unknown status"}) from None
    current = UnitStatus(unit.status)
    if target is UnitStatus.DISPATCHED:
        raise Conflict("A unit is dispatched only by assigning it to an incident.")
    if unit.incident_id is not None:
        incident_id = unit.incident_id
        if target in (UnitStatus.AVAILABLE, UnitStatus.OFF_DUTY):
            raise Conflict(
                f"Unit {unit.call_sign} is committed to an incident: clear it, cancel it or return it "
                "to the queue first."
            )
        if target is UnitStatus.OUT_OF_SERVICE:
            service.return_to_queue(
                session=session, incident_id=incident_id, reason=f"unit {unit.call_sign} out of service", by=by, bus=bus
            )
            unit = get_unit(session=session, unit_id=unit_id)
            move_unit_status(session=session, unit=unit, target=target, by=by, stale_s=bus.settings.position_stale_s)
            return unit
        if service.incident_can_follow(session=session, incident_id=incident_id, unit_status=target):
            service.move_incident(session=session, incident_id=incident_id, status=target.value, by=by, bus=bus)
            return get_unit(session=session, unit_id=unit_id)
    try:
        unit_transition(current, target)
    except IllegalTransition as error:
        raise Conflict(f"Unit {unit.call_sign}: {error}.") from None
    if target is UnitStatus.OFF_DUTY:  # the shift ended: so did its crew (dispatch/staffing.py)
        staffing.clear_crew_off_duty(session=session, unit_id=unit.id, by=by)
    move_unit_status(
        session=session,
        unit=unit,
        target=target,
        by=by,
        incident_id=unit.incident_id,
        stale_s=bus.settings.position_stale_s,
    )
    audit_as(
        session=session,
        by=by,
        action="unit.status",
        record_type="unit",
        record_id=unit.id,
        detail={"from": current.value, "to": target.value},
    )
    return unit
