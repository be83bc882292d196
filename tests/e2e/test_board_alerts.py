"""The dispatch board's alerts say in words what happened and what to do, and open the incident
they are about: an SMS clear without an outcome raises `outcome_missing` after
OUTCOME_MISSING_AFTER_S."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.deps import replace_settings
from tests.e2e.board_support import ANSWERS, CHURCH_ST, api, log_call
from tests.support.dispatch_factories import NEAR, make_placed_unit
from tests.support.factories import make_user
from tests.support.sms_factories import inbound_form, signed_post

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.live_server(scheduler=True)
def test_a_missing_outcome_alerts_in_words_and_opens_its_incident(live_app, live_server, open_as):
    replace_settings(live_app, OUTCOME_MISSING_AFTER_S=1)
    phone = "+18025550178"
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-7", phones=[phone])
    _, operator = make_user(live_app, "operator")
    _, dispatcher = make_user(live_app, "dispatcher")
    call = log_call(live_server, operator, CHURCH_ST)
    incident_id = call["incident_id"]
    assert api(live_server, dispatcher, "POST", f"/incidents/{incident_id}/assign", json={"unit_id": unit_id}).ok
    page = open_as("dispatcher", path="/dispatch")
    client = live_app.test_client()
    for body in ("3", "4"):
        assert signed_post(client, live_app, "/sms/inbound", inbound_form(phone, body)).status_code == 200

    alert = page.locator("#alert-list li", has_text="Outcome missing")
    expect(alert).to_be_visible(timeout=15_000)
    expect(alert).to_contain_text("What to do: Ask the team how it ended and whether police were present")
    expect(page.locator(f'#needs-outcome [data-incident="{incident_id}"]')).to_contain_text("outcome missing")
    alert.get_by_role("button", name="Open the incident").click()
    expect(page.locator("#detail-title")).to_be_focused()
    number = api(live_server, dispatcher, "GET", f"/incidents/{incident_id}").json()["number"]
    expect(page.locator("#detail-title")).to_have_text(f"{number} · cleared · MCT-7")
    expect(page.get_by_role("button", name="Record the outcome…")).to_be_visible()
    page.screenshot(path="/tmp/board-alert-outcome-missing.png", full_page=True)


@pytest.mark.live_server(scheduler=True)
def test_an_unconfirmed_911_transfer_alerts_in_words_until_it_is_recorded(live_app, live_server, open_as):
    replace_settings(live_app, TRANSFER_CONFIRM_S=1)
    _, operator = make_user(live_app, "operator")
    page = open_as("dispatcher", path="/dispatch")
    answers = {**ANSWERS, "medical_emergency": "yes"}
    saved = api(live_server, operator, "POST", "/calls", json={"location": CHURCH_ST, "answers": answers})
    assert saved.status_code == 201, saved.text
    call = saved.json()
    assert (call["disposition"], call["incident_id"]) == ("emergency_911", None)

    alert = page.locator("#alert-list li", has_text="911 transfer not confirmed")
    expect(alert).to_be_visible(timeout=15_000)
    expect(alert).to_contain_text(call["number"])
    expect(alert).to_contain_text("What to do: Check with 911 that they took the call, then record the transfer")
    expect(alert.get_by_role("link", name=f"Open call {call['number']}")).to_have_attribute(
        "href", f"/calls/{call['id']}"
    )
    page.screenshot(path="/tmp/board-alert-transfer.png", full_page=True)

    assert api(live_server, operator, "POST", f"/calls/{call['id']}/transfer", json={"to": "911"}).ok
    expect(alert).to_have_count(0, timeout=10_000)  # cleared by the transfer, live
