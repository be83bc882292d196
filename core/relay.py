"""The relay: stamps committed events with a gapless `seq` and publishes them on `/live`.

One relay publishes at a time (on PostgreSQL it holds an advisory lock for as long as it runs;
the embedded default has one process). Each pass:
1. assigns `seq` to the committed events that have none, in the order they are found, under a
   transaction-scoped lock, continuing from the highest `seq` so far: gapless even though ids
   are not commit order;
2. emits every event after the last published one, in `seq` order;
3. records how far it got. A crash between 2 and 3 re-sends a few events on restart; clients
   ignore a `seq` they already have, so nothing is lost and nothing is applied twice.

Scaled out, "emits" means "hands to Redis": the relay publishes on the message queue itself and
a publish that raises stops the pass there. Progress only moves past events Redis accepted; the
rest are published, in order, on a later pass once Redis answers again.

Every `HEARTBEAT_SECONDS` the relay also sends `live.status` {"seq", "every"} to every screen by
the same path. A screen that hears no beat knows it is not receiving (Redis or the relay is
away); the first beat after that tells it to resync what it missed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

import psycopg
import redis
import socketio as socketio_server
import sqlalchemy as sa
from flask import Flask

from core.db import utcnow
from core.deps import settings_of
from core.events import NOTIFY_CHANNEL, events_committed, payload_for_field
from core.extensions import db, socketio
from core.models import Event, RelayState

log = logging.getLogger(__name__)

LOCK_KEY = 0x6372_6973  # the relay's PostgreSQL advisory lock
BATCH = 2000
STAFF_ROOM = "staff"
LIVE_NAMESPACE = "/live"
HEARTBEAT_SECONDS = 3.0
LEADER_CHECK_SECONDS = 2.0


class BrokerUnavailable(RuntimeError):
    """The message queue did not take a message: it was not delivered to any other process."""


def unit_room(unit_id: int) -> str:
    return f"unit:{unit_id}"


def facility_room(facility_id: int) -> str:
    """The screens of one facility's own staff: they receive its `facility.updated` only."""
    return f"facility:{facility_id}"


def event_payload(row: Event) -> dict[str, Any]:
    return {"seq": row.seq, "type": row.type, "at": row.at.isoformat(), "data": row.data}


def published_seq(session: Any) -> int:
    value = session.scalar(sa.select(RelayState.published_seq).where(RelayState.id == 1))
    return int(value or 0)


class EventRelay:
    def __init__(self, app: Flask, *, poll_interval: float = 0.5):
        self.app = app
        self.poll_interval = poll_interval
        self.lock = threading.Lock()  # held while publishing; replays for resync take it too
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._leader_connection: Any = None
        self._leader_checked = 0.0
        self._broker: Any = None  # a Redis client of the relay's own, made on first use
        self._last_beat = 0.0
        self._broker_down = False

    # -- running -------------------------------------------------------------------------------
    def start(self) -> None:
        worker = threading.Thread(target=self._run, name="event-relay", daemon=True)
        worker.start()
        self._threads.append(worker)

    def stop(self) -> None:
        self._stop.set()
        events_committed.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._leader_connection is not None:
            # Close the connection itself (not back to the pool): that releases the session lock.
            self._leader_connection.invalidate()
            self._leader_connection = None

    def _run(self) -> None:
        with self.app.app_context():
            self._become_leader()
            if self._uses_postgres():
                url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                listener = threading.Thread(target=self._listen, args=(url,), name="event-relay-listen", daemon=True)
                listener.start()
                self._threads.append(listener)
            while not self._stop.is_set():
                events_committed.wait(timeout=self.poll_interval)
                events_committed.clear()
                if not self._still_leader():
                    self._become_leader()
                    continue
                try:
                    self.pump()
                    self.beat()
                except BrokerUnavailable as error:
                    if not self._broker_down:
                        log.error("relay cannot publish (%s); retrying until the message queue answers", error)
                    self._broker_down = True
                    db.session.rollback()
                    self._stop.wait(0.5)
                except Exception:
                    log.exception("relay pass failed; retrying")
                    db.session.rollback()
                    time.sleep(0.5)
                else:
                    if self._broker_down:
                        log.info("relay publishes again")
                    self._broker_down = False
                finally:
                    db.session.remove()

    def _uses_postgres(self) -> bool:
        return bool(db.engine.dialect.name == "postgresql")

    def _become_leader(self) -> None:
        """Take the leader lock, waiting as a standby while another relay holds it."""
        if not self._uses_postgres():
            return
        while not self._stop.is_set():
            connection: Any = None
            try:
                connection = db.engine.raw_connection()
                while not self._stop.is_set():
                    cursor = connection.cursor()
                    cursor.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
                    got = (cursor.fetchone() or [False])[0]
                    cursor.close()
                    connection.commit()
                    if got:
                        self._leader_connection = connection
                        self._leader_checked = time.monotonic()
                        log.info("event relay is the leader")
                        return
                    self._stop.wait(1.0)
            except Exception:
                log.warning("relay cannot reach PostgreSQL for its leader lock; retrying", exc_info=True)
                self._stop.wait(1.0)
            finally:
                if connection is not None and connection is not self._leader_connection:
                    with contextlib.suppress(Exception):
                        connection.invalidate()  # close it for real: a pooled one would keep the lock

    def _still_leader(self) -> bool:
        """Whether the session holding the leader lock is alive (checked every few seconds). A
        terminated session has lost the lock: another relay may hold it now."""
        connection = self._leader_connection
        if connection is None or time.monotonic() - self._leader_checked < LEADER_CHECK_SECONDS:
            return True
        self._leader_checked = time.monotonic()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchone()
            cursor.close()
            connection.commit()
            return True
        except Exception as error:
            log.warning("relay lost the session holding its leader lock (%s); taking the lock again", error)
            with contextlib.suppress(Exception):
                connection.invalidate()
            self._leader_connection = None
            return False

    def _listen(self, url: str) -> None:
        """Wake the relay when another process commits events (PostgreSQL NOTIFY)."""
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            events_committed.set()
            except Exception:
                log.exception("event listener lost its connection; reconnecting")
                time.sleep(1.0)

    # -- one pass ------------------------------------------------------------------------------
    def pump(self) -> int:
        """Assign and publish what is waiting. Returns how many events were emitted."""
        with self.lock:
            self.assign()
            return self.publish()

    def assign(self) -> int:
        session = db.session
        if self._uses_postgres():
            session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY + 1})
        ids = session.scalars(sa.select(Event.id).where(Event.seq.is_(None)).order_by(Event.id).limit(BATCH)).all()
        if not ids:
            session.commit()
            return 0
        last = int(session.scalar(sa.select(sa.func.max(Event.seq))) or 0)
        session.execute(
            sa.update(Event),  # bulk UPDATE by primary key
            [{"id": event_id, "seq": last + n} for n, event_id in enumerate(ids, start=1)],
        )
        session.commit()
        return len(ids)

    def publish(self) -> int:
        session = db.session
        done = published_seq(session)
        rows = session.scalars(sa.select(Event).where(Event.seq > done).order_by(Event.seq).limit(BATCH)).all()
        session.commit()
        if not rows:
            return 0
        sent = 0
        field_sees_narrative = settings_of(self.app).field_sees_narrative
        try:
            for row in rows:
                payload = event_payload(row)
                self.broadcast("event", payload, room=STAFF_ROOM)
                if row.unit_id is not None:
                    unit_payload = payload if field_sees_narrative else payload_for_field(payload)
                    self.broadcast("event", unit_payload, room=unit_room(row.unit_id))
                if row.facility_id is not None and row.type == "facility.updated":
                    self.broadcast("event", payload, room=facility_room(row.facility_id))
                sent += 1
        finally:  # record what the broker took, even when a later one failed
            if sent:
                self._record_published(int(rows[sent - 1].seq or 0))
        return sent

    def beat(self, *, force: bool = False) -> bool:
        """Send `live.status` to every screen when a beat is due. Returns whether one was sent."""
        now = time.monotonic()
        if not force and now - self._last_beat < HEARTBEAT_SECONDS:
            return False
        seq = published_seq(db.session)
        db.session.commit()
        self.broadcast("live.status", {"seq": seq, "every": HEARTBEAT_SECONDS, "at": utcnow().isoformat()})
        self._last_beat = now
        return True

    def broadcast(self, event: str, payload: dict[str, Any], *, room: str | None = None) -> None:
        """Emit on /live to `room` (every screen when None) in every process.

        With a message queue the message is published here, and a failed publish raises
        BrokerUnavailable (Socket.IO's own emit logs the failure and carries on as if sent).
        """
        server = socketio.server
        manager = server.manager if server is not None else None
        if not isinstance(manager, socketio_server.RedisManager):
            socketio.emit(event, payload, namespace=LIVE_NAMESPACE, to=room)
            return
        # The message Socket.IO's pub/sub managers exchange (PubSubManager.emit builds the same).
        message = {
            "method": "emit",
            "event": event,
            "data": [payload],
            "binary": False,
            "namespace": LIVE_NAMESPACE,
            "room": room,
            "skip_sid": None,
            "callback": None,
            "host_id": manager.host_id,
        }
        try:
            if self._broker is None:
                options = {"socket_timeout": 5, "socket_connect_timeout": 5, **manager.redis_options}
                self._broker = redis.Redis.from_url(manager.redis_url, **options)
            self._broker.publish(manager.channel, manager.json.dumps(message))
        except Exception as error:
            self._broker = None  # a fresh client (and connection) next time
            raise BrokerUnavailable(str(error) or type(error).__name__) from error
        # This process's own screens (an embedded relay): the queue does not echo to its sender.
        manager.emit(event, payload, namespace=LIVE_NAMESPACE, room=room, ignore_queue=True)

    def _record_published(self, seq: int) -> None:
        session = db.session
        state = session.get(RelayState, 1)
        if state is None:
            session.add(RelayState(id=1, published_seq=seq))
        else:
            state.published_seq = max(seq, state.published_seq)
        session.commit()
