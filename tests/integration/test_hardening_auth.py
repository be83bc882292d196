"""Issue 11, sign-in hardening: rate limits that no stranger can turn against others, sign-in while
the rate-limit store is down, logout that ends a cookie session, and the password policy."""

from __future__ import annotations

import json

import pytest

from core.extensions import limiter
from tests.support.factories import make_user


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_blank_usernames_lock_no_one_out_of_the_sign_in_page(app, client):
    for blank in ("", " ", "   "):
        for _ in range(6):
            answer = login(client, blank, "whatever")
            assert answer.status_code == 422
            assert "username" in answer.get_json()["error"]["fields"]
    for _ in range(6):
        assert client.post("/api/v1/auth/login", json={"password": "whatever"}).status_code == 422
    page = app.test_client().get("/login")
    assert page.status_code == 200 and b'name="username"' in page.data
    user, _ = make_user(app, "dispatcher")
    assert login(app.test_client(), user["username"], user["password"]).status_code == 200


def test_blank_form_posts_are_refused_and_count_against_no_one(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    for _ in range(6):
        assert client.post("/login", data={"username": "  ", "password": "x"}).status_code == 400
    assert client.get("/login").status_code == 200
    user, _ = make_user(app, "operator")
    response = client.post("/login", data={"username": user["username"], "password": user["password"]})
    assert response.status_code == 302


def test_page_loads_never_count_against_a_username(app, client):
    for _ in range(8):
        assert client.get("/login").status_code == 200
    user, _ = make_user(app, "operator")
    assert [login(client, user["username"], "wrong").status_code for _ in range(5)] == [401] * 5
    assert login(client, user["username"], "wrong").status_code == 429
    # The name is locked, the page is not.
    assert client.get("/login").status_code == 200


def test_a_login_without_content_type_counts_against_its_username(app, client):
    user, _ = make_user(app, "operator")
    body = json.dumps({"username": user["username"], "password": "wrong"})
    codes = []
    for _ in range(6):
        response = client.post("/api/v1/auth/login", data=body, content_type="")
        codes.append(response.status_code)
    assert codes == [401] * 5 + [429]
    assert login(client, user["username"], user["password"]).status_code == 429  # the same name's count


@pytest.fixture
def redis_down_app(make_app):
    """An app whose Redis (rate-limit store and message queue) is a port where nothing listens."""
    down = "redis://127.0.0.1:1/0"
    flask_app = make_app(REDIS_URL=down, RATELIMIT_STORAGE_URI=down)
    yield flask_app
    # The limiter is one object for every app of the run: let the next app start on its own store.
    limiter._storage_dead = False


def test_sign_in_works_while_the_rate_limit_store_is_down(redis_down_app):
    user, _ = make_user(redis_down_app, "dispatcher")
    client = redis_down_app.test_client()
    assert login(client, user["username"], "wrong").status_code == 401
    answer = login(client, user["username"], user["password"])
    assert answer.status_code == 200 and answer.get_json()["user"]["username"] == user["username"]
    assert client.get("/login").status_code == 200
    # The limits still hold, counted in memory meanwhile.
    assert [login(client, user["username"], "wrong").status_code for _ in range(4)] == [401] * 4
    assert login(client, user["username"], "wrong").status_code == 429
