"""geo.service: the app's locator (the configured geocoder chain) and locating a call."""

from __future__ import annotations

import geopy.geocoders

from core.extensions import db
from core.ports import ports_of
from geo.service import GeocodingLocator
from tests.unit.test_geo_network import PEARL, CannedNominatim


def test_one_network_geocoder_per_process_so_its_rate_limit_holds_across_requests(make_app):
    locator = ports_of(make_app(GEOCODER="nominatim")).locator
    first, second = locator.chain(), locator.chain()
    assert first.service == "nominatim" and first.network is not None
    assert first.network is second.network  # one RateLimiter spacing every request, not one per call


def test_typed_coordinates_win_and_an_unknown_address_stays_unresolved(app):
    locator = ports_of(app).locator
    typed = locator.locate(address="behind the mill", lat=44.48, lon=-73.21)
    unknown = locator.locate(address="12 Nowhere Lane", lat=None, lon=None)
    assert (typed.resolved, typed.source, typed.lat) == (True, "typed", 44.48)
    assert (unknown.resolved, unknown.lat, unknown.address) == (False, None, "12 Nowhere Lane")


def test_a_network_answer_is_kept_in_the_database_for_the_next_process(live_app, monkeypatch):
    monkeypatch.setattr(geopy.geocoders.options, "default_adapter_factory", CannedNominatim)
    monkeypatch.setattr(CannedNominatim, "answers", {"12 Pearl St, Burlington VT": [PEARL]})
    monkeypatch.setattr(CannedNominatim, "requests", [])
    with live_app.app_context():
        engine = db.engine
    asked = GeocodingLocator(engine=engine, geocoder="nominatim", user_agent="crisis-dispatch-tests").locate(
        address="12 Pearl St, Burlington VT", lat=None, lon=None
    )
    # Another process: its own geocoder, the same database.
    again = GeocodingLocator(engine=engine, geocoder="nominatim", user_agent="crisis-dispatch-tests").locate(
        address="12 pearl st burlington vt", lat=None, lon=None
    )
    assert (asked.source, asked.resolved, asked.lat) == ("nominatim", True, 44.4794)
    assert (again.source, again.lat, again.lon) == ("cache", 44.4794, -73.2140)
    assert len(CannedNominatim.requests) == 1
