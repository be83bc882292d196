"""The operator's save confirmation says when the place found is only approximate (here a house
number placed between its neighbours), so the operator can ask the caller for a landmark."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.ports import ports_of
from geo.local import read_address_csv
from geo.service import import_address_points
from geo.web import DEMO_ADDRESSES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_interpolated_house_number_is_saved_as_an_approximate_location(live_app, live_server, open_as):
    with live_app.app_context():
        points = [p for p in read_address_csv(DEMO_ADDRESSES) if p.street == "South Willard Street"]
        import_address_points(session=db.session, points=points)
        db.session.commit()
    ports_of(live_app).locator.forget_local_points()
    page = open_as("operator", path="/operator")
    expect(page.locator("#caller-phone")).to_be_focused()
    page.keyboard.type("802-555-0177")
    for _ in range(3):
        page.keyboard.press("Enter")
    page.keyboard.type("238 S Willard St")  # between 232 and 246: no point of its own
    page.keyboard.press("Enter")
    page.keyboard.press("y")  # C-SSRS 1
    page.keyboard.press("n")  # C-SSRS 2
    page.locator("#submit-call").click()

    saved = page.locator("#saved")
    expect(saved).to_contain_text(re.compile(r"Call C-\d{4}-\d{6} saved"))
    expect(saved).to_contain_text("approximate location")
