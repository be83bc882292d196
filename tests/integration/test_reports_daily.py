"""GET /api/v1/reports/daily: one summary per local day of TIMEZONE, oldest first, and the day
boundaries of a plain date (local midnight), across the autumn clock change in New York
(2026-11-01 02:00 EDT -> 01:00 EST: that Sunday is 25 hours long)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.support.report_factories import make_response, use_settings


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def daily(api: Any, query: str) -> list[dict[str, Any]]:
    answer = api.as_role("supervisor").get(f"/api/v1/reports/daily?{query}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def test_a_call_at_half_past_eleven_at_night_is_on_its_local_day(app, api):
    use_settings(app, timezone="America/New_York")
    make_response(app, received_at=utc(2026, 11, 11, 4, 30))  # 2026-11-10 23:30 EST
    make_response(app, received_at=utc(2026, 11, 11, 5, 0))  # 2026-11-11 00:00 EST: the next day
    days = daily(api, "from=2026-11-10&to=2026-11-12")
    assert [(d["day"], d["calls"]) for d in days] == [("2026-11-10", 1), ("2026-11-11", 1)]
    assert days[0]["from"] == "2026-11-10T05:00:00+00:00" and days[0]["to"] == "2026-11-11T05:00:00+00:00"


def test_the_clock_change_day_has_25_hours_and_every_call_lands_on_its_local_day(app, api):
    use_settings(app, timezone="America/New_York")
    make_response(app, received_at=utc(2026, 11, 1, 3, 30))  # 2026-10-31 23:30 EDT
    make_response(app, received_at=utc(2026, 11, 1, 5, 30))  # 01:30 EDT, the first one
    make_response(app, received_at=utc(2026, 11, 1, 6, 30))  # 01:30 EST, the second one
    make_response(app, received_at=utc(2026, 11, 2, 4, 30))  # 2026-11-01 23:30 EST
    make_response(app, received_at=utc(2026, 11, 2, 5, 30))  # 2026-11-02 00:30 EST
    days = daily(api, "from=2026-10-31&to=2026-11-03")
    assert [d["day"] for d in days] == ["2026-10-31", "2026-11-01", "2026-11-02"]  # oldest first
    assert [d["calls"] for d in days] == [1, 3, 1]
    assert [(d["from"], d["to"]) for d in days] == [
        ("2026-10-31T04:00:00+00:00", "2026-11-01T04:00:00+00:00"),
        ("2026-11-01T04:00:00+00:00", "2026-11-02T05:00:00+00:00"),  # 25 hours
        ("2026-11-02T05:00:00+00:00", "2026-11-03T05:00:00+00:00"),
    ]
    summary = api.as_role("supervisor").get("/api/v1/reports/summary?from=2026-11-01&to=2026-11-02").get_json()
    assert summary["calls"] == 3 and summary["to"] == "2026-11-02T05:00:00+00:00"


def test_each_day_has_its_own_figures_and_the_first_and_last_are_cut_to_the_period(app, api):
    make_response(app, received_at=utc(2026, 11, 10, 10), steps=[("dispatch", utc(2026, 11, 10, 10, 2))])
    make_response(app, received_at=utc(2026, 11, 10, 11), steps=[("dispatch", utc(2026, 11, 10, 11, 4))])
    make_response(app, received_at=utc(2026, 11, 11, 9), steps=[("dispatch", utc(2026, 11, 11, 9, 10))])
    make_response(app, received_at=utc(2026, 11, 11, 20))  # after `to`
    days = daily(api, "from=2026-11-10T06:00:00Z&to=2026-11-11T12:00:00%2B00:00&priority=urgent")
    assert [(d["day"], d["from"], d["to"]) for d in days] == [
        ("2026-11-10", "2026-11-10T06:00:00+00:00", "2026-11-11T00:00:00+00:00"),
        ("2026-11-11", "2026-11-11T00:00:00+00:00", "2026-11-11T12:00:00+00:00"),
    ]
    assert [d["calls"] for d in days] == [2, 1]
    assert days[0]["intervals"]["answer_to_dispatch"] == {"n": 2, "median_s": 180, "p90_s": 228}
    assert days[1]["intervals"]["answer_to_dispatch"] == {"n": 1, "median_s": 600, "p90_s": 600}
    assert days[1]["intervals"]["response"] == {"n": 0, "median_s": None, "p90_s": None}


def test_a_day_without_calls_is_listed_with_zeros(app, api):
    make_response(app, received_at=utc(2026, 11, 12, 10))
    days = daily(api, "from=2026-11-10&to=2026-11-13&priority=urgent")
    assert [(d["day"], d["calls"], d["incidents"]) for d in days] == [
        ("2026-11-10", 0, 0),
        ("2026-11-11", 0, 0),
        ("2026-11-12", 1, 1),
    ]
    assert days[0]["police_free_share"] is None and days[0]["intervals"]["travel"]["median_s"] is None
    assert daily(api, "from=2026-11-10&to=2026-11-13&priority=routine")[2]["calls"] == 0
