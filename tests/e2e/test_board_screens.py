"""The dispatch board at a laptop's and a phone's size, an incident open with what the operator
learned, its actions and its timeline: screenshots to look at, and nothing that needs sideways
scrolling on the phone."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.board_support import CHURCH_ST, api, log_call
from tests.support.dispatch_factories import MIDDLE, NEAR, make_placed_unit
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = os.environ.get("BOARD_SHOTS", "/tmp")


@pytest.mark.parametrize(
    ("name", "viewport"), [("1366x768", {"width": 1366, "height": 768}), ("390x844", {"width": 390, "height": 844})]
)
def test_the_open_incident_at_a_laptop_and_a_phone(live_app, live_server, open_as, name, viewport):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1", languages=["en", "es"], youth=True)
    make_placed_unit(live_app, MIDDLE, call_sign="MCT-2")
    _, operator = make_user(live_app, "operator")
    caller = {"phone": "(802) 555-0142", "name": "R.", "relation": "self"}
    narrative = "Caller is 15, at home with her mother; speaks Spanish. Took pills an hour ago, says she feels dizzy."
    earlier = log_call(live_server, operator, CHURCH_ST, caller=caller, answers={"weapon_present": "yes"})
    _, dispatcher = make_user(live_app, "dispatcher")
    cancel = f"/incidents/{earlier['incident_id']}/cancel"
    cancelled = api(live_server, dispatcher, "POST", cancel, json={"reason": "duplicate"})
    assert cancelled.status_code == 200, cancelled.text
    call = log_call(live_server, operator, CHURCH_ST, caller=caller, narrative=narrative, answers={"youth": "yes"})
    page = open_as("dispatcher", path="/dispatch", viewport=viewport)
    page.locator(f'[data-incident="{call["incident_id"]}"]').click()
    expect(page.locator("#recommendations li.first")).to_contain_text("MCT-1", timeout=10_000)
    expect(page.locator("#detail-title")).to_be_in_viewport()  # on a phone, the tap scrolls to it
    expect(page.locator("#detail-phone a")).to_have_attribute("href", "tel:+18025550142")
    expect(page.locator("#detail-needs")).to_contain_text("Spanish speaker")
    expect(page.locator("#detail-narrative")).to_have_text(narrative)
    # The same number called before with a weapon: the safety line is there before anyone is sent.
    expect(page.locator("#detail-safety")).to_contain_text(earlier["number"])
    expect(page.locator("#history-text")).to_have_text("1 earlier call from this number or address.")
    expect(page.locator("#detail-recent a")).to_have_attribute("href", f"/calls/{earlier['id']}")
    page.screenshot(path=f"{SHOTS}/board-{name}.png", full_page=False)
    page.screenshot(path=f"{SHOTS}/board-{name}-full.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width}px wide at {name}"
