"""The supervisor's live map in a real browser: a marker per unit, a status change made through the
API recolours its marker live, and after a dropped connection with changes made meanwhile the page
ends in the state a fresh load shows. Screenshots: /tmp/map.png and /tmp/map_late.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from playwright.sync_api import expect

from alerts.service import raise_alert
from core.actors import Actor
from core.clock import now, set_clock
from core.extensions import db
from tests.support.dispatch_factories import (
    CHURCH_ST,
    FAR,
    MIDDLE,
    NEAR,
    assign_with_app_ports,
    make_incident,
    make_placed_unit,
)
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GREEN = "rgb(27, 122, 58)"  # --ok: available
GREY = "rgb(138, 147, 156)"  # unavailable
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


class Client:
    def __init__(self, base: str, token: str):
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str):
        answer = requests.get(self.base + path, headers=self.headers, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, body: dict):
        answer = requests.post(self.base + path, json=body, headers=self.headers, timeout=10)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


def assign(app, incident_id: int, unit_id: int) -> None:
    with app.app_context():
        by = Actor.system("test")
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=by)
        db.session.commit()


def dot_colour(page, unit_id: int) -> str:
    return page.evaluate(
        'id => getComputedStyle(document.querySelector(`.mu[data-unit-id="${id}"] .dot`)).backgroundColor',
        unit_id,
    )


def test_the_map_follows_the_shift_and_resyncs_after_a_dropped_connection(live_app, live_server, open_as):
    near = make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    middle = make_placed_unit(live_app, MIDDLE, call_sign="MCT-2")
    far = make_placed_unit(live_app, FAR, call_sign="MCT-3")
    make_placed_unit(live_app, (44.4600, -73.2300), call_sign="MCT-4", age_s=3600)  # stale position
    make_placed_unit(live_app, (44.4900, -73.1900), call_sign="MCT-5", status="off_duty")
    busy = make_placed_unit(live_app, (44.4700, -73.2000), call_sign="MCT-6")
    emergent = make_incident(live_app, priority="emergent", lat=44.4850, lon=-73.2050, address="1 Main St")
    urgent = make_incident(live_app, priority="urgent", lat=CHURCH_ST[0], lon=CHURCH_ST[1])
    routine = make_incident(live_app, priority="routine", lat=44.4650, lon=-73.2250, address="9 Pine St")
    assign(live_app, urgent, busy)
    _, token = make_user(live_app, "dispatcher")
    base = live_server
    api = Client(base, token)

    page = open_as("supervisor", path="/map", viewport={"width": 1500, "height": 950})
    context = page.context
    expect(page.locator("#live-state")).to_have_text("Live", timeout=10_000)

    # Every unit has a marker, and each marker says which unit it is.
    listed = api.get("/api/v1/units")
    markers = page.locator(".mu[data-unit-id]")
    expect(markers).to_have_count(len(listed), timeout=10_000)
    shown = sorted(int(x) for x in markers.evaluate_all("ms => ms.map(m => m.dataset.unitId)"))
    assert shown == sorted(u["id"] for u in listed)
    expect(page.locator(".mi[data-incident-id]")).to_have_count(3)
    expect(page.locator("#unit-rows tr")).to_have_count(len(listed))
    # The stale unit says so in words; the assigned unit has a line with its ETA.
    expect(page.locator(".mu.stale")).to_contain_text("stale")
    expect(page.locator(".eta-label")).to_contain_text("MCT-6 · ETA")
    expect(page.locator(f'#incident-rows tr[data-incident-id="{urgent}"]')).to_contain_text("MCT-6, ETA")
    expect(page.locator(f'.mi[data-incident-id="{emergent}"]')).to_have_class("mi emergent")
    page.screenshot(path="/tmp/map.png", full_page=True)

    # A status change made through the API recolours the marker without a reload.
    assert dot_colour(page, middle) == GREEN
    api.post(f"/api/v1/units/{middle}/status", {"status": "out_of_service"})
    expect(page.locator(f'.mu[data-unit-id="{middle}"]')).to_have_attribute(
        "data-availability", "unavailable", timeout=10_000
    )
    assert dot_colour(page, middle) == GREY
    expect(page.locator(f'#unit-rows tr[data-unit-id="{middle}"]')).to_contain_text("out of service")

    # The keyboard list: Enter on a row shows it on the map.
    row = page.locator(f'#incident-rows tr[data-incident-id="{routine}"]')
    row.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#map-message")).to_contain_text("on the map")
    expect(page.locator(f'.mi[data-incident-id="{routine}"]')).to_have_class("mi routine picked")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.dataset.incidentId") is not None

    # Drop the connection (the websocket itself), change things meanwhile, come back.
    page.evaluate("() => { const s = MapView.live.socket; s.io.reconnection(false); s.io.engine.close(); }")
    expect(page.locator("#live-state")).not_to_have_text("Live", timeout=10_000)
    api.post(f"/api/v1/units/{middle}/status", {"status": "available"})
    api.post(f"/api/v1/units/{near}/location", {"lat": 44.4811, "lon": -73.2111})
    api.post(f"/api/v1/incidents/{emergent}/assign", {"unit_id": far, "reason": "closest team free"})
    api.post(f"/api/v1/incidents/{routine}/cancel", {"reason": "resolved by phone"})
    newcomer = make_incident(live_app, priority="urgent", lat=44.4755, lon=-73.2150, address="5 Lake St")
    # While away the page still shows the old state.
    assert dot_colour(page, middle) == GREY
    assert page.locator(f'.mi[data-incident-id="{routine}"]').count() == 1
    page.evaluate("() => { const s = MapView.live.socket; s.io.reconnection(true); s.connect(); }")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=10_000)

    fresh = context.new_page()
    fresh.goto(f"{base}/map")
    expect(fresh.locator("#live-state")).to_have_text("Live", timeout=10_000)
    fresh.wait_for_function("() => MapView.live.lastSeq() !== null")
    seq = fresh.evaluate("MapView.live.lastSeq()")
    page.wait_for_function(f"() => MapView.live.lastSeq() >= {seq}", timeout=10_000)
    page.evaluate(SETTLED)
    fresh.evaluate(SETTLED)
    before, after = page.evaluate("MapView.describe()"), fresh.evaluate("MapView.describe()")
    for part in ("units", "incidents"):
        for item in list(before[part].values()) + list(after[part].values()):
            item["cls"] = item["cls"].replace(" picked", "")
            item.pop("rowCls", None)
    assert before == after
    # ... and that state is the new one.
    assert dot_colour(page, middle) == GREEN
    expect(page.locator(f'.mi[data-incident-id="{routine}"]')).to_have_count(0)
    expect(page.locator(f'.mi[data-incident-id="{newcomer}"]')).to_have_count(1)
    assert str(emergent) in [str(line[0]) for line in before["lines"]]
    assert before["units"][str(near)]["latlng"] == [44.4811, -73.2111]
    fresh.close()

    # A late timer turns red where it is: an emergent incident waiting past the SLA, a missed check-in.
    opened = now() - timedelta(minutes=6, seconds=12)
    set_clock(lambda: opened)  # the incident was opened 6:12 ago
    try:
        late = make_incident(live_app, priority="emergent", lat=44.4880, lon=-73.2180, address="12 North Ave")
    finally:
        set_clock(None)
    with live_app.app_context():
        raise_alert(
            session=db.session,
            kind="checkin_missed",
            severity="critical",
            message="MCT-6 missed its safety check-in",
            incident_id=urgent,
            unit_id=busy,
            data={"asked_at": (now() - timedelta(minutes=3)).isoformat()},
        )
        db.session.commit()
    late_marker = page.locator(f'.mi[data-incident-id="{late}"]')
    expect(late_marker).to_have_class("mi emergent late", timeout=10_000)
    expect(late_marker).to_contain_text("LATE 6:1")
    expect(page.locator(f'#incident-rows tr[data-incident-id="{late}"]')).to_have_class("emergent late")
    expect(page.locator(f'.mi[data-incident-id="{urgent}"]')).to_contain_text("LATE 3:0", timeout=10_000)
    expect(page.locator(f'.mu[data-unit-id="{busy}"]')).to_contain_text("LATE")
    expect(page.locator("#alert-list")).to_contain_text("missed its safety check-in")
    expect(page.locator("#late-count")).to_have_text("2 late")
    page.locator("#fit-all").click()
    page.evaluate(SETTLED)
    page.screenshot(path="/tmp/map_late.png", full_page=True)
