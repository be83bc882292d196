"""The facilities JSON API (CONTRACT "Facilities and beds")."""

from __future__ import annotations

import logging
from typing import Any

from flask_login import current_user

from core import deps
from core.actors import Actor
from core.api import ApiBlueprint
from core.clock import now as clock_now
from core.db import end_reads
from core.errors import Forbidden
from core.extensions import db
from core.ports import current_ports
from core.roles import ADMINS, BED_REPORTERS, FACILITY_READERS, facility_scope, may_report_beds
from facilities import service
from facilities.beds import BedCount
from facilities.models import Facility
from facilities.schemas import BedsIn, FacilitiesQuery, FacilityIn, FacilityPatch, FacilityRead

log = logging.getLogger(__name__)

api = ApiBlueprint("facilities_api", __name__, url_prefix="/api/v1")


def _actor() -> Actor:
    return Actor.of(current_user)


def _read(facility: Facility) -> FacilityRead:
    stale_s = deps.settings().facility_beds_stale_s
    return service.facility_read(session=db.session, facility=facility, now=clock_now(), stale_s=stale_s)


def _visible(facility_id: int) -> Facility:
    facility = service.get_facility(session=db.session, facility_id=facility_id)
    if not facility_scope(current_user).covers(facility.id):
        raise Forbidden("You can see only the facility you work at.")
    return facility


@api.op(
    "/facilities",
    "GET",
    roles=FACILITY_READERS,
    query=FacilitiesQuery,
    response=list[FacilityRead],
    summary="Facilities by name, with beds and incoming transports (a facility user: their own)",
)
def list_facilities(*, query: FacilitiesQuery) -> list[FacilityRead]:
    rows = service.list_facilities(
        session=db.session,
        scope=facility_scope(current_user),
        kind=query.kind,
        include_inactive=query.include_inactive,
        limit=query.limit,
    )
    stale_s = deps.settings().facility_beds_stale_s
    answer = service.facility_reads(session=db.session, facilities=rows, now=clock_now(), stale_s=stale_s)
    db.session.commit()
    return answer


@api.op(
    "/facilities/<int:facility_id>",
    "GET",
    roles=FACILITY_READERS,
    response=FacilityRead,
    summary="One facility (a facility user: their own only)",
)
def get_facility(facility_id: int) -> FacilityRead:
    answer = _read(_visible(facility_id))
    db.session.commit()
    return answer


@api.op(
    "/facilities",
    "POST",
    roles=ADMINS,
    body=FacilityIn,
    response=FacilityRead,
    status=201,
    summary="Add a facility (its address geocoded like a call's; lat/lon given win)",
)
def create_facility(*, body: FacilityIn) -> tuple[FacilityRead, int]:
    end_reads(db.session)  # the geocoder may be a network service: no transaction waits on it
    place = service.locate_facility(locator=current_ports().locator, address=body.address, lat=body.lat, lon=body.lon)
    facility = service.create_facility(
        session=db.session,
        name=body.name,
        kind=body.kind,
        place=place,
        phone=body.phone,
        accepts_youth=body.accepts.youth,
        accepts_involuntary=body.accepts.involuntary,
        accepts_walk_in=body.accepts.walk_in,
        beds={t: BedCount(total=c.total, available=c.available) for t, c in body.beds.items()},
        active=body.active,
        by=_actor(),
        bus=deps.bus(),
    )
    answer = _read(facility)
    db.session.commit()
    return answer, 201


def _changes(body: FacilityPatch) -> dict[str, Any]:
    given = body.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {k: v for k, v in given.items() if k in ("name", "kind", "phone", "active")}
    for key, value in (given.get("accepts") or {}).items():
        changes[f"accepts_{key}"] = value
    return changes


@api.op(
    "/facilities/<int:facility_id>",
    "PATCH",
    roles=ADMINS,
    body=FacilityPatch,
    response=FacilityRead,
    summary="Change a facility (a new address is geocoded; lat/lon given win)",
)
def update_facility(facility_id: int, *, body: FacilityPatch) -> FacilityRead:
    facility = service.get_facility(session=db.session, facility_id=facility_id)
    place = None
    given = body.model_fields_set
    if {"address", "lat", "lon"} & given:
        address = body.address if "address" in given else facility.address
        end_reads(db.session)
        place = service.locate_facility(locator=current_ports().locator, address=address, lat=body.lat, lon=body.lon)
    facility = service.update_facility(
        session=db.session,
        facility_id=facility_id,
        changes=_changes(body),
        place=place,
        by=_actor(),
        bus=deps.bus(),
    )
    answer = _read(facility)
    db.session.commit()
    return answer


@api.op(
    "/facilities/<int:facility_id>/beds",
    "POST",
    roles=BED_REPORTERS,
    body=BedsIn,
    response=FacilityRead,
    summary="Report a facility's open beds (a facility user: their own facility's only)",
)
def report_beds(facility_id: int, *, body: BedsIn) -> FacilityRead:
    service.get_facility(session=db.session, facility_id=facility_id)  # 404 before 403: ids are not secret
    if not may_report_beds(current_user, facility_id):
        raise Forbidden("You can report beds only for the facility you work at.")
    facility = service.report_beds(
        session=db.session,
        facility_id=facility_id,
        report={t: (r.available, r.total) for t, r in body.beds.items()},
        by=_actor(),
        bus=deps.bus(),
        now=clock_now(),
    )
    answer = _read(facility)
    db.session.commit()
    return answer
