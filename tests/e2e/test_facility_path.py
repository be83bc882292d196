"""From dispatch to a bed, in real browsers: the dispatcher assigns, the team's field page picks the
first destination, the facility's own page sees the team coming and then one bed fewer, and the
supervisor's map shows the facility and the transport line. The facility's beds change in two
keystrokes. Screenshots of the /facility page, the board's detail and the map go to
$E2E_SCREENSHOTS (default: the temp dir's e2e-shots/)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from core.extensions import db
from dispatch.models import Incident
from facilities.models import FacilityBeds
from notifications.models import OutboundMessage
from tests.e2e.board_support import CHURCH_ST, log_call
from tests.e2e.conftest import sign_in
from tests.support.dispatch_factories import FAR, MIDDLE, NEAR, make_placed_unit
from tests.support.facility_places import make_facility
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "e2e-shots"))
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"width": 1400, "height": 900}
NARRATIVE = "Mother called: her son will not leave the bathroom"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"facility-path-{name}.png"), full_page=True)


def facility_user(app: Any, facility_id: int) -> dict[str, Any]:
    user, _ = make_user(app, "facility", facility_id=facility_id)
    return user


def open_as_user(browser: Any, base: str, user: dict[str, Any], path: str, **context: Any) -> Page:
    page = browser.new_context(**({"viewport": DESKTOP} | context)).new_page()
    sign_in(page, base, user, path)
    return page


def open_beds(app: Any, facility_id: int, bed_type: str = "adult") -> int:
    with app.app_context():
        row = db.session.get(FacilityBeds, (facility_id, bed_type))
        return int(row.available)


@pytest.mark.live_server(sms=True)
def test_from_dispatch_to_a_bed(live_app, live_server, browser, open_as):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1", phones=["+18025550151"], languages=["en", "es"])
    crisis = make_facility(live_app, MIDDLE, beds={"adult": (6, 2), "observation": (8, 3)}, name="Crisis Receiving",
                           involuntary=True, phone="+18025550900")  # fmt: skip
    make_facility(live_app, FAR, beds={"adult": (4, 1)}, counted_ago_s=6 * 3600, name="Far House")
    make_facility(live_app, NEAR, beds={"adult": (3, 0)}, name="Full House")
    _, operator_token = make_user(live_app, "operator")

    board = open_as("dispatcher", path="/dispatch")
    receiving = open_as_user(browser, live_server, facility_user(live_app, crisis), "/facility")
    expect(receiving.get_by_role("heading", level=1)).to_have_text("Crisis Receiving")
    expect(receiving.locator("#beds-adult")).to_have_value("2", timeout=10_000)
    expect(receiving.locator("#incoming-empty")).to_be_visible()
    supervisor = open_as("supervisor", path="/map")
    expect(supervisor.locator("#facility-rows")).to_contain_text("Crisis Receiving", timeout=10_000)
    expect(supervisor.locator(f'.mf[data-facility-id="{crisis}"]')).to_contain_text("5 open")
    expect(supervisor.locator(".mf.stale")).to_contain_text("Far House")  # the 6-hour-old count is marked

    call = log_call(live_server, operator_token, CHURCH_ST, narrative=NARRATIVE)
    incident_id = call["incident_id"]
    board.locator(f'[data-incident="{incident_id}"]').click()
    board.locator("#recommendations li.first").get_by_role("button", name="Assign MCT-1").click()
    expect(board.locator("#active")).to_contain_text("MCT-1", timeout=10_000)

    with live_app.app_context():
        body = db.session.scalars(
            sa.select(OutboundMessage.body).where(OutboundMessage.incident_id == incident_id)
        ).first()
        number = db.session.get(Incident, incident_id).number
    link = re.search(r"(/field/\S+)", body).group(1)
    team = browser.new_context(**PHONE).new_page()
    team.goto(live_server + link)
    for step in ("Acknowledge", "En route", "On scene"):
        team.get_by_role("button", name=step).click()
        expect(team.locator(".unit")).to_contain_text(step.lower(), ignore_case=True)

    # The board's detail lists where the team may go: open beds first, the stale count marked.
    board.locator(f'#active [data-incident="{incident_id}"]').click()
    destinations = board.locator("#destinations > li")
    expect(destinations.first).to_contain_text("Crisis Receiving", timeout=10_000)
    expect(destinations.first).to_contain_text("2 adult beds open")
    far = destinations.filter(has_text="Far House")
    expect(far).to_contain_text("stale count")
    expect(far).to_contain_text("call ahead")
    expect(destinations.last).to_contain_text("Full House")
    board.locator("#destinations-box").scroll_into_view_if_needed()
    shot(board, "board-detail")

    # The field page: the first destination, in one action.
    places = team.get_by_role("list", name="Destinations with an open bed")
    expect(places.locator("li").first).to_contain_text("Crisis Receiving")
    team.get_by_role("button", name="Transport to Crisis Receiving").dblclick()  # a double tap: one move
    expect(team.locator(".unit")).to_contain_text("transporting")
    expect(team.locator(".destination")).to_contain_text("Crisis Receiving")

    # The facility sees them coming: number, team, bed type, time; nothing about the person.
    coming = receiving.locator("#incoming tr")
    expect(coming).to_have_count(1, timeout=10_000)
    expect(coming).to_contain_text(number)
    expect(coming).to_contain_text("MCT-1")
    expect(coming).to_contain_text("Adult beds")
    expect(receiving.locator("#incoming-count")).to_have_text("1")
    expect(receiving.locator("body")).not_to_contain_text("bathroom")
    expect(receiving.locator("body")).not_to_contain_text("Church St")
    shot(receiving, "facility-incoming")

    # The map draws the unit's transport to the facility.
    supervisor.wait_for_function("() => window.MapView.facilities().lines.length === 1", timeout=10_000)
    shot(supervisor, "map-transport")

    team.get_by_role("button", name="Arrived at facility").click()
    expect(team.locator(".unit")).to_contain_text("at facility")
    expect(receiving.locator("#beds-adult")).to_have_value("1", timeout=10_000)
    expect(receiving.locator("#incoming-empty")).to_be_visible()
    supervisor.wait_for_function("() => window.MapView.facilities().lines.length === 0", timeout=10_000)
    expect(supervisor.locator(f'.mf[data-facility-id="{crisis}"]')).to_contain_text("4 open")
    shot(receiving, "facility-arrived")
    with live_app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.facility_id, incident.transport_bed_type) == ("at_facility", crisis, "adult")
        moves = db.session.execute(sa.text("SELECT count(*) FROM incident_moves WHERE incident_id = :i AND "
                                           "to_status = 'transporting'"), {"i": incident_id}).scalar()  # fmt: skip
        assert moves == 1
    assert open_beds(live_app, crisis) == 1


@pytest.mark.live_server(relay=True)
def test_beds_change_in_two_keystrokes_and_errors_are_said(live_app, live_server, browser):
    place = make_facility(live_app, MIDDLE, beds={"adult": (6, 2), "youth": (4, 4)}, counted_ago_s=5 * 3600,
                          name="Stabilization House")  # fmt: skip
    page = open_as_user(browser, live_server, facility_user(live_app, place), "/facility")
    expect(page.locator("#stale-warning")).to_contain_text("5 h old", timeout=10_000)
    expect(page.locator("#beds-keys")).to_contain_text("Enter")

    adult = page.get_by_label("Adult beds")
    adult.focus()
    page.keyboard.press("-")  # Tab to it (or focus), then one key: saved
    expect(page.locator("#beds-adult-state")).to_contain_text("Saved")
    assert open_beds(live_app, place) == 1
    expect(page.locator("#stale-warning")).to_be_hidden()

    page.keyboard.press("+")
    expect(adult).to_have_value("2")
    expect(page.locator("#beds-adult-state")).to_contain_text("Saved")
    assert open_beds(live_app, place) == 2

    page.get_by_label("Youth beds").fill("9")
    page.keyboard.press("Enter")
    expect(page.locator("#beds-youth-state")).to_contain_text("Only 4 in all")
    expect(page.get_by_label("Youth beds")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Youth beds").fill("3")
    page.keyboard.press("Enter")
    expect(page.locator("#beds-youth-state")).to_contain_text("Saved")
    assert open_beds(live_app, place, "youth") == 3

    # Another screen's report arrives live.
    dispatcher = make_user(live_app, "dispatcher")[1]
    import requests

    answer = requests.post(f"{live_server}/api/v1/facilities/{place}/beds", json={"beds": {"adult": {"available": 5}}},
                           headers={"Authorization": f"Bearer {dispatcher}"}, timeout=10)  # fmt: skip
    assert answer.status_code == 200, answer.text
    expect(adult).to_have_value("5", timeout=10_000)
    shot(page, "facility-beds")
