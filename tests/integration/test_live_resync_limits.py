"""Resync is bounded per connection: one screen's flood cannot stall the others (issue 11 #8)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import socketio

from core.events import record_event
from core.extensions import db
from core.live import REPLAY_MAX, RESYNC_PER_MINUTE
from tests.support.factories import make_user
from tests.support.server import serve

pytestmark = pytest.mark.slow  # a real server and Socket.IO clients per test


class Screen:
    """A /live client that records snapshots, events and errors."""

    def __init__(self, url: str, token: str):
        self.client = socketio.Client(reconnection=False)
        self.lock = threading.Lock()
        self.snapshots: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.errors: list[dict[str, Any]] = []
        self.client.on("snapshot", lambda d: self._keep(self.snapshots, d), namespace="/live")
        self.client.on("event", lambda d: self._keep(self.events, d), namespace="/live")
        self.client.on("error", lambda d: self._keep(self.errors, d), namespace="/live")
        self.client.connect(url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=10)

    def _keep(self, into: list[dict[str, Any]], data: dict[str, Any]) -> None:
        with self.lock:
            into.append(data)

    def wait_for(self, predicate: Any, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return True
            time.sleep(0.02)
        return False


def commit_alerts(app: Any, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record_event(session=db.session, type="alert.raised", data={"n": n})
        db.session.commit()
        db.session.remove()


def seqs(screen: Screen) -> list[int]:
    return [e["seq"] for e in screen.events]


@pytest.fixture
def live(live_app):
    with serve(live_app) as url:
        yield live_app, url


def test_a_resync_flood_is_refused_and_others_still_get_their_events(live):
    app, url = live
    commit_alerts(app, 30)
    _, flood_token = make_user(app, "dispatcher")
    _, other_token = make_user(app, "dispatcher")
    flooder, other = Screen(url, flood_token), Screen(url, other_token)
    try:
        assert flooder.wait_for(lambda s: s.snapshots) and other.wait_for(lambda s: s.snapshots)
        assert other.wait_for(lambda s: s.snapshots[0]["seq"] == 30 or s.events)
        base = max([other.snapshots[0]["seq"], *[e["seq"] for e in other.events]])
        for _ in range(100):
            flooder.client.emit("resync", {"since": 0}, namespace="/live")
        commit_alerts(app, 1)  # a new change while the flood is being answered
        assert other.wait_for(lambda s: any(e["seq"] == 31 for e in s.events)), "the other screen got nothing"
        assert base == 30
        # Every resync is answered: a replay of seq 1..30, or a refusal. Wait for all 100.
        assert flooder.wait_for(lambda s: sum(e["seq"] == 1 for e in s.events) + len(s.errors) >= 100), (
            f"{len(flooder.errors)} refusals"
        )
        served = sum(e["seq"] == 1 for e in flooder.events)
        assert 1 <= served <= RESYNC_PER_MINUTE  # the flood is cut off
        assert len(flooder.errors) == 100 - served
        assert {e["error"]["code"] for e in flooder.errors} == {"too_many_requests"}
        assert "resync refused" in flooder.errors[0]["error"]["message"]
        assert [e["seq"] for e in other.events if e["seq"] > 30] == [31]  # nobody else is flooded
    finally:
        flooder.client.disconnect()
        other.client.disconnect()


def test_a_resync_far_behind_gets_a_fresh_snapshot_not_a_long_replay(live):
    app, url = live
    commit_alerts(app, REPLAY_MAX + 20)
    _, token = make_user(app, "supervisor")
    screen = Screen(url, token)
    try:
        newest = REPLAY_MAX + 20
        assert screen.wait_for(lambda s: s.snapshots and max([s.snapshots[0]["seq"], *seqs(s)]) == newest)
        screen.client.emit("resync", {"since": 0}, namespace="/live")
        assert screen.wait_for(lambda s: len(s.snapshots) == 2)
        assert screen.snapshots[1]["seq"] == newest
        screen.client.emit("resync", {"since": 10}, namespace="/live")  # 510 behind: still a snapshot
        assert screen.wait_for(lambda s: len(s.snapshots) == 3)
        with screen.lock:
            screen.events.clear()
        screen.client.emit("resync", {"since": 20}, namespace="/live")  # 500 behind: a replay
        assert screen.wait_for(lambda s: len(s.events) >= REPLAY_MAX)
        time.sleep(0.2)
        assert seqs(screen) == list(range(21, newest + 1))
        assert len(screen.snapshots) == 3
    finally:
        screen.client.disconnect()
