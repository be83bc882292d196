"""A call typed at a corner or at a house number between two known ones is placed on the map
(POST /api/v1/calls), and the incident it opens says whether the place is approximate."""

from __future__ import annotations

import csv

import pytest

from core.extensions import db
from core.ports import ports_of
from geo.local import read_address_csv
from geo.service import import_address_points
from geo.streets import DEMO_INTERSECTIONS
from geo.web import DEMO_ADDRESSES
from tests.support.factories import Api
from tests.support.triage_factories import CO_RESPONSE, call_body

STREETS = {"Pearl Street", "Church Street", "Pine Street", "South Willard Street"}


@pytest.fixture
def downtown(live_app):
    """The address points of four Burlington streets (the whole city takes longer to import), in a
    database of its own: the locator reads them through a connection of its own, committed."""
    app = live_app
    with app.app_context():
        points = [p for p in read_address_csv(DEMO_ADDRESSES) if p.street in STREETS]
        import_address_points(session=db.session, points=points)
        db.session.commit()
    ports_of(app).locator.forget_local_points()
    return app


@pytest.fixture
def api(downtown):
    return Api(downtown)


def csv_junction(a: str, b: str) -> tuple[float, float]:
    with open(DEMO_INTERSECTIONS, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if {row["street_a"], row["street_b"]} == {a, b}:
                return float(row["lat"]), float(row["lon"])
    raise AssertionError(f"{a} & {b} not in the file")


def test_a_call_at_pearl_and_church_is_placed_at_the_corner(downtown, api):
    operator = api.as_role("operator")
    saved = operator.post("/api/v1/calls", json=call_body(CO_RESPONSE, location={"address": "Pearl St & Church St"}))
    assert saved.status_code == 201
    location = saved.get_json()["location"]
    lat, lon = csv_junction("Church Street", "Pearl Street")
    assert location["resolved"] is True
    assert (location["source"], location["approximate"]) == ("intersection", False)
    assert (location["lat"], location["lon"]) == pytest.approx((lat, lon), abs=1e-6)
    assert location["address"] == "Church Street & Pearl Street, Burlington, VT"

    incident = api.as_role("dispatcher").get(f"/api/v1/incidents/{saved.get_json()['incident_id']}").get_json()
    assert incident["location"]["resolved"] is True and incident["location"]["approximate"] is False
    assert (incident["location"]["lat"], incident["location"]["lon"]) == pytest.approx((lat, lon), abs=1e-6)


def test_an_interpolated_number_and_a_near_corner_are_marked_approximate(downtown, api):
    operator = api.as_role("operator")
    between = operator.post("/api/v1/calls", json=call_body(CO_RESPONSE, location={"address": "238 S Willard St"}))
    near = operator.post("/api/v1/calls", json=call_body(location={"address": "corner of Pearl and Pine"}))
    exact = operator.post("/api/v1/calls", json=call_body(location={"address": "239 South Willard Street"}))
    assert (between.status_code, near.status_code, exact.status_code) == (201, 201, 201)
    place = between.get_json()["location"]
    assert (place["source"], place["resolved"], place["approximate"]) == ("interpolated", True, True)
    assert 44.47329 < place["lat"] < 44.47371  # between 246 and 232 South Willard Street
    assert near.get_json()["location"] | {"lat": None, "lon": None} == {
        "address": "Pearl Street & Pine Street, Burlington, VT",
        "lat": None,
        "lon": None,
        "source": "intersection_near",
        "resolved": True,
        "approximate": True,
    }
    assert exact.get_json()["location"]["approximate"] is False

    incident_id = between.get_json()["incident_id"]
    incident = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}").get_json()
    assert (incident["location"]["source"], incident["location"]["approximate"]) == ("interpolated", True)
    again = api.as_role("operator").get(f"/api/v1/calls/{between.get_json()['id']}").get_json()
    assert again["location"]["approximate"] is True


def test_a_dispatcher_can_move_an_incident_to_a_corner(downtown, api):
    saved = api.as_role("operator").post("/api/v1/calls", json=call_body(CO_RESPONSE)).get_json()
    moved = api.as_role("dispatcher").post(
        f"/api/v1/incidents/{saved['incident_id']}/location", json={"address": "Pearl and Church"}
    )
    assert moved.status_code == 200
    location = moved.get_json()["location"]
    assert (location["source"], location["approximate"]) == ("intersection", False)
    assert (location["lat"], location["lon"]) == pytest.approx(csv_junction("Church Street", "Pearl Street"), abs=1e-6)
