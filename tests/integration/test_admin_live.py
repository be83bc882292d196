"""Disabling a user or changing their password ends their live connections at once (a real server
and Socket.IO clients; the two-process case is in test_scale_out.py)."""

from __future__ import annotations

import pytest
import requests
import socketio

from tests.integration.test_live import Recorder
from tests.support.factories import make_user
from tests.support.server import serve

pytestmark = pytest.mark.slow


@pytest.fixture
def live(live_app):
    with serve(live_app) as url:
        yield live_app, url


@pytest.mark.parametrize("change", [{"disabled": True}, {"password": "a brand new long password"}])
def test_a_disabled_user_or_a_new_password_ends_their_live_connections(live, change):
    app, url = live
    _, admin_token = make_user(app, "admin")
    user, token = make_user(app, "dispatcher")
    _, other_token = make_user(app, "dispatcher")
    screen, other = Recorder(url, {"token": token}), Recorder(url, {"token": other_token})
    screen.connect()
    other.connect()
    try:
        assert screen.wait_for(lambda r: r.snapshots) and other.wait_for(lambda r: r.snapshots)
        answer = requests.patch(
            f"{url}/api/v1/users/{user['id']}",
            json=change,
            headers={"Authorization": f"Bearer {admin_token}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        assert screen.wait_for(lambda r: not r.client.connected, timeout=10)  # cut off at once
        assert other.client.connected  # someone else's screen stays live
        with pytest.raises(socketio.exceptions.ConnectionError):
            Recorder(url, {"token": token}).connect()
    finally:
        for recorder in (screen, other):
            if recorder.client.connected:
                recorder.client.disconnect()
