"""A slow geocoder stalls only the call it locates: no transaction waits on the network.

The server is real (threaded, its own database, tests/support/server.py). The configured network
geocoder is geopy's Nominatim with its network edge replaced through geopy's adapter seam: an
adapter that takes up to 3 s to answer. While a call's POST waits on it, a unit's position post
and a recommendation are answered; on SQLite they would otherwise queue behind the call's write
transaction (core.db: one writer lock per process).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import geopy.geocoders
import pytest
import requests
from geopy.adapters import BaseSyncAdapter

from core.extensions import db
from core.ports import EXTENSION, ports_of
from geo.service import GeocodingLocator
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_user
from tests.support.server import serve
from tests.support.triage_factories import HIGH, call_body

PEARL = {
    "place_id": 1,
    "lat": "44.4794",
    "lon": "-73.2140",
    "display_name": "12, Pearl Street, Burlington, Chittenden County, Vermont, 05401, USA",
    "class": "place",
    "type": "house",
    "addresstype": "place",
}
GEOCODER_TAKES_S = 3.0


class SlowNominatim(BaseSyncAdapter):  # type: ignore[misc]
    """Nominatim's /search answered after GEOCODER_TAKES_S, or sooner when the test releases it."""

    entered = threading.Event()
    release = threading.Event()

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        type(self).entered.set()
        type(self).release.wait(GEOCODER_TAKES_S)
        return [PEARL]

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        raise AssertionError("Nominatim asks for JSON")


@pytest.mark.slow  # a real server
def test_a_call_waiting_on_the_geocoder_does_not_hold_up_positions_or_recommendations(live_app, monkeypatch):
    SlowNominatim.entered.clear()
    SlowNominatim.release.clear()
    monkeypatch.setattr(geopy.geocoders.options, "default_adapter_factory", SlowNominatim)
    with live_app.app_context():
        engine = db.engine
    network = GeocodingLocator(engine=engine, geocoder="nominatim", user_agent="crisis-dispatch-tests")
    monkeypatch.setitem(live_app.extensions, EXTENSION, dataclasses.replace(ports_of(live_app), locator=network))
    _, operator = make_user(live_app, "operator")
    _, dispatcher = make_user(live_app, "dispatcher")
    unit_id = make_placed_unit(live_app, NEAR)
    incident_id = make_incident(live_app)
    finished: list[str] = []  # the order in which the answers came back

    with serve(live_app) as base:

        def call_post() -> None:
            answer = requests.post(
                f"{base}/api/v1/calls",
                json=call_body(HIGH, location={"address": "12 Pearl St, Burlington VT"}),
                headers={"Authorization": f"Bearer {operator}"},
                timeout=60,
            )
            results["call"] = answer
            finished.append("call")

        results: dict[str, requests.Response] = {}
        slow = threading.Thread(target=call_post)
        slow.start()
        try:
            assert SlowNominatim.entered.wait(30), "the call never reached the geocoder"
            headers = {"Authorization": f"Bearer {dispatcher}"}
            fix = requests.post(
                f"{base}/api/v1/units/{unit_id}/location",
                json={"lat": NEAR[0], "lon": NEAR[1]},
                headers=headers,
                timeout=60,
            )
            finished.append("position")
            recs = requests.get(f"{base}/api/v1/incidents/{incident_id}/recommendations", headers=headers, timeout=60)
            finished.append("recommendation")
        finally:
            SlowNominatim.release.set()
            slow.join(timeout=60)

    assert finished == ["position", "recommendation", "call"]
    assert fix.status_code == 200, fix.text
    assert recs.status_code == 200 and [u["unit_id"] for u in recs.json()["units"]] == [unit_id]
    call = results["call"]
    assert call.status_code == 201, call.text
    assert call.json()["location"] == {
        "address": PEARL["display_name"],
        "lat": 44.4794,
        "lon": -73.214,
        "source": "nominatim",
        "resolved": True,
        "approximate": False,
    }
