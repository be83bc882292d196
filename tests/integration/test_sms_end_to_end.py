"""End to end on a real server: assign -> dispatch SMS stored by the console sender -> "1" through a
signed webhook -> incident acknowledged, and the dispatcher's live stream shows it. Also the field
link: it works for its unit and incident only, and stops working when the unit is taken off."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
import requests
import socketio
import sqlalchemy as sa

from core.deps import replace_settings
from core.extensions import db
from notifications.models import ConsoleMessageRow, OutboundMessage
from notifications.sending import start_sms_relay, stop_sms_relay
from notifications.webhooks import sign, webhook_token
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_user
from tests.support.server import serve
from tests.support.sms_factories import assigned_incident, inbound_form

PHONE = "+18025550131"


class LiveEvents:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self._event, namespace="/live")

    def _event(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(data)

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> dict[str, Any] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for event in self.events:
                    if predicate(event):
                        return event
            time.sleep(0.02)
        return None


def wait_until(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    return None


@pytest.mark.slow  # a real server with its relays
def test_assign_sms_reply_acknowledges_and_the_board_hears_it_live(live_app):
    unit_id = make_placed_unit(live_app, NEAR, phones=[PHONE])
    incident_id = make_incident(live_app)
    _, token = make_user(live_app, "dispatcher")
    with serve(live_app) as base:
        start_sms_relay(live_app, poll_interval_s=0.2)
        board = LiveEvents()
        board.client.connect(
            base, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=10
        )
        try:
            headers = {"Authorization": f"Bearer {token}"}
            assigned = requests.post(f"{base}/api/v1/incidents/{incident_id}/assign", json={"unit_id": unit_id,
                                     "reason": "closest team"}, headers=headers, timeout=10)  # fmt: skip
            assert assigned.status_code == 200, assigned.text

            def stored() -> Any:
                with live_app.app_context():
                    row = db.session.scalars(sa.select(ConsoleMessageRow).where(ConsoleMessageRow.to == PHONE)).first()
                    db.session.commit()
                    return row and row.body

            page = wait_until(stored)
            assert page and page.startswith("DISPATCH I-") and f"{base}/field/" in page
            delivered = board.wait_for(lambda e: e["type"] == "message.updated" and e["data"]["status"] == "delivered")
            assert delivered is not None and delivered["data"]["incident_id"] == incident_id

            form = inbound_form(PHONE, "1")
            url = f"{live_app.config['PUBLIC_BASE_URL']}/sms/inbound"
            answer = requests.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form,
                                   webhook_token(live_app.config))}, timeout=10)  # fmt: skip
            assert answer.status_code == 200 and "acknowledged I-" in answer.text

            acknowledged = board.wait_for(
                lambda e: (
                    e["type"] == "incident.updated"
                    and e["data"]["id"] == incident_id
                    and e["data"]["status"] == "acknowledged"
                )
            )
            assert acknowledged is not None
            reply = board.wait_for(lambda e: e["type"] == "message.updated" and e["data"]["direction"] == "in")
            assert reply is not None and reply["data"]["body"] == "1" and reply["data"]["unit_id"] == unit_id
        finally:
            board.client.disconnect()
            stop_sms_relay(live_app)


def field_link(app: Any, unit_id: int) -> str:
    with app.app_context():
        body = db.session.scalars(sa.select(OutboundMessage.body).where(OutboundMessage.unit_id == unit_id)).first()
    match = re.search(r"(/field/\S+)", body)
    assert match
    return match.group(1)


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_field_link_shows_only_its_incident_and_moves_it(app, client):
    _, unit_id = assigned_incident(app, phones=[PHONE])
    path = field_link(app, unit_id)
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Acknowledge" in text and "Share my position" in text
    refused = client.post(f"{path}/status", data={"status": "acknowledged"})
    assert refused.status_code == 400  # no CSRF token
    moved = client.post(f"{path}/status", data={"status": "en_route", "csrf_token": csrf(text)})
    assert moved.status_code == 302
    again = client.get(path).get_data(as_text=True)
    assert "now <strong>en route</strong>" in again and "Recorded: en route" in again
    position = client.post(f"{path}/position", json={"lat": 44.48, "lon": -73.21, "accuracy_m": 12},
                           headers={"X-CSRFToken": csrf(again)})  # fmt: skip
    assert position.status_code == 200
    with app.app_context():
        from dispatch.models import Unit

        assert db.session.get(Unit, unit_id).lat == 44.48


def test_a_field_link_stops_working_when_the_unit_is_taken_off(app, client):
    _, unit_id = assigned_incident(app, phones=[PHONE])
    path = field_link(app, unit_id)
    text = client.get(path).get_data(as_text=True)
    declined = client.post(f"{path}/decline", data={"reason": "vehicle breakdown", "csrf_token": csrf(text)})
    assert declined.status_code == 200 and "Declined" in declined.get_data(as_text=True)
    gone = client.get(path)
    assert gone.status_code == 410 and "no longer works" in gone.get_data(as_text=True)
    assert client.get(path[:-3] + "abc").status_code == 410  # a forged token


def test_the_simulator_answers_as_a_units_phone(app, client):
    assigned_incident(app, phones=[PHONE])
    user, _ = make_user(app, "dispatcher")
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": user["username"], "password": user["password"], "csrf_token": token})
    page = client.get("/sms")
    assert page.status_code == 200 and PHONE in page.get_data(as_text=True)
    form = {"phone": PHONE, "body": "1", "csrf_token": csrf(page.get_data(as_text=True))}
    answered = client.post("/sms/simulate", data=form, follow_redirects=True)
    assert "acknowledged I-" in answered.get_data(as_text=True)
    replace_settings(app, TWILIO_ACCOUNT_SID="AC" + "1" * 32, TWILIO_AUTH_TOKEN="t", TWILIO_FROM_NUMBER="+18025550100")
    assert client.get("/sms").status_code == 404  # Twilio is configured: no simulator


def test_clearing_on_the_field_page_needs_the_outcome_and_police_presence(app, client):
    incident_id, unit_id = assigned_incident(app, phones=[PHONE])
    path = field_link(app, unit_id)
    text = client.get(path).get_data(as_text=True)
    for step in ("en_route", "on_scene"):
        client.post(f"{path}/status", data={"status": step, "csrf_token": csrf(text)})
    refused = client.post(f"{path}/status", data={"status": "cleared", "outcome": "stabilized_on_scene",
                                                  "csrf_token": csrf(text)}, follow_redirects=True)  # fmt: skip
    assert "say whether police were on scene" in refused.get_data(as_text=True)
    cleared = client.post(f"{path}/status", data={"status": "cleared", "outcome": "stabilized_on_scene",
                                                  "police_present": "no", "csrf_token": csrf(text)})  # fmt: skip
    assert cleared.status_code == 302
    with app.app_context():
        from dispatch.models import Incident

        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.outcome, incident.police_present) == ("cleared", "stabilized_on_scene", False)
