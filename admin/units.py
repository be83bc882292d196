"""An administrator changes a unit's call sign, phones, capabilities or home base
(`PATCH /api/v1/units/<id>`). Status and position are not changed here: they have their own
routes and rules (dispatch/units.py).

Phones are read with triage.phones ("(802) 555-0100" is +18025550100) and stored in E.164; a call
sign or phone that belongs to another unit is a Conflict (409): a text from that phone must reach
exactly one unit. The change is one `unit.updated` live event and one audit entry
(`unit.update`, with what changed from what).

Pure service: no Flask.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.actors import Actor
from core.audit import audit_as
from core.clock import now as clock_now
from core.errors import Conflict, DomainError
from core.events import record_event
from dispatch.models import Unit
from dispatch.schemas import UnitRead
from dispatch.units import check_languages, get_unit, unit_for_phone
from triage.phones import PhoneInvalid, e164

PHONES_MAX = 5


def clean_phones(*, session: Any, phones: list[str], unit_id: int) -> list[str]:
    """The phones in E.164, in the order given, each once. DomainError for one that is not a phone
    number, Conflict for one another unit has."""
    clean: list[str] = []
    bad: dict[str, str] = {}
    for index, raw in enumerate(phones):
        try:
            number = e164(raw)
        except PhoneInvalid as error:
            bad[f"phones.{index}"] = f"{raw!r} is not a phone number we can text: {error}"
            continue
        if number not in clean:
            clean.append(number)
    if bad:
        raise DomainError("Give each phone as a number, e.g. +18025550123 or (802) 555-0123.", fields=bad)
    if not clean:
        raise DomainError("A unit needs at least one phone.", fields={"phones": "give at least one number"})
    for number in clean:
        owner = unit_for_phone(session=session, phone=number)
        if owner is not None and owner.id != unit_id:
            raise Conflict(f"{number} already belongs to unit {owner.call_sign}.", code="phone_taken")
    return clean


def update_unit(
    *,
    session: Any,
    unit_id: int,
    by: Actor,
    stale_s: int,
    call_sign: str | None = None,
    phones: list[str] | None = None,
    languages: list[str] | None = None,
    youth: bool | None = None,
    home: tuple[float, float] | None = None,
) -> Unit:
    """Change what is given (None: leave as is). Raises NotFound, DomainError (422), Conflict (409)."""
    unit = get_unit(session=session, unit_id=unit_id)
    detail: dict[str, Any] = {}
    if call_sign is not None:
        call_sign = call_sign.strip()
        taken = session.scalar(
            sa.select(Unit.call_sign).where(sa.func.lower(Unit.call_sign) == call_sign.lower(), Unit.id != unit.id)
        )
        if taken is not None:
            raise Conflict(f"Another unit is called {taken} already.", code="call_sign_taken")
        if call_sign != unit.call_sign:
            detail["call_sign"] = {"from": unit.call_sign, "to": call_sign}
            unit.call_sign = call_sign
    if phones is not None:
        clean = clean_phones(session=session, phones=phones, unit_id=unit.id)
        if clean != list(unit.phones or []):
            detail["phones"] = {"from": list(unit.phones or []), "to": clean}
            unit.phones = clean
    if languages is not None:
        clean = check_languages(languages)
        if clean != list(unit.languages or []):
            detail["languages"] = {"from": list(unit.languages or []), "to": clean}
            unit.languages = clean
    if youth is not None and youth != bool(unit.youth):
        detail["youth"] = {"from": bool(unit.youth), "to": youth}
        unit.youth = youth
    if home is not None and home != (unit.home_lat, unit.home_lon):
        detail["home"] = {"from": [unit.home_lat, unit.home_lon], "to": list(home)}
        unit.home_lat, unit.home_lon = home
    if not detail:
        return unit
    session.flush()
    record_event(
        session=session,
        type="unit.updated",
        data=UnitRead.of(unit, now=clock_now(), stale_s=stale_s).model_dump(mode="json"),
        unit_id=unit.id,
    )
    audit_as(session=session, by=by, action="unit.update", record_type="unit", record_id=unit.id, detail=detail)
    return unit
