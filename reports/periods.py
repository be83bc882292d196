"""The periods reports cover: `from`/`to` as people give them, the local days of a period, and
the arrival targets. Pure: no Flask, no database.

`from` and `to` are ISO 8601 date-times with their offset ("2026-11-30T08:00:00-05:00", "…Z"),
or plain dates ("2026-11-30"), which mean that day's local midnight in TIMEZONE. A date-time
without an offset is refused: "08:00" means another moment in every zone. A period is
`[from, to)`, at most `MAX_SPAN_DAYS` long.

A local day runs from one local midnight to the next, so a day in TIMEZONE is 23 or 25 hours long
on the days the clocks change; the daily report splits a period at those midnights (the first and
last day cut to the period itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

from core.errors import DomainError
from core.moments import local_midnight, read_moment

MAX_SPAN_DAYS = 366
# A span measured in local days may be an hour longer than as many 24-hour days (a clock change).
_SPAN_SLACK = timedelta(hours=2)
EXAMPLE = "e.g. 2026-11-30 (local midnight) or 2026-11-30T08:00:00-05:00"


@dataclass(frozen=True, slots=True)
class Period:
    """`[start, end)` in UTC; `day` names the local day of a daily report's entry."""

    start: datetime
    end: datetime
    day: date | None = None


def parse_moment(value: str | None, *, field: str, zone: ZoneInfo) -> datetime:
    """One end of a period, as an aware UTC datetime; DomainError (422) naming `field`."""
    text = (value or "").strip()
    if not text:
        raise DomainError(f"Give `{field}`: {EXAMPLE}.", fields={field: "required"}, code="validation_failed")
    return read_moment(text, field=field, zone=zone, example=EXAMPLE)


def parse_period(from_: str | None, to: str | None, *, zone: ZoneInfo, max_days: int = MAX_SPAN_DAYS) -> Period:
    """The period `[from, to)`: both given and readable, from before to, at most `max_days`."""
    start = parse_moment(from_, field="from", zone=zone)
    end = parse_moment(to, field="to", zone=zone)
    if start >= end:
        raise DomainError(
            "`from` must be before `to` (the period is from `from` up to, not including, `to`).",
            fields={"from": "not before `to`"},
            code="validation_failed",
        )
    if end - start > timedelta(days=max_days) + _SPAN_SLACK:
        raise DomainError(
            f"A report covers at most {max_days} days; ask for a shorter period.",
            fields={"to": f"more than {max_days} days after `from`"},
            code="validation_failed",
        )
    return Period(start=start, end=end)


def local_days(period: Period, zone: ZoneInfo) -> list[Period]:
    """The local days the period touches, oldest first, each cut to the period."""
    days: list[Period] = []
    day = period.start.astimezone(zone).date()
    while True:
        start = local_midnight(day, zone)
        if start >= period.end:
            break
        following = day + timedelta(days=1)
        end = local_midnight(following, zone)
        days.append(Period(start=max(start, period.start), end=min(end, period.end), day=day))
        day = following
    return days


# --- targets and the percentile rule ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArrivalTargets:
    """Seconds from first contact to on scene (DOMAIN "Priorities and targets")."""

    emergent_s: int = 3600
    emergent_rural_s: int = 7200
    urgent_s: int = 4 * 3600
    routine_s: int = 72 * 3600

    def for_priority(self, priority: str | None, *, rural: bool) -> int | None:
        if priority == "emergent":
            return self.emergent_rural_s if rural else self.emergent_s
        return {"urgent": self.urgent_s, "routine": self.routine_s}.get(priority or "")


MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


def closest_ranks(n: int, p: Fraction) -> tuple[int, int, Fraction]:
    """The 1-based ranks around the p-quantile of n sorted values, and the weight of the upper
    one: numpy's default ("linear"), i.e. statistics.quantiles(method="inclusive")."""
    position = (n - 1) * p
    lower = int(position)  # position >= 0: int() is floor
    return lower + 1, min(lower + 2, n), position - lower


def interpolate(low: int, high: int | None, weight: Fraction) -> int:
    """The value between two ranks, rounded to whole seconds, halves up."""
    exact = Fraction(low) + (Fraction(high) - low) * weight if high is not None and weight else Fraction(low)
    return int((exact + Fraction(1, 2)).__floor__())
