"""Issue 11 hardening of dispatch: races on one incident, who may make which move, audit gaps."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from dispatch.models import Assignment, Incident, Unit
from notifications.models import OutboundMessage
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_user
from tests.support.sms_factories import assigned_incident, inbound_form, signed_post

RACERS = 8


@pytest.mark.slow  # eight threads racing
def test_eight_units_for_one_incident_at_once_one_wins_the_rest_409(live_app):
    """Eight dispatchers each send a different unit to the same incident at the same moment: one
    assignment wins; every other answers 409 with the error body and fresh recommendations (on
    PostgreSQL they used to meet the unique units.incident_id and answer 500)."""
    incident_id = make_incident(live_app)
    unit_ids = [make_placed_unit(live_app, NEAR) for _ in range(RACERS)]
    tokens = [make_user(live_app, "dispatcher")[1] for _ in range(RACERS)]
    start = threading.Barrier(RACERS)
    results: list[tuple[int, int, Any]] = []
    lock = threading.Lock()

    def dispatcher(unit_id: int, token: str) -> None:
        client = live_app.test_client()
        start.wait()
        response = client.post(
            f"/api/v1/incidents/{incident_id}/assign",
            json={"unit_id": unit_id, "reason": "race"},
            headers={"Authorization": f"Bearer {token}"},
        )
        with lock:
            results.append((unit_id, response.status_code, response.get_json()))

    threads = [threading.Thread(target=dispatcher, args=pair) for pair in zip(unit_ids, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(code for _, code, _ in results)
    assert codes == [200] + [409] * (RACERS - 1), codes
    (winner,) = [unit_id for unit_id, code, _ in results if code == 200]
    for _, code, body in results:
        if code == 409:
            assert body["error"]["code"] == "conflict"
            assert "no longer pending" in body["error"]["message"]
            assert "recommendations" in body
    with live_app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.unit_id) == ("dispatched", winner)
        units = {u.id: (u.status, u.incident_id) for u in db.session.query(Unit).filter(Unit.id.in_(unit_ids))}
        assert units.pop(winner) == ("dispatched", incident_id)
        assert set(units.values()) == {("available", None)}  # no loser left dispatched
        assert [a.unit_id for a in db.session.query(Assignment).filter(Assignment.incident_id == incident_id)] == [
            winner
        ]
        db.session.remove()


# --- who may make which move (item 7) -----------------------------------------------------------


def _assigned(app: Any, api: Any) -> tuple[int, int, Any]:
    incident_id = make_incident(app)
    unit_id = make_placed_unit(app, NEAR)
    dispatcher = api.as_role("dispatcher")
    response = dispatcher.post(f"/api/v1/incidents/{incident_id}/assign", json={"unit_id": unit_id})
    assert response.status_code == 200, response.get_json()
    return incident_id, unit_id, dispatcher


def _incident_and_unit(app: Any, incident_id: int, unit_id: int) -> tuple[str, int | None, str, int | None]:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        unit = db.session.get(Unit, unit_id)
        seen = (incident.status, incident.unit_id, unit.status, unit.incident_id)
        db.session.remove()
    return seen


@pytest.mark.parametrize("status", ["cancelled", "pending", "closed"])
def test_a_field_user_cannot_cancel_close_or_requeue_their_incident(app, api, status):
    incident_id, unit_id, _ = _assigned(app, api)
    field = api.as_role("field", unit_id=unit_id)
    url = f"/api/v1/incidents/{incident_id}/status"
    refused = field.post(url, json={"status": status, "note": "not mine to decide"})
    assert refused.status_code == 403
    error = refused.get_json()["error"]
    assert error["code"] == "forbidden" and "dispatcher" in error["message"]
    assert _incident_and_unit(app, incident_id, unit_id) == ("dispatched", unit_id, "dispatched", incident_id)
    # the same refusal as /cancel's
    assert field.post(f"/api/v1/incidents/{incident_id}/cancel", json={"reason": "x"}).status_code == 403


def test_a_field_user_still_makes_the_teams_own_moves_and_a_dispatcher_every_move(app, api):
    incident_id, unit_id, dispatcher = _assigned(app, api)
    field = api.as_role("field", unit_id=unit_id)
    url = f"/api/v1/incidents/{incident_id}/status"
    for status in ("acknowledged", "en_route", "on_scene"):
        moved = field.post(url, json={"status": status})
        assert moved.status_code == 200 and moved.get_json()["status"] == status
    cleared = field.post(url, json={"status": "cleared", "outcome": "stabilized_on_scene", "police_present": False})
    assert cleared.status_code == 200 and cleared.get_json()["status"] == "cleared"
    assert field.post(url, json={"status": "nonsense"}).status_code == 422  # unknown: still the field error
    assert field.post(url, json={"status": "closed"}).status_code == 403
    assert dispatcher.post(url, json={"status": "closed"}).get_json()["status"] == "closed"
    requeued, requeued_unit, dispatcher = _assigned(app, api)
    back = dispatcher.post(
        f"/api/v1/incidents/{requeued}/status", json={"status": "pending", "note": "needed elsewhere"}
    )
    assert back.status_code == 200
    assert _incident_and_unit(app, requeued, requeued_unit) == ("pending", None, "available", None)


# --- audit gaps (item 12) ----------------------------------------------------------------------


def _last_audit_id(app: Any) -> int:
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0
        db.session.remove()
    return int(found)


def _audit_since(app: Any, mark: int) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > mark).order_by(AuditEntry.id)).all()
        seen = [(r.user_id, r.actor, r.action, r.record_type, r.record_id, r.detail) for r in rows]
        db.session.remove()
    return seen


def test_listing_incidents_is_one_audited_view_naming_them(app, api):
    incident_id = make_incident(app)
    user, token = make_user(app, "dispatcher")
    mark = _last_audit_id(app)
    listed = app.test_client().get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
    assert [i["id"] for i in listed.get_json()] == [incident_id]
    [(user_id, actor, action, record_type, record_id, detail)] = _audit_since(app, mark)
    assert (user_id, actor, action, record_type, record_id) == (
        user["id"],
        user["username"],
        "view",
        "incident_list",
        None,
    )
    assert detail["incident_ids"] == [incident_id]


def test_listing_followups_is_one_audited_view(app, api):
    user, token = make_user(app, "operator")
    mark = _last_audit_id(app)
    listed = app.test_client().get("/api/v1/followups?state=all", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    [(user_id, actor, action, record_type, _, detail)] = _audit_since(app, mark)
    assert (user_id, actor, action, record_type) == (user["id"], user["username"], "view", "followup_list")
    assert detail["followup_ids"] == [f["id"] for f in listed.get_json()] and detail["state"] == "all"


def test_reading_the_audit_trail_is_itself_audited_after_the_read(app, api):
    user, token = make_user(app, "supervisor")
    mark = _last_audit_id(app)
    read = app.test_client().get("/api/v1/audit?record_type=call", headers={"Authorization": f"Bearer {token}"})
    assert read.status_code == 200 and read.get_json() == []  # its own entry is not in its answer
    [(user_id, actor, action, record_type, _, detail)] = _audit_since(app, mark)
    assert (user_id, actor, action, record_type) == (user["id"], user["username"], "view", "audit_list")
    assert detail["record_type"] == "call"


PHONE = "+18025550177"


@pytest.mark.parametrize(("text", "action"), [("STATUS", "sms_status"), ("OK", "sms_check_in")])
def test_sms_status_and_check_in_replies_are_audited_naming_the_unit(app, client, text, action):
    incident_id, unit_id = assigned_incident(app, phones=[PHONE])
    with app.app_context():
        call_sign = db.session.get(Unit, unit_id).call_sign
        db.session.remove()
    mark = _last_audit_id(app)
    response = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, text))
    assert response.status_code == 200 and call_sign in response.get_data(as_text=True)
    [(user_id, actor, got, record_type, record_id, detail)] = _audit_since(app, mark)
    assert (user_id, actor, got, record_type, record_id) == (
        None,
        f"sms:{call_sign}",
        action,
        "incident",
        str(incident_id),
    )
    assert detail == {"unit_id": unit_id}


def test_sms_status_without_an_incident_is_audited_on_the_unit(app, client):
    unit_id = make_placed_unit(app, NEAR, phones=[PHONE])
    mark = _last_audit_id(app)
    assert signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "STATUS")).status_code == 200
    [(user_id, actor, action, record_type, record_id, _)] = _audit_since(app, mark)
    assert (user_id, action, record_type, record_id) == (None, "sms_status", "unit", str(unit_id))
    assert actor.startswith("sms:")


FIELD_PHONE = "+18025550178"


def _field_path(app: Any, unit_id: int) -> str:
    with app.app_context():
        body = db.session.scalars(sa.select(OutboundMessage.body).where(OutboundMessage.unit_id == unit_id)).first()
        db.session.remove()
    match = re.search(r"(/field/\S+)", body or "")
    assert match
    return match.group(1)


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize("status", ["cancelled", "pending", "closed"])
def test_the_field_page_cannot_make_a_dispatchers_move_either(app, client, status):
    """The team's page (a token, no sign-in) takes the same rule as a field user: a forged form
    asking to cancel, requeue or close changes nothing and says why."""
    incident_id, unit_id = assigned_incident(app, phones=[FIELD_PHONE])
    path = _field_path(app, unit_id)
    page = client.get(path).get_data(as_text=True)
    refused = client.post(f"{path}/status", data={"status": status, "csrf_token": _csrf(page)})
    assert refused.status_code == 302
    assert "dispatcher" in client.get(path).get_data(as_text=True)
    assert _incident_and_unit(app, incident_id, unit_id) == ("dispatched", unit_id, "dispatched", incident_id)


def test_a_teams_decline_still_returns_the_incident_to_the_queue(app, client):
    by_sms, sms_unit = assigned_incident(app, phones=[FIELD_PHONE])
    assert signed_post(client, app, "/sms/inbound", inbound_form(FIELD_PHONE, "9 flat tyre")).status_code == 200
    assert _incident_and_unit(app, by_sms, sms_unit) == ("pending", None, "available", None)
    by_page, page_unit = assigned_incident(app, phones=["+18025550179"])
    path = _field_path(app, page_unit)
    page = client.get(path).get_data(as_text=True)
    declined = client.post(f"{path}/decline", data={"reason": "vehicle breakdown", "csrf_token": _csrf(page)})
    assert declined.status_code == 200
    assert _incident_and_unit(app, by_page, page_unit) == ("pending", None, "available", None)
