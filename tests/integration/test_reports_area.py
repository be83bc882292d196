"""An incident's `area` is fixed wherever its location is set (CONTRACT "Operations (amended)"):
a call logged with a place, a dispatcher's new place, and a call amended with a new location;
the reports then count it in its new area, with that area's target."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.support.report_factories import DOWNTOWN, HILLS, use_areas
from tests.support.triage_factories import HIGH, call_body


def _area(api: Any, incident_id: int) -> str | None:
    area: str | None = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}").get_json()["area"]
    return area


def test_the_area_follows_every_way_a_location_is_set(app, api):
    use_areas(app)
    operator = api.as_role("operator")
    logged = operator.post(
        "/api/v1/calls", json=call_body(HIGH, location={"lat": DOWNTOWN[0], "lon": DOWNTOWN[1]})
    ).get_json()
    incident_id = logged["incident_id"]
    assert _area(api, incident_id) == "Downtown"

    amended = api.as_role("dispatcher").patch(
        f"/api/v1/calls/{logged['id']}",
        json={"location": {"lat": HILLS[0], "lon": HILLS[1]}, "reason": "the caller gave the wrong town"},
    )
    assert amended.status_code == 200, amended.get_json()
    assert _area(api, incident_id) == "Hills"

    moved = api.as_role("dispatcher").post(
        f"/api/v1/incidents/{incident_id}/location", json={"lat": DOWNTOWN[0], "lon": DOWNTOWN[1]}
    )
    assert moved.status_code == 200 and moved.get_json()["area"] == "Downtown"

    supervisor = api.as_role("supervisor")
    day = date.fromisoformat(logged["received_at"][:10])  # TIMEZONE is UTC here
    query = f"from={day}&to={day + timedelta(days=1)}"
    assert supervisor.get(f"/api/v1/reports/summary?{query}&area=Downtown").get_json()["incidents"] == 1
    assert supervisor.get(f"/api/v1/reports/summary?{query}&area=Hills").get_json()["incidents"] == 0
