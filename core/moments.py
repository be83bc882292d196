"""Reading a moment a person typed into a query (`from`, `to` of a report or an audit search).
Pure: no Flask.

ISO 8601 with its offset ("2026-11-30T08:00:00-05:00", "…Z"), or a plain date ("2026-11-30"),
which means that day's local midnight in the given zone. A date-time without an offset is
refused: "08:00" is another moment in every zone. Years outside `YEARS` are refused too, so that
no date arithmetic (an offset, the next day) overflows into a server error.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import DomainError

YEARS = (1970, 2200)
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first moment of `day` in `zone`, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def read_moment(text: str, *, field: str, zone: ZoneInfo, example: str, next_day: bool = False) -> datetime:
    """`text` (stripped, not empty) as an aware UTC datetime; DomainError (422) naming `field`.
    `next_day`: a plain date means the following local midnight (a search "to the 1st" takes in
    the 1st)."""
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise _unreadable(field, text, example) from None
        _within_years(day.year, field)
        return local_midnight(day + timedelta(days=1) if next_day else day, zone)
    if not _DATE_TIME.match(text):
        raise _unreadable(field, text, example)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _unreadable(field, text, example) from None
    if moment.tzinfo is None:
        raise DomainError(
            f"`{field}` needs its UTC offset ({example}), or give a plain date.",
            fields={field: "needs a UTC offset"},
            code="validation_failed",
        )
    _within_years(moment.year, field)
    return moment.astimezone(UTC)


def _within_years(year: int, field: str) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise DomainError(
            f"`{field}` must be between {YEARS[0]} and {YEARS[1]}.",
            fields={field: f"not between {YEARS[0]} and {YEARS[1]}"},
            code="validation_failed",
        )


def _unreadable(field: str, text: str, example: str) -> DomainError:
    shown = text if len(text) <= 40 else text[:40] + "…"
    return DomainError(
        f"`{field}` is not a date we can read ({shown!r}): {example}.",
        fields={field: "not an ISO 8601 date or date-time"},
        code="validation_failed",
    )
