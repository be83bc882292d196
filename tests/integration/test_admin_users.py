"""The users API (CONTRACT "Administration"): admins list, create and change accounts; a disabled
user or a changed password ends every sign-in; the last active admin stays; every change audited."""

from __future__ import annotations

import contextlib
import re

import sqlalchemy as sa

from core.auth import issue_token
from core.extensions import db
from core.models import AuditEntry, User
from tests.support.factories import ApiAs, make_unit, make_user

PASSWORD = "a long enough password"


def login(client, username, password):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


def admin_api(api):
    return api.as_role("admin")


def test_only_admins_may_use_the_users_api(app, api):
    target, _ = make_user(app, "operator")
    for role in ("operator", "dispatcher", "supervisor", "field"):
        who = api.as_role(role, unit_id=make_unit(app) if role == "field" else None)
        assert who.get("/api/v1/users").status_code == 403
        assert who.get(f"/api/v1/users/{target['id']}").status_code == 403
        body = {"username": "x1", "password": PASSWORD, "roles": ["operator"]}
        assert who.post("/api/v1/users", json=body).status_code == 403
        assert who.patch(f"/api/v1/users/{target['id']}", json={"disabled": True}).status_code == 403
    assert app.test_client().get("/api/v1/users").status_code == 401
    assert login(app.test_client(), target["username"], target["password"]).status_code == 200  # untouched


def test_an_admin_creates_a_field_user_tied_to_a_unit_by_call_sign_and_they_can_sign_in(app, api):
    admin = admin_api(api)
    unit_id = make_unit(app, call_sign="MCT-9")
    answer = admin.post(
        "/api/v1/users", json={"username": "rosa", "password": PASSWORD, "roles": ["field"], "unit": "mct-9"}
    )
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["username"] == "rosa" and body["roles"] == ["field"]
    assert body["unit_id"] == unit_id and body["unit_call_sign"] == "MCT-9" and body["disabled"] is False
    assert "password" not in str(body) and "hash" not in str(body)
    signed_in = login(app.test_client(), "rosa", PASSWORD)
    assert signed_in.status_code == 200 and signed_in.get_json()["user"]["unit_id"] == unit_id
    assert admin.get(f"/api/v1/users/{body['id']}").get_json() == body
    listed = admin.get("/api/v1/users").get_json()
    assert listed[0]["id"] == body["id"]  # newest first


def test_a_unit_may_be_given_by_id_too(app, api):
    admin = admin_api(api)
    unit_id = make_unit(app)
    answer = admin.post(
        "/api/v1/users", json={"username": "sam", "password": PASSWORD, "roles": ["field"], "unit": unit_id}
    )
    assert answer.status_code == 201 and answer.get_json()["unit_id"] == unit_id


def test_create_refuses_bad_input_in_words(app, api):
    admin = admin_api(api)
    cases = [
        ({"username": "ana", "password": "short", "roles": ["operator"]}, "password", "at least 8"),
        ({"username": "boss", "password": "only11chars", "roles": ["admin"]}, "password", "at least 12"),
        ({"username": "ana", "password": "password123", "roles": ["operator"]}, "password", "common"),
        ({"username": "ana", "password": PASSWORD, "roles": ["chief"]}, "roles", "operator"),
        ({"username": "ana", "password": PASSWORD, "roles": []}, "roles", ""),
        ({"username": "ana", "password": PASSWORD, "roles": ["field"]}, "unit", "required"),
        ({"username": "ana", "password": PASSWORD, "roles": ["field"], "unit": "NOPE-1"}, "unit", "no such unit"),
        ({"username": "ana", "password": PASSWORD, "roles": ["field"], "unit": 99999}, "unit", "no such unit"),
        ({"username": "<b>x</b>", "password": PASSWORD, "roles": ["operator"]}, "username", ""),
        ({"username": "ana", "password": PASSWORD, "roles": ["operator"], "extra": 1}, "extra", ""),
        ({"username": "ana", "password": PASSWORD, "roles": ["operator"], "unit": True}, "unit", ""),
    ]
    for body, field, words in cases:
        answer = admin.post("/api/v1/users", json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        error = answer.get_json()["error"]
        assert any(name.startswith(field) for name in error["fields"]), (body, error)
        assert words.lower() in (error["message"] + str(error["fields"])).lower(), (body, error)
    assert admin.post("/api/v1/users", data="{", content_type="application/json").status_code == 400
    assert not [u for u in admin.get("/api/v1/users").get_json() if u["username"] == "ana"]


def test_a_taken_username_is_409_whatever_its_case(app, api):
    admin = admin_api(api)
    taken, _ = make_user(app, "operator")
    for name in (taken["username"], taken["username"].upper()):
        answer = admin.post("/api/v1/users", json={"username": name, "password": PASSWORD, "roles": ["operator"]})
        assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "username_taken"


def test_the_list_takes_limit_and_refuses_unknown_parameters(app, api):
    admin = admin_api(api)
    for _ in range(3):
        make_user(app, "operator")
    assert len(admin.get("/api/v1/users?limit=2").get_json()) == 2
    for bad in ("limit=0", "limit=501", "limit=x", "role=admin"):
        assert admin.get(f"/api/v1/users?{bad}").status_code == 422, bad
    assert admin.get("/api/v1/users/99999").status_code == 404


def test_disabling_a_user_ends_their_tokens_and_cookie_sessions(app, api):
    admin = admin_api(api)
    user, token = make_user(app, "dispatcher", password=PASSWORD)
    browser = app.test_client()
    page = browser.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    browser.post("/login", data={"username": user["username"], "password": PASSWORD, "csrf_token": csrf})
    assert browser.get("/api/v1/auth/me").status_code == 200
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 200

    answer = admin.patch(f"/api/v1/users/{user['id']}", json={"disabled": True})
    assert answer.status_code == 200 and answer.get_json()["disabled"] is True
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert browser.get("/api/v1/auth/me").status_code == 401
    assert login(app.test_client(), user["username"], PASSWORD).status_code == 401
    # Enabled again: the old sign-ins stay ended, a new one works.
    assert admin.patch(f"/api/v1/users/{user['id']}", json={"disabled": False}).status_code == 200
    assert app.test_client().get("/api/v1/auth/me", headers=bearer).status_code == 401
    assert login(app.test_client(), user["username"], PASSWORD).status_code == 200


def test_a_new_password_ends_the_old_sign_ins_and_the_old_password(app, api):
    admin = admin_api(api)
    user, token = make_user(app, "operator", password=PASSWORD)
    answer = admin.patch(f"/api/v1/users/{user['id']}", json={"password": "another long password"})
    assert answer.status_code == 200
    assert app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert login(app.test_client(), user["username"], PASSWORD).status_code == 401
    assert login(app.test_client(), user["username"], "another long password").status_code == 200
    weak = admin.patch(f"/api/v1/users/{user['id']}", json={"password": "short"})
    assert weak.status_code == 422 and "password" in weak.get_json()["error"]["fields"]


def test_an_admin_changing_their_own_password_stays_signed_in_with_this_token_only(app, api):
    me, token = make_user(app, "admin", password="an admin password here")
    _, other_token = make_user(app, "admin")  # not the last admin, though it does not matter here
    with app.app_context():
        second = issue_token(session=db.session, user=db.session.get(User, me["id"]), ttl_s=3600)
        db.session.commit()
    mine = ApiAs(app.test_client(), token)
    assert mine.patch(f"/api/v1/users/{me['id']}", json={"password": "my brand new password"}).status_code == 200
    assert mine.get("/api/v1/auth/me").status_code == 200
    assert ApiAs(app.test_client(), second).get("/api/v1/auth/me").status_code == 401
    assert ApiAs(app.test_client(), other_token).get("/api/v1/auth/me").status_code == 200


def test_roles_and_unit_change_and_null_unties(app, api):
    admin = admin_api(api)
    unit_id = make_unit(app, call_sign="MCT-7")
    user, token = make_user(app, "operator")
    answer = admin.patch(f"/api/v1/users/{user['id']}", json={"roles": ["field", "operator"], "unit": "MCT-7"})
    assert answer.status_code == 200
    assert answer.get_json()["roles"] == ["field", "operator"] and answer.get_json()["unit_id"] == unit_id
    # A role change alone does not sign them out.
    assert app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    refused = admin.patch(f"/api/v1/users/{user['id']}", json={"unit": None})
    assert refused.status_code == 422 and "unit" in refused.get_json()["error"]["fields"]
    answer = admin.patch(f"/api/v1/users/{user['id']}", json={"roles": ["operator"], "unit": None})
    assert answer.status_code == 200 and answer.get_json()["unit_id"] is None
    for bad in ({"roles": []}, {"roles": ["chief"]}, {"disabled": "yes"}, {"nope": 1}):
        assert admin.patch(f"/api/v1/users/{user['id']}", json=bad).status_code == 422, bad
    assert admin.patch("/api/v1/users/99999", json={"disabled": True}).status_code == 404


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(app, api):
    me, token = make_user(app, "admin")
    mine = ApiAs(app.test_client(), token)
    for change in ({"disabled": True}, {"roles": ["operator"]}):
        answer = mine.patch(f"/api/v1/users/{me['id']}", json=change)
        assert answer.status_code == 409, change
        assert answer.get_json()["error"]["code"] == "last_admin"
        assert "last active administrator" in answer.get_json()["error"]["message"]
    other, _ = make_user(app, "admin")
    disabled = mine.patch(f"/api/v1/users/{other['id']}", json={"disabled": True})
    assert disabled.status_code == 200
    # A disabled admin is not an active one: I am still the last.
    assert mine.patch(f"/api/v1/users/{me['id']}", json={"roles": ["operator"]}).status_code == 409
    assert mine.patch(f"/api/v1/users/{other['id']}", json={"disabled": False}).status_code == 200
    assert mine.patch(f"/api/v1/users/{me['id']}", json={"roles": ["admin", "supervisor"]}).status_code == 200
    assert mine.patch(f"/api/v1/users/{me['id']}", json={"roles": ["supervisor"]}).status_code == 200


def test_every_change_is_audited_without_the_password(app, api):
    admin = admin_api(api)
    created = admin.post("/api/v1/users", json={"username": "lee", "password": PASSWORD, "roles": ["operator"]})
    user_id = created.get_json()["id"]
    admin.patch(f"/api/v1/users/{user_id}", json={"password": "another long password", "roles": ["dispatcher"]})
    admin.patch(f"/api/v1/users/{user_id}", json={"disabled": True})
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.record_type == "user", AuditEntry.record_id == str(user_id))
        ).all()
        entries = [(row.action, row.detail) for row in rows]
    assert [action for action, _ in entries] == ["user.create", "user.update", "user.update"]
    assert entries[1][1]["roles"] == {"from": ["operator"], "to": ["dispatcher"]}
    assert entries[1][1]["password"] == "changed"
    assert entries[2][1]["disabled"] == {"from": False, "to": True}
    text = str(entries)
    assert PASSWORD not in text and "another long password" not in text


def test_two_admins_demoting_each_other_at_once_leave_one_admin(live_app):
    """Each change holds its transaction open at a barrier before committing. With the admin
    guard lock the second change waits for the first (the barrier gives up), then sees that the
    other admin is gone and is refused; without it both would commit and leave no admin."""
    import threading

    from admin import users
    from core.actors import Actor
    from core.errors import Conflict
    from core.models import UserRole

    a, _ = make_user(live_app, "admin")
    b, _ = make_user(live_app, "admin")
    barrier = threading.Barrier(2, timeout=3)
    outcomes: dict[str, str] = {}

    def demote(target: dict, by: dict) -> None:
        with live_app.app_context():
            try:
                users.change_user(
                    session=db.session, user_id=target["id"], by=Actor(by["id"], by["username"]), roles=["operator"]
                )
            except Conflict as error:
                db.session.rollback()
                outcomes[target["username"]] = error.code
                return
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
            db.session.commit()
            outcomes[target["username"]] = "demoted"
            db.session.remove()

    threads = [threading.Thread(target=demote, args=(b, a)), threading.Thread(target=demote, args=(a, b))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes.values()) == ["demoted", "last_admin"], outcomes
    with live_app.app_context():
        admins = db.session.scalars(
            sa.select(User.username).join(UserRole).where(UserRole.role == "admin", User.active.is_(True))
        ).all()
    assert len(admins) == 1


def test_a_facility_user_is_tied_to_a_facility_by_name_or_id(app, api):
    from tests.support.facility_factories import make_facility

    admin = admin_api(api)
    facility_id = make_facility(app, name="Howard Center Crisis Care")
    by_name = admin.post(
        "/api/v1/users",
        json={"username": "fay", "password": PASSWORD, "roles": ["facility"], "facility": "howard center crisis care"},
    )
    assert by_name.status_code == 201, by_name.get_json()
    assert by_name.get_json()["facility_id"] == facility_id
    other = make_facility(app)
    moved = admin.patch(f"/api/v1/users/{by_name.get_json()['id']}", json={"facility": other})
    assert moved.status_code == 200 and moved.get_json()["facility_id"] == other
    cases = [
        ({"username": "gil", "password": PASSWORD, "roles": ["facility"]}, "required"),
        ({"username": "gil", "password": PASSWORD, "roles": ["facility"], "facility": "Nowhere"}, "no such facility"),
        ({"username": "gil", "password": PASSWORD, "roles": ["operator"], "facility": facility_id}, "only for"),
    ]
    for body, words in cases:
        answer = admin.post("/api/v1/users", json=body)
        assert answer.status_code == 422, body
        assert words in answer.get_json()["error"]["fields"]["facility"], answer.get_json()
    # Out of the facility role, untied in the same change.
    answer = admin.patch(f"/api/v1/users/{by_name.get_json()['id']}", json={"roles": ["operator"], "facility": None})
    assert answer.status_code == 200 and answer.get_json()["facility_id"] is None
