"""The field page in a real browser at a phone's size: details, status buttons, share position; after
an SMS clear the thank-you page and its outcome form; notes; transport to a facility by keyboard.
Screenshots of each step go to $E2E_SCREENSHOTS (default: the temp dir's e2e-shots/)."""

from __future__ import annotations

import html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from core.extensions import db
from core.models import AuditEntry
from dispatch.models import Incident, IncidentNote, Unit
from facilities.models import Facility
from notifications.models import OutboundMessage
from notifications.webhooks import sign, webhook_token
from tests.support.sms_factories import assigned_incident, inbound_form
from triage.models import Call

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.mark.live_server(relay=False)
def test_a_team_acknowledges_and_shares_its_position_from_a_phone(live_app, live_server, browser):
    answers = {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "unknown"}
    incident_id, unit_id = assigned_incident(live_app, phones=["+18025550141"], answers=answers)
    with live_app.app_context():
        body = db.session.scalars(sa.select(OutboundMessage.body).where(OutboundMessage.unit_id == unit_id)).first()
    path = re.search(r"(/field/\S+)", body).group(1)

    context = browser.new_context(
        **PHONE,
        geolocation={"latitude": 44.4790, "longitude": -73.2110, "accuracy": 15},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("I-")
    expect(page.get_by_text("weapon status unknown").first).to_be_visible()
    page.get_by_role("button", name="Share my position").click()
    expect(page.locator("#position-state")).to_contain_text("Position sent")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".unit")).to_contain_text("acknowledged")
    expect(page.get_by_role("button", name="En route")).to_be_visible()
    page.screenshot(path="/tmp/field.png", full_page=True)

    with live_app.app_context():
        assert db.session.get(Incident, incident_id).status == "acknowledged"
        unit = db.session.get(Unit, unit_id)
        assert (round(unit.lat, 4), round(unit.lon, 4)) == (44.479, -73.211)


# --- after a clear, notes and transport (issue 12) ---------------------------------------------

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "e2e-shots"))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"field-{name}.png"), full_page=True)


def text_as_team(app: Any, base: str, phone: str, body: str) -> str:
    """An SMS from the team's phone through the signed Twilio webhook; the answer's text."""
    form = inbound_form(phone, body)
    url = f"{base}/sms/inbound"
    signature = sign(url, form, webhook_token(app.config))
    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code == 200, answer.text
    return html.unescape(answer.text)


def dispatch_link(app: Any, unit_id: int) -> str:
    with app.app_context():
        body = db.session.scalars(sa.select(OutboundMessage.body).where(OutboundMessage.unit_id == unit_id)).first()
    return re.search(r"(/field/\S+)", body).group(1)


def call_sign_of(app: Any, unit_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Unit, unit_id).call_sign)


def add_facilities(app: Any) -> dict[str, int]:
    with app.app_context():
        rows = [
            Facility(name="Howard Center Crisis Stabilization", kind="stabilization", address="1 South Prospect St",
                     lat=44.47, lon=-73.20, accepts_youth=False, accepts_walk_in=True),
            Facility(name="UVM Medical Center ED", kind="hospital_ed", address="111 Colchester Ave",
                     lat=44.48, lon=-73.19, accepts_youth=True, accepts_involuntary=True),
            Facility(name="Closed Respite House", kind="respite", address="9 Nowhere Rd", lat=44.4, lon=-73.2,
                     active=False),
        ]  # fmt: skip
        db.session.add_all(rows)
        db.session.commit()
        return {row.name: row.id for row in rows}


@pytest.mark.live_server(relay=False)
def test_clear_by_sms_then_the_link_thanks_and_takes_the_outcome_once(live_app, live_server, browser):
    phone = "+18025550142"
    incident_id, _ = assigned_incident(live_app, phones=[phone], youth=True, language="es")
    text_as_team(live_app, live_server, phone, "3")
    answer = text_as_team(live_app, live_server, phone, "4")
    link = re.search(r"(/field/[^\s<]+)", answer)
    assert link and "Record the outcome" in answer, answer

    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server + link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_text("no longer works")).to_have_count(0)
    shot(page, "thank-you")
    page.get_by_label("Outcome").select_option("referred_outpatient")
    page.get_by_label("No").check()
    page.get_by_role("button", name="Record the outcome").dblclick()  # a double tap

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — recorded")
    expect(page.locator(".facts")).to_contain_text("referred outpatient")
    shot(page, "recorded")
    page.reload()  # and the link keeps thanking, calmly
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you — recorded")
    with live_app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.outcome, incident.police_present) == ("referred_outpatient", False)
        assert "outcome_missing" not in (incident.flags or [])
        recorded = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "incident.outcome")).all()
        assert len(recorded) == 1


@pytest.mark.live_server(relay=False)
def test_a_second_outcome_posted_behind_the_pages_back_records_nothing(live_app, live_server, browser):
    phone = "+18025550143"
    incident_id, _ = assigned_incident(live_app, phones=[phone])
    text_as_team(live_app, live_server, phone, "3")
    link = re.search(r"(/field/[^\s<]+)", text_as_team(live_app, live_server, phone, "CLR")).group(1)
    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server + link)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")

    # The form posted twice, as by a second tap that got past the page or a second phone of the team.
    form = {"csrf_token": token, "police_present": "no"}
    first = page.request.post(live_server + link + "/outcome", form=form | {"outcome": "stabilized_on_scene"})
    second = page.request.post(live_server + link + "/outcome", form=form | {"outcome": "declined_services"})

    assert first.ok and second.ok
    assert "Thank you — recorded" in second.text() and "stabilized on scene" in second.text()
    with live_app.app_context():
        assert db.session.get(Incident, incident_id).outcome == "stabilized_on_scene"


@pytest.mark.live_server(relay=False)
def test_a_note_added_on_the_phone_appears_on_the_page_and_the_timeline(live_app, live_server, browser):
    incident_id, unit_id = assigned_incident(live_app, phones=["+18025550144"])
    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server + dispatch_link(live_app, unit_id))
    expect(page.get_by_text("No notes yet.")).to_be_visible()

    page.get_by_label("Add note").fill("Side door, dog in the yard")
    page.get_by_role("button", name="Add note").click()

    expect(page.locator("#notes .lines")).to_contain_text("Side door, dog in the yard")
    expect(page.locator("#notes .lines")).to_contain_text(call_sign_of(live_app, unit_id))
    expect(page.get_by_role("status").filter(has_text="Note added.")).to_be_visible()
    shot(page, "note")
    with live_app.app_context():
        notes = db.session.scalars(sa.select(IncidentNote.text).where(IncidentNote.incident_id == incident_id)).all()
        assert notes == ["Side door, dog in the yard"]


@pytest.mark.live_server(relay=False)
def test_transport_to_a_facility_chosen_by_keyboard(live_app, live_server, browser):
    places = add_facilities(live_app)
    phone = "+18025550145"
    incident_id, unit_id = assigned_incident(live_app, phones=[phone], youth=True, language="es")
    with live_app.app_context():
        call = db.session.get(Call, db.session.get(Incident, incident_id).call_id)
        call.caller_phone, call.narrative = "+18025550199", "Mother called: her son, 15, will not leave his room."
        db.session.commit()
    text_as_team(live_app, live_server, phone, "3")
    page = browser.new_context(**PHONE).new_page()
    page.goto(live_server + dispatch_link(live_app, unit_id))
    expect(page.get_by_role("list", name="Needs")).to_have_text("youthSpanish")
    expect(page.get_by_role("link", name="(802) 555-0199")).to_have_attribute("href", "tel:+18025550199")
    expect(page.get_by_text("will not leave his room")).to_be_visible()
    shot(page, "on-scene")
    destinations = page.get_by_role("region", name="Destinations")
    # A youth: only the facility that takes youth; it counts no beds, so it is listed to call ahead.
    expect(destinations).to_contain_text("UVM Medical Center ED")
    expect(destinations).not_to_contain_text("Howard Center")
    expect(destinations).not_to_contain_text("Closed Respite House")
    expect(destinations).to_contain_text("no bed count — call ahead")
    go = page.get_by_role("button", name="Transport to UVM Medical Center ED")
    go.focus()
    expect(go).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".unit")).to_contain_text("transporting")
    expect(page.locator(".destination")).to_contain_text("UVM Medical Center ED")
    expect(page.get_by_role("button", name="Arrived at facility")).to_be_visible()
    shot(page, "transporting")
    with live_app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.facility_id) == ("transporting", places["UVM Medical Center ED"])
