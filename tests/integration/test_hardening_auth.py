"""Issue 11, sign-in hardening: rate limits that no stranger can turn against others, sign-in while
the rate-limit store is down, logout that ends a cookie session, and the password policy."""

from __future__ import annotations

import json

import pytest

from core.auth import WeakPassword, create_user
from core.extensions import db, limiter
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
def redis_down_app(make_app, databases):
    """An app over its own database whose rate-limit store is a Redis on a port where nothing
    listens. (Only the store: the Socket.IO server is one object for the whole run, and its
    message queue is not under test.)"""
    url = databases.fresh_url()
    flask_app = make_app(SQLALCHEMY_DATABASE_URI=url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    yield flask_app
    # The limiter is one object for every app of the run: let the next app start on its own store.
    limiter._storage_dead = False
    with flask_app.app_context():
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


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


def _sign_in_by_form(client, user):
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": user["username"], "password": user["password"], "csrf_token": token}
    )
    assert response.status_code == 302
    return token


def _cookie(client):
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_logout_ends_every_copy_of_the_cookie_session(live_app):
    user, _ = make_user(live_app, "dispatcher")
    browser = live_app.test_client()
    csrf = _sign_in_by_form(browser, user)
    copied = _cookie(browser)
    thief = live_app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/api/v1/auth/me").status_code == 200
    assert thief.get("/dispatch").status_code == 200

    assert browser.post("/logout", data={"csrf_token": csrf}).status_code == 302
    assert browser.get("/api/v1/auth/me").status_code == 401

    assert thief.get("/api/v1/auth/me").status_code == 401
    page = thief.get("/dispatch")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    # Signing in again starts a new session that works.
    _sign_in_by_form(browser, user)
    assert browser.get("/api/v1/auth/me").status_code == 200


def test_the_api_logout_of_a_cookie_session_ends_its_copies_too(live_app):
    user, _ = make_user(live_app, "operator")
    browser = live_app.test_client()
    csrf = _sign_in_by_form(browser, user)
    copy = live_app.test_client()
    copy.set_cookie("session", _cookie(browser))
    answer = browser.post("/api/v1/auth/logout", headers={"X-CSRFToken": csrf})
    assert answer.status_code == 200
    assert copy.get("/api/v1/auth/me").status_code == 401


def _create(app, *args):
    return app.test_cli_runner().invoke(args=["users", "create", *args])


def test_users_create_refuses_short_and_common_passwords_with_the_reason(app):
    for password in ("", "a", "elevenchars"):
        refused = _create(app, "root", "--role", "admin", "--password", password)
        assert refused.exit_code != 0 and "at least 12 characters" in refused.output
    for password in ("short", "seven77"):
        refused = _create(app, "ana", "--role", "operator", "--password", password)
        assert refused.exit_code != 0 and "at least 8 characters" in refused.output
    for password in ("password123", "Password123", "1q2w3e4r5t6y"):
        refused = _create(app, "ana", "--role", "operator", "--password", password)
        assert refused.exit_code != 0 and "most common passwords" in refused.output
    refused = _create(app, "dispatcher-ana", "--role", "dispatcher", "--password", "Dispatcher-Ana")
    assert refused.exit_code != 0 and "must not be the username" in refused.output
    assert login(app.test_client(), "root", "elevenchars").status_code == 401  # nothing was created


def test_length_is_the_rule_not_composition(app):
    # Eight lower-case letters for a dispatcher, twelve for an admin: no digits or symbols demanded.
    ok = _create(app, "ana", "--role", "dispatcher", "--password", "tuvwxyzq")
    assert ok.exit_code == 0, ok.output
    admin = _create(app, "root", "--role", "admin", "--role", "dispatcher", "--password", "riverbankowl")
    assert admin.exit_code == 0, admin.output
    assert login(app.test_client(), "root", "riverbankowl").status_code == 200


def test_create_user_enforces_the_policy_wherever_it_is_called(app):
    with app.app_context():
        with pytest.raises(WeakPassword):
            create_user(session=db.session, username="eve", password="", roles=["admin"])
        with pytest.raises(WeakPassword):
            create_user(session=db.session, username="eve", password="iloveyou2", roles=["field"])


def test_the_demo_passwords_pass_the_policy(app):
    seeded = app.test_cli_runner().invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    lines = [line.split() for line in seeded.output.splitlines() if "roles:" in line]
    admin = next(words for words in lines if words[0] == "admin")
    assert len(admin[1]) >= 12
    answer = app.test_client().post("/api/v1/auth/login", json={"username": "admin", "password": admin[1]})
    assert answer.status_code == 200


def test_a_deeply_nested_login_body_is_refused_not_a_500(app, client):
    body = '{"username": ' + "[" * 3000 + "]" * 3000 + ', "password": "x"}'
    for content_type in ("application/json", ""):
        answer = client.post("/api/v1/auth/login", data=body, content_type=content_type)
        assert 400 <= answer.status_code < 500
