"""The periods of the /reports picker and what an address (?period=&from=&to=&priority=&area=)
asks for. Pure: no Flask, no database.

The periods are worked out in TIMEZONE, so the browser's own zone never moves a day: this shift
(SHIFT_STARTS), today, the last 7 and 30 days (each up to the end of today), or two dates chosen
(both days included). Plain dates go to the reports API as they are (a date is local midnight
there); the shift goes as its two moments with their offset.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reports.shifts import DASH, Shift

PERIOD_NAMES = ("shift", "today", "7d", "30d", "custom")
PRIORITIES = ("emergent", "urgent", "routine")


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def report_periods(now: datetime, *, zone: ZoneInfo, shift: Shift) -> dict[str, dict[str, str]]:
    """The picker's periods: {name: {"from", "to", "label"}}; `to` is not included."""
    today = now.astimezone(zone).date()
    tomorrow = today + timedelta(days=1)

    def days(n: int) -> dict[str, str]:
        first = today - timedelta(days=n - 1)
        return {
            "from": first.isoformat(),
            "to": tomorrow.isoformat(),
            "label": f"Last {n} days ({_day(first)}{DASH}{_day(today)})",
        }

    return {
        "shift": {
            "from": shift.start.isoformat(),
            "to": shift.end.isoformat(),
            "label": f"This shift ({shift.label(zone)})",
        },
        "today": {"from": today.isoformat(), "to": tomorrow.isoformat(), "label": f"Today ({_day(today)})"},
        "7d": days(7),
        "30d": days(30),
    }


def _date_or_none(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def chosen(args: Any, *, today: date, areas: list[str]) -> dict[str, str]:
    """What the address asks for (?period=&from=&to=&priority=&area=), with anything unreadable
    replaced by the default (the last 7 days, every priority, every area): a stale bookmark opens a
    report, never an error page."""
    period = args.get("period") if args.get("period") in PERIOD_NAMES else "7d"
    first, last = _date_or_none(args.get("from")), _date_or_none(args.get("to"))
    if period == "custom" and (first is None or last is None or first > last):
        period = "7d"
    return {
        "period": period,
        "from": (first or today - timedelta(days=6)).isoformat(),
        "to": (last or today).isoformat(),
        "priority": args.get("priority") if args.get("priority") in PRIORITIES else "",
        "area": args.get("area") if args.get("area") in areas else "",
    }
