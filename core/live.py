"""The `/live` Socket.IO namespace: sign-in on connect, rooms by role, snapshot and resync.

Who receives what: staff every event; a field team its own unit's incident and the unit itself;
a facility's staff (role `facility` alone) only `facility.updated` of their own facility, and
their snapshot holds that facility only (`units`, `incidents`, `alerts` empty). Field teams do
not follow facilities live: they ask for destinations when they need one."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import socketio as socketio_module
import sqlalchemy as sa
from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, emit, join_room  # its message reaches the page

from config import Settings
from core import deps
from core.audit import audit
from core.auth import ANY_ROLE, check_roles, user_for_token
from core.db import utcnow
from core.errors import DomainError
from core.events import payload_for_field
from core.extensions import db, socketio
from core.models import Event, User
from core.relay import STAFF_ROOM, event_payload, facility_room, published_seq, unit_room
from core.roles import can_see_unit, facility_scope, is_facility_staff_only, unit_scope
from core.twofactor import enrolment_required

log = logging.getLogger(__name__)
NAMESPACE = "/live"
FACILITY_EVENT = "facility.updated"  # the one event type a facility's own screens receive

# name -> function(session, user, settings) -> list of dicts; each domain registers what the
# snapshot shows under its CONTRACT.md key.
SnapshotPart = Callable[[Any, User, Settings], list[dict[str, Any]]]
snapshot_parts: dict[str, SnapshotPart] = {
    "units": lambda s, u, c: [],
    "incidents": lambda s, u, c: [],
    "alerts": lambda s, u, c: [],
}

# Socket.IO session id -> user id (per process)
_connections: dict[str, int] = {}

# Resync is bounded per connection, so one screen cannot keep the process busy for the others:
# one at a time, at most RESYNC_PER_MINUTE a minute; more is refused with an `error`, not queued.
# A replay longer than REPLAY_MAX events is a fresh snapshot instead.
RESYNC_PER_MINUTE = 20
REPLAY_MAX = 500
_resync_lock = threading.Lock()
_resync_busy: set[str] = set()
_resync_times: dict[str, deque[float]] = {}


def register_snapshot_part(name: str, part: SnapshotPart) -> None:
    snapshot_parts[name] = part


def _socket_user(auth: Any) -> User | None:
    if current_user.is_authenticated:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        return user_for_token(session=db.session, token=token)
    return None


def connected_user() -> User:
    user_id = _connections.get(request.sid)  # type: ignore[attr-defined]
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise ConnectionRefusedError("sign in required")
    return user


def build_snapshot(user: User) -> dict[str, Any]:
    session = db.session
    seq = published_seq(session)  # read first: the data read next is at least this new
    snapshot: dict[str, Any] = {"seq": seq}
    settings = deps.settings()
    for name, part in snapshot_parts.items():
        snapshot[name] = part(session, user, settings)
    incident_ids = [item.get("id") for item in snapshot.get("incidents", []) if isinstance(item, dict)]
    if incident_ids:  # a live screen is shown these incidents: that is a view of them
        audit(
            session=session,
            user=user,
            action="view",
            record_type="incident_list",
            detail={"incident_ids": incident_ids, "via": "live snapshot"},
        )
    session.commit()
    return snapshot


def visible_to(user: User, row: Event) -> bool:
    if is_facility_staff_only(user):
        return row.type == FACILITY_EVENT and facility_scope(user).covers(row.facility_id)
    return can_see_unit(user, row.unit_id)


def replay(user: User, since: int) -> None:
    """Emit every later event this user may see, in order, or a snapshot if `since` is too old
    or more than REPLAY_MAX events behind."""
    session = db.session
    oldest = session.scalar(sa.select(sa.func.min(Event.seq)).where(Event.seq.is_not(None)))
    newest = int(session.scalar(sa.select(sa.func.max(Event.seq))) or 0)
    if since < 0 or (oldest is not None and since < oldest - 1) or newest - since > REPLAY_MAX:
        emit("snapshot", build_snapshot(user))
        return
    # End this read before waiting for the relay's lock: on SQLite an open read would keep the
    # relay (which holds that lock) from committing, and each would wait for the other.
    session.commit()
    relay = current_app.extensions.get("event_relay")
    guard = relay.lock if relay is not None else contextlib.nullcontext()
    with guard:  # no live event of this process slips in between replayed ones
        if relay is not None:
            limit = published_seq(session)
        else:  # the relay runs in another process: it may have emitted more than it has recorded
            limit = int(session.scalar(sa.select(sa.func.max(Event.seq))) or 0)
        rows = session.scalars(
            sa.select(Event).where(Event.seq > since, Event.seq <= limit).order_by(Event.seq).limit(REPLAY_MAX + 1)
        ).all()
        session.commit()
        redact = not deps.settings().field_sees_narrative and not unit_scope(user).everything
        for row in rows:
            if visible_to(user, row):
                emit("event", payload_for_field(event_payload(row)) if redact else event_payload(row))


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth: Any = None) -> None:
    user = _socket_user(auth)
    try:
        check_roles(user, ANY_ROLE)
    except DomainError:
        raise ConnectionRefusedError("sign in required") from None
    assert user is not None
    if enrolment_required(user, deps.settings().two_factor_roles):
        raise ConnectionRefusedError("two-factor sign-in must be set up first")
    scope = unit_scope(user)
    if is_facility_staff_only(user):
        if user.facility_id is None:
            raise ConnectionRefusedError("this account works at no facility")
        join_room(facility_room(user.facility_id))
    elif scope.everything:
        join_room(STAFF_ROOM)
    elif scope.unit_id is not None:
        join_room(unit_room(scope.unit_id))
    else:
        raise ConnectionRefusedError("this account rides with no unit")
    _connections[request.sid] = user.id  # type: ignore[attr-defined]
    join_room(f"user:{user.id}")
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token and not current_user.is_authenticated:
        join_room(token_room(token))
    since = auth.get("since") if isinstance(auth, dict) else None
    if isinstance(since, int) and not isinstance(since, bool):
        replay(user, since)
    else:
        emit("snapshot", build_snapshot(user))


def token_room(token: str) -> str:
    return "token:" + hashlib.sha256(token.encode()).hexdigest()[:32]


# Ending sign-ins reaches every web process: with a message queue (REDIS_URL) the request to end
# a room's connections travels as a queue message that each process's manager acts on for the
# connections it holds (`LiveRedisManager`); it is never sent to a client.
END_SESSIONS = "crisis.end_sessions"


def _disconnect_room(server: Any, namespace: str, room: str) -> int:
    sids = {sid for sid, _eio in server.manager.get_participants(namespace, room)}
    for sid in sids:
        server.disconnect(sid, namespace=namespace, ignore_queue=True)
    return len(sids)


class LiveRedisManager(socketio_module.RedisManager):  # type: ignore[misc]
    """The Redis message queue, plus one internal message: end the live connections of a room
    (a signed-out user, a revoked token) in whichever process holds them."""

    def _handle_emit(self, message: dict[str, Any]) -> None:
        if message.get("event") == END_SESSIONS:
            namespace, room = message.get("namespace") or NAMESPACE, message.get("room")
            if isinstance(room, str):
                _disconnect_room(self.server, namespace, room)
            return
        super()._handle_emit(message)


def live_client_manager(redis_url: str | None, *, channel: str) -> Any:
    """The Socket.IO client manager of this app: the Redis queue with END_SESSIONS, or None (one
    process, Socket.IO's own). Always passed explicitly: Flask-SocketIO keeps the options of an
    earlier app otherwise."""
    if redis_url and redis_url.startswith(("redis://", "rediss://")):
        return LiveRedisManager(redis_url, channel=channel)
    return None


def end_live_sessions(*, user_id: int | None = None, token: str | None = None) -> int:
    """Disconnect the live connections of a signed-out user or a revoked token, so a screen stops
    receiving the moment its sign-in ends: in this process at once, and (with a message queue) in
    every other process too. Returns how many this process closed."""
    rooms = ([f"user:{user_id}"] if user_id is not None else []) + ([token_room(token)] if token else [])
    if not rooms or socketio.server is None:
        return 0
    closed = sum(_disconnect_room(socketio.server, NAMESPACE, room) for room in rooms)
    manager = socketio.server.manager
    if isinstance(manager, socketio_module.PubSubManager):
        for room in rooms:
            try:
                manager._publish(
                    {
                        "method": "emit",
                        "event": END_SESSIONS,
                        "data": [None],
                        "namespace": NAMESPACE,
                        "room": room,
                        "skip_sid": None,
                        "callback": None,
                        "host_id": manager.host_id,
                    }
                )
            except Exception:  # Redis away: this process's connections are closed; the others' sign-in
                log.warning("could not ask the other processes to end live connections (message queue away)")
    return closed


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args: Any) -> None:
    sid = request.sid  # type: ignore[attr-defined]
    _connections.pop(sid, None)
    with _resync_lock:
        _resync_busy.discard(sid)
        _resync_times.pop(sid, None)


def _claim_resync(sid: str) -> str | None:
    """Take one resync for this connection; None if allowed, else why not."""
    now = time.monotonic()
    with _resync_lock:
        if sid in _resync_busy:
            return "a resync of this connection is still being answered"
        times = _resync_times.setdefault(sid, deque())
        while times and now - times[0] > 60.0:
            times.popleft()
        if len(times) >= RESYNC_PER_MINUTE:
            return f"at most {RESYNC_PER_MINUTE} resyncs a minute per connection"
        times.append(now)
        _resync_busy.add(sid)
    return None


def _release_resync(sid: str) -> None:
    with _resync_lock:
        _resync_busy.discard(sid)


@socketio.on("resync", namespace=NAMESPACE)
def on_resync(data: Any = None) -> None:
    # The budget is taken before anything touches the database: a refused resync costs nothing.
    sid = request.sid  # type: ignore[attr-defined]
    refused = _claim_resync(sid)
    if refused is not None:
        emit("error", {"error": {"code": "too_many_requests", "message": f"resync refused: {refused}"}})
        return
    try:
        user = connected_user()
        check_roles(user, ANY_ROLE)
        since = data.get("since") if isinstance(data, dict) else None
        if not isinstance(since, int) or isinstance(since, bool):
            emit(
                "error",
                {
                    "error": {
                        "code": "validation_failed",
                        "message": 'resync needs {"since": <seq>}',
                        "fields": {"since": "must be an integer"},
                    }
                },
            )
            return
        replay(user, since)
    finally:
        _release_resync(sid)


def prune_events(*, session: Any, keep_seconds: int, keep_count: int) -> int:
    """Drop published events older than the window and beyond the last `keep_count`."""
    done = published_seq(session)
    cutoff_seq = done - keep_count
    if cutoff_seq <= 0:
        return 0
    cutoff_time = utcnow() - timedelta(seconds=keep_seconds)
    result = session.execute(sa.delete(Event).where(Event.seq <= cutoff_seq, Event.at < cutoff_time))
    session.commit()
    return int(result.rowcount or 0)


@socketio.on_error(NAMESPACE)
def on_error(error: Exception) -> None:
    """Domain errors answer with the API's error body; anything else is logged, never leaked."""
    if isinstance(error, ConnectionRefusedError):
        raise error
    if isinstance(error, DomainError):
        emit("error", {"error": {"code": error.code, "message": error.message}})
        return
    log.error("unhandled error in a /live handler", exc_info=error)
    emit("error", {"error": {"code": "internal_error", "message": "Something went wrong on our side."}})
