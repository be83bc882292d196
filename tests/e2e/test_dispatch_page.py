"""The dispatch board in a real browser: a call logged through the API appears without a reload,
is assigned in one action, and the unit board changes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.board_support import log_call
from tests.support.dispatch_factories import FAR, MIDDLE, NEAR, make_placed_unit
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.live_server(sms=True)
def test_a_logged_call_appears_and_is_assigned_in_one_action(live_app, live_server, open_as):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1", languages=["en", "es"])
    make_placed_unit(live_app, MIDDLE, call_sign="MCT-2")
    make_placed_unit(live_app, FAR, call_sign="MCT-3", youth=True)
    make_placed_unit(live_app, None, call_sign="MCT-4", status="off_duty")
    _, operator_token = make_user(live_app, "operator")
    base = live_server

    page = open_as("dispatcher", path="/dispatch")
    available = page.locator('[data-group="available"]')
    expect(available).to_contain_text("MCT-1", timeout=10_000)
    expect(available.locator("[data-unit]", has_text="MCT-1")).to_contain_text("English, Spanish")  # not "en, es"
    expect(page.locator("#queue-empty")).to_be_visible()

    call = log_call(base, operator_token, {"address": "135 Church St, Burlington, VT", "lat": 44.4781, "lon": -73.2125})
    item = page.locator(f'[data-incident="{call["incident_id"]}"]')
    expect(item).to_be_visible(timeout=10_000)  # no reload: it came over the live stream
    expect(page.locator("#queue-count")).to_have_text("1")

    item.focus()
    page.keyboard.press("Enter")
    first = page.locator("#recommendations li.first")
    expect(first).to_contain_text("MCT-1", timeout=10_000)
    expect(first).to_contain_text("language match")
    first.get_by_role("button", name="Assign MCT-1").click()

    committed = page.locator('[data-group="committed"]')
    expect(committed).to_contain_text("MCT-1", timeout=10_000)
    expect(available).not_to_contain_text("MCT-1")
    expect(page.locator("#queue-empty")).to_be_visible()
    expect(page.locator("#active")).to_contain_text("MCT-1")
    # The dispatch page went to the unit's phone; its delivery shows on the board, live.
    expect(page.locator(f'[data-sms="{call["incident_id"]}"]')).to_contain_text("SMS delivered", timeout=15_000)

    # A second call whose address cannot be found: the board asks for the place.
    lost = log_call(base, operator_token, {"address": "somewhere behind the old mill"})
    page.locator(f'[data-incident="{lost["incident_id"]}"]').click()
    expect(page.locator("#locate")).to_be_visible(timeout=10_000)
    page.locator("#pick-map").click(position={"x": 200, "y": 120})
    expect(page.locator("#pick-use")).to_be_enabled()
    page.screenshot(path="/tmp/dispatch_pick.png", full_page=True)
    page.locator("#pick-use").click()
    expect(page.locator("#message")).to_contain_text("Location set")
    lost_item = page.locator(f'[data-incident="{lost["incident_id"]}"]')
    expect(lost_item).to_contain_text("somewhere behind the old mill")  # the words given are kept
    expect(lost_item).not_to_contain_text("no location")
    expect(page.locator("#recommendations li.first")).to_contain_text("MCT-", timeout=10_000)
    page.locator("#recommendations li:not(.first) button").first.click()
    expect(page.locator("#recommendations input[name=reason]")).to_be_focused()
    page.screenshot(path="/tmp/dispatch.png", full_page=True)
