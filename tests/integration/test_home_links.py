"""The home page for every role: it offers every page of that role's (ROLE_PAGES), and every link
on it opens for that role (200); a field user's `/field` shows their unit's incident with its
field link, or says there is none."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import User
from core.pages import ROLE_PAGES, page_exists
from core.roles import ROLES
from dispatch.models import Incident
from tests.support.factories import make_unit, make_user
from tests.support.sms_factories import assigned_incident, inbound_form, signed_post


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and not href.startswith("#"):
            self.hrefs.append(href)


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def sign_in(app: Any, *roles: str, unit_id: int | None = None) -> Any:
    user, _ = make_user(app, *roles, unit_id=unit_id)
    return signed_in(app, user)


def signed_in(app: Any, user: dict[str, Any]) -> Any:
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post(
        "/login", data={"username": user["username"], "password": user["password"], "csrf_token": token}
    )
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:500]
    return client


def tied_user_client(app: Any, role: str) -> Any:
    """A client signed in as a user of `role`, tied as the role needs (field: a unit; facility: a
    facility), so each page shows what that user really sees."""
    if role == "field":
        return sign_in(app, role, unit_id=make_unit(app))
    if role == "facility":
        return sign_in_facility_user(app)
    return sign_in(app, role)


def sign_in_facility_user(app: Any) -> Any:
    from facilities.models import Facility

    user, _ = make_user(app, "facility")
    with app.app_context():
        facility = Facility(name=f"Test house {user['id']}", kind="stabilization", address="1 Main St",
                            lat=44.47, lon=-73.21)  # fmt: skip
        db.session.add(facility)
        db.session.flush()
        db.session.execute(
            sa.update(User).where(User.id == user["id"]).values(facility_id=facility.id)  # type: ignore[attr-defined]
        )
        db.session.commit()
    return signed_in(app, user)


@pytest.mark.parametrize("role", ROLES)
def test_every_link_on_the_home_page_opens_a_page_for_every_role(app, role):
    if role == "facility":
        with app.test_request_context():
            if not page_exists("/facility"):
                pytest.skip("the /facility page comes with the facility page work (issue 13, fac-ui)")
    client = tied_user_client(app, role)
    home = client.get("/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    # Every page the home page offers this role is listed: none left out for want of a page.
    offered = {path for _, path, starts in ROLE_PAGES if role in starts}
    body = re.search(r'<ul class="big-links">(.*?)</ul>', html, re.S)
    assert body, f"the home page of {role} links to at least one page"
    assert set(links_of(body.group(1))) == offered
    for href in links_of(html):  # the page list and the header's links
        answer = client.get(href)
        assert answer.status_code == 200, f"{role}: {href} answered {answer.status_code}"
        answer.close()


def test_an_admin_is_linked_to_administration_and_it_opens(app):
    client = sign_in(app, "admin")
    admin_links = links_of(client.get("/").get_data(as_text=True))
    assert "/admin" in admin_links
    assert {"/dispatch", "/operator", "/map", "/calls"} <= set(admin_links)
    assert "Users" in client.get("/admin").get_data(as_text=True)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_an_admin_is_offered_administration(app, role):
    assert "/admin" not in links_of(tied_user_client(app, role).get("/").get_data(as_text=True))


def test_field_shows_the_units_incident_and_its_field_page_opens(app):
    incident_id, unit_id = assigned_incident(app)
    client = sign_in(app, "field", unit_id=unit_id)
    page = client.get("/field")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    with app.app_context():
        number = db.session.get(Incident, incident_id).number
    assert f"Open {number}" in html
    [field_link] = [href for href in links_of(html) if href.startswith("/field/")]
    opened = client.get(field_link)
    assert opened.status_code == 200
    assert number in opened.get_data(as_text=True)


def test_field_lists_a_cleared_incident_still_owing_its_outcome_with_the_outcome_form(app):
    incident_id, unit_id = assigned_incident(app, phones=["+18025550162"])
    texts = app.test_client()
    for code in ("3", "4"):  # a bare 4 clears without an outcome
        signed_post(texts, app, "/sms/inbound", inbound_form("+18025550162", code))
    client = sign_in(app, "field", unit_id=unit_id)
    with app.app_context():
        number = db.session.get(Incident, incident_id).number

    html = client.get("/field").get_data(as_text=True)

    assert "No incident assigned to" in html and number in html
    [record] = [href for href in links_of(html) if href.startswith("/field/")]
    assert record.endswith("#record-outcome") and ">Record the outcome</a>" in html
    form = client.get(record.split("#")[0]).get_data(as_text=True)
    assert 'id="record-outcome"' in form and "How did it end?".lower() in form.lower()
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    client.post(record.split("#")[0] + "/outcome", data={"csrf_token": token, "outcome": "stabilized_on_scene",
                "police_present": "no"})  # fmt: skip
    assert "Record the outcome" not in client.get("/field").get_data(as_text=True)


def test_field_says_when_the_unit_has_no_incident(app):
    unit_id = make_unit(app, call_sign="MCT-9")
    html = sign_in(app, "field", unit_id=unit_id).get("/field").get_data(as_text=True)
    assert "No incident assigned to MCT-9" in html
    assert not [href for href in links_of(html) if href.startswith("/field/")]


def test_field_says_when_the_account_has_no_unit(app):
    html = sign_in(app, "field").get("/field").get_data(as_text=True)
    assert "not linked to a unit" in html


@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor", "admin"])
def test_field_is_for_field_users(app, role):
    assert sign_in(app, role).get("/field").status_code == 403


def test_field_asks_a_visitor_to_sign_in(app):
    answer = app.test_client().get("/field")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
