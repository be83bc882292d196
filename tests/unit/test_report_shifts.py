"""The shift (SHIFT_STARTS in TIMEZONE) and the periods of the /reports picker."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from config import ConfigError, Settings
from reports.picker import chosen, report_periods
from reports.shifts import ShiftStartsInvalid, parse_shift_starts, shift_at

NEW_YORK = ZoneInfo("America/New_York")
DAY_NIGHT = parse_shift_starts("07:00,19:00")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def test_the_day_shift_runs_from_seven_to_seven_local_time():
    shift = shift_at(local(2026, 12, 1, 13, 30), starts=DAY_NIGHT, zone=NEW_YORK)
    assert (shift.start, shift.end) == (local(2026, 12, 1, 7, 0), local(2026, 12, 1, 19, 0))
    assert shift.start.tzinfo == UTC
    assert shift.label(NEW_YORK) == "Tue 1 Dec 07:00 \u2013 19:00"


def test_before_seven_in_the_morning_it_is_still_last_night_s_shift():
    shift = shift_at(local(2026, 12, 1, 6, 59), starts=DAY_NIGHT, zone=NEW_YORK)
    assert (shift.start, shift.end) == (local(2026, 11, 30, 19, 0), local(2026, 12, 1, 7, 0))
    assert shift.label(NEW_YORK) == "Mon 30 Nov 19:00 \u2013 Tue 1 Dec 07:00"


def test_a_shift_starts_at_its_change_exactly():
    shift = shift_at(local(2026, 12, 1, 19, 0), starts=DAY_NIGHT, zone=NEW_YORK)
    assert shift.start == local(2026, 12, 1, 19, 0) and shift.end == local(2026, 12, 2, 7, 0)


def test_the_night_the_clocks_go_back_is_thirteen_hours_long():
    shift = shift_at(local(2026, 11, 1, 3, 0), starts=DAY_NIGHT, zone=NEW_YORK)
    assert (shift.end - shift.start).total_seconds() == 13 * 3600


def test_three_shifts_a_day_and_one_shift_a_day():
    three = parse_shift_starts("23:00, 07:00,15:00")
    assert [f"{t:%H:%M}" for t in three] == ["07:00", "15:00", "23:00"]
    shift = shift_at(local(2026, 12, 1, 23, 30), starts=three, zone=NEW_YORK)
    assert (shift.start, shift.end) == (local(2026, 12, 1, 23, 0), local(2026, 12, 2, 7, 0))
    once = shift_at(local(2026, 12, 1, 6, 0), starts=parse_shift_starts("07:00"), zone=NEW_YORK)
    assert (once.start, once.end) == (local(2026, 11, 30, 7, 0), local(2026, 12, 1, 7, 0))


@pytest.mark.parametrize("text", ["", "7", "25:00", "07:60", "noon", "07:00;19:00"])
def test_a_shift_start_that_is_no_time_of_day_is_refused_by_name(text):
    with pytest.raises(ShiftStartsInvalid, match="SHIFT_STARTS"):
        parse_shift_starts(text)


def test_a_wrong_shift_starts_setting_stops_the_start_naming_it():
    with pytest.raises(ConfigError, match="SHIFT_STARTS"):
        Settings.from_env({"SHIFT_STARTS": "7 am"})
    assert Settings.from_env({}).shift_starts == "07:00, 19:00"


def test_the_picker_s_periods_are_local_days_and_the_shift_with_its_offset():
    now = local(2026, 12, 1, 13, 30)
    periods = report_periods(now, zone=NEW_YORK, shift=shift_at(now, starts=DAY_NIGHT, zone=NEW_YORK))
    assert periods["today"] == {"from": "2026-12-01", "to": "2026-12-02", "label": "Today (Tue 1 Dec)"}
    assert periods["7d"]["from"] == "2026-11-25" and periods["7d"]["to"] == "2026-12-02"
    assert periods["30d"]["from"] == "2026-11-02"
    assert periods["shift"]["from"] == "2026-12-01T12:00:00+00:00"
    assert periods["shift"]["to"] == "2026-12-02T00:00:00+00:00"
    assert periods["shift"]["label"] == "This shift (Tue 1 Dec 07:00 \u2013 19:00)"


def test_late_at_night_in_new_york_today_is_still_new_york_s_today():
    now = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)  # 22:30 on 1 Dec in New York
    periods = report_periods(now, zone=NEW_YORK, shift=shift_at(now, starts=DAY_NIGHT, zone=NEW_YORK))
    assert periods["today"]["from"] == "2026-12-01"


def test_an_address_that_cannot_be_read_opens_the_default_report():
    today = date(2026, 12, 1)
    assert (
        chosen({"period": "custom", "from": "2026-12-05", "to": "2026-12-01"}, today=today, areas=[])["period"] == "7d"
    )
    assert chosen({"period": "1y", "priority": "high", "area": "Mars"}, today=today, areas=["Downtown"]) == {
        "period": "7d",
        "from": "2026-11-25",
        "to": "2026-12-01",
        "priority": "",
        "area": "",
    }
    picked = chosen(
        {"period": "custom", "from": "2026-11-01", "to": "2026-11-03", "priority": "urgent", "area": "Downtown"},
        today=today,
        areas=["Downtown"],
    )
    assert picked == {
        "period": "custom",
        "from": "2026-11-01",
        "to": "2026-11-03",
        "priority": "urgent",
        "area": "Downtown",
    }
