"""The dispatch board keeps the incident's record: a status the unit gave by radio, entered later
with the time it happened, shows on the timeline at that time; the outcome of an SMS clear is
recorded from the board; a note added on one screen appears on another at once, and what that
dispatcher was typing stays."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from core.extensions import db
from geo.models import AddressPointRow
from tests.e2e.board_support import CHURCH_ST, api, local_input, log_call
from tests.support.dispatch_factories import NEAR, make_placed_unit
from tests.support.factories import make_user
from tests.support.sms_factories import inbound_form, signed_post

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_status_on_behalf_of_the_unit_shows_on_the_timeline_at_the_time_it_happened(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    _, operator = make_user(live_app, "operator")
    _, dispatcher = make_user(live_app, "dispatcher")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    answered = (now - timedelta(minutes=30)).isoformat()
    call = log_call(live_server, operator, CHURCH_ST, answered_at=answered)
    incident_id = call["incident_id"]
    sent = api(live_server, dispatcher, "POST", f"/incidents/{incident_id}/assign",
               json={"unit_id": unit_id, "at": (now - timedelta(minutes=20)).isoformat()})  # fmt: skip
    assert sent.status_code == 200, sent.text

    page = open_as("dispatcher", path="/dispatch")
    page.locator(f'[data-incident="{incident_id}"]').click()
    page.get_by_role("button", name="Status for MCT-1…").click()
    status = page.get_by_label("New status")
    expect(status).to_be_focused()
    status.select_option(label="en route")
    at = page.get_by_label("When it happened")
    # Now, unless changed (the minute the form opened, or the next one).
    assert at.input_value() in {local_input(datetime.now(UTC) - timedelta(minutes=d)) for d in (0, 1)}

    # Before the dispatch: refused, and said at the field.
    at.fill(local_input(now - timedelta(minutes=25)))
    page.get_by_role("button", name="Record status").click()
    error = page.locator("#status-at-error")
    expect(error).to_be_visible(timeout=10_000)
    expect(error).not_to_be_empty()
    expect(at).to_be_focused()
    expect(at).to_have_attribute("aria-invalid", "true")

    happened = now - timedelta(minutes=12)
    at.fill(local_input(happened))
    page.get_by_role("button", name="Record status").click()
    expect(page.locator("#message")).to_contain_text("en route for MCT-1", timeout=10_000)
    hhmm = happened.astimezone().strftime("%H:%M")
    moved = page.locator("#timeline li[data-kind=status]", has_text=re.compile("en.route", re.IGNORECASE))
    expect(moved.first).to_contain_text(hhmm, timeout=10_000)
    incident = api(live_server, dispatcher, "GET", f"/incidents/{incident_id}").json()
    assert incident["status"] == "en_route"
    assert datetime.fromisoformat(incident["timestamps"]["en_route_at"]) == happened


def test_the_outcome_of_an_sms_clear_is_recorded_from_the_board(live_app, live_server, open_as):
    phone = "+18025550177"
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-1", phones=[phone])
    _, operator = make_user(live_app, "operator")
    _, dispatcher = make_user(live_app, "dispatcher")
    call = log_call(live_server, operator, CHURCH_ST)
    incident_id = call["incident_id"]
    assert api(live_server, dispatcher, "POST", f"/incidents/{incident_id}/assign", json={"unit_id": unit_id}).ok
    page = open_as("dispatcher", path="/dispatch")
    expect(page.locator("#active")).to_contain_text("MCT-1", timeout=10_000)

    client = live_app.test_client()
    for body in ("3", "4"):  # on scene, then clear without an outcome
        assert signed_post(client, live_app, "/sms/inbound", inbound_form(phone, body)).status_code == 200
    waiting = page.locator(f'#needs-outcome [data-incident="{incident_id}"]')
    expect(waiting).to_be_visible(timeout=10_000)  # live: no reload
    expect(page.locator("#outcome-count")).to_have_text("1")
    waiting.click()
    expect(page.locator("#detail-flags")).to_contain_text("outcome missing")
    page.get_by_role("button", name="Record the outcome…").click()
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#outcome-error")).to_have_text("Choose how it ended.")
    form = page.locator("#outcome-form")
    form.get_by_label("Outcome", exact=True).select_option(label="Stabilized on scene")
    form.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator("#message")).to_contain_text("outcome recorded", timeout=10_000)
    expect(waiting).to_have_count(0, timeout=10_000)
    expect(page.locator("#outcome-count")).to_have_text("0")
    expect(page.locator("#detail-outcome")).to_have_text("Stabilized on scene · no police")  # still shown
    incident = api(live_server, dispatcher, "GET", f"/incidents/{incident_id}").json()
    assert (incident["outcome"], incident["police_present"]) == ("stabilized_on_scene", False)
    assert "outcome_missing" not in incident["flags"]


def test_a_note_appears_live_on_another_screen_and_keeps_what_is_typed_there(live_app, live_server, open_as):
    _, operator = make_user(live_app, "operator")
    call = log_call(live_server, operator, CHURCH_ST)
    incident_id = call["incident_id"]
    mine = open_as("dispatcher", path="/dispatch")
    theirs = open_as("supervisor", path="/dispatch")
    for page in (mine, theirs):
        page.locator(f'[data-incident="{incident_id}"]').click()
        expect(page.locator("#timeline li").first).to_be_visible(timeout=10_000)
    theirs.get_by_role("button", name="Cancel incident…").click()
    theirs.get_by_label("Why cancel it").fill("half a reason")
    theirs.get_by_label("Add a note").fill("a note of my own, not sent yet")

    text = "Caller's sister will meet the team at the side door."
    mine.get_by_label("Add a note").fill(text)
    mine.get_by_role("button", name="Add note").click()
    expect(mine.locator("#notes")).to_contain_text(text, timeout=10_000)
    expect(mine.get_by_label("Add a note")).to_have_value("")

    expect(theirs.locator("#notes")).to_contain_text(text, timeout=10_000)  # live, no reload
    expect(theirs.locator("#notes li")).to_have_count(1)
    expect(theirs.locator("#timeline li[data-kind=note]")).to_contain_text(text, timeout=10_000)
    expect(theirs.get_by_label("Add a note")).to_have_value("a note of my own, not sent yet")
    expect(theirs.get_by_label("Why cancel it")).to_have_value("half a reason")
    expect(mine.locator("#notes li")).to_have_count(1)  # its own note and its event: once


def test_return_to_queue_needs_a_reason_and_frees_the_unit(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    _, operator = make_user(live_app, "operator")
    _, dispatcher = make_user(live_app, "dispatcher")
    call = log_call(live_server, operator, CHURCH_ST)
    incident_id = call["incident_id"]
    assert api(live_server, dispatcher, "POST", f"/incidents/{incident_id}/assign", json={"unit_id": unit_id}).ok
    page = open_as("dispatcher", path="/dispatch")
    item = page.locator(f'#active [data-incident="{incident_id}"]')
    item.click()
    page.get_by_role("button", name="Return to queue…").click()
    reason = page.get_by_label("Why it goes back to the queue")
    expect(reason).to_be_focused()
    page.get_by_role("button", name="Return to queue", exact=True).click()
    expect(page.locator("#requeue-error")).to_have_text("Give a reason: it goes on the incident's record.")
    reason.fill("MCT-1 has a flat tyre")
    page.get_by_role("button", name="Return to queue", exact=True).click()
    expect(page.locator(f'#queue [data-incident="{incident_id}"]')).to_be_visible(timeout=10_000)
    expect(page.locator('[data-group="available"]')).to_contain_text("MCT-1")
    expect(page.locator("#recommendations li.first")).to_contain_text("MCT-1", timeout=10_000)
    incident = api(live_server, dispatcher, "GET", f"/incidents/{incident_id}").json()
    assert (incident["status"], incident["unit_id"]) == ("pending", None)


def test_a_corrected_location_moves_the_incident_and_goes_on_its_record(live_app, live_server, open_as):
    with live_app.app_context():  # an address point the local geocoder finds
        db.session.add(AddressPointRow(number="538", street="Main Street", city="Burlington", state="VT",
                                       lat=44.4772791, lon=-73.1966181))  # fmt: skip
        db.session.commit()
    _, operator = make_user(live_app, "operator")
    call = log_call(live_server, operator, CHURCH_ST)
    incident_id = call["incident_id"]
    page = open_as("dispatcher", path="/dispatch")
    item = page.locator(f'#queue [data-incident="{incident_id}"]')
    item.click()
    expect(page.locator("#detail-call a")).to_have_attribute("href", f"/calls/{call['id']}")
    page.get_by_role("button", name="Correct the location…").click()
    address = page.get_by_label("Address", exact=True).and_(page.locator("#correct-address"))
    expect(address).to_be_focused()
    expect(address).to_have_value(CHURCH_ST["address"])
    address.fill("538 Main St, Burlington, VT")
    page.get_by_role("button", name="Correct the location", exact=True).click()
    expect(page.locator("#correct-reason-error")).to_contain_text("Say why the location changed")
    page.get_by_label("Why it changed").fill("The caller moved to her sister's")
    page.get_by_role("button", name="Correct the location", exact=True).click()
    expect(page.locator("#message")).to_contain_text("location corrected", timeout=10_000)
    expect(item).to_contain_text("Main St", timeout=10_000)  # the queue follows (live)
    incident = api(live_server, operator, "GET", f"/incidents/{incident_id}").json()
    assert "Main St" in incident["location"]["address"]
    # The call's amendment is on the timeline, with its reason.
    expect(page.locator("#timeline li[data-kind=amendment]")).to_contain_text("sister", timeout=10_000)

    # Needs corrected on another screen reach the open detail live; a note being typed stays.
    page.get_by_label("Add a note").fill("typing while it changes")
    fixed = api(live_server, operator, "PATCH", f"/calls/{call['id']}",
                json={"needs": {"youth": True}, "reason": "caller said she is 15"})  # fmt: skip
    assert fixed.ok, fixed.text
    expect(page.locator("#detail-needs")).to_contain_text("youth (under 18)", timeout=10_000)
    expect(page.get_by_label("Add a note")).to_have_value("typing while it changes")
