"""The field page in a real browser at a phone's size: details, status buttons, share position."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from core.extensions import db
from dispatch.models import Incident, Unit
from notifications.models import OutboundMessage
from tests.support.sms_factories import assigned_incident

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
