"""Units: creation, status moves, position fixes, and who a phone number belongs to.

Every change of a unit row that can race with an assignment is a compare-and-set UPDATE on the
status (or the fix time) the change was decided on, never a blind write of a value read before.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from config import Settings
from core.actors import Actor
from core.audit import audit_as
from core.bus import MessageBus
from core.clock import now as clock_now
from core.errors import Conflict, DomainError, NotFound
from core.events import record_event
from core.models import User
from core.roles import unit_scope
from dispatch.events import UnitPositioned
from dispatch.models import Unit, UnitPosition
from dispatch.schemas import UnitRead
from dispatch.states import UnitStatus
from geo.service import valid_position

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
FUTURE_FIX_TOLERANCE = timedelta(minutes=5)  # phone clocks run a little fast


def get_unit(*, session: Any, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"No unit {unit_id}.")
    return unit  # type: ignore[no-any-return]


def list_units(*, session: Any, unit_id: int | None = None) -> list[Unit]:
    statement = sa.select(Unit).order_by(Unit.call_sign)
    if unit_id is not None:
        statement = statement.where(Unit.id == unit_id)
    return list(session.scalars(statement))


def normalize_phone(phone: str) -> str:
    return re.sub(r"[\s().-]", "", phone or "")


def _check_phones(session: Any, phones: list[str], *, except_unit: int | None = None) -> list[str]:
    clean = [normalize_phone(p) for p in phones]
    bad = [p for p, c in zip(phones, clean, strict=True) if not E164.match(c)]
    if bad:
        raise DomainError(
            "Phone numbers must be in E.164 form, e.g. +18025550123.",
            fields={"phones": f"not E.164: {', '.join(bad)}"},
        )
    for phone in clean:
        owner = unit_for_phone(session=session, phone=phone)
        if owner is not None and owner.id != except_unit:
            raise Conflict(f"{phone} already belongs to unit {owner.call_sign}.")
    return clean


def check_languages(languages: list[str]) -> list[str]:
    clean = [lang.strip().lower() for lang in languages]
    bad = [lang for lang in clean if not LANGUAGE.match(lang)]
    if bad:
        raise DomainError(
            "Languages are two-letter ISO 639-1 codes, e.g. en, es, fr.",
            fields={"capabilities.languages": f"not ISO 639-1: {', '.join(bad)}"},
        )
    return sorted(set(clean), key=clean.index)


def create_unit(
    *,
    session: Any,
    call_sign: str,
    phones: list[str],
    languages: list[str],
    youth: bool,
    home_lat: float,
    home_lon: float,
    status: str = UnitStatus.AVAILABLE,
    by: Actor,
    stale_s: int,
) -> Unit:
    call_sign = call_sign.strip()
    if not call_sign:
        raise DomainError("A unit needs a call sign.", fields={"call_sign": "required"})
    try:
        start = UnitStatus(status)
    except ValueError:
        raise DomainError(f"Unknown unit status {status!r}.", fields={"status": "unknown status"}) from None
    if start is UnitStatus.DISPATCHED or start not in (
        UnitStatus.AVAILABLE,
        UnitStatus.OUT_OF_SERVICE,
        UnitStatus.OFF_DUTY,
    ):
        raise DomainError(
            "A new unit starts available, out of service or off duty.",
            fields={"status": "must be available, out_of_service or off_duty"},
        )
    if session.scalar(sa.select(Unit.id).where(Unit.call_sign == call_sign)) is not None:
        raise Conflict(f"A unit with call sign {call_sign} already exists.")
    unit = Unit(
        call_sign=call_sign,
        phones=_check_phones(session, phones),
        languages=check_languages(languages),
        youth=youth,
        home_lat=home_lat,
        home_lon=home_lon,
        status=start.value,
        status_changed_at=clock_now(),
        created_at=clock_now(),
    )
    session.add(unit)
    session.flush()
    record_event(
        session=session,
        type="unit.updated",
        data=UnitRead.of(unit, now=clock_now(), stale_s=stale_s).model_dump(mode="json"),
        unit_id=unit.id,
    )
    audit_as(session=session, by=by, action="unit.create", record_type="unit", record_id=unit.id)
    return unit


def unit_for_phone(*, session: Any, phone: str) -> Unit | None:
    """The unit that has this phone number among its phones (numbers are compared in E.164)."""
    wanted = normalize_phone(phone)
    if not wanted:
        return None
    for unit in session.scalars(sa.select(Unit)):
        if wanted in (normalize_phone(p) for p in unit.phones or []):
            return unit  # type: ignore[no-any-return]
    return None


def move_unit_status(
    *,
    session: Any,
    unit: Unit,
    target: UnitStatus,
    by: Actor,
    stale_s: int,
    incident_id: int | None = None,
    release: bool = False,
) -> bool:
    """Compare-and-set the unit's status from the one it holds now; returns whether it moved.

    `incident_id` (when given) must still be the unit's incident; `release` also frees the unit
    from it. Raises Conflict when the unit changed meanwhile. Writes the live event.
    """
    current = unit.status
    if current == target.value and not release:
        return False
    values: dict[str, Any] = {"status": target.value, "status_changed_at": clock_now()}
    if release:
        values["incident_id"] = None
    statement = sa.update(Unit).where(Unit.id == unit.id, Unit.status == current)
    if incident_id is not None:
        statement = statement.where(Unit.incident_id == incident_id)
    result = session.execute(statement.values(**values).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.expire(unit)
        raise Conflict(f"Unit {unit.call_sign} changed meanwhile; look again and retry.")
    session.expire(unit)
    record_event(
        session=session,
        type="unit.updated",
        data=UnitRead.of(unit, now=clock_now(), stale_s=stale_s).model_dump(mode="json"),
        unit_id=unit.id,
    )
    return True


def record_position(
    *,
    session: Any,
    unit_id: int,
    lat: float,
    lon: float,
    accuracy_m: float | None = None,
    recorded_at: datetime | None = None,
    by: Actor,
    bus: MessageBus,
    source: str = "api",
) -> Unit:
    """Keep the fix in the history; move the unit only when the fix is newer than the one held."""
    unit = get_unit(session=session, unit_id=unit_id)
    if not valid_position(lat, lon):
        raise DomainError("Latitude must be within ±90 and longitude within ±180.", fields={"lat": "out of range"})
    received = clock_now()
    at = recorded_at or received
    if at.tzinfo is None:
        raise DomainError("The fix time needs a UTC offset.", fields={"recorded_at": "no offset"})
    if at > received + FUTURE_FIX_TOLERANCE:
        raise DomainError("The fix time is in the future.", fields={"recorded_at": "in the future"})
    session.add(
        UnitPosition(
            unit_id=unit.id,
            lat=lat,
            lon=lon,
            accuracy_m=accuracy_m,
            recorded_at=at,
            received_at=received,
            source=source[:20],
        )
    )
    moved = session.execute(
        sa.update(Unit)
        .where(Unit.id == unit.id, sa.or_(Unit.location_at.is_(None), Unit.location_at < at))
        .values(lat=lat, lon=lon, location_at=at)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.flush()
    session.expire(unit)
    if moved:
        record_event(
            session=session,
            type="unit.updated",
            data=UnitRead.of(unit, now=received, stale_s=bus.settings.position_stale_s).model_dump(mode="json"),
            unit_id=unit.id,
        )
    bus.publish(UnitPositioned(unit=unit, by=by), session=session)
    return unit


def units_snapshot(session: Any, user: User, settings: Settings) -> list[dict[str, Any]]:
    """The "units" part of the live snapshot: every unit for staff, a field user's own unit."""
    at = clock_now()
    scope = unit_scope(user)
    units = [] if scope.nothing else list_units(session=session, unit_id=scope.unit_id)
    return [UnitRead.of(u, now=at, stale_s=settings.position_stale_s).model_dump(mode="json") for u in units]
