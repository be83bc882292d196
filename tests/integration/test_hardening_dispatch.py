"""Issue 11 hardening of dispatch: races on one incident, who may make which move, audit gaps."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from core.extensions import db
from dispatch.models import Assignment, Incident, Unit
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_user

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
