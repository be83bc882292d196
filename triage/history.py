"""A caller's history: earlier calls from the same number or the same place, and the safety
answers they carried (CONTRACT "Calls (amended)": `history`).

`history_for` reads in the caller's transaction and writes nothing; the caller audits the view
(the ids it revealed are in `CallHistory.call_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from triage.models import Call

RECENT_MAX = 5
SCANNED_MAX = 500  # the newest earlier calls whose answers are read for safety lines
SAFETY_MAX = 20
# Two resolved locations this close (degrees: about 20 m in latitude, less in longitude at the
# equator, about 20 m at 44° N) are the same place.
SAME_PLACE_DEG_LAT = 0.00018
SAME_PLACE_DEG_LON = 0.00025

# DOMAIN "Dispatch safety screen": what an earlier yes / unknown answer is called on a safety line.
SAFETY_WORDS: dict[str, dict[str, str]] = {
    "weapon_present": {"yes": "weapon reported", "unknown": "weapon status unknown"},
    "weapon_intent": {"yes": "intent to use a weapon reported", "unknown": "weapon intent unknown"},
    "violence_now": {"yes": "violence or threats reported", "unknown": "violence status unknown"},
    "violence_history": {"yes": "history of violence reported", "unknown": "violence history unknown"},
}


@dataclass(frozen=True)
class EarlierCall:
    id: int
    number: str
    received_at: datetime
    risk_level: str
    disposition: str


@dataclass(frozen=True)
class CallHistory:
    prior_calls: int = 0
    recent: list[EarlierCall] = field(default_factory=list)
    safety: list[str] = field(default_factory=list)
    call_ids: list[int] = field(default_factory=list)  # every earlier call this history names


@dataclass(frozen=True)
class Place:
    """A resolved location to compare calls by."""

    lat: float
    lon: float


def safety_lines(number: str, answers: dict[str, Any], *, day: str) -> list[str]:
    """The safety lines one earlier call gives, in the screen's order."""
    lines = []
    for question, words in SAFETY_WORDS.items():
        said = words.get(str(answers.get(question, "")))
        if said is not None:
            lines.append(f"{said} on {number}, {day}")
    return lines


def place_of(call: Call) -> Place | None:
    if not call.location_resolved or call.lat is None or call.lon is None:
        return None
    return Place(lat=call.lat, lon=call.lon)


def _matching(phone: str | None, place: Place | None) -> Any:
    conditions = []
    if phone:
        conditions.append(Call.caller_phone == phone)
    if place is not None:
        conditions.append(
            sa.and_(
                Call.location_resolved.is_(True),
                Call.lat.between(place.lat - SAME_PLACE_DEG_LAT, place.lat + SAME_PLACE_DEG_LAT),
                Call.lon.between(place.lon - SAME_PLACE_DEG_LON, place.lon + SAME_PLACE_DEG_LON),
            )
        )
    return sa.or_(*conditions) if conditions else None


def history_for(
    *,
    session: Any,
    phone: str | None,
    place: Place | None,
    exclude_call_id: int | None = None,
    before: datetime | None = None,
    tz: tzinfo | None = None,
) -> CallHistory:
    """Earlier calls from `phone` (E.164) or at `place`, newest first.

    `exclude_call_id` and `before` make it the history of a saved call: the call itself and the
    calls received after it are left out. Safety lines are dated by the local day of `tz` (UTC
    when None)."""
    condition = _matching(phone, place)
    if condition is None:
        return CallHistory()
    filters = [condition]
    if exclude_call_id is not None:
        filters.append(Call.id != exclude_call_id)
    if before is not None:
        filters.append(Call.received_at <= before)
    count = session.scalar(sa.select(sa.func.count(Call.id)).where(*filters)) or 0
    if not count:
        return CallHistory()
    rows = session.execute(
        sa.select(Call.id, Call.number, Call.received_at, Call.risk_level, Call.disposition, Call.answers)
        .where(*filters)
        .order_by(Call.received_at.desc(), Call.id.desc())
        .limit(SCANNED_MAX)
    ).all()
    recent = [
        EarlierCall(
            id=row.id,
            number=row.number,
            received_at=row.received_at,
            risk_level=row.risk_level,
            disposition=row.disposition,
        )
        for row in rows[:RECENT_MAX]
    ]
    safety: list[str] = []
    named = [row.id for row in rows[:RECENT_MAX]]
    for row in rows:
        if len(safety) >= SAFETY_MAX:
            break
        day = (
            row.received_at.astimezone(tz).date().isoformat() if tz is not None else row.received_at.date().isoformat()
        )
        lines = safety_lines(row.number, dict(row.answers or {}), day=day)
        if lines:
            safety.extend(lines)
            if row.id not in named:
                named.append(row.id)
    return CallHistory(prior_calls=int(count), recent=recent, safety=safety[:SAFETY_MAX], call_ids=named)


def history_of_call(*, session: Any, call: Call, tz: tzinfo | None = None) -> CallHistory:
    """The history shown with a saved call: the calls before it from its number or its place."""
    return history_for(
        session=session,
        phone=call.caller_phone,
        place=place_of(call),
        exclude_call_id=call.id,
        before=call.received_at,
        tz=tz,
    )
