"""Correcting a saved call (CONTRACT "Calls (amended)": PATCH /api/v1/calls/<id>).

Only the caller, the location, the narrative and the needs change, each time with a reason; the
triage answers never do (an override is how a decision changes). Every amendment is a
`CallAmendment` row with each field's value before and after, and an audit entry. A new location
is geocoded again, outside any transaction (core.db.end_reads), and moves the call's open incident
(dispatch.service.place_incident); new needs change the incident's, and so its recommendations.
Last write wins: two corrections made at once are both kept, in order.

Works in the caller's session and never commits: the view does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from core.actors import Actor
from core.audit import audit_as
from core.db import end_reads
from core.errors import Conflict, DomainError, NotFound
from core.events import record_event
from dispatch.models import Incident
from dispatch.schemas import IncidentRead
from dispatch.service import place_incident
from dispatch.states import OPEN_STATUSES, IncidentStatus
from geo.areas import NO_AREAS, ServiceAreas
from geo.service import LocatedAddress, Locator
from triage.languages import code_for
from triage.models import Call, CallAmendment
from triage.record import incident_for_call, phone_or_422
from triage.schemas import CallAmendIn

INVALID = "validation_failed"
LOCATION_FIELDS = ("address", "lat", "lon", "source", "resolved")


def _clean(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _wanted(payload: CallAmendIn) -> dict[str, Any]:
    """The new values the request asks for, by field name ("caller.phone", "needs.language"…),
    checked (422 on the field); the location is left to `_located`."""
    wanted: dict[str, Any] = {}
    if payload.caller is not None:
        for name in sorted(payload.caller.model_fields_set):
            value = getattr(payload.caller, name)
            wanted[f"caller.{name}"] = phone_or_422(value, field="caller.phone") if name == "phone" else _clean(value)
    if "narrative" in payload.model_fields_set:
        wanted["narrative"] = _clean(payload.narrative)
    if payload.needs is not None:
        if "youth" in payload.needs.model_fields_set:
            wanted["needs.youth"] = payload.needs.youth
        if "language" in payload.needs.model_fields_set:
            said = (payload.needs.language or "").strip()
            code = code_for(said) if said else None
            if said and code is None:
                raise DomainError(
                    f"{said!r} is not a language this service knows.",
                    fields={"needs.language": "give its ISO 639-1 code or its name (es, Spanish, español)"},
                    code=INVALID,
                )
            wanted["needs.language"] = code
    return wanted


def _asks_location(payload: CallAmendIn) -> bool:
    return payload.location is not None and bool(payload.location.model_fields_set)


COLUMNS = {
    "caller.phone": "caller_phone",
    "caller.name": "caller_name",
    "caller.relation": "caller_relation",
    "narrative": "narrative",
    "needs.youth": "needs_youth",
    "needs.language": "needs_language",
    "location.address": "address",
    "location.lat": "lat",
    "location.lon": "lon",
    "location.source": "location_source",
    "location.resolved": "location_resolved",
}


def _location_values(place: LocatedAddress) -> dict[str, Any]:
    return {
        "location.address": place.address,
        "location.lat": place.lat,
        "location.lon": place.lon,
        "location.source": place.source,
        "location.resolved": bool(place.resolved),
    }


def _check(payload: CallAmendIn) -> str:
    reason = payload.reason.strip()
    if not reason:
        raise DomainError("Say why the call is corrected.", fields={"reason": "required"}, code=INVALID)
    return reason


def amend_call(
    *,
    session: Any,
    call_id: int,
    payload: CallAmendIn,
    by: Actor,
    locator: Locator,
    now: datetime,
    areas: ServiceAreas = NO_AREAS,
) -> tuple[Call, Incident | None, CallAmendment | None]:
    """Correct a call; returns (call, its incident, the amendment, None when nothing differed)."""
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("There is no such call.")
    reason = _check(payload)
    wanted = _wanted(payload)
    if not wanted and not _asks_location(payload):
        raise DomainError(
            "Nothing to correct: give the caller, the location, the narrative or the needs.",
            fields={"body": "give caller, location, narrative or needs"},
            code="nothing_to_amend",
        )
    if _asks_location(payload):
        location = payload.location
        assert location is not None
        end_reads(session)  # a network geocoder may take seconds: no transaction waits on it
        place = locator.locate(address=location.address, lat=location.lat, lon=location.lon)
        call = session.get(Call, call_id)  # read again in the new transaction
        incident = incident_for_call(session=session, call=call)
        if incident is not None and IncidentStatus(incident.status) in OPEN_STATUSES and not place.resolved:
            raise DomainError(
                f"No place found for {location.address!r}: the team needs a point; check the spelling or pick it "
                "on the map.",
                fields={"location.address": "not found"},
                code="address_not_found",
            )
        wanted.update(_location_values(place))
    incident = incident_for_call(session=session, call=call)
    changes = {
        name: {"from": getattr(call, COLUMNS[name]), "to": value}
        for name, value in wanted.items()
        if getattr(call, COLUMNS[name]) != value
    }
    if not changes:
        return call, incident, None
    for name, change in changes.items():
        setattr(call, COLUMNS[name], change["to"])
    amendment = CallAmendment(
        call_id=call.id, at=now, user_id=by.user_id, actor=by.name[:80], reason=reason, changes=changes
    )
    session.add(amendment)
    session.flush()
    audit_as(
        session=session,
        by=by,
        action="amend",
        record_type="call",
        record_id=call.id,
        detail={"amendment_id": amendment.id, "reason": reason, "changes": changes},
    )
    if incident is not None:
        _follow(session=session, incident=incident, call=call, changes=changes, by=by, areas=areas)
    return call, incident, amendment


def _follow(
    *, session: Any, incident: Incident, call: Call, changes: dict[str, Any], by: Actor, areas: ServiceAreas
) -> None:
    """The incident follows its call: its needs, and (while open) its place; its answer shows the
    new narrative and callback number. One `incident.updated` either way."""
    if "needs.youth" in changes:
        incident.needs_youth = call.needs_youth
    if "needs.language" in changes:
        incident.needs_language = call.needs_language
    moved = any(name.startswith("location.") for name in changes)
    if moved and IncidentStatus(incident.status) in OPEN_STATUSES:
        place_incident(
            session=session,
            incident=incident,
            address=call.address,
            lat=call.lat,
            lon=call.lon,
            source=call.location_source,
            by=by,
            areas=areas,
        )
        return
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(f"Incident {incident.number} changed meanwhile; look again and retry.") from None
    record_event(
        session=session,
        type="incident.updated",
        data=IncidentRead.of(incident).model_dump(mode="json"),
        unit_id=incident.unit_id,
    )
