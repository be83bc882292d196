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
