"""Ending a user's sign-ins reaches a live connection held by another web process (two
`flask --app wsgi serve` over Redis and PostgreSQL): disabling them through one process, or a new
password from the CLI, disconnects their screen on the other at once."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import socketio

from tests.integration.test_scale_out import REDIS_URL, _login, _redis_or_skip
from tests.support.processes import ProcessGroup, ServerProcess, base_env

pytestmark = pytest.mark.slow  # two web processes and Redis

PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def two_processes(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ProcessGroup, list]]:
    if not databases.is_postgres:
        pytest.skip("two processes run on PostgreSQL only (set TEST_DATABASE_URL); SQLite is the one-process mode")
    _redis_or_skip()
    workdir = tmp_path_factory.mktemp("admin_scale_out")
    url = databases.fresh_url()
    env = base_env(
        APP_ENV="production",
        DATABASE_URL=url,
        REDIS_URL=REDIS_URL,
        SOCKETIO_CHANNEL=f"crisis-test-{os.getpid()}-{uuid.uuid4().hex[:8]}",
        SECRET_KEY="admin-scale-out-test-secret-0123456789",
        INSTANCE_PATH=str(workdir / "instance"),
        LOGIN_FAILURE_LIMIT="1000 per minute",
    )
    group = ProcessGroup(workdir, env)
    try:
        group.cli("users", "create", "boss", "--role", "admin", "--password", PASSWORD)
        web = [group.serve("web-a"), group.serve("web-b")]
        yield group, web
    finally:
        group.close()
        databases.drop(url)


def _screen(server: ServerProcess, token: str) -> Any:
    client = socketio.Client(reconnection=False)
    snapshots: list[Any] = []
    client.on("snapshot", snapshots.append, namespace="/live")
    client.connect(server.url, namespaces=["/live"], auth={"token": token}, transports=["websocket"], wait_timeout=10)
    deadline = time.monotonic() + 30
    while not snapshots and time.monotonic() < deadline:
        time.sleep(0.05)
    assert snapshots, "the screen got its snapshot"
    return client


def _until_disconnected(client: Any, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    return not client.connected


def _new_dispatcher(group: ProcessGroup, web: list, name: str) -> tuple[int, str]:
    boss = _login(web[0], "boss", PASSWORD).json()["token"]
    created = requests.post(
        f"{web[0].url}/api/v1/users",
        json={"username": name, "password": PASSWORD, "roles": ["dispatcher"]},
        headers={"Authorization": f"Bearer {boss}"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    return int(created.json()["id"]), _login(web[1], name, PASSWORD).json()["token"]


def test_disabling_a_user_on_one_process_ends_their_screen_on_the_other(two_processes):
    group, web = two_processes
    user_id, token = _new_dispatcher(group, web, "ana")
    _, other_token = _new_dispatcher(group, web, "ben")
    screen, other = _screen(web[1], token), _screen(web[1], other_token)
    try:
        boss = _login(web[0], "boss", PASSWORD).json()["token"]
        answer = requests.patch(
            f"{web[0].url}/api/v1/users/{user_id}",
            json={"disabled": True},
            headers={"Authorization": f"Bearer {boss}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        assert _until_disconnected(screen), "the screen on the other process was not cut off"
        assert other.connected  # someone else's screen stays live
        with pytest.raises(socketio.exceptions.ConnectionError):
            _screen(web[0], token)
    finally:
        for client in (screen, other):
            if client.connected:
                client.disconnect()
        print(group.logs())


def test_a_new_password_from_the_cli_ends_their_screens_on_every_process(two_processes):
    group, web = two_processes
    _, token = _new_dispatcher(group, web, "cy")
    screens = [_screen(web[0], token), _screen(web[1], token)]
    try:
        group.cli("users", "set-password", "cy", "--password", "another long password")
        for screen in screens:
            assert _until_disconnected(screen), "a screen of the user stayed connected"
    finally:
        for client in screens:
            if client.connected:
                client.disconnect()
