"""Redis dies mid-stream and comes back (issue 11 #2): no screen loses an event, and the badge
showed the outage.

Redis of the test's own on a free port, two `flask serve` web processes and the scheduler (the
relay) over it, PostgreSQL. Screens on both web processes act as core/static/lib/live.js does:
they drop a `seq` they hold, ask for a resync on a jump, count the heartbeat (`live.status`) and
say "not receiving" after two missed beats, and ask for what they missed on the first beat after
that. Nobody prods them: they must catch up on their own. Prints how long after Redis returned
every screen held every event.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import need_service
from tests.integration.test_scale_out import PASSWORD, LiveClient
from tests.support.processes import ProcessGroup, ServerProcess, base_env, free_port, redis_server_path, start_redis

pytestmark = pytest.mark.slow

TIMEOUT = 60.0
OUTAGE_S = 10.0  # > two heartbeats (2 x 3 s): the badge must flip


class Screen(LiveClient):
    """LiveClient plus what live.js does with the heartbeat; records the badge's changes."""

    def __init__(self, name: str, token: str):
        self.beats: list[tuple[float, int]] = []  # (monotonic time, seq)
        self.beat_every = 3.0
        self.receiving = True
        self.badge: list[tuple[float, str]] = []
        self.last_resync = 0.0
        self.snapshot_seqs: list[int] = []
        super().__init__(name, token)

    def _snapshot(self, data: dict[str, Any]) -> None:
        super()._snapshot(data)
        with self.lock:
            self.snapshot_seqs.append(int(data["seq"]))

    def _new_client(self) -> Any:
        client = super()._new_client()
        client.on("live.status", self._beat, namespace="/live")
        return client

    def _ask(self) -> None:  # with self.lock held
        now = time.monotonic()
        if self.last is not None and now - self.last_resync > 1.0:
            self.last_resync = now
            self.resyncs += 1
            self.client.emit("resync", {"since": self.last}, namespace="/live")

    def _event(self, event: dict[str, Any]) -> None:
        with self.lock:
            seq = int(event["seq"])
            self.received.append(seq)
            if self.last is None or seq <= self.last:
                return
            if seq > self.last + 1:
                self._ask()
                return
            self.last = seq
            self.applied.append(event)

    def _beat(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.beats.append((time.monotonic(), int(data["seq"])))
            self.beat_every = float(data.get("every") or self.beat_every)
            was_down = not self.receiving
            if was_down:
                self.receiving = True
                self.badge.append((time.monotonic(), "Live"))
            if self.last is not None and (was_down or int(data["seq"]) > self.last):
                self.last_resync = 0.0  # as live.js: the first beat after an outage always asks
                self._ask()

    def check_badge(self) -> None:
        """live.js's timer: two beats missed on an open connection -> "Not receiving"."""
        with self.lock:
            last_beat = self.beats[-1][0] if self.beats else time.monotonic()
            if self.receiving and time.monotonic() - last_beat > 2.5 * self.beat_every:
                self.receiving = False
                self.badge.append((time.monotonic(), "Not receiving"))


def _post(server: ServerProcess, path: str, token: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture
def cluster(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    if not databases.is_postgres:
        pytest.skip("scale-out runs on PostgreSQL only (set TEST_DATABASE_URL)")
    if redis_server_path() is None:
        need_service("redis-server is not installed")
    workdir = tmp_path_factory.mktemp("redis_fault")
    port = free_port()
    url = databases.fresh_url()
    env = base_env(
        APP_ENV="production",
        DATABASE_URL=url,
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        SOCKETIO_CHANNEL=f"crisis-fault-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        SECRET_KEY="redis-fault-test-secret-key-0123456789",
        PUBLIC_BASE_URL="http://dispatch.test",
        INSTANCE_PATH=str(workdir / "instance"),
        TIMER_SWEEP_S="1",
    )
    group = ProcessGroup(workdir, env)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        start_redis(group, "redis-1", port)
        suffix = f"{int(time.time() * 1000) % 100000}"
        admin, dispatcher = f"admin{suffix}", f"dispatcher{suffix}"
        group.cli("users", "create", admin, "--role", "admin", "--password", PASSWORD)
        group.cli("users", "create", dispatcher, "--role", "dispatcher", "--password", PASSWORD)
        web = [group.serve("web-a"), group.serve("web-b")]
        scheduler = group.scheduler("scheduler")
        scheduler.wait_for_log("event relay is the leader")
        tokens = {}
        for name, server in ((admin, web[0]), (dispatcher, web[1])):
            answer = requests.post(
                f"{server.url}/api/v1/auth/login", json={"username": name, "password": PASSWORD}, timeout=30
            )
            assert answer.status_code == 200, answer.text
            tokens[name] = answer.json()["token"]
        units = []
        for n in range(2):
            body = {"call_sign": f"RF-{n}", "phones": [f"+1802556{n:04d}"], "home": {"lat": 44.47, "lon": -73.21}}
            answer = _post(web[n], "/api/v1/units", tokens[admin], body)
            assert answer.status_code == 201, answer.text
            units.append(int(answer.json()["id"]))
        yield {
            "group": group,
            "web": web,
            "port": port,
            "engine": engine,
            "token": tokens[dispatcher],
            "units": units,
            "scheduler": scheduler,
        }
    finally:
        print(group.logs())
        group.close()
        engine.dispose()
        databases.drop(url)


def test_redis_killed_mid_stream_loses_no_event_and_the_badge_shows_it(cluster: dict[str, Any]) -> None:
    group: ProcessGroup = cluster["group"]
    web: list[ServerProcess] = cluster["web"]
    engine = cluster["engine"]
    screens = [Screen(f"{server.name}-{n}", cluster["token"]) for server in web for n in range(2)]
    for screen, server in zip(screens, [s for s in web for _ in range(2)], strict=True):
        screen.connect(server)
        screen.wait_until(lambda c: c.last is not None, "a snapshot")
    for screen in screens:
        screen.wait_until(lambda c: bool(getattr(c, "beats", None)), "a heartbeat")

    stop_badges = threading.Event()

    def watch_badges() -> None:
        while not stop_badges.is_set():
            for screen in screens:
                screen.check_badge()
            stop_badges.wait(0.25)

    statuses: list[tuple[str, int]] = []
    stop_writing = threading.Event()
    turn = itertools.count()

    def write() -> None:
        while not stop_writing.is_set():
            n = next(turn)
            server = web[n % 2]
            unit_id = cluster["units"][n % 2]
            body = {"lat": 44.40 + n * 1e-5, "lon": -73.20, "accuracy_m": 5}
            try:
                code = _post(server, f"/api/v1/units/{unit_id}/location", cluster["token"], body).status_code
            except requests.RequestException as error:
                code = -1
                print("post failed:", error)
            statuses.append(("down" if redis_down.is_set() else "up", code))
            time.sleep(0.1)

    redis_down = threading.Event()
    watcher = threading.Thread(target=watch_badges, daemon=True)
    writer = threading.Thread(target=write, daemon=True)
    watcher.start()
    writer.start()
    try:
        time.sleep(3.0)
        redis = next(p for p in group.processes if p.name == "redis-1")
        redis.kill()  # SIGKILL mid-stream
        redis_down.set()
        killed_at = time.monotonic()
        time.sleep(OUTAGE_S)  # changes keep coming while Redis is away
        start_redis(group, "redis-2", cluster["port"])
        back_at = time.monotonic()
        redis_down.clear()
        time.sleep(2.0)
    finally:
        stop_writing.set()
        writer.join(timeout=60)

    with engine.connect() as connection:
        seqs_before = [int(s) for s in connection.scalars(sa.text("SELECT seq FROM events WHERE seq IS NOT NULL"))]
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:  # the relay assigns and publishes the backlog
        with engine.connect() as connection:
            published = int(connection.scalar(sa.text("SELECT published_seq FROM relay_state WHERE id = 1")) or 0)
            assigned = int(connection.scalar(sa.text("SELECT max(seq) FROM events")) or 0)
            waiting = int(connection.scalar(sa.text("SELECT count(*) FROM events WHERE seq IS NULL")) or 0)
        if waiting == 0 and published == assigned:
            break
        time.sleep(0.1)
    assert waiting == 0 and published == assigned, (published, assigned, waiting)
    total = assigned
    assert len(seqs_before) <= total

    held_at: dict[str, float] = {}
    for screen in screens:  # on their own: no resync from the test
        screen.wait_until(lambda c: c.last is not None and c.last >= total, f"seq {total}", timeout=TIMEOUT)
        held_at[screen.name] = time.monotonic()
    stop_badges.set()
    watcher.join(timeout=5)

    down = [code for state, code in statuses if state == "down"]
    assert down, "no change was posted while Redis was down"
    assert all(200 <= code < 300 for _, code in statuses), statuses
    with engine.connect() as connection:
        log = [int(s) for s in connection.scalars(sa.text("SELECT seq FROM events ORDER BY seq"))]
    assert log == list(range(1, total + 1))  # the event log itself is gapless
    for screen in screens:
        applied = screen.applied_seqs()
        assert screen.snapshot_seqs, f"{screen.name} had no snapshot"
        start = screen.snapshot_seqs[0]
        assert applied == list(range(start + 1, total + 1)), f"{screen.name}: not every seq once and in order"
        # The badge: beats stopped during the outage, "Not receiving" was shown, then "Live" again.
        beats_while_down = [t for t, _ in screen.beats if killed_at + 1.0 < t < back_at]
        assert beats_while_down == [], f"{screen.name} heard beats while Redis was down"
        states = [state for _, state in screen.badge]
        assert "Not receiving" in states and states[-1] == "Live", f"{screen.name}: badge went {states}"
        shown = next(t for t, state in screen.badge if state == "Not receiving")
        assert killed_at < shown < back_at
    figures = ", ".join(f"{name} {at - back_at:.1f} s" for name, at in held_at.items())
    print(f"\nRedis down {back_at - killed_at:.1f} s; {total} events, {len(down)} posted while down;")
    print(f"every event held after Redis returned: {figures}")
    print(f"resyncs asked: {[s.resyncs for s in screens]}")


def test_postgresql_connections_reset_mid_stream_lose_nothing(cluster: dict[str, Any]) -> None:
    """Every app backend is terminated (pg_terminate_backend) while changes come in: the next
    requests succeed, every change that was answered 2xx is an event, every screen holds them all."""
    web: list[ServerProcess] = cluster["web"]
    engine = cluster["engine"]
    screens = [Screen(server.name, cluster["token"]) for server in web]
    for screen, server in zip(screens, web, strict=True):
        screen.connect(server)
        screen.wait_until(lambda c: c.last is not None, "a snapshot")
    with engine.connect() as connection:
        base = int(connection.scalar(sa.text("SELECT count(*) FROM events")) or 0)

    answers: list[tuple[float, float, int]] = []  # (sent, answered, status)
    stop_writing = threading.Event()
    turn = itertools.count()

    def write() -> None:
        while not stop_writing.is_set():
            n = next(turn)
            body = {"lat": 44.40 + n * 1e-5, "lon": -73.20, "accuracy_m": 5}
            sent = time.monotonic()
            try:
                code = _post(web[n % 2], f"/api/v1/units/{cluster['units'][n % 2]}/location", cluster["token"], body)
                status = code.status_code
            except requests.RequestException:
                status = -1
            answers.append((sent, time.monotonic(), status))
            time.sleep(0.05)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    try:
        time.sleep(2.0)
        with engine.connect() as connection:
            killed = connection.scalar(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
            connection.commit()
        reset_at = time.monotonic()
        time.sleep(4.0)
    finally:
        stop_writing.set()
        writer.join(timeout=60)
    assert int(killed or 0) >= 3, "the web processes and the scheduler had no backend to terminate"

    after = [status for sent, _, status in answers if sent > reset_at]
    assert after and all(200 <= status < 300 for status in after), after
    in_flight = [status for sent, done, status in answers if sent <= reset_at <= done]
    assert all(200 <= status < 300 for sent, done, status in answers if not sent <= reset_at <= done)
    accepted = sum(1 for _, _, status in answers if 200 <= status < 300)

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            published = int(connection.scalar(sa.text("SELECT published_seq FROM relay_state WHERE id = 1")) or 0)
            assigned = int(connection.scalar(sa.text("SELECT max(seq) FROM events")) or 0)
            waiting = int(connection.scalar(sa.text("SELECT count(*) FROM events WHERE seq IS NULL")) or 0)
        if waiting == 0 and published == assigned:
            break
        time.sleep(0.1)
    assert waiting == 0 and published == assigned, (published, assigned, waiting)
    with engine.connect() as connection:
        log = [int(s) for s in connection.scalars(sa.text("SELECT seq FROM events ORDER BY seq"))]
    assert log == list(range(1, assigned + 1))
    assert len(log) - base == accepted, "an answered change has no event (or an unanswered one has)"
    for screen in screens:
        screen.wait_until(lambda c: c.last is not None and c.last >= assigned, f"seq {assigned}", timeout=TIMEOUT)
        start = screen.snapshot_seqs[0]
        assert screen.applied_seqs() == list(range(start + 1, assigned + 1)), screen.name
    relay_log = cluster["scheduler"].log()
    assert "relay lost the session holding its leader lock" in relay_log  # and noticed it lost its lock
    assert relay_log.count("event relay is the leader") == 2  # and took it again
    print(f"\nterminated {killed} backends; {accepted} changes accepted, in flight at the reset: {in_flight}")
