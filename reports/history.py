"""`flask --app wsgi demo history`: a month of calls and responses for the demo city, so the reports
show real figures and charts on the first start.

The rows are the ones the product writes when it takes a call and runs a response (a call with its
triage computed by the real engine, an incident with its status moves, assignment, outcome and
police presence, follow-ups with their attempts), written directly and backdated instead of being
driven through the live services: those would text the teams, start timers that fire at once and
fill the live event log with a month of changes. So the history sends nothing and raises no alert;
every incident in it is over (closed, or cancelled), and the board and the map stay as they were.
Follow-ups whose window is still open stay due, with their timer, as the product leaves them.

Places are real address points of the demo city (the local geocoder's data), written the way the
geocoder writes them. Runs once: a database that already holds calls from before yesterday is
left alone (`HistoryExists`), so a second run adds nothing.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import sqlalchemy as sa

from config import TimerSettings
from core.actors import Actor
from core.audit import audit_as
from core.models import User, UserRole
from dispatch.models import Unit
from facilities.models import Facility
from geo.areas import ServiceAreas
from geo.models import AddressPointRow
from reports.history_plan import call_times, plan_call
from reports.history_rows import HistoryWriter, Place, Units
from triage.models import Call
from triage.questionnaire import Questionnaire

log = logging.getLogger(__name__)

HISTORY_ENDS_BEFORE = timedelta(minutes=30)  # the newest history call, before now


class HistoryExists(Exception):
    """The database already has calls from earlier days: demo history would mix with them."""


class HistoryRefused(Exception):
    """Something demo history needs is missing (the demo units, the address points)."""


@dataclass(frozen=True, slots=True)
class HistoryResult:
    calls: int
    incidents: int
    followups: int
    followups_due: int
    first: datetime
    last: datetime


def earliest_call_before(*, session: Any, before: datetime) -> datetime | None:
    """When the oldest call received before `before` came in; None when there is none."""
    found: datetime | None = session.scalar(sa.select(sa.func.min(Call.received_at)).where(Call.received_at < before))
    return found


def _places(session: Any) -> list[Place]:
    rows = session.execute(
        sa.select(
            AddressPointRow.number,
            AddressPointRow.street,
            AddressPointRow.unit,
            AddressPointRow.city,
            AddressPointRow.state,
            AddressPointRow.postcode,
            AddressPointRow.lat,
            AddressPointRow.lon,
        ).order_by(AddressPointRow.id)
    ).all()
    places = []
    for number, street, unit, city, state, postcode, lat, lon in rows:
        line = " ".join(part for part in (number, street, unit) if part)  # as geo.local writes it
        region = " ".join(part for part in (state, postcode) if part)
        places.append(Place(", ".join(part for part in (line, city, region) if part), lat, lon))
    return places


def _user_with_role(session: Any, role: str) -> Actor | None:
    user = session.scalars(
        sa.select(User).join(UserRole).where(UserRole.role == role, User.active.is_(True)).order_by(User.id).limit(1)
    ).first()
    return Actor.of(user) if user is not None else None


def make_history(
    *,
    session: Any,
    days: int,
    now: datetime,
    questionnaire: Questionnaire,
    timers: TimerSettings,
    areas: ServiceAreas,
    tz: tzinfo,
    seed: int = 988,
) -> HistoryResult:
    """Write `days` days of calls and responses ending shortly before `now`, in the caller's
    transaction. Raises HistoryExists when calls from before yesterday exist, HistoryRefused when
    the demo units or address points are missing."""
    earliest = earliest_call_before(session=session, before=now - timedelta(days=1))
    if earliest is not None:
        raise HistoryExists(f"the database already has calls from {earliest.astimezone(tz):%Y-%m-%d} on")
    units = list(session.scalars(sa.select(Unit).order_by(Unit.id)))
    places = _places(session)
    if not units or not places:
        raise HistoryRefused("demo history needs the demo units and address points: run `flask --app wsgi demo seed`")
    facilities = {f.kind: f for f in session.scalars(sa.select(Facility).where(Facility.active.is_(True)))}
    writer = HistoryWriter(
        session=session,
        now=now,
        questionnaire=questionnaire,
        timers=timers,
        areas=areas,
        units=Units(units),
        facilities=facilities,
        operator=_user_with_role(session, "operator") or Actor.system("demo"),
        dispatcher=_user_with_role(session, "dispatcher") or Actor.system("demo"),
    )
    rng = random.Random(seed)
    start, end = now - timedelta(days=days), now - HISTORY_ENDS_BEFORE
    for received_at in call_times(rng=rng, start=start, end=end, tz=tz):
        writer.add(rng=rng, plan=plan_call(rng=rng, received_at=received_at), place=rng.choice(places))
    for unit in units:
        dispatched = writer.units.last_dispatched.get(unit.id)
        if dispatched is not None and (unit.last_dispatched_at is None or unit.last_dispatched_at < dispatched):
            unit.last_dispatched_at = dispatched
    session.flush()
    result = HistoryResult(
        calls=writer.calls,
        incidents=writer.incidents,
        followups=writer.followups,
        followups_due=writer.followups_due,
        first=start,
        last=end,
    )
    audit_as(
        session=session,
        by=Actor.system("demo"),
        action="demo.history",
        record_type="demo",
        detail={"days": days, "calls": result.calls, "incidents": result.incidents, "followups": result.followups},
    )
    return result
