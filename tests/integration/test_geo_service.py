"""geo.service: the configured geocoder chain, and locating a call."""

from __future__ import annotations

from core.extensions import db
from geo.service import geocoder_chain, locate


def test_one_network_geocoder_per_process_so_its_rate_limit_holds_across_requests(app):
    app.config["GEOCODER"] = "nominatim"
    with app.app_context():
        first, second = geocoder_chain(db.session), geocoder_chain(db.session)
    assert first.service == "nominatim" and first.network is not None
    assert first.network is second.network  # one RateLimiter spacing every request, not one per call


def test_typed_coordinates_win_and_an_unknown_address_stays_unresolved(app):
    with app.app_context():
        typed = locate(session=db.session, address="behind the mill", lat=44.48, lon=-73.21)
        unknown = locate(session=db.session, address="12 Nowhere Lane", lat=None, lon=None)
    assert (typed.resolved, typed.source, typed.lat) == (True, "typed", 44.48)
    assert (unknown.resolved, unknown.lat, unknown.address) == (False, None, "12 Nowhere Lane")
