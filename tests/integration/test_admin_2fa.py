"""Two-factor sign-in (TOTP and recovery codes): enrolment, sign-in by API and by the /login form,
REQUIRE_2FA_ROLES, and a wrong or missing code counted like a wrong password."""

from __future__ import annotations

import re

import pyotp
import sqlalchemy as sa

from core.deps import replace_settings
from core.extensions import db
from core.models import RecoveryCode, User
from tests.support.factories import ApiAs, make_user

PASSWORD = "correct horse"


def login(client, username, password, otp=None):
    body = {"username": username, "password": password}
    if otp is not None:
        body["otp"] = otp
    return client.post("/api/v1/auth/login", json=body)


def enrol(app, token):
    me = ApiAs(app.test_client(), token)
    setup = me.post("/api/v1/account/2fa/setup")
    assert setup.status_code == 200, setup.get_json()
    secret = setup.get_json()["secret"]
    assert setup.get_json()["qr_svg"].startswith("<svg") and secret in setup.get_json()["otpauth_uri"]
    confirmed = me.post("/api/v1/account/2fa/confirm", json={"otp": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recovery_codes"]


def _step_code(secret, steps):
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(__import__("datetime").datetime.now()) + steps)


def test_enrolment_stores_the_secret_encrypted_and_the_codes_hashed(app):
    user, token = make_user(app, "dispatcher")
    secret, codes = enrol(app, token)
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        row = db.session.get(User, user["id"])
        assert row.totp_secret and secret not in row.totp_secret and row.totp_enabled_at is not None
        hashes = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user["id"])).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    status = ApiAs(app.test_client(), token).get("/api/v1/account/2fa").get_json()
    assert status == {"enabled": True, "required": False, "pending": False, "recovery_codes_left": 10}
    # Never shown again: a second set-up is refused while it is on.
    assert ApiAs(app.test_client(), token).post("/api/v1/account/2fa/setup").status_code == 409


def test_a_wrong_code_does_not_turn_it_on(app):
    _, token = make_user(app, "operator")
    me = ApiAs(app.test_client(), token)
    me.post("/api/v1/account/2fa/setup")
    wrong = me.post("/api/v1/account/2fa/confirm", json={"otp": "000000"})
    assert wrong.status_code == 422 and "otp" in wrong.get_json()["error"]["fields"]
    assert me.get("/api/v1/account/2fa").get_json()["enabled"] is False


def test_api_sign_in_needs_the_code_once_it_is_on(app):
    user, token = make_user(app, "dispatcher")
    secret, codes = enrol(app, token)
    client = app.test_client()
    missing = login(client, user["username"], PASSWORD)
    assert missing.status_code == 401 and missing.get_json()["error"]["code"] == "otp_required"
    wrong = login(client, user["username"], PASSWORD, "123456")
    assert wrong.status_code == 401 and wrong.get_json()["error"]["code"] == "invalid_otp"
    code = _step_code(secret, 1)  # the next step: not the one the enrolment used
    assert login(client, user["username"], PASSWORD, code).status_code == 200
    replayed = login(client, user["username"], PASSWORD, code)
    assert replayed.status_code == 401  # a code works once
    # A recovery code works once, typed with or without its dashes and in any case.
    assert login(client, user["username"], PASSWORD, codes[0].upper().replace("-", " ")).status_code == 200
    assert login(client, user["username"], PASSWORD, codes[0]).status_code == 401
    # A wrong password with a right code is still a wrong password.
    assert login(client, user["username"], "wrong password", codes[1]).status_code == 401


def test_missing_and_wrong_codes_count_toward_the_lockout(app):
    user, token = make_user(app, "dispatcher")
    secret, _ = enrol(app, token)
    client = app.test_client()
    codes = [login(client, user["username"], PASSWORD, None if n % 2 else "111111").status_code for n in range(5)]
    assert codes == [401] * 5
    locked = login(client, user["username"], PASSWORD, _step_code(secret, 1))
    assert locked.status_code == 429


def _csrf(page):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_the_login_form_asks_for_the_code_in_a_second_step(app):
    user, token = make_user(app, "dispatcher")
    _secret, codes = enrol(app, token)
    browser = app.test_client()
    first = browser.post(
        "/login",
        data={
            "username": user["username"],
            "password": PASSWORD,
            "csrf_token": _csrf(browser.get("/login").get_data(as_text=True)),
        },
    )
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'name="otp"' in page and "authenticator app" in page
    assert browser.get("/api/v1/auth/me").status_code == 401  # not signed in yet
    wrong = browser.post("/login", data={"username": user["username"], "otp": "000000", "csrf_token": _csrf(page)})
    assert wrong.status_code == 401 and "That code is not right" in wrong.get_data(as_text=True)
    right = browser.post(
        "/login",
        data={"username": user["username"], "otp": codes[3], "csrf_token": _csrf(wrong.get_data(as_text=True))},
    )
    assert right.status_code == 302
    assert browser.get("/api/v1/auth/me").status_code == 200
    # The code step alone, without the password step in this browser, signs no one in.
    stranger = app.test_client()
    csrf = _csrf(stranger.get("/login").get_data(as_text=True))
    guess = stranger.post("/login", data={"username": user["username"], "otp": codes[4], "csrf_token": csrf})
    assert guess.status_code == 401 and stranger.get("/api/v1/auth/me").status_code == 401


def test_a_required_role_must_enrol_before_anything_else(app):
    replace_settings(app, REQUIRE_2FA_ROLES="admin,supervisor")
    user, token = make_user(app, "supervisor")
    api_login = login(app.test_client(), user["username"], PASSWORD)
    assert api_login.status_code == 403
    assert api_login.get_json()["error"]["code"] == "two_factor_enrolment_required"
    # An existing token of that user is held at the enrolment too.
    me = ApiAs(app.test_client(), token)
    held = me.get("/api/v1/incidents")
    assert held.status_code == 403 and held.get_json()["error"]["code"] == "two_factor_enrolment_required"
    browser = app.test_client()
    csrf = _csrf(browser.get("/login").get_data(as_text=True))
    signed = browser.post("/login", data={"username": user["username"], "password": PASSWORD, "csrf_token": csrf})
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/account/2fa")
    elsewhere = browser.get("/map")
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"].endswith("/account/2fa")
    page = browser.get("/account/2fa")
    assert page.status_code == 200 and "you can use nothing else until you have" in page.get_data(as_text=True)
    secret, _ = enrol(app, token)
    assert me.get("/api/v1/incidents").status_code == 200
    assert login(app.test_client(), user["username"], PASSWORD, _step_code(secret, 1)).status_code == 200
    other, _ = make_user(app, "operator")  # a role not named: no code needed
    assert login(app.test_client(), other["username"], PASSWORD).status_code == 200


def test_turning_it_off_needs_the_password_and_a_code(app):
    user, token = make_user(app, "dispatcher")
    _secret, codes = enrol(app, token)
    me = ApiAs(app.test_client(), token)
    refused = me.post("/api/v1/account/2fa/disable", json={"password": "wrong one", "otp": codes[0]})
    assert refused.status_code == 422
    done = me.post("/api/v1/account/2fa/disable", json={"password": PASSWORD, "otp": codes[0]})
    assert done.status_code == 200 and done.get_json()["enabled"] is False
    assert login(app.test_client(), user["username"], PASSWORD).status_code == 200


def test_the_enrolment_page_shows_the_qr_code_then_the_recovery_codes_once(app):
    user, _ = make_user(app, "operator")
    browser = app.test_client()
    csrf = _csrf(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"username": user["username"], "password": PASSWORD, "csrf_token": csrf})
    page = browser.get("/account/2fa").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page
    started = browser.post("/account/2fa", data={"action": "start", "csrf_token": _csrf(page)}).get_data(as_text=True)
    assert "<svg" in started
    secret = re.search(r'<code class="secret" id="secret">([A-Z2-7]+)</code>', started).group(1)
    wrong = browser.post("/account/2fa", data={"action": "confirm", "otp": "000000", "csrf_token": _csrf(started)})
    assert wrong.status_code == 422 and "does not match" in wrong.get_data(as_text=True)
    done = browser.post(
        "/account/2fa", data={"action": "confirm", "otp": pyotp.TOTP(secret).now(), "csrf_token": _csrf(started)}
    )
    text = done.get_data(as_text=True)
    assert done.status_code == 200 and "shown only this once" in text
    assert len(re.findall(r"<li><code>[a-z0-9-]{19}</code></li>", text)) == 10
    again = browser.get("/account/2fa").get_data(as_text=True)
    assert "is <strong>on</strong>" in again and secret not in again and "<li><code>" not in again


def test_an_admin_turns_a_users_two_factor_off_when_they_lost_their_phone(app, api):
    admin = api.as_role("admin")
    user, token = make_user(app, "dispatcher")
    enrol(app, token)
    assert admin.get(f"/api/v1/users/{user['id']}").get_json()["two_factor"] is True
    other, _ = make_user(app, "operator")
    refused = admin.patch(f"/api/v1/users/{other['id']}", json={"two_factor": True})
    assert refused.status_code == 422 and "two_factor" in refused.get_json()["error"]["fields"]
    done = admin.patch(f"/api/v1/users/{user['id']}", json={"two_factor": False})
    assert done.status_code == 200 and done.get_json()["two_factor"] is False
    assert ApiAs(app.test_client(), token).get("/api/v1/auth/me").status_code == 401  # sign-ins ended
    assert login(app.test_client(), user["username"], PASSWORD).status_code == 200  # password alone again
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == user["id"])
            )
            == 0
        )
