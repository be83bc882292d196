"""A transport seen from the receiving facility (CONTRACT "Facilities and beds"): `transporting`
joins the facility's `incoming` with the unit's ETA and the bed type, `at_facility` leaves it and
takes one bed of that type (never below zero), a cancelled transport leaves it too; each step is
a `facility.updated` event."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry, Event
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.facility_factories import make_facility


def on_scene(app: Any, api: Any, **call: Any) -> tuple[int, int, Any]:
    """An incident whose team is on scene, and the dispatcher who sent it."""
    incident_id = make_incident(app, narrative="He says he has not slept in four days.", **call)
    unit_id = make_placed_unit(app, NEAR, call_sign=f"MCT-T{incident_id}")
    dispatcher = api.as_role("dispatcher")
    assert dispatcher.post(f"/api/v1/incidents/{incident_id}/assign", json={"unit_id": unit_id}).status_code == 200
    assert move(dispatcher, incident_id, "on_scene").status_code == 200
    return incident_id, unit_id, dispatcher


def move(client: Any, incident_id: int, status: str, **body: Any) -> Any:
    return client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": status, **body})


def facility_events(app: Any, facility_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(Event)
            .where(Event.type == "facility.updated", Event.facility_id == facility_id)
            .order_by(Event.id)
        )
        return [row.data for row in rows]


def test_a_transport_is_incoming_with_its_eta_then_takes_a_bed_on_arrival(app, api):
    place = make_facility(app, beds={"adult": (2, 8), "youth": (1, 2)})
    incident_id, unit_id, dispatcher = on_scene(app, api)
    started = move(dispatcher, incident_id, "transporting", facility_id=place)
    assert started.status_code == 200, started.get_json()
    shown = dispatcher.get(f"/api/v1/facilities/{place}").get_json()
    (coming,) = shown["incoming"]
    number = dispatcher.get(f"/api/v1/incidents/{incident_id}").get_json()["number"]
    assert coming["incident_id"] == incident_id and coming["incident_number"] == number
    assert coming["unit_id"] == unit_id and coming["call_sign"] == f"MCT-T{incident_id}"
    assert coming["bed_type"] == "adult"  # not a youth incident, and the facility has adult beds
    # NEAR (44.48, -73.21) to Pine Street (44.447, -73.214) is ~3.7 km straight: ~5-9 minutes.
    assert 200 < coming["eta_seconds"] < 700
    assert coming["expected_at"] > coming["eta_computed_at"]
    assert set(coming) == {
        "incident_id",
        "incident_number",
        "unit_id",
        "call_sign",
        "bed_type",
        "eta_seconds",
        "eta_computed_at",
        "expected_at",
        "since",
    }  # the minimum: nothing about the person
    assert shown["beds"]["adult"] == {"total": 8, "available": 2}  # not taken before arrival
    arrived = move(dispatcher, incident_id, "at_facility")
    assert arrived.status_code == 200
    after = dispatcher.get(f"/api/v1/facilities/{place}").get_json()
    assert after["incoming"] == []
    assert after["beds"] == {"adult": {"total": 8, "available": 1}, "youth": {"total": 2, "available": 1}}
    events = facility_events(app, place)
    assert [len(e["incoming"]) for e in events] == [1, 0]
    assert [e["beds"]["adult"]["available"] for e in events] == [2, 1]
    assert all("narrative" not in str(e) and "four days" not in str(e) for e in events)
    with app.app_context():
        taken = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "facility.bed_taken")).one()
        assert taken.detail == {"incident_id": incident_id, "bed_type": "adult", "available": 1}


def test_a_youth_incident_takes_a_youth_bed_and_a_named_bed_type_wins(app, api):
    place = make_facility(app, beds={"adult": (2, 8), "youth": (1, 2), "observation": (3, 3)})
    youth_incident, _, dispatcher = on_scene(app, api, youth=True)
    assert move(dispatcher, youth_incident, "transporting", facility_id=place).status_code == 200
    adult_incident, _, other = on_scene(app, api)
    chosen = move(other, adult_incident, "transporting", facility_id=place, bed_type="observation")
    assert chosen.status_code == 200, chosen.get_json()
    incoming = {
        c["incident_id"]: c["bed_type"] for c in dispatcher.get(f"/api/v1/facilities/{place}").get_json()["incoming"]
    }
    assert incoming == {youth_incident: "youth", adult_incident: "observation"}
    move(dispatcher, youth_incident, "at_facility")
    move(other, adult_incident, "at_facility")
    beds = dispatcher.get(f"/api/v1/facilities/{place}").get_json()["beds"]
    assert beds == {
        "adult": {"total": 8, "available": 2},
        "youth": {"total": 2, "available": 0},
        "observation": {"total": 3, "available": 2},
    }


def test_a_detox_or_observation_centre_is_the_default_where_it_has_no_adult_beds(app, api):
    detox = make_facility(app, kind="detox", beds={"detox": (4, 10)})
    incident_id, _, dispatcher = on_scene(app, api)
    move(dispatcher, incident_id, "transporting", facility_id=detox)
    (coming,) = dispatcher.get(f"/api/v1/facilities/{detox}").get_json()["incoming"]
    assert coming["bed_type"] == "detox"


def test_an_arrival_with_no_open_bed_never_goes_below_zero(app, api):
    place = make_facility(app, beds={"adult": (0, 4)})
    incident_id, _, dispatcher = on_scene(app, api)
    move(dispatcher, incident_id, "transporting", facility_id=place)
    assert move(dispatcher, incident_id, "at_facility").status_code == 200
    assert dispatcher.get(f"/api/v1/facilities/{place}").get_json()["beds"]["adult"] == {"total": 4, "available": 0}
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "facility.no_bed")).one()
        assert entry.detail["available"] == 0


def test_a_cancelled_transport_leaves_incoming_and_takes_no_bed(app, api):
    place = make_facility(app, beds={"adult": (2, 8)})
    incident_id, _, dispatcher = on_scene(app, api)
    move(dispatcher, incident_id, "transporting", facility_id=place)
    cancelled = dispatcher.post(f"/api/v1/incidents/{incident_id}/cancel", json={"reason": "person went home"})
    assert cancelled.status_code == 200
    shown = dispatcher.get(f"/api/v1/facilities/{place}").get_json()
    assert shown["incoming"] == [] and shown["beds"]["adult"]["available"] == 2
    assert [len(e["incoming"]) for e in facility_events(app, place)] == [1, 0]


def test_a_bed_type_is_checked_and_named_only_with_the_transport(app, api):
    place = make_facility(app)
    incident_id, _, dispatcher = on_scene(app, api)
    unknown = move(dispatcher, incident_id, "transporting", facility_id=place, bed_type="suite")
    assert unknown.status_code == 422 and "bed_type" in unknown.get_json()["error"]["fields"]
    number = move(dispatcher, incident_id, "transporting", facility_id=place, bed_type=3)
    assert number.status_code == 422 and "bed_type" in number.get_json()["error"]["fields"]
    assert dispatcher.get(f"/api/v1/facilities/{place}").get_json()["incoming"] == []
    assert move(dispatcher, incident_id, "transporting", facility_id=place).status_code == 200
    late = move(dispatcher, incident_id, "at_facility", bed_type="adult")
    assert late.status_code == 422 and late.get_json()["error"]["fields"] == {"bed_type": "not now"}


def test_a_transporting_units_new_position_retimes_its_eta(app, api):
    place = make_facility(app)  # 1138 Pine Street
    incident_id, unit_id, dispatcher = on_scene(app, api)
    move(dispatcher, incident_id, "transporting", facility_id=place)
    (first,) = dispatcher.get(f"/api/v1/facilities/{place}").get_json()["incoming"]
    version = dispatcher.get(f"/api/v1/incidents/{incident_id}").get_json()["version"]
    nearly = dispatcher.post(f"/api/v1/units/{unit_id}/location", json={"lat": 44.4480, "lon": -73.2142})
    assert nearly.status_code == 200
    # A position is not a change of the incident: a move made meanwhile is not refused for it.
    assert dispatcher.get(f"/api/v1/incidents/{incident_id}").get_json()["version"] == version
    (closer,) = dispatcher.get(f"/api/v1/facilities/{place}").get_json()["incoming"]
    assert closer["eta_seconds"] < first["eta_seconds"] / 4
    assert closer["expected_at"] < first["expected_at"]
    assert [e["incoming"][0]["eta_seconds"] for e in facility_events(app, place)] == [
        first["eta_seconds"],
        closer["eta_seconds"],
    ]


def test_a_position_of_a_unit_not_transporting_changes_no_facility(app, api):
    place = make_facility(app)
    _, unit_id, dispatcher = on_scene(app, api)
    assert (
        dispatcher.post(f"/api/v1/units/{unit_id}/location", json={"lat": 44.4480, "lon": -73.2142}).status_code == 200
    )
    assert facility_events(app, place) == []
