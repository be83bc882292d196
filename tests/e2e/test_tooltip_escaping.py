"""A call sign is text on every screen, never markup (issue 11, item 11): a unit whose call sign is an
HTML payload (saved before call signs were validated) shows the payload's literal text on the live
map's line label and the dispatch board's pick map, and its script never runs. The live stream's
websocket still opens under the CSP that allows connections to this site only (item 14)."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from core.actors import Actor
from core.extensions import db
from tests.support.dispatch_factories import NEAR, assign_with_app_ports, make_incident, make_placed_unit
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Within the 20 characters a call sign column holds (PostgreSQL refuses longer); as HTML it would
# run its onload and set window._x, and the literal text would not show.
PAYLOAD = "<svg onload=_x=1>"
# Answers that send a mobile team (so the call opens an incident for the board).
ANSWERS = {"cssrs_1": "yes", "cssrs_2": "yes", "cssrs_3": "yes", "needs_in_person": "yes", "weapon_present": "no",
           "violence_now": "no", "medical_emergency": "no", "attempt_in_progress": "no"}  # fmt: skip


def test_a_call_sign_with_markup_shows_as_text_on_the_map(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign=PAYLOAD)
    incident_id = make_incident(live_app, priority="urgent", lat=44.4850, lon=-73.2050)
    with live_app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=Actor.system("test"))
        db.session.commit()

    page = open_as("supervisor", path="/map")
    # The CSP's `connect-src 'self'` still lets Socket.IO upgrade to a websocket to this site.
    with page.expect_websocket(timeout=15_000) as opened:
        page.reload()
    assert opened.value.url.startswith(live_server.replace("http", "ws", 1) + "/socket.io/")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=10_000)
    assert not opened.value.is_closed()
    label = page.locator(".eta-label")
    expect(label).to_contain_text(PAYLOAD + " · ETA", timeout=10_000)
    assert label.locator("img").count() == 0
    expect(page.locator(f'.mu[data-unit-id="{unit_id}"]')).to_contain_text(PAYLOAD)
    assert page.locator(".leaflet-map-pane img[src=x], .leaflet-map-pane img[src='x']").count() == 0
    assert page.evaluate("() => window._x") is None


def test_a_call_sign_with_markup_shows_as_text_on_the_pick_map(live_app, live_server, open_as):
    make_placed_unit(live_app, NEAR, call_sign=PAYLOAD)
    _, token = make_user(live_app, "operator")
    answer = requests.post(
        f"{live_server}/api/v1/calls",
        json={"answers": ANSWERS, "location": {"address": "somewhere behind the old mill"}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    incident_id = answer.json()["incident_id"]

    page = open_as("dispatcher", path="/dispatch")
    page.locator(f'[data-incident="{incident_id}"]').click(timeout=10_000)
    expect(page.locator("#locate")).to_be_visible(timeout=10_000)
    page.locator("#pick-map path.leaflet-interactive").first.hover()
    tooltip = page.locator("#pick-map .leaflet-tooltip")
    expect(tooltip).to_have_text(PAYLOAD, timeout=10_000)
    assert tooltip.locator("img").count() == 0
    assert page.evaluate("() => window._x") is None
