"""Black box: a real server with its scheduler and short settings. A dispatched unit that does not
acknowledge is paged again, and `alert.raised` reaches a Socket.IO client on /live."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import socketio
import sqlalchemy as sa

from core.deps import replace_settings
from core.extensions import db
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_user
from tests.support.server import serve

pytestmark = pytest.mark.slow  # a real server and a scheduler


def _wait(predicate: Any, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _repages(app: Any, incident_id: int) -> list[str]:
    from notifications.models import OutboundMessage

    with app.app_context():
        rows = db.session.scalars(
            sa.select(OutboundMessage.to).where(
                OutboundMessage.kind == "repage", OutboundMessage.incident_id == incident_id
            )
        ).all()
        db.session.remove()
        return list(rows)


def test_an_unacknowledged_unit_is_paged_again_and_the_alert_goes_live(live_app: Any) -> None:
    from timers.scheduler import start_scheduler, stop_scheduler

    replace_settings(live_app, ACK_REPAGE_AFTER_S=2, ACK_REASSIGN_AFTER_S=600, TIMER_SWEEP_S=1)
    unit_id = make_placed_unit(live_app, NEAR, phones=["+18025550777"])
    incident_id = make_incident(live_app, priority="urgent")
    _, token = make_user(live_app, "dispatcher")
    raised: list[dict[str, Any]] = []
    lock = threading.Lock()
    client = socketio.Client(reconnection=False)

    def on_event(event: dict[str, Any]) -> None:
        if event["type"] == "alert.raised":
            with lock:
                raised.append(event["data"])

    client.on("event", on_event, namespace="/live")
    with serve(live_app) as base:
        scheduler = start_scheduler(live_app, force=True)
        try:
            assert scheduler is not None
            client.connect(base, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=10)
            answer = live_app.test_client().post(
                f"/api/v1/incidents/{incident_id}/assign",
                json={"unit_id": unit_id, "reason": "closest"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 200, answer.get_json()
            assert _repages(live_app, incident_id) == []  # not before its time

            assert _wait(lambda: _repages(live_app, incident_id) == ["+18025550777"])
            assert _wait(lambda: any(a["kind"] == "ack_overdue" for a in list(raised)))
            with lock:
                alert = next(a for a in raised if a["kind"] == "ack_overdue")
            assert (alert["incident_id"], alert["unit_id"]) == (incident_id, unit_id)
            assert "paged again" in alert["message"]
        finally:
            client.disconnect()
            stop_scheduler()
