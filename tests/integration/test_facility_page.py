"""`/facility`: a facility's own page (its staff: their facility only; dispatchers, supervisors and
admins: any, from a chooser), linked from the home page; and the destinations on the board and map."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.dispatch_factories import FAR, NEAR
from tests.support.facility_places import make_facility
from tests.support.factories import make_user


def browser_of(app: Any, *roles: str, facility_id: int | None = None) -> Any:
    """A test client signed in through /login as a new user with these roles (and facility)."""
    user, _ = make_user(app, *roles, facility_id=facility_id)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    answer = client.post(
        "/login", data={"username": user["username"], "password": user["password"], "csrf_token": token}
    )
    assert answer.status_code in (302, 303)
    return client


def settings_of(page: str) -> dict[str, Any]:
    found = re.search(r"data-settings='([^']+)'", page)
    assert found, "the page carries its settings"
    return dict(json.loads(found.group(1)))


def test_a_facility_user_sees_their_own_facility_and_may_report_its_beds(app):
    own = make_facility(app, NEAR, beds={"adult": (6, 2)}, name="Our House")
    other = make_facility(app, FAR, beds={"adult": (6, 2)}, name="Their House")
    client = browser_of(app, "facility", facility_id=own)
    answer = client.get("/facility")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert '<h1 id="facility-title">Our House</h1>' in page and "Their House" not in page
    settings = settings_of(page)
    assert settings["facilityId"] == own and settings["canEdit"] is True and settings["gapless"] is False
    assert 'name="csrf-token"' in page  # the bed reports carry it (core/static/lib/http.js)
    assert "Tab</kbd> to a bed type" in page  # the keys are written on the page
    assert client.get(f"/facility?id={own}").status_code == 200
    assert client.get(f"/facility?id={other}").status_code == 403
    assert client.get("/dispatch").status_code == 403 and client.get("/map").status_code == 403


def test_a_facility_user_tied_to_no_facility_is_told_so(app):
    page = browser_of(app, "facility").get("/facility").get_data(as_text=True)
    assert "not tied to a facility" in page


@pytest.mark.parametrize(("role", "edits"), [("dispatcher", True), ("admin", True), ("supervisor", False)])
def test_staff_choose_any_facility_dispatchers_and_admins_report_beds(app, role, edits):
    make_facility(app, NEAR, beds={"adult": (6, 2)}, name="Beta House")
    alpha = make_facility(app, FAR, beds={"adult": (6, 2)}, name="Alpha House")
    make_facility(app, FAR, name="Closed House", active=False)
    client = browser_of(app, role)
    page = client.get("/facility").get_data(as_text=True)
    assert settings_of(page)["facilityId"] == alpha  # the first by name
    assert "Beta House</option>" in page and "Closed House" not in page
    assert settings_of(page)["canEdit"] is edits and settings_of(page)["gapless"] is True
    assert ("Tab</kbd> to a bed type" in page) is edits
    assert client.get("/facility?id=999999").status_code == 404
    assert client.get("/facility?id=abc").status_code == 404


@pytest.mark.parametrize("role", ["operator", "field"])
def test_others_are_refused_the_facility_page(app, role):
    assert browser_of(app, role).get("/facility").status_code == 403


def test_not_signed_in_goes_to_sign_in(app):
    answer = app.test_client().get("/facility")
    assert answer.status_code in (302, 303) and "/login" in answer.headers["Location"]


def test_the_home_page_links_the_facility_page_for_facility_users(app):
    own = make_facility(app, NEAR, beds={"adult": (6, 2)})
    page = browser_of(app, "facility", facility_id=own).get("/").get_data(as_text=True)
    assert 'href="/facility"' in page
    assert 'href="/facility"' not in browser_of(app, "operator").get("/").get_data(as_text=True)


def test_the_bed_report_from_a_cookie_session_needs_the_csrf_token(app):
    own = make_facility(app, NEAR, beds={"adult": (6, 2)})
    client = browser_of(app, "facility", facility_id=own)
    page = client.get("/facility").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    body = {"beds": {"adult": {"available": 1}}}
    assert client.post(f"/api/v1/facilities/{own}/beds", json=body).status_code == 400
    assert client.post(f"/api/v1/facilities/{own}/beds", json=body, headers={"X-CSRFToken": token}).status_code == 200


def test_the_board_and_the_map_carry_the_destinations_and_the_facilities_layer(app):
    client = browser_of(app, "dispatcher", "supervisor")
    board = client.get("/dispatch").get_data(as_text=True)
    assert 'id="destinations-box"' in board and "destinations.js" in board
    live_map = client.get("/map").get_data(as_text=True)
    assert 'id="facility-rows"' in live_map and "facilities.js" in live_map
    for path in ("/static/dispatch/destinations.js", "/static/mapview/facilities.js", "/static/facilities/facility.js"):
        served = client.get(path)
        assert served.status_code == 200, path
        served.close()
