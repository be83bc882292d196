"""PATCH /api/v1/units/<id> (admin): call sign, phones, capabilities, home; 409 for what another
unit has; a unit.updated event; an audit entry."""

from __future__ import annotations

import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry, Event
from tests.support.factories import make_unit


def test_an_admin_changes_a_unit_and_screens_get_unit_updated(app, api):
    admin = api.as_role("admin")
    unit_id = make_unit(app, call_sign="MCT-8", phones=["+18025550801"], languages=["en"], youth=False)
    answer = admin.patch(
        f"/api/v1/units/{unit_id}",
        json={
            "call_sign": "North 2",
            "phones": ["(802) 555-0802", "+1 802 555 0803"],
            "capabilities": {"languages": ["EN", "es"], "youth": True},
            "home": {"lat": 44.49, "lon": -73.22},
        },
    )
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["call_sign"] == "North 2"
    assert body["phones"] == ["+18025550802", "+18025550803"]
    assert body["capabilities"] == {"languages": ["en", "es"], "youth": True}
    assert body["home"]["lat"] == 44.49 and body["home"]["lon"] == -73.22
    assert admin.get(f"/api/v1/units/{unit_id}").get_json()["call_sign"] == "North 2"
    with app.app_context():
        event = db.session.scalars(sa.select(Event).order_by(Event.id.desc())).first()
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.record_type == "unit", AuditEntry.record_id == str(unit_id))
        ).one()
    assert event.type == "unit.updated" and event.unit_id == unit_id and event.data["call_sign"] == "North 2"
    assert entry.action == "unit.update"
    assert entry.detail["call_sign"] == {"from": "MCT-8", "to": "North 2"}
    assert entry.detail["phones"]["to"] == ["+18025550802", "+18025550803"]


def test_only_the_keys_sent_change(app, api):
    admin = api.as_role("admin")
    unit_id = make_unit(app, languages=["en", "fr"], youth=False)
    body = admin.patch(f"/api/v1/units/{unit_id}", json={"capabilities": {"youth": True}}).get_json()
    assert body["capabilities"] == {"languages": ["en", "fr"], "youth": True}
    before = admin.get(f"/api/v1/units/{unit_id}").get_json()
    with app.app_context():
        events = db.session.scalar(sa.select(sa.func.count()).select_from(Event))
    assert admin.patch(f"/api/v1/units/{unit_id}", json={}).get_json()["phones"] == before["phones"]
    with app.app_context():  # nothing changed: no event
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == events


def test_a_call_sign_or_phone_of_another_unit_is_409(app, api):
    admin = api.as_role("admin")
    make_unit(app, call_sign="MCT-20", phones=["+18025552001"])
    unit_id = make_unit(app, call_sign="MCT-21", phones=["+18025552101"])
    taken = admin.patch(f"/api/v1/units/{unit_id}", json={"call_sign": "mct-20"})
    assert taken.status_code == 409 and taken.get_json()["error"]["code"] == "call_sign_taken"
    phone = admin.patch(f"/api/v1/units/{unit_id}", json={"phones": ["802-555-2001"]})
    assert phone.status_code == 409 and phone.get_json()["error"]["code"] == "phone_taken"
    assert "MCT-20" in phone.get_json()["error"]["message"]
    # Its own call sign and phone are not a conflict.
    same = admin.patch(f"/api/v1/units/{unit_id}", json={"call_sign": "MCT-21", "phones": ["+18025552101"]})
    assert same.status_code == 200


def test_bad_unit_changes_are_refused_in_words(app, api):
    admin = api.as_role("admin")
    unit_id = make_unit(app)
    cases = [
        ({"phones": ["call me"]}, "phones.0"),
        ({"phones": ["555"]}, "phones.0"),
        ({"phones": []}, "phones"),
        ({"call_sign": "<b>"}, "call_sign"),
        ({"call_sign": ""}, "call_sign"),
        ({"capabilities": {"languages": ["english"]}}, "capabilities.languages"),
        ({"home": {"lat": 91, "lon": 0}}, "home.lat"),
        ({"home": {"lat": 44.4}}, "home.lon"),
        ({"status": "available"}, "status"),
    ]
    for body, field in cases:
        answer = admin.patch(f"/api/v1/units/{unit_id}", json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["error"]["fields"], (body, answer.get_json())
    assert admin.patch("/api/v1/units/99999", json={"call_sign": "X"}).status_code == 404


def test_only_admins_change_units(app, api):
    unit_id = make_unit(app)
    for role in ("operator", "dispatcher", "supervisor"):
        assert api.as_role(role).patch(f"/api/v1/units/{unit_id}", json={"call_sign": "Z"}).status_code == 403
    field = api.as_role("field", unit_id=unit_id)
    assert field.patch(f"/api/v1/units/{unit_id}", json={"call_sign": "Z"}).status_code == 403
    assert app.test_client().patch(f"/api/v1/units/{unit_id}", json={"call_sign": "Z"}).status_code == 401
