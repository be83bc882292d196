"""Units API (CONTRACT.md "Units"): create, status moves, position fixes and who may post them."""

from __future__ import annotations

from datetime import timedelta

from core.clock import now as clock_now
from core.extensions import db
from dispatch.models import UnitPosition
from tests.support.dispatch_factories import MIDDLE, NEAR, make_placed_unit
from tests.support.factories import make_unit

NEW_UNIT = {
    "call_sign": "MCT-7",
    "phones": ["+18025550107"],
    "capabilities": {"languages": ["en", "es"], "youth": True},
    "home": {"lat": 44.4757, "lon": -73.2195},
}


def test_admin_adds_a_unit_that_is_available_and_has_no_position(api):
    admin = api.as_role("admin")
    response = admin.post("/api/v1/units", json=NEW_UNIT)
    assert response.status_code == 201, response.get_json()
    unit = response.get_json()
    assert unit["call_sign"] == "MCT-7" and unit["status"] == "available"
    assert unit["capabilities"] == {"languages": ["en", "es"], "youth": True}
    assert unit["lat"] is None and unit["location_at"] is None and unit["location_stale"] is True
    listed = api.as_role("dispatcher").get("/api/v1/units").get_json()
    assert [u["call_sign"] for u in listed] == ["MCT-7"]


def test_bad_phone_and_language_are_422_and_duplicates_409(api):
    admin = api.as_role("admin")
    bad_phone = admin.post("/api/v1/units", json={**NEW_UNIT, "phones": ["802-555-0107"]})
    assert bad_phone.status_code == 422 and "phones" in bad_phone.get_json()["error"]["fields"]
    bad_lang = admin.post("/api/v1/units", json={**NEW_UNIT, "capabilities": {"languages": ["spanish"]}})
    assert bad_lang.status_code == 422
    assert admin.post("/api/v1/units", json=NEW_UNIT).status_code == 201
    assert admin.post("/api/v1/units", json=NEW_UNIT).status_code == 409
    same_phone = admin.post("/api/v1/units", json={**NEW_UNIT, "call_sign": "MCT-8"})
    assert same_phone.status_code == 409


def test_only_admin_adds_units(api):
    assert api.as_role("dispatcher").post("/api/v1/units", json=NEW_UNIT).status_code == 403


def test_status_moves_follow_the_unit_state_machine(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    off = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "off_duty"})
    assert off.status_code == 200 and off.get_json()["status"] == "off_duty"
    illegal = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "on_scene"})
    assert illegal.status_code == 409
    assert dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "flying"}).status_code == 422
    dispatched = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "dispatched"})
    assert dispatched.status_code == 409


def test_a_newer_fix_moves_the_unit_an_older_one_is_kept_but_moves_nothing(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    at = clock_now()
    newer = {"lat": NEAR[0], "lon": NEAR[1], "recorded_at": at.isoformat()}
    older = {"lat": MIDDLE[0], "lon": MIDDLE[1], "recorded_at": (at - timedelta(minutes=5)).isoformat()}
    first = dispatcher.post(f"/api/v1/units/{unit_id}/location", json=newer)
    assert first.status_code == 200 and first.get_json()["lat"] == NEAR[0]
    assert first.get_json()["location_stale"] is False
    second = dispatcher.post(f"/api/v1/units/{unit_id}/location", json=older)
    assert second.status_code == 200
    assert (second.get_json()["lat"], second.get_json()["lon"]) == NEAR
    with app.app_context():
        kept = db.session.query(UnitPosition).filter_by(unit_id=unit_id).count()
    assert kept == 2


def test_an_old_fix_is_shown_as_stale(app, api):
    unit_id = make_placed_unit(app, NEAR, age_s=3600)
    listed = api.as_role("supervisor").get("/api/v1/units").get_json()
    assert [u["location_stale"] for u in listed if u["id"] == unit_id] == [True]


def test_field_user_reports_only_for_their_own_unit(app, api):
    own = make_unit(app)
    other = make_unit(app)
    field = api.as_role("field", unit_id=own)
    fix = {"lat": NEAR[0], "lon": NEAR[1]}
    assert field.post(f"/api/v1/units/{own}/location", json=fix).status_code == 200
    assert field.post(f"/api/v1/units/{other}/location", json=fix).status_code == 403
    assert field.post(f"/api/v1/units/{other}/status", json={"status": "off_duty"}).status_code == 403
    seen = field.get("/api/v1/units").get_json()
    assert [u["id"] for u in seen] == [own]
