"""The scaled-out mode with real processes (DESIGN.md "Two ways to run"): web processes with one
worker each (two `flask --app wsgi serve` and one gunicorn), Redis as the Socket.IO
message queue and the rate-limit store, PostgreSQL, and one `flask --app wsgi scheduler run` that
runs the event relay.

Every client, whichever process it is connected to, sees `seq` 1..N once and in order; a SIGKILLed
scheduler loses no event; the sign-in limit is counted across processes; /readyz checks Redis.
PostgreSQL only: the relay in another process is woken by NOTIFY, and SQLite is the one-process mode.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import engineio
import pytest
import requests
import socketio
import sqlalchemy as sa

from tests.conftest import need_service
from tests.support.processes import ProcessGroup, ServerProcess, base_env

pytestmark = pytest.mark.slow  # several web processes, a scheduler, Redis

REDIS_URL = "redis://127.0.0.1:6379/11"  # a database number of its own for the rate-limit counters
PUBLIC_URL = "http://dispatch.test"  # the load balancer's address (links in SMS)
PASSWORD = "a long enough password"
TIMEOUT = 30.0


# -- a /live client that sees events in wire order --------------------------------------------------


class _InOrderEngineIO(engineio.Client):  # type: ignore[misc]
    """python-engineio hands each message to a new thread; handle them in the reading thread
    instead, so the order the handlers see is the order on the wire."""

    def _trigger_event(self, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _InOrderClient(socketio.Client):  # type: ignore[misc]
    def _engineio_client_class(self) -> type[engineio.Client]:
        return _InOrderEngineIO


class LiveClient:
    """Applies events the way core/static/lib/live.js does: a `seq` already held is dropped, a jump
    asks for a resync; records everything received and everything applied."""

    def __init__(self, name: str, token: str):
        self.name, self.token = name, token
        self.received: list[int] = []
        self.applied: list[dict[str, Any]] = []
        self.last: int | None = None
        self.resyncs = 0
        self.lock = threading.Lock()
        self.client = self._new_client()

    def _new_client(self) -> Any:
        client = _InOrderClient(reconnection=False)  # Origin: the server's own address, as same-origin pages
        client.on("snapshot", self._snapshot, namespace="/live")
        client.on("event", self._event, namespace="/live")
        return client

    def _snapshot(self, data: dict[str, Any]) -> None:
        with self.lock:
            self.last = int(data["seq"])

    def _event(self, event: dict[str, Any]) -> None:
        with self.lock:
            seq = int(event["seq"])
            self.received.append(seq)
            if self.last is None or seq <= self.last:
                return
            if seq > self.last + 1:
                self.resyncs += 1
                self.client.emit("resync", {"since": self.last}, namespace="/live")
                return
            self.last = seq
            self.applied.append(event)

    def connect(self, server: ServerProcess) -> None:
        auth: dict[str, Any] = {"token": self.token}
        if self.last is not None:
            auth["since"] = self.last
        self.client = self._new_client()
        self.client.connect(server.url, namespaces=["/live"], auth=auth, transports=["websocket"], wait_timeout=10)
        assert self.client.transport() == "websocket"

    def disconnect(self) -> None:
        if self.client.connected:
            self.client.disconnect()

    def applied_seqs(self) -> list[int]:
        with self.lock:
            return [int(e["seq"]) for e in self.applied]

    def wait_until(self, predicate: Callable[[LiveClient], bool], what: str, timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if predicate(self):
                    return
            time.sleep(0.02)
        raise AssertionError(f"{self.name}: {what} not reached in {timeout:.0f} s (last seq {self.last})")

    def catch_up(self, upto: int, timeout: float = TIMEOUT) -> None:
        """Wait for `upto`, asking for what is missing once a second, as a screen would after a quiet spell."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                last = self.last
            if last is not None and last >= upto:
                return
            if last is not None:
                self.client.emit("resync", {"since": last}, namespace="/live")
            time.sleep(1.0)
        raise AssertionError(f"{self.name}: stuck at seq {self.last}, expected {upto}")


# -- the cluster ------------------------------------------------------------------------------------


@dataclass
class Cluster:
    group: ProcessGroup
    web: list[ServerProcess]
    scheduler: ServerProcess
    engine: Any
    tokens: dict[str, str]
    units: list[int]
    names: dict[str, str] = field(default_factory=dict)

    def published(self) -> tuple[int, int, int]:
        """(published seq, highest assigned seq, events still without a seq)."""
        with self.engine.connect() as connection:
            published = connection.scalar(sa.text("SELECT published_seq FROM relay_state WHERE id = 1")) or 0
            assigned = connection.scalar(sa.text("SELECT max(seq) FROM events")) or 0
            waiting = connection.scalar(sa.text("SELECT count(*) FROM events WHERE seq IS NULL")) or 0
        return int(published), int(assigned), int(waiting)

    def wait_all_published(self, timeout: float = TIMEOUT) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            published, assigned, waiting = self.published()
            if waiting == 0 and published == assigned:
                return published
            time.sleep(0.05)
        raise AssertionError(f"the relay did not publish everything: {self.published()}")

    def event_seqs(self) -> list[int]:
        with self.engine.connect() as connection:
            return [int(s) for s in connection.scalars(sa.text("SELECT seq FROM events ORDER BY seq"))]


def _post(server: ServerProcess, path: str, token: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(
        f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT
    )


def _login(server: ServerProcess, username: str, password: str) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/auth/login", json={"username": username, "password": password}, timeout=TIMEOUT
    )


def _redis_or_skip() -> Any:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        need_service(f"Redis at {REDIS_URL} is not reachable: {error}")
    return client


@pytest.fixture(scope="module")
def cluster(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not databases.is_postgres:
        pytest.skip("scale-out runs on PostgreSQL only (set TEST_DATABASE_URL); SQLite is the one-process mode")
    redis_client = _redis_or_skip()
    for key in redis_client.scan_iter("LIMITER*"):  # counters left by an earlier run of this module
        redis_client.delete(key)
    workdir = tmp_path_factory.mktemp("scale_out")
    url = databases.fresh_url()
    env = base_env(
        APP_ENV="production",
        DATABASE_URL=url,
        REDIS_URL=REDIS_URL,
        SOCKETIO_CHANNEL=f"crisis-test-{os.getpid()}-{uuid.uuid4().hex[:8]}",  # never another run's events
        SECRET_KEY="scale-out-test-secret-key-0123456789",
        PUBLIC_BASE_URL=PUBLIC_URL,
        INSTANCE_PATH=str(workdir / "instance"),
        TIMER_SWEEP_S="1",
    )
    group = ProcessGroup(workdir, env)
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        suffix = f"{int(time.time() * 1000) % 100000}"
        names = {role: f"{role}{suffix}" for role in ("admin", "dispatcher", "locked")}
        with ThreadPoolExecutor(6) as pool:
            created = [
                pool.submit(group.cli, "users", "create", names["admin"], "--role", "admin", "--password", PASSWORD),
                pool.submit(
                    group.cli, "users", "create", names["dispatcher"], "--role", "dispatcher", "--password", PASSWORD
                ),
                pool.submit(
                    group.cli, "users", "create", names["locked"], "--role", "operator", "--password", PASSWORD
                ),
            ]
            started = [
                pool.submit(group.serve, "web-a"),
                pool.submit(group.serve, "web-b"),
                pool.submit(group.gunicorn, "web-c-gunicorn"),
            ]
            web = [future.result() for future in started]
            for future in created:
                future.result()
        scheduler = group.scheduler("scheduler-1")
        scheduler.wait_for_log("event relay is the leader")
        a, b = web[0], web[1]
        tokens = {
            "dispatcher": _login(a, names["dispatcher"], PASSWORD).json()["token"],
            "admin": _login(b, names["admin"], PASSWORD).json()["token"],
        }
        units = []
        for n in range(4):
            body = {"call_sign": f"SO-{n}", "phones": [f"+1802555{n:04d}"], "home": {"lat": 44.47, "lon": -73.21}}
            response = _post(web[n % 2], "/api/v1/units", tokens["admin"], body)
            assert response.status_code == 201, response.text
            units.append(int(response.json()["id"]))
        yield Cluster(group, web, scheduler, engine, tokens, units, names)
    finally:
        group.close()
        engine.dispose()
        databases.drop(url)


@pytest.fixture
def show_logs(cluster: Cluster) -> Iterator[Cluster]:
    """Every process's log, printed after the test: pytest shows it when the test fails."""
    yield cluster
    print(cluster.group.logs())
    for process in cluster.web:
        assert process.alive(), f"{process.name} died"
        assert "unhandled error" not in process.log(), f"{process.name} logged an unhandled error"


def _move_units(cluster: Cluster, changes_per_unit: int, *, pause: float = 0.0) -> list[int]:
    """One thread per unit posts position fixes, each request to the next web process in turn."""
    turn = itertools.count()
    statuses: list[int] = []

    def work(unit_id: int) -> None:
        for step in range(changes_per_unit):
            server = cluster.web[next(turn) % len(cluster.web)]
            body = {"lat": 44.40 + step * 1e-4, "lon": -73.20 + unit_id * 1e-4, "accuracy_m": 5}
            response = _post(server, f"/api/v1/units/{unit_id}/location", cluster.tokens["dispatcher"], body)
            statuses.append(response.status_code)
            if pause:
                time.sleep(pause)

    threads = [threading.Thread(target=work, args=(unit_id,)) for unit_id in cluster.units]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def _connected(cluster: Cluster, servers: list[ServerProcess]) -> list[LiveClient]:
    clients = [LiveClient(server.name, cluster.tokens["dispatcher"]) for server in servers]
    for client, server in zip(clients, servers, strict=True):
        client.connect(server)
        client.wait_until(lambda c: c.last is not None, "a snapshot")
    return clients


# -- the tests --------------------------------------------------------------------------------------


def test_web_processes_start_no_relay_when_redis_is_set(show_logs: Cluster) -> None:
    cluster = show_logs
    for process in cluster.web[:2]:  # `flask serve`; gunicorn starts no background work at all
        assert "background workers run in the scheduler process" in process.log()
        assert "event relay is the leader" not in process.log()


def test_every_process_fans_out_every_seq_once_and_in_order(show_logs: Cluster) -> None:
    cluster = show_logs
    base = cluster.wait_all_published()
    clients = _connected(cluster, cluster.web)
    try:
        assert {c.last for c in clients} == {base}
        statuses = _move_units(cluster, 25)  # 4 writer threads x 25 fixes, alternating processes
        assert statuses == [200] * 100
        total = cluster.wait_all_published()
        assert total == base + 100  # one unit.updated event per fix
        for client in clients:
            client.wait_until(lambda c, total=total: c.last == total, f"seq {total}")
        time.sleep(0.3)  # nothing more may arrive
        expected = list(range(base + 1, total + 1))
        for client in clients:
            assert client.received == expected, f"{client.name} received {client.received}"
            assert client.resyncs == 0
            assert {e["type"] for e in client.applied} == {"unit.updated"}
            latest = {e["data"]["id"]: e["data"] for e in client.applied}
            assert sorted(latest) == sorted(cluster.units)
            assert all(abs(unit["lat"] - (44.40 + 24 * 1e-4)) < 1e-9 for unit in latest.values())
    finally:
        for client in clients:
            client.disconnect()


def test_login_failures_are_counted_across_processes(show_logs: Cluster) -> None:
    cluster = show_logs
    a, b = cluster.web[0], cluster.web[1]
    username = cluster.names["locked"]
    assert [_login(a, username, "wrong password").status_code for _ in range(5)] == [401] * 5
    blocked = _login(b, username, PASSWORD)  # the right password, on the other process
    assert blocked.status_code == 429, blocked.text
    assert blocked.json()["error"]["code"] == "too_many_requests"
    assert _login(b, cluster.names["dispatcher"], PASSWORD).status_code == 200  # other users unaffected


def test_a_killed_scheduler_loses_no_event(show_logs: Cluster) -> None:
    cluster = show_logs
    a, b = cluster.web[0], cluster.web[1]
    base = cluster.wait_all_published()
    clients = _connected(cluster, [a, b])
    statuses: list[int] = []
    writers = threading.Thread(target=lambda: statuses.extend(_move_units(cluster, 30, pause=0.05)))
    try:
        writers.start()
        clients[0].wait_until(lambda c: (c.last or 0) >= base + 20, "20 events before the kill")
        cluster.scheduler.kill()  # SIGKILL mid-stream: no shutdown code runs
        for client in clients:
            client.disconnect()  # and the screens drop their connections too
        killed_at = [c.last for c in clients]
        cluster.scheduler = cluster.group.scheduler("scheduler-2")
        cluster.scheduler.wait_for_log("event relay is the leader")
        clients[0].connect(b)  # back, each on the other process, asking for what came after `last`
        clients[1].connect(a)
        writers.join(timeout=120)
        assert statuses == [200] * 120
        total = cluster.wait_all_published()
        assert total == base + 120
        assert cluster.event_seqs() == list(range(1, total + 1))  # gapless in the log
        for client in clients:
            client.catch_up(total)
        expected = list(range(base + 1, total + 1))
        for client, last in zip(clients, killed_at, strict=True):
            assert last is not None and base + 20 <= last < total
            assert client.applied_seqs() == expected, f"{client.name} applied {client.applied_seqs()}"
    finally:
        writers.join(timeout=120)
        for client in clients:
            client.disconnect()


def test_readyz_checks_redis(show_logs: Cluster) -> None:
    cluster = show_logs
    ready = requests.get(f"{cluster.web[0].url}/readyz", timeout=TIMEOUT)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok"}
    wrong = cluster.group.serve("web-wrong-redis", env={"REDIS_URL": "redis://127.0.0.1:1/0"})
    try:
        answer = requests.get(f"{wrong.url}/readyz", timeout=TIMEOUT)
        assert answer.status_code == 503
        assert answer.json()["checks"] == {"database": "ok", "redis": "unavailable"}
    finally:
        wrong.stop()


def test_a_screen_reconnecting_while_the_relay_records_its_progress_gets_the_tail(show_logs: Cluster) -> None:
    """The relay emits a batch, then records how far it got. A screen that joins between the two
    receives neither the emitted events (it was not in the room yet) nor their replay (the
    replay stops at the recorded position). Here the window is held open: the scheduler is
    stopped, the recorded position is set back by five as if the record had not landed yet,
    the screen reconnects, then the record lands."""
    cluster = show_logs
    cluster.wait_all_published()
    statuses = _move_units(cluster, 3)
    assert statuses == [200] * 12
    total = cluster.wait_all_published()
    cluster.scheduler.stop()
    with cluster.engine.begin() as connection:
        connection.execute(sa.text("UPDATE relay_state SET published_seq = :seq WHERE id = 1"), {"seq": total - 5})
    client = LiveClient("late-screen", cluster.tokens["dispatcher"])
    client.last = total - 8  # it had applied up to here before its connection dropped
    try:
        client.connect(cluster.web[1])
        client.wait_until(lambda c: (c.last or 0) >= total - 5, f"the replay up to {total - 5}")
        with cluster.engine.begin() as connection:  # the relay's record lands
            connection.execute(sa.text("UPDATE relay_state SET published_seq = :seq WHERE id = 1"), {"seq": total})
        client.wait_until(lambda c: c.last == total, f"seq {total} without another change", timeout=3)
    finally:
        client.disconnect()
        if not cluster.scheduler.alive():
            cluster.scheduler = cluster.group.scheduler("scheduler-3")
