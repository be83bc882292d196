"""The `facility` role (core/roles.py): a facility's staff reach their own facility and its beds,
and nothing else: every other API operation and page answers 403. The CLI ties such a user to
their facility by its name."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import User
from tests.support.facility_factories import make_facility
from tests.support.factories import signed_in_client

# What a facility user may call: signing in and out (two-factor sign-in of their own account too),
# who they are, and their facility.
FACILITY_OPERATIONS = {
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/me"),
    ("get", "/api/v1/account/2fa"),
    ("post", "/api/v1/account/2fa/setup"),
    ("post", "/api/v1/account/2fa/confirm"),
    ("post", "/api/v1/account/2fa/disable"),
    ("get", "/api/v1/openapi.json"),
    ("get", "/api/v1/facilities"),
    ("get", "/api/v1/facilities/{facility_id}"),
    ("post", "/api/v1/facilities/{facility_id}/beds"),
}
PAGES = ["/dispatch", "/map", "/operator", "/calls", "/field", "/sms"]


def test_the_description_opens_to_a_facility_user_only_their_facility(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    opened = {
        (method, path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "facility" in operation.get("x-roles", ["facility"])
    }
    assert opened == FACILITY_OPERATIONS


def test_a_facility_user_is_refused_every_other_operation(app, api):
    place = make_facility(app)
    staff = api.as_role("facility", facility_id=place)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    walked = 0
    for path, item in document["paths"].items():
        for method in item:
            if (method, path) in FACILITY_OPERATIONS:
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            answer = staff.client.open(url, method=method.upper(), json={}, headers=staff._headers(None))
            assert answer.status_code == 403, f"{method.upper()} {path}: {answer.status_code}"
            assert answer.get_json()["error"]["code"] == "forbidden"
            walked += 1
    assert walked > 30


@pytest.mark.parametrize("page", PAGES)
def test_a_facility_user_is_refused_the_other_pages(app, page):
    client = signed_in_client(app, "facility", facility_id=make_facility(app))
    assert client.get("/").status_code == 200
    assert client.get(page).status_code == 403, page


def test_the_cli_ties_a_facility_user_to_their_facility_by_name(app):
    place = make_facility(app, name="Demo Crisis Receiving Center")
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            "users",
            "create",
            "desk1",
            "--role",
            "facility",
            "--facility",
            "demo crisis receiving center",
            "--password",
            "a long passphrase",
        ]
    )
    assert made.exit_code == 0, made.output
    with app.app_context():
        user = db.session.scalars(sa.select(User).where(User.username == "desk1")).one()
        assert user.facility_id == place and user.roles == ["facility"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--facility", "No Such Place"], "no facility named 'No Such Place'"),
        ([], "give --facility"),
    ],
)
def test_the_cli_refuses_a_facility_user_without_a_known_facility(app, extra, words):
    make_facility(app)
    runner = app.test_cli_runner()
    args = ["users", "create", "desk2", "--role", "facility", "--password", "a long passphrase", *extra]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and words in refused.output
    with app.app_context():
        assert db.session.scalars(sa.select(User).where(User.username == "desk2")).first() is None


def test_the_cli_refuses_a_facility_for_another_role(app):
    make_facility(app, name="Harbor")
    runner = app.test_cli_runner()
    args = ["users", "create", "d3", "--role", "dispatcher", "--facility", "Harbor", "--password", "a long passphrase"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0 and "role facility" in refused.output


def test_a_facility_users_home_page_links_their_facility_page_when_it_exists(app):
    from core.pages import ROLE_PAGES

    assert ("Our beds and incoming transports", "/facility") in [(label, path) for label, path, _ in ROLE_PAGES]
    roles = next(starts for _, path, starts in ROLE_PAGES if path == "/facility")
    assert set(roles) == {"facility"}
    assert all("facility" not in starts for _, path, starts in ROLE_PAGES if path != "/facility")
