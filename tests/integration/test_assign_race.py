"""Sixteen dispatchers assign one unit to sixteen incidents at once: exactly one wins."""

from __future__ import annotations

import threading

import pytest

from core.extensions import db
from dispatch.models import Incident, Unit
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_user

THREADS = 16


@pytest.mark.slow  # sixteen threads racing
def test_one_unit_sixteen_incidents_exactly_one_assignment(live_app):
    incidents = [make_incident(live_app) for _ in range(THREADS)]
    unit_id = make_placed_unit(live_app, NEAR)
    tokens = [make_user(live_app, "dispatcher")[1] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)
    results: list[tuple[int, int]] = []
    lock = threading.Lock()

    def dispatcher(incident_id: int, token: str) -> None:
        client = live_app.test_client()
        start.wait()
        response = client.post(
            f"/api/v1/incidents/{incident_id}/assign",
            json={"unit_id": unit_id, "reason": "race"},
            headers={"Authorization": f"Bearer {token}"},
        )
        with lock:
            results.append((incident_id, response.status_code))

    threads = [threading.Thread(target=dispatcher, args=pair) for pair in zip(incidents, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(code for _, code in results)
    assert codes == [200] + [409] * (THREADS - 1), codes
    (winner,) = [incident_id for incident_id, code in results if code == 200]
    with live_app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.status, unit.incident_id) == ("dispatched", winner)
        holding = db.session.query(Incident).filter(Incident.unit_id == unit_id).all()
        assert [i.id for i in holding] == [winner]
        assert db.session.query(Incident).filter(Incident.status == "pending").count() == THREADS - 1
