"""Recording who rides with a unit this shift (the rules and the flags are dispatch/crew.py's).

A crew is set whole, by a dispatcher or an admin, and stays until it is set again or cleared.
A unit going off duty clears its crew: off duty is the end of the shift, and the next shift's
board must not show last night's names as if they were riding now (the unit comes back on duty
flagged "no crew recorded" until someone says who rides). Out of service (a flat tyre, a meal
break) keeps the crew: the same people come back. Every change is audited (record type `unit`)
and reaches the screens as `unit.updated`, whose unit carries the crew.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from core.actors import Actor
from core.audit import audit_as
from core.clock import now as clock_now
from core.errors import DomainError, NotFound
from core.events import record_event
from core.models import User
from dispatch.crew import CrewInvalid, CrewPerson, clean_crew, staffing_reason
from dispatch.models import CrewMember, Unit
from dispatch.schemas import UnitRead

log = logging.getLogger(__name__)


def _locked_unit(session: Any, unit_id: int) -> Unit:
    """The unit, its row locked until the transaction ends (PostgreSQL): two dispatchers setting
    one unit's crew at once write one after the other, never a mix of both lists."""
    if session.scalar(sa.select(Unit.id).where(Unit.id == unit_id).with_for_update()) is None:
        raise NotFound(f"No unit {unit_id}.")
    unit = session.get(Unit, unit_id)
    session.expire(unit, ["crew"])  # read again under the lock (the rest of the row is the caller's)
    return unit  # type: ignore[no-any-return]


def _crew_detail(crew: Iterable[CrewMember | CrewPerson]) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "role": p.crew_role if isinstance(p, CrewMember) else p.role, "user_id": p.user_id}
        for p in crew
    ]


def _check_accounts(session: Any, crew: Sequence[CrewPerson]) -> None:
    wanted = {p.user_id for p in crew if p.user_id is not None}
    if not wanted:
        return
    known = set(session.scalars(sa.select(User.id).where(User.id.in_(wanted))))
    fields = {
        f"crew.{index}.user_id": "no such user"
        for index, person in enumerate(crew)
        if person.user_id is not None and person.user_id not in known
    }
    if fields:
        raise DomainError("A crew member's account does not exist.", fields=fields)


def _replace(session: Any, unit: Unit, crew: Sequence[CrewPerson], by: Actor) -> None:
    session.execute(sa.delete(CrewMember).where(CrewMember.unit_id == unit.id))
    at = clock_now()
    for position, person in enumerate(crew):
        session.add(
            CrewMember(
                unit_id=unit.id,
                position=position,
                name=person.name,
                crew_role=person.role,
                user_id=person.user_id,
                set_at=at,
                set_by=by.user_id,
                set_by_name=by.name[:80],
            )
        )
    session.flush()
    session.expire(unit, ["crew"])


def set_crew(
    *,
    session: Any,
    unit_id: int,
    crew: Iterable[tuple[str, str, int | None]],
    by: Actor,
    stale_s: int,
) -> Unit:
    """Replace the unit's crew with `crew` ((name, role, user id) in the order to show; empty:
    nobody recorded). 422 naming the field for a bad name, role or account; 404 for no unit."""
    try:
        people = clean_crew(crew)
    except CrewInvalid as invalid:
        raise DomainError(str(invalid), fields=invalid.fields) from None
    _check_accounts(session, people)
    unit = _locked_unit(session, unit_id)
    before = _crew_detail(unit.crew)
    _replace(session, unit, people, by)
    record_event(
        session=session,
        type="unit.updated",
        data=UnitRead.of(unit, now=clock_now(), stale_s=stale_s).model_dump(mode="json"),
        unit_id=unit.id,
    )
    audit_as(
        session=session,
        by=by,
        action="unit.crew",
        record_type="unit",
        record_id=unit.id,
        detail={"before": before, "after": _crew_detail(people)},
    )
    return unit


def clear_crew_off_duty(*, session: Any, unit_id: int, by: Actor) -> None:
    """The shift ended: the unit's crew is cleared (audited). Writes no event of its own: the
    status move that follows does, and its unit already has no crew."""
    unit = _locked_unit(session, unit_id)
    before = _crew_detail(unit.crew)
    if not before:
        return
    _replace(session, unit, [], by)
    audit_as(
        session=session,
        by=by,
        action="unit.crew",
        record_type="unit",
        record_id=unit.id,
        detail={"before": before, "after": [], "why": "off duty"},
    )


def staffing_reasons(*, session: Any, units: Iterable[tuple[int, str]]) -> dict[int, str]:
    """For (unit id, status) pairs: the recommendation's line for each short-staffed unit
    (dispatch.crew.staffing_reason); units whose crew is complete are left out."""
    statuses = dict(units)
    if not statuses:
        return {}
    roles: dict[int, list[str]] = {unit_id: [] for unit_id in statuses}
    rows = session.execute(
        sa.select(CrewMember.unit_id, CrewMember.crew_role)
        .where(CrewMember.unit_id.in_(list(statuses)))
        .order_by(CrewMember.unit_id, CrewMember.position)
    )
    for unit_id, role in rows:
        roles[unit_id].append(role)
    reasons = {unit_id: staffing_reason(status=statuses[unit_id], roles=found) for unit_id, found in roles.items()}
    return {unit_id: reason for unit_id, reason in reasons.items() if reason}


# The demo units' crews (invented names): most are a full team; MCT-4 has no clinician and MCT-6
# rides alone, so the board and the map show what a flag looks like.
DEMO_CREWS: dict[str, list[tuple[str, str, int | None]]] = {
    "MCT-1": [("Dana Reyes", "clinician", None), ("Sam Ortiz", "peer_specialist", None)],
    "MCT-2": [("Lucía Romero", "clinician", None), ("Marcus Bell", "peer_specialist", None)],
    "MCT-3": [
        ("Priya Shah", "clinician", None),
        ("Jordan Lee", "peer_specialist", None),
        ("Alex Kim", "trainee", None),
    ],
    "MCT-4": [("Hannah Brooks", "nurse", None), ("Tom Avery", "peer_specialist", None)],
    "MCT-5": [("Kwame Mensah", "clinician", None), ("Rosa Díaz", "peer_specialist", None)],
    "MCT-6": [("Eli Novak", "peer_specialist", None)],
}


def seed_demo_crews(*, session: Any, call_signs: Iterable[str], stale_s: int) -> list[str]:
    """Give the demo units just created (by call sign) their crews; returns the call signs done."""
    done = []
    for call_sign in call_signs:
        crew = DEMO_CREWS.get(call_sign)
        unit_id = session.scalar(sa.select(Unit.id).where(Unit.call_sign == call_sign))
        if crew and unit_id is not None:
            set_crew(session=session, unit_id=unit_id, crew=crew, by=Actor.system("demo seed"), stale_s=stale_s)
            done.append(call_sign)
    return done
