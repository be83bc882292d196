"""Sign-in, tokens, roles and the login rate limit (CONTRACT.md, "Sign-in and roles")."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from core.db import utcnow
from core.extensions import db
from core.models import ApiToken
from tests.support.factories import make_user


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def test_login_returns_a_token_that_signs_in(app, client):
    user, _ = make_user(app, "dispatcher", "supervisor")
    response = login(client, user["username"], user["password"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {
        "id": user["id"],
        "username": user["username"],
        "roles": ["dispatcher", "supervisor"],
        "unit_id": None,
        "facility_id": None,
    }
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.get_json()["user"]["username"] == user["username"]


def test_tokens_are_stored_hashed(app, client):
    user, _ = make_user(app, "operator")
    token = login(client, user["username"], user["password"]).get_json()["token"]
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored and all(len(value) == 64 for value in stored)


def test_wrong_password_and_unknown_user_are_401(app, client):
    user, _ = make_user(app, "operator")
    for username, password in ((user["username"], "wrong"), ("nobody", "whatever")):
        response = login(client, username, password)
        assert response.status_code == 401
        assert response.get_json()["error"]["code"] == "invalid_credentials"


def test_more_than_five_failures_for_one_username_is_429(app, client):
    user, _ = make_user(app, "operator")
    codes = [login(client, user["username"], "wrong").status_code for _ in range(5)]
    assert codes == [401] * 5
    blocked = login(client, user["username"], user["password"])  # even the right password now
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_requests"
    other, _ = make_user(app, "operator")
    assert login(client, other["username"], other["password"]).status_code == 200  # others unaffected


def test_successful_logins_do_not_count_as_failures(app, client):
    user, _ = make_user(app, "operator")
    for _ in range(8):
        assert login(client, user["username"], user["password"]).status_code == 200


def test_the_html_form_counts_failures_too(app, client):
    user, _ = make_user(app, "operator")
    app.config["WTF_CSRF_ENABLED"] = False
    for _ in range(5):
        page = client.post("/login", data={"username": user["username"], "password": "wrong"})
        assert page.status_code == 401 and b"do not match" in page.data
    assert client.post("/login", data={"username": user["username"], "password": "wrong"}).status_code == 429
    assert login(client, user["username"], user["password"]).status_code == 429


def test_the_html_form_signs_in_with_its_csrf_token(app, client):
    user, _ = make_user(app, "dispatcher")
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/login", data={"username": user["username"], "password": user["password"], "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/api/v1/auth/me").get_json()["user"]["username"] == user["username"]
    # The cookie session must prove each change comes from our page.
    refused = client.post("/api/v1/auth/logout")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"


def test_form_without_csrf_token_is_refused(app, client):
    user, _ = make_user(app, "dispatcher")
    response = client.post("/login", data={"username": user["username"], "password": user["password"]})
    assert response.status_code == 400
    assert client.get("/api/v1/auth/me").status_code == 401


def test_every_api_route_needs_sign_in(app, client):
    public = {"/api/v1/auth/login", "/api/v1/openapi.json"}
    checked = 0
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in public:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            path = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), method=method)
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, f"{method} {rule.rule} answered {response.status_code}"
            assert response.get_json()["error"]["code"] == "unauthorized"
            checked += 1
    assert checked >= 3


def test_a_role_that_is_not_allowed_is_403(app, api):
    response = api.as_role("operator").get("/api/v1/audit")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert api.as_role("admin").get("/api/v1/audit").status_code == 200


def test_a_revoked_token_stops_working(app, client):
    _, token = make_user(app, "operator")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401


def test_an_expired_token_stops_working(app, client):
    _, token = make_user(app, "operator")
    with app.app_context():
        for row in db.session.scalars(sa.select(ApiToken)):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_made_up_token_is_401(client):
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_users_create_cli(app):
    runner = app.test_cli_runner()
    ok = runner.invoke(
        args=["users", "create", "ana", "--role", "operator", "--role", "dispatcher", "--password", "pw-123456"]
    )
    assert ok.exit_code == 0, ok.output
    assert login(app.test_client(), "ana", "pw-123456").get_json()["user"]["roles"] == ["dispatcher", "operator"]
    bad = runner.invoke(args=["users", "create", "bo", "--role", "nurse", "--password", "x"])
    assert bad.exit_code != 0 and "unknown role" in bad.output
    twice = runner.invoke(args=["users", "create", "ana", "--role", "operator", "--password", "x"])
    assert twice.exit_code != 0 and "exists already" in twice.output
    no_unit = runner.invoke(args=["users", "create", "fi", "--role", "field", "--password", "x", "--unit", "ZZ-9"])
    assert no_unit.exit_code != 0 and "no unit" in no_unit.output


# Reached without a signed-in user, each for a reason: assets, health, signing in, Twilio's webhooks
# (checked by signature) and the field page (the signed link is the credential).
PUBLIC_ROUTES = {
    "/healthz",
    "/readyz",
    "/login",
    "/logout",
    "/vendor/<library>/<path:filename>",
    "/favicon.ico",
    "/sms/inbound",
    "/sms/status",
    "/field/<token>",
    "/field/<token>/status",
    "/field/<token>/decline",
    "/field/<token>/position",
    "/field/<token>/notes",
    "/field/<token>/transport",
    "/field/<token>/outcome",
}


def test_every_route_checks_roles_or_is_public_on_purpose(app):
    unguarded = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        guarded = hasattr(view, "__required_roles__") or hasattr(view, "__api_operation__")
        if not guarded and rule.rule not in PUBLIC_ROUTES and not rule.endpoint.endswith("static"):
            unguarded.append(rule.rule)
    assert unguarded == []
