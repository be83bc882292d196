"""What the pages say to a screen reader, and what they do to a form being filled in, in a real
browser: the dispatch board speaks of new incidents and status changes, never of its ticking
clocks or the alert list's refresh; a half-typed follow-up note survives the queue's refresh;
both maps open where the units are, not on a city built into the code."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from alerts.service import raise_alert
from core.clock import now
from core.extensions import db
from dispatch.models import Incident
from tests.support.dispatch_factories import CHURCH_ST, NEAR, make_call, make_incident, make_placed_unit
from tests.support.factories import make_user
from timers.models import Followup, FollowupAttempt

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every element whose changes a screen reader speaks: a change inside one is an announcement.
WATCH_LIVE_REGIONS = """() => {
  const selector = '[aria-live], [role=status], [role=alert], [role=log], [role=timer], [role=marquee]';
  window.__spoken = [];
  const observer = new MutationObserver((records) => records.forEach((record) => {
    const node = record.target.nodeType === 1 ? record.target : record.target.parentElement;
    const region = node.closest(selector);
    window.__spoken.push((region && region.id) || region.className);
  }));
  document.querySelectorAll(selector).forEach((region) =>
    observer.observe(region, { subtree: true, childList: true, characterData: true }));
}"""

PORTO = (41.1496, -8.6109)
MATOSINHOS = (41.1850, -8.6900)


def post(base: str, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(base + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def refresh_every(page: Page, base: str, path: str, old: str, new: str) -> None:
    """Serve `path` with its refresh interval attribute `old` replaced by `new` (milliseconds)."""

    def rewrite(route: Route) -> None:
        response = route.fetch()
        html = response.text()
        assert old in html, f"{path} carries {old}"
        route.fulfill(response=response, body=html.replace(old, new))

    page.route(re.compile(re.escape(base + path) + "$"), rewrite)


def number_of(app: Any, incident_id: int) -> str:
    with app.app_context():
        return str(db.session.get(Incident, incident_id).number)


def test_the_dispatch_board_speaks_of_changes_not_of_clock_ticks_or_refreshes(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    waiting = make_incident(live_app, priority="urgent", lat=CHURCH_ST[0], lon=CHURCH_ST[1], address="135 Church St")
    with live_app.app_context():
        raise_alert(session=db.session, kind="checkin_missed", severity="critical", unit_id=unit_id,
                    message="MCT-1 missed its safety check-in")  # fmt: skip
        db.session.commit()
    _, token = make_user(live_app, "dispatcher")

    page = open_as("dispatcher", path="/")
    refresh_every(page, live_server, "/dispatch", 'data-refresh-ms="30000"', 'data-refresh-ms="400"')
    page.goto(live_server + "/dispatch")
    expect(page.locator("#live-state")).to_have_text("Live", timeout=10_000)
    expect(page.locator(f'#queue [data-incident="{waiting}"]')).to_be_visible(timeout=10_000)
    expect(page.locator("#alert-list")).to_contain_text("missed its safety check-in")
    page.evaluate(WATCH_LIVE_REGIONS)

    # The waiting clock ticks and the alert list refreshes its "n s ago": both are seen, neither is spoken.
    clock = page.locator(f'[data-waiting="{waiting}"]')
    meta = page.locator("#alert-list .alert-meta")
    seen = clock.text_content(), meta.text_content()
    expect(clock).not_to_have_text(seen[0], timeout=5_000)
    expect(meta).not_to_have_text(seen[1], timeout=5_000)
    expect(clock).not_to_have_text(clock.text_content() or "", timeout=5_000)  # a second tick
    assert page.evaluate("window.__spoken") == []
    page.screenshot(path="/tmp/dispatch_board.png", full_page=True)

    # A new incident is said once, by the board's own polite region.
    newcomer = make_incident(live_app, priority="emergent", lat=NEAR[0], lon=NEAR[1], address="1 Main St")
    announcer = page.locator("#queue-announcer")
    expect(announcer).to_have_text(
        f"New incident {number_of(live_app, newcomer)}, emergent, 1 Main St.", timeout=10_000
    )
    expect(announcer).to_have_attribute("aria-live", "polite")

    # So is a change of status made elsewhere.
    post(live_server, token, f"/api/v1/incidents/{waiting}/assign", {"unit_id": unit_id, "reason": "closest"})
    expect(announcer).to_have_text(f"{number_of(live_app, waiting)} now dispatched, MCT-1.", timeout=10_000)
    assert set(page.evaluate("window.__spoken")) == {"queue-announcer"}


def test_a_half_typed_followup_note_survives_the_periodic_refresh(live_app, live_server, open_as):
    call_id = make_call(live_app, disposition="phone")
    with live_app.app_context():
        at = now()
        followup = Followup(call_id=call_id, risk_level="moderate", started_at=at, due_at=at + timedelta(hours=24),
                            state="due", attempts=0)  # fmt: skip
        db.session.add(followup)
        db.session.commit()
        followup_id = followup.id
    _, colleague = make_user(live_app, "operator")

    page = open_as("operator", path="/")
    refresh_every(page, live_server, "/operator", 'data-refresh-ms="60000"', 'data-refresh-ms="300"')
    page.goto(live_server + "/operator")
    row = page.locator("#followup-rows tr", has=page.locator(f"#followup-note-{followup_id}"))
    expect(row).to_contain_text("0 of 5", timeout=10_000)
    page.select_option(f"#followup-outcome-{followup_id}", "reached")
    note = page.locator(f"#followup-note-{followup_id}")
    note.click()
    note.press_sequentially("Spoke with her sister, she will")

    # Meanwhile a colleague records an attempt: the next refresh shows it in the row being filled in.
    post(live_server, colleague, f"/api/v1/followups/{followup_id}/attempts", {"outcome": "no_answer"})
    expect(row).to_contain_text("1 of 5", timeout=10_000)
    expect(note).to_have_value("Spoke with her sister, she will")
    expect(note).to_be_focused()
    expect(page.locator(f"#followup-outcome-{followup_id}")).to_have_value("reached")

    # The note is finished and recorded as typed.
    note.press_sequentially(" call back")
    page.keyboard.press("Enter")
    expect(page.locator("#followup-empty")).to_be_visible(timeout=10_000)  # reached: no longer due
    with live_app.app_context():
        notes = [a.note for a in db.session.query(FollowupAttempt).filter_by(followup_id=followup_id)]
    assert sorted(notes, key=str) == sorted([None, "Spoke with her sister, she will call back"], key=str)


def test_both_maps_open_where_the_units_are(live_app, live_server, open_as):
    make_placed_unit(live_app, PORTO, call_sign="P-1", home_lat=PORTO[0], home_lon=PORTO[1])
    make_placed_unit(live_app, MATOSINHOS, call_sign="P-2", home_lat=MATOSINHOS[0], home_lon=MATOSINHOS[1])
    lost = make_incident(live_app, lat=None, lon=None, address="somewhere behind the old mill")

    def centred_on_the_units(centre: dict[str, float]) -> bool:
        return MATOSINHOS[1] <= centre["lng"] <= PORTO[1] and PORTO[0] <= centre["lat"] <= MATOSINHOS[0]

    # The live map, with no live stream at all: where it opens comes from the page itself.
    page = open_as("supervisor", path="/")
    page.route(re.compile(r"/socket\.io/\?"), lambda route: route.abort())  # the transport, not the client script
    page.goto(live_server + "/map")
    page.wait_for_function("() => window.MapView && window.MapView.map")
    expect(page.locator("#live-state")).not_to_have_text("Live")
    centre = page.evaluate("(() => { const c = MapView.map.getCenter(); return { lat: c.lat, lng: c.lng }; })()")
    assert centred_on_the_units(centre), centre
    assert page.evaluate("MapView.map.getZoom()") >= 10, "zoomed to the units, not to a continent"

    # The dispatch board's map for placing an incident that has no location.
    board = open_as("dispatcher", path="/dispatch")
    board.locator(f'[data-incident="{lost}"]').click()
    expect(board.locator("#locate")).to_be_visible(timeout=10_000)
    centre = board.evaluate(
        "(() => { const c = DispatchBoard.pickMap().getCenter(); return { lat: c.lat, lng: c.lng }; })()"
    )
    assert centred_on_the_units(centre), centre
    board.screenshot(path="/tmp/dispatch_pick_porto.png", full_page=True)
