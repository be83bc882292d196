"""The relay never counts an event as published unless the message queue took it (issue 11 #2)."""

from __future__ import annotations

from typing import Any

import pytest
import socketio as socketio_server

from core import relay as relay_module
from core.events import record_event
from core.extensions import db
from core.relay import BrokerUnavailable, EventRelay, published_seq
from tests.support.processes import free_port


def commit_events(app: Any, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record_event(session=db.session, type="alert.raised", unit_id=None, data={"n": n})
        db.session.commit()
        db.session.remove()


class FlakyBroker:
    """Stands in for the broadcast: takes `allow` messages, then raises until told otherwise."""

    def __init__(self, allow: int):
        self.allow = allow
        self.taken: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, event: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        if self.allow <= 0:
            raise BrokerUnavailable("connection refused")
        self.allow -= 1
        self.taken.append((event, payload))


def test_a_failed_publish_is_not_marked_done_and_the_backlog_follows_in_order(live_app):
    commit_events(live_app, 10)
    relay = EventRelay(live_app)
    broker = FlakyBroker(allow=4)
    relay.broadcast = broker  # type: ignore[method-assign]
    with live_app.app_context():
        with pytest.raises(BrokerUnavailable):
            relay.pump()
        db.session.rollback()
        assert published_seq(db.session) == 4  # only what the broker took
        with pytest.raises(BrokerUnavailable):
            relay.pump()  # still down: no progress, nothing skipped
        db.session.rollback()
        assert published_seq(db.session) == 4
        broker.allow = 1000  # the broker is back
        assert relay.pump() == 6
        assert published_seq(db.session) == 10
        db.session.remove()
    assert [payload["seq"] for _, payload in broker.taken] == list(range(1, 11))


def test_a_heartbeat_that_cannot_be_published_raises(live_app):
    relay = EventRelay(live_app)
    broker = FlakyBroker(allow=1)
    relay.broadcast = broker  # type: ignore[method-assign]
    with live_app.app_context():
        assert relay.beat(force=True)
        with pytest.raises(BrokerUnavailable):
            relay.beat(force=True)
        db.session.remove()
    assert broker.taken[0][0] == "live.status"
    assert broker.taken[0][1]["seq"] == 0


class _Server:
    def __init__(self, manager: Any):
        self.manager = manager


class _SocketIO:
    def __init__(self, manager: Any):
        self.server = _Server(manager)


def test_publishing_to_an_absent_redis_raises_instead_of_passing_silently(live_app, monkeypatch):
    # Socket.IO's own RedisManager logs "giving up" and returns as if the message were sent.
    manager = socketio_server.RedisManager(f"redis://127.0.0.1:{free_port()}/0", write_only=True)
    monkeypatch.setattr(relay_module, "socketio", _SocketIO(manager))
    relay = EventRelay(live_app)
    with pytest.raises(BrokerUnavailable):
        relay.broadcast("event", {"seq": 1}, room="staff")
