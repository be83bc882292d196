"""The shift: from one shift change to the next, at the local times of SHIFT_STARTS in TIMEZONE.

Pure: no Flask, no database. The default "07:00,19:00" is the common 12-hour day and night
shift of a crisis center; any number of changes a day may be set ("07:00,15:00,23:00"). A shift
change at a local time that the clocks skip (02:30 on the spring-forward night) is at the first
moment after the gap, as zoneinfo reads it; a shift on a day the clocks change is an hour shorter
or longer, as the people who work it count it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_SHIFT_STARTS = "07:00,19:00"
DASH = " \u2013 "  # between the two ends of a period, as people write it
_HOUR_MINUTE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ShiftStartsInvalid(ValueError):
    """SHIFT_STARTS is not a list of local times like "07:00,19:00"."""


def parse_shift_starts(text: str) -> tuple[time, ...]:
    """The local times of the shift changes, sorted; ShiftStartsInvalid naming what is wrong."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    if not parts:
        raise ShiftStartsInvalid("SHIFT_STARTS needs at least one local time, e.g. 07:00,19:00")
    starts = set()
    for part in parts:
        found = _HOUR_MINUTE.match(part)
        if found is None:
            raise ShiftStartsInvalid(f"SHIFT_STARTS: {part!r} is not a time of day like 07:00")
        starts.add(time(int(found.group(1)), int(found.group(2))))
    return tuple(sorted(starts))


@dataclass(frozen=True, slots=True)
class Shift:
    """`[start, end)` in UTC."""

    start: datetime
    end: datetime

    def label(self, zone: ZoneInfo) -> str:
        """'Mon 30 Nov 19:00 to Tue 1 Dec 07:00' in local time (an en dash between the two)."""
        start, end = self.start.astimezone(zone), self.end.astimezone(zone)
        first = f"{start:%a} {start.day} {start:%b %H:%M}"
        if start.date() == end.date():
            return f"{first}{DASH}{end:%H:%M}"
        return f"{first}{DASH}{end:%a} {end.day} {end:%b %H:%M}"


def _changes(day: date, starts: tuple[time, ...], zone: ZoneInfo) -> list[datetime]:
    return [datetime.combine(day, at, tzinfo=zone).astimezone(UTC) for at in starts]


def shift_at(now: datetime, *, starts: tuple[time, ...], zone: ZoneInfo) -> Shift:
    """The shift that holds `now`: from the latest change at or before it to the next one."""
    today = now.astimezone(zone).date()
    changes = sorted(
        {moment for offset in (-1, 0, 1) for moment in _changes(today + timedelta(days=offset), starts, zone)}
    )
    start = max(moment for moment in changes if moment <= now)
    end = min(moment for moment in changes if moment > now)
    return Shift(start=start, end=end)
