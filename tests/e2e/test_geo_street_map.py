"""With no MAP_TILE_URL the maps draw the street lines of data/streets under the markers: the live
map (/map) and the dispatch board's map pick. Screenshots: /tmp/geo_map_streets.png (1366x768),
/tmp/geo_map_streets_zoom.png (zoomed in, street labels), /tmp/geo_pick_streets.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.dispatch_factories import CHURCH_ST, NEAR, make_incident, make_placed_unit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIEWPORT = {"width": 1366, "height": 768}
STREET_PATHS = ".leaflet-streets-pane svg path"


def test_the_live_map_draws_the_streets_under_the_markers_without_tiles(live_app, live_server, open_as):
    assert not live_app.config.get("MAP_TILE_URL")
    make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    make_incident(live_app, priority="urgent", lat=CHURCH_ST[0], lon=CHURCH_ST[1], address="135 Church St")
    page = open_as("supervisor", path="/map", viewport=VIEWPORT)
    expect(page.locator("#live-state")).to_have_text("Live", timeout=10_000)
    expect(page.locator(".mu[data-unit-id]")).to_have_count(1, timeout=10_000)

    page.wait_for_function(f"document.querySelectorAll('{STREET_PATHS}').length >= 390", timeout=10_000)
    assert page.locator(STREET_PATHS).count() == 390  # one SVG path per street line of the file
    # Leaflet leaves the lines out of view empty; downtown at zoom 15 still shows some hundreds.
    drawn = page.locator(STREET_PATHS).evaluate_all(
        "ps => ps.filter(p => (p.getAttribute('d') || '').length > 10).length"
    )
    assert drawn >= 150, drawn
    assert page.locator("#map").get_attribute("data-streets") == "390"
    assert page.locator(".leaflet-tile").count() == 0  # no tile server asked

    # Under every marker: the streets' pane is below the marker panes.
    z = page.evaluate(
        """() => ['streets', 'unitMarkers', 'incidentMarkers'].map(name =>
             Number(getComputedStyle(document.querySelector('.leaflet-' + name + '-pane')).zIndex))"""
    )
    assert z[0] < z[1] < z[2]
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("VCGI")
    page.screenshot(path="/tmp/geo_map_streets.png")

    # Hovering a street names it; zoomed in, the streets in view are labelled.
    page.evaluate("() => window.MapView.map.setView([44.48053, -73.2128], 17, { animate: false })")
    labels = page.locator(".leaflet-tooltip.street-label")
    expect(labels.first).to_be_visible(timeout=5_000)
    names = labels.all_text_contents()
    assert "Pearl Street" in names and "Church Street" in names
    page.screenshot(path="/tmp/geo_map_streets_zoom.png")
    page.evaluate("() => window.MapView.map.setView([44.48053, -73.2128], 14, { animate: false })")
    expect(labels).to_have_count(0)


def test_the_street_file_is_fetched_once_and_then_from_the_cache(live_app, live_server, open_as):
    page = open_as("supervisor", path="/map", viewport=VIEWPORT)
    fetched = []
    page.on("response", lambda r: fetched.append(r.status) if r.url.endswith("/geo/streets.geojson") else None)
    page.wait_for_function(f"document.querySelectorAll('{STREET_PATHS}').length >= 390", timeout=10_000)
    page.reload()
    page.wait_for_function(f"document.querySelectorAll('{STREET_PATHS}').length >= 390", timeout=10_000)
    assert len(fetched) <= 2 and all(status in (200, 304) for status in fetched)


def test_the_dispatch_map_pick_shows_the_streets(live_app, live_server, open_as):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    lost = make_incident(live_app, priority="urgent", address="somewhere behind the old mill", lat=None, lon=None)
    page = open_as("dispatcher", path="/dispatch", viewport=VIEWPORT)
    page.locator(f'[data-incident="{lost}"]').click()
    expect(page.locator("#locate")).to_be_visible(timeout=10_000)
    page.wait_for_function(f"document.querySelectorAll('#pick-map {STREET_PATHS}').length >= 390", timeout=10_000)
    page.locator("#pick-map").click(position={"x": 200, "y": 120})  # a click on a street still picks
    expect(page.locator("#pick-use")).to_be_enabled()
    page.locator("#pick-map").screenshot(path="/tmp/geo_pick_streets.png")
