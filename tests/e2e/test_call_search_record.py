"""The call's page as a supervisor reads it after a night: the safety line of an earlier call from
the same number, that earlier call one link away, each correction with what it replaced and why,
and the incident's timeline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from tests.support.factories import Api
from tests.support.record_factories import LAPTOP
from tests.support.triage_factories import CO_RESPONSE, MEDICAL_911, PHONE, call_body
from triage.models import Call

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_call_page_shows_history_safety_amendments_and_the_timeline(live_app, live_server, open_as):
    operator = Api(live_app).as_role("operator")
    weapon = operator.post(
        "/api/v1/calls", json=call_body(CO_RESPONSE, caller={"phone": "(802) 555-0100", "name": "Robin"})
    ).get_json()
    again = operator.post(
        "/api/v1/calls",
        json=call_body(PHONE, caller={"phone": "802-555-0100", "name": "Robin"}, narrative="Again tonight."),
    ).get_json()
    amended = operator.client.patch(
        f"/api/v1/calls/{again['id']}",
        json={"narrative": "Again tonight; asks for a visit.", "needs": {"language": "Spanish"}, "reason": "more said"},
        headers={"Authorization": f"Bearer {operator.token}"},
    )
    assert amended.status_code == 200, amended.get_json()
    with live_app.app_context():  # a house number placed between its neighbours
        db.session.get(Call, weapon["id"]).location_source = "interpolated"
        db.session.commit()

    page = open_as("supervisor", path=f"/calls/{again['id']}", viewport=LAPTOP)
    expect(page.locator("#call-title")).to_have_text(f"Call {again['number']}")
    expect(page.locator("#safety")).to_contain_text(f"weapon reported on {weapon['number']}")
    expect(page.locator("#history-summary")).to_have_text("1 earlier call from this number or address.")
    expect(page.locator("#narrative")).to_have_text("Again tonight; asks for a visit.")
    expect(page.locator("#needs")).to_contain_text("Spanish (es)")
    amendments = page.locator("#amendments")
    expect(amendments).to_contain_text("narrative: Again tonight. → Again tonight; asks for a visit.")
    expect(amendments).to_contain_text("Reason: more said")
    expect(page.locator("#amendments-empty")).to_be_hidden()
    page.locator("#answers-box summary").click()
    expect(page.locator("#answers")).to_contain_text("C-SSRS 1: wish to be dead")

    page.locator("#history").get_by_role("link", name=weapon["number"]).click()
    page.wait_for_url(re.compile(rf"/calls/{weapon['id']}$"))
    expect(page.locator("#decision")).to_contain_text("co-response (team with police)")  # as everywhere
    expect(page.locator("#incident")).to_contain_text("pending")
    # Nothing closes a call: the page says where it went (its incident's status), never "open".
    expect(page.locator("#call-status")).to_contain_text("· incident pending")
    expect(page.locator("#call-status")).not_to_contain_text("open")
    expect(page.locator("#place")).to_contain_text("approximate location")
    timeline = page.locator("#timeline li")
    expect(timeline.first).to_contain_text(f"Call {weapon['number']} answered")
    expect(page.locator("#timeline")).to_contain_text("Triage: no risk found; co-response (team with police)")


def test_a_transferred_911_call_reads_transferred_not_open(live_app, live_server, open_as):
    operator = Api(live_app).as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()

    page = open_as("supervisor", path=f"/calls/{call['id']}", viewport=LAPTOP)
    expect(page.locator("#call-status")).to_contain_text("· 911 transfer not recorded")
    recorded = operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911"})
    assert recorded.status_code in (200, 201), recorded.get_json()
    page.reload()
    expect(page.locator("#call-status")).to_contain_text("· transferred to 911")
    expect(page.locator("#call-status")).not_to_contain_text("open")
