"""Incidents API (CONTRACT.md "Incidents"): list, get, lifecycle moves, cancel, assign."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from core.deps import bus_of
from core.extensions import db
from core.models import AuditEntry, Event
from dispatch.models import IncidentMove, Unit
from tests.support.dispatch_factories import FAR, NEAR, make_call, make_incident, make_placed_unit


def assign(client, incident_id, unit_id, reason=None):
    body = {"unit_id": unit_id} | ({"reason": reason} if reason else {})
    return client.post(f"/api/v1/incidents/{incident_id}/assign", json=body)


def test_an_incident_from_a_call_is_pending_with_the_calls_place_and_needs(app, api):
    incident_id = make_incident(app, language="es", youth=True, answers={"cssrs_1": "yes", "weapon_present": "unknown"})
    body = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}").get_json()
    assert body["status"] == "pending" and body["number"].startswith("I-")
    assert body["location"]["resolved"] is True and body["location"]["lat"] == 44.4781
    assert body["needs"] == {"youth": True, "language": "es"}
    assert body["flags"] == ["weapon status unknown"]
    assert body["category"] == "suicidal ideation, weapon status unknown"
    assert body["timestamps"]["created_at"] and body["timestamps"]["dispatched_at"] is None
    assert isinstance(body["version"], int)


def test_list_filters_by_status_and_viewing_is_audited(app, api):
    pending = make_incident(app)
    other = make_incident(app)
    dispatcher = api.as_role("dispatcher")
    assert dispatcher.post(f"/api/v1/incidents/{other}/cancel", json={"reason": "duplicate"}).status_code == 200
    listed = dispatcher.get("/api/v1/incidents?status=pending").get_json()
    assert [i["id"] for i in listed] == [pending]
    assert dispatcher.get("/api/v1/incidents?status=nonsense").status_code == 422
    dispatcher.get(f"/api/v1/incidents/{pending}")
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(
                AuditEntry.record_type == "incident", AuditEntry.record_id == str(pending)
            )
        ).all()
    assert "incident.view" in actions and "incident.create" in actions


def test_assign_moves_incident_and_unit_and_writes_events(app, api):
    incident_id = make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    response = assign(api.as_role("dispatcher"), incident_id, unit_id)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["incident"]["status"] == "dispatched" and body["incident"]["unit_id"] == unit_id
    assert body["incident"]["timestamps"]["dispatched_at"]
    assert body["assignment"]["recommended_rank"] == 1 and body["assignment"]["eta_seconds"] > 0
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.status, unit.incident_id) == ("dispatched", incident_id)
        types = db.session.scalars(sa.select(Event.type).where(Event.unit_id == unit_id)).all()
    assert {"incident.updated", "unit.updated", "assignment.created"} <= set(types)


def test_a_unit_that_is_not_the_first_recommendation_needs_a_reason(app, api):
    incident_id = make_incident(app)
    make_placed_unit(app, NEAR)
    far = make_placed_unit(app, FAR)
    dispatcher = api.as_role("dispatcher")
    refused = assign(dispatcher, incident_id, far)
    assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"]
    done = assign(dispatcher, incident_id, far, reason="the nearer team is finishing notes")
    assert done.status_code == 200
    assert done.get_json()["assignment"]["recommended_rank"] == 2
    assert done.get_json()["assignment"]["reason"] == "the nearer team is finishing notes"


def test_a_busy_unit_is_409_with_fresh_recommendations(app, api):
    first, second = make_incident(app), make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    spare = make_placed_unit(app, FAR)
    dispatcher = api.as_role("dispatcher")
    assert assign(dispatcher, first, unit_id).status_code == 200
    busy = assign(dispatcher, second, unit_id, reason="try anyway")
    assert busy.status_code == 409
    body = busy.get_json()
    assert "no longer available" in body["error"]["message"]
    assert [u["unit_id"] for u in body["recommendations"]["units"]] == [spare]
    again = assign(dispatcher, first, spare, reason="x")
    assert again.status_code == 409 and "no longer pending" in again.get_json()["error"]["message"]


def test_operators_cannot_assign(app, api):
    incident_id = make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    assert assign(api.as_role("operator"), incident_id, unit_id).status_code == 403


def test_lifecycle_moves_stamp_time_and_user_and_the_unit_follows(app, api):
    incident_id = make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    dispatcher = api.as_role("dispatcher")
    assign(dispatcher, incident_id, unit_id)
    url = f"/api/v1/incidents/{incident_id}/status"
    for status in ("acknowledged", "en_route", "on_scene"):
        moved = dispatcher.post(url, json={"status": status})
        assert moved.status_code == 200, moved.get_json()
        assert moved.get_json()["timestamps"][f"{status}_at"]
    with app.app_context():
        assert db.session.get(Unit, unit_id).status == "on_scene"
    illegal = dispatcher.post(url, json={"status": "acknowledged"})
    assert illegal.status_code == 409
    # (a clear without outcome is allowed and flagged: tests/integration/test_incident_record.py)
    wrong = dispatcher.post(url, json={"status": "cleared", "outcome": "cancelled_before_arrival"})
    assert wrong.status_code == 422 and "outcome" in wrong.get_json()["error"]["fields"]
    cleared = dispatcher.post(
        url, json={"status": "cleared", "outcome": "stabilized_on_scene", "police_present": False}
    )
    assert cleared.status_code == 200
    body = cleared.get_json()
    assert body["outcome"] == "stabilized_on_scene" and body["police_present"] is False
    assert body["timestamps"]["cleared_at"]
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.status, unit.incident_id) == ("available", None)
        moves = db.session.scalars(
            sa.select(IncidentMove).where(IncidentMove.incident_id == incident_id).order_by(IncidentMove.id)
        ).all()
        assert [m.to_status for m in moves] == [
            "pending",
            "dispatched",
            "acknowledged",
            "en_route",
            "on_scene",
            "cleared",
        ]
        assert all(m.at is not None for m in moves) and moves[-1].user_id is not None
    assert dispatcher.post(url, json={"status": "closed"}).get_json()["timestamps"]["closed_at"]


def test_cancel_needs_a_reason_and_releases_the_unit(app, api):
    incident_id = make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    dispatcher = api.as_role("dispatcher")
    assign(dispatcher, incident_id, unit_id)
    url = f"/api/v1/incidents/{incident_id}/cancel"
    assert dispatcher.post(url, json={"reason": "  "}).status_code == 422
    assert dispatcher.post(url, json={}).status_code == 422
    cancelled = dispatcher.post(url, json={"reason": "resolved by phone"})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.status, unit.incident_id) == ("available", None)
    assert dispatcher.post(url, json={"reason": "again"}).status_code == 409


def test_field_users_see_only_their_units_incidents(app, api):
    mine, theirs = make_incident(app), make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    assign(api.as_role("dispatcher"), mine, unit_id)
    field = api.as_role("field", unit_id=unit_id)
    assert [i["id"] for i in field.get("/api/v1/incidents").get_json()] == [mine]
    assert field.get(f"/api/v1/incidents/{theirs}").status_code == 403
    assert field.post(f"/api/v1/incidents/{mine}/status", json={"status": "acknowledged"}).status_code == 200


def test_an_unresolved_location_asks_for_one_and_can_be_resolved(app, api):
    incident_id = make_incident(app, lat=None, lon=None, address="somewhere nobody knows")
    dispatcher = api.as_role("dispatcher")
    asked = dispatcher.get(f"/api/v1/incidents/{incident_id}/recommendations")
    assert asked.status_code == 409 and "location" in asked.get_json()["error"]["message"]
    not_found = dispatcher.post(f"/api/v1/incidents/{incident_id}/location", json={"address": "zzz nowhere"})
    assert not_found.status_code == 422
    picked = dispatcher.post(f"/api/v1/incidents/{incident_id}/location", json={"lat": 44.48, "lon": -73.21})
    assert picked.status_code == 200 and picked.get_json()["location"]["resolved"] is True
    assert dispatcher.get(f"/api/v1/incidents/{incident_id}/recommendations").status_code == 200


def test_return_to_queue_frees_the_unit(app, api):
    from core.actors import Actor
    from dispatch.service import return_to_queue

    incident_id = make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    assign(api.as_role("dispatcher"), incident_id, unit_id)
    with app.app_context():
        incident = return_to_queue(
            session=db.session,
            incident_id=incident_id,
            reason="DECLINE flat tyre",
            by=Actor.system("sms:T"),
            bus=bus_of(current_app),
        )
        db.session.commit()
        assert (incident.status, incident.unit_id) == ("pending", None)
        unit = db.session.get(Unit, unit_id)
        assert (unit.status, unit.incident_id) == ("available", None)


def test_opening_twice_for_one_call_returns_the_first_incident(app):
    from core.actors import Actor
    from dispatch.service import open_incident_for_call
    from triage.models import Call

    call_id = make_call(app)
    with app.app_context():
        call = db.session.get(Call, call_id)
        first = open_incident_for_call(session=db.session, call=call, by=Actor.system("test"), bus=bus_of(current_app))
        again = open_incident_for_call(session=db.session, call=call, by=Actor.system("test"), bus=bus_of(current_app))
        assert first.id == again.id
