"""`flask --app wsgi users set-password NAME [--password PW]`: a new password, every sign-in ended."""

from __future__ import annotations

from tests.support.factories import make_user

NEW = "a brand new long password"


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def _me(app, token):
    return app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_set_password_sets_it_and_ends_the_old_sign_ins(app):
    user, token = make_user(app, "dispatcher")
    done = app.test_cli_runner().invoke(args=["users", "set-password", user["username"], "--password", NEW])
    assert done.exit_code == 0, done.output
    assert "sign-ins have ended" in done.output
    assert _me(app, token) == 401
    assert login(app.test_client(), user["username"], user["password"]).status_code == 401
    assert login(app.test_client(), user["username"], NEW).status_code == 200


def test_without_password_it_asks_twice_and_the_two_must_match(app):
    user, token = make_user(app, "operator")
    runner = app.test_cli_runner()
    mismatch = runner.invoke(args=["users", "set-password", user["username"]], input=f"{NEW}\nsomething else\n")
    assert mismatch.exit_code != 0 and "do not match" in mismatch.output.lower()
    assert NEW not in mismatch.output  # hidden as typed
    assert _me(app, token) == 200  # nothing changed
    done = runner.invoke(args=["users", "set-password", user["username"]], input=f"{NEW}\n{NEW}\n")
    assert done.exit_code == 0, done.output
    assert NEW not in done.output
    assert login(app.test_client(), user["username"], NEW).status_code == 200


def test_a_weak_password_or_an_unknown_user_is_refused_with_the_reason(app):
    user, token = make_user(app, "admin", password="an admin password here")
    runner = app.test_cli_runner()
    short = runner.invoke(args=["users", "set-password", user["username"], "--password", "elevenchars"])
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    common = runner.invoke(args=["users", "set-password", user["username"], "--password", "password1234"])
    assert common.exit_code != 0 and "common" in common.output
    nobody = runner.invoke(args=["users", "set-password", "nobody-here", "--password", NEW])
    assert nobody.exit_code != 0 and "No user named 'nobody-here'" in nobody.output
    assert _me(app, token) == 200
