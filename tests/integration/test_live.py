"""The live stream against a real server on a loopback port (CONTRACT.md "Live updates").

Concurrent writers commit changes; every connected client must see `seq` 1..N exactly once and
in order, on SQLite and on PostgreSQL (where ids are not commit order)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import socketio

from core.db import utcnow
from core.events import record_event
from core.extensions import db
from dispatch.models import Unit
from tests.support.factories import make_unit, make_user
from tests.support.server import serve

pytestmark = pytest.mark.slow  # a real server and Socket.IO clients per test


class Recorder:
    """A python-socketio client that records what the server sends on /live."""

    def __init__(self, url: str, auth: dict[str, Any] | None):
        self.client = socketio.Client(reconnection=False)
        self.snapshots: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.client.on("snapshot", self._snapshot, namespace="/live")
        self.client.on("event", self._event, namespace="/live")
        self.url, self.auth = url, auth

    def _snapshot(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.snapshots.append(data)

    def _event(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.events.append(data)

    def connect(self, auth: dict[str, Any] | None = None) -> None:
        self.client.connect(
            self.url, namespaces=["/live"], auth=auth or self.auth, transports=["websocket"], wait_timeout=10
        )

    def seqs(self) -> list[int]:
        with self.lock:
            return [event["seq"] for event in self.events]

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.02)
        return False


def move_unit(app: Any, unit_id: int, step: int) -> None:
    """One change: the unit reports a position, and the change is an event in the same commit."""
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        unit.lat, unit.lon, unit.location_at = 44.47 + step * 1e-5, -73.21, utcnow()
        record_event(
            session=db.session,
            type="unit.updated",
            unit_id=unit_id,
            data={"id": unit_id, "call_sign": unit.call_sign, "lat": unit.lat, "lon": unit.lon},
        )
        db.session.commit()
        db.session.remove()


def wait_published(app: Any, seq: int, timeout: float = 15.0) -> None:
    """Wait until the relay has handed event `seq` to Socket.IO."""
    from core.relay import published_seq

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            done = published_seq(db.session)
            db.session.remove()
        if done >= seq:
            return
        time.sleep(0.02)
    raise AssertionError(f"the relay did not publish up to {seq} (got {done})")


def commit_changes(app: Any, unit_ids: list[int], per_thread: int) -> None:
    def work(unit_id: int) -> None:
        for step in range(per_thread):
            move_unit(app, unit_id, step)

    threads = [threading.Thread(target=work, args=(unit_id,)) for unit_id in unit_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def live(live_app):
    with serve(live_app) as url:
        yield live_app, url


def test_two_clients_get_every_seq_once_and_in_order(live):
    app, url = live
    _, token = make_user(app, "dispatcher")
    units = [make_unit(app) for _ in range(4)]
    clients = [Recorder(url, {"token": token}) for _ in range(2)]
    for client in clients:
        client.connect()
    try:
        assert all(c.wait_for(lambda r: r.snapshots) for c in clients)
        assert [c.snapshots[0]["seq"] for c in clients] == [0, 0]
        commit_changes(app, units, per_thread=50)  # 4 threads x 50 = 200 changes
        for client in clients:
            assert client.wait_for(lambda r: len(r.events) >= 200), f"got {len(client.events)} events"
            time.sleep(0.2)  # nothing more may arrive
            assert client.seqs() == list(range(1, 201))
            assert {e["type"] for e in client.events} == {"unit.updated"}
    finally:
        for client in clients:
            client.client.disconnect()


def test_resync_replays_exactly_what_was_missed(live):
    app, url = live
    _, token = make_user(app, "supervisor")
    unit = make_unit(app)
    client = Recorder(url, {"token": token})
    client.connect()
    try:
        commit_changes(app, [unit], per_thread=10)
        assert client.wait_for(lambda r: len(r.events) == 10)
        client.client.disconnect()
        commit_changes(app, [unit], per_thread=15)  # seq 11..25 happen while away
        wait_published(app, 25)
        client.events.clear()
        client.connect()
        assert client.wait_for(lambda r: len(r.snapshots) == 2)
        assert client.snapshots[-1]["seq"] == 25  # a fresh snapshot already includes them
        client.client.emit("resync", {"since": 10}, namespace="/live")
        assert client.wait_for(lambda r: len(r.events) >= 15)
        time.sleep(0.2)
        assert client.seqs() == list(range(11, 26))
    finally:
        client.client.disconnect()


def test_reconnecting_with_since_replays_instead_of_a_snapshot(live):
    app, url = live
    _, token = make_user(app, "dispatcher")
    unit = make_unit(app)
    client = Recorder(url, {"token": token})
    client.connect()
    commit_changes(app, [unit], per_thread=5)
    assert client.wait_for(lambda r: len(r.events) == 5)
    client.client.disconnect()
    commit_changes(app, [unit], per_thread=7)
    wait_published(app, 12)
    again = Recorder(url, {"token": token, "since": 5})  # what a browser tab sends when it comes back
    again.connect()
    try:
        assert again.wait_for(lambda r: len(r.events) >= 7)
        time.sleep(0.2)
        assert again.seqs() == list(range(6, 13))
        assert again.snapshots == []  # a replay, not a snapshot
    finally:
        again.client.disconnect()


def test_a_client_that_is_not_signed_in_is_refused(live):
    _, url = live
    for auth in (None, {"token": "made-up"}):
        client = Recorder(url, auth)
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect()
        assert client.snapshots == []


def test_a_field_user_sees_only_their_own_unit(live):
    app, url = live
    mine, other = make_unit(app), make_unit(app)
    _, token = make_user(app, "field", unit_id=mine)
    client = Recorder(url, {"token": token})
    client.connect()
    try:
        move_unit(app, other, 1)
        move_unit(app, mine, 2)
        move_unit(app, other, 3)
        assert client.wait_for(lambda r: len(r.events) >= 1)
        time.sleep(0.3)
        assert [e["data"]["id"] for e in client.events] == [mine]
        assert client.events[0]["seq"] == 2
    finally:
        client.client.disconnect()


def test_a_live_snapshot_of_incidents_is_an_audited_view(live):
    import sqlalchemy as sa

    from core.models import AuditEntry
    from tests.support.dispatch_factories import make_incident

    app, url = live
    user, token = make_user(app, "supervisor")
    incident_id = make_incident(app)
    client = Recorder(url, {"token": token})
    client.connect()
    try:
        assert client.wait_for(lambda r: r.snapshots)
        assert incident_id in [i["id"] for i in client.snapshots[0]["incidents"]]
    finally:
        client.client.disconnect()
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.record_type == "incident_list")).all()
        assert [(e.user_id, e.action, e.detail["incident_ids"]) for e in entries] == [
            (user["id"], "view", [incident_id])
        ]


def test_revoking_a_token_ends_its_live_connection(live):
    import requests

    app, url = live
    _, token = make_user(app, "dispatcher")
    _, other_token = make_user(app, "dispatcher")
    client, other = Recorder(url, {"token": token}), Recorder(url, {"token": other_token})
    client.connect()
    other.connect()
    try:
        assert client.wait_for(lambda r: r.snapshots) and other.wait_for(lambda r: r.snapshots)
        answer = requests.post(f"{url}/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert answer.status_code == 200
        assert client.wait_for(lambda r: not r.client.connected, timeout=10)  # cut off at once
        assert other.client.connected  # someone else's screen stays live
        with pytest.raises(socketio.exceptions.ConnectionError):
            Recorder(url, {"token": token}).connect()
    finally:
        for recorder in (client, other):
            if recorder.client.connected:
                recorder.client.disconnect()
