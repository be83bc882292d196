"""The administration pages, server side: only an admin opens them (others get a page that says
so, a visitor is sent to sign in), they carry the CSRF token their scripts send, a write from the
page without it is refused in words, and what the pages show of the data."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.factories import make_unit, signed_in_client

PAGES = ["/admin", "/admin/users", "/admin/units", "/admin/facilities", "/admin/questionnaire", "/admin/audit"]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "the page carries its CSRF token"
    return found.group(1)


def settings_of(html: str, element_id: str) -> dict[str, Any]:
    found = re.search(rf"id=\"{element_id}\" data-settings='([^']*)'", html)
    assert found, "the page carries its settings"
    return json.loads(found.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("path", PAGES)
def test_an_admin_opens_every_administration_page(app, path):
    answer = signed_in_client(app, "admin").get(path)
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert 'aria-label="Administration"' in html  # the section menu
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["operator", "dispatcher", "supervisor"])
def test_everyone_else_is_told_in_words_that_the_page_is_not_for_them(app, path, role):
    answer = signed_in_client(app, role).get(path)
    assert answer.status_code == 403
    html = answer.get_data(as_text=True)
    assert "Not allowed" in html and "needs one of: admin" in html


def test_a_field_user_is_refused_too(app):
    answer = signed_in_client(app, "field", unit_id=make_unit(app)).get("/admin/users")
    assert answer.status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_a_visitor_is_sent_to_sign_in_and_back(app, path):
    answer = app.test_client().get(path)
    assert answer.status_code == 302
    assert "/login?next=" + path in answer.headers["Location"].replace("%2F", "/")


def test_the_header_links_administration_for_an_admin_only(app):
    assert '<a href="/admin">Admin</a>' in signed_in_client(app, "admin").get("/calls").get_data(as_text=True)
    assert '<a href="/admin">' not in signed_in_client(app, "supervisor").get("/calls").get_data(as_text=True)


def test_a_write_from_the_page_without_its_csrf_token_is_refused_in_words(app):
    client = signed_in_client(app, "admin")
    token = csrf_of(client.get("/admin/units").get_data(as_text=True))
    unit = {"call_sign": "MCT-70", "phones": ["+18025550170"], "home": {"lat": 44.47, "lon": -73.21}}

    refused = client.post("/api/v1/units", json=unit)
    assert refused.status_code == 400
    assert "Reload the page" in refused.get_json()["error"]["message"]

    made = client.post("/api/v1/units", json=unit, headers={"X-CSRFToken": token})
    assert made.status_code == 201
    assert made.get_json()["call_sign"] == "MCT-70"
    # The same click again (a double submit that got through) makes no second unit.
    again = client.post("/api/v1/units", json=unit, headers={"X-CSRFToken": token})
    assert again.status_code == 409
    assert "already exists" in again.get_json()["error"]["message"]


def test_the_units_page_carries_the_map_settings(app):
    make_unit(app, home_lat=44.49, home_lon=-73.23)
    app.config.update(MAP_TILE_URL="", MAP_TILE_ATTRIBUTION="")
    html = signed_in_client(app, "admin").get("/admin/units").get_data(as_text=True)
    settings = settings_of(html, "units-page")
    assert settings["tileUrl"] == ""
    assert settings["extent"]["south"] <= 44.49 <= settings["extent"]["north"]
    assert "/vendor/leaflet/leaflet.js" in html
    for label in (
        "Call sign",
        "Phones that get the dispatch texts",
        "Languages the team speaks",
        "Latitude",
        "Longitude",
    ):
        assert f">{label}</label>" in html


def test_the_index_gives_the_figures_of_each_section(app):
    make_unit(app)
    make_unit(app, status="off_duty")
    html = signed_in_client(app, "admin").get("/admin").get_data(as_text=True)
    units = re.search(r"(\d+) units?, (\d+) on duty", html)
    assert units, "the units section says how many are on duty"
    assert int(units.group(1)) - int(units.group(2)) >= 1
    for title in ("Users", "Units", "Facilities", "Questionnaire", "Audit trail"):
        assert f">{title}</a></h2>" in html


def test_the_users_page_offers_every_role_as_a_checkbox_with_what_it_does(app):
    from core.roles import ROLES

    html = signed_in_client(app, "admin").get("/admin/users").get_data(as_text=True)
    for role in ROLES:
        assert f'name="roles" value="{role}" id="add-role-{role}"' in html
    assert "runs the board, assigns units" in html
    assert 'autocomplete="new-password"' in html


def test_the_questionnaire_page_shows_the_active_one_and_its_questions(app):
    client = signed_in_client(app, "admin")
    html = client.get("/admin/questionnaire").get_data(as_text=True)
    assert "Operators answer <strong>" in html and "cssrs_screener_recent" in html
    assert "Have you wished you were dead" in html
    other = client.get("/admin/questionnaire?id=asq&version=1").get_data(as_text=True)
    assert "not in use" in other and "In the past few weeks, have you wished you were dead?" in other


def test_an_admin_switches_the_questionnaire_and_the_page_says_so(app):
    client = signed_in_client(app, "admin")
    token = csrf_of(client.get("/admin/questionnaire").get_data(as_text=True))
    chosen = client.post(
        "/api/v1/triage/questionnaires/active", json={"id": "asq", "version": 1}, headers={"X-CSRFToken": token}
    )
    assert chosen.status_code == 200
    html = client.get("/admin/questionnaire").get_data(as_text=True)
    assert "(<code>asq</code>, version 1)" in html


@pytest.mark.parametrize("query", ["?id=nope&version=1", "?id=asq&version=x", "?id=asq"])
def test_an_unknown_questionnaire_is_refused_in_words(app, query):
    answer = signed_in_client(app, "admin").get("/admin/questionnaire" + query)
    assert answer.status_code == 404
    assert "no such questionnaire" in answer.get_data(as_text=True)


def test_the_audit_page_keeps_its_search_in_the_form_escaped(app):
    html = (
        signed_in_client(app, "admin")
        .get('/admin/audit?user=<b>x"&action=create&from=2026-11-01')
        .get_data(as_text=True)
    )
    assert 'value="&lt;b&gt;x&#34;"' in html or 'value="&lt;b&gt;x&quot;"' in html
    assert 'name="action" type="text" value="create"' in html
    assert 'value="2026-11-01"' in html
    assert "<b>x" not in html


def test_a_browser_sign_in_is_on_the_audit_trail_with_its_address(app):
    import sqlalchemy as sa

    from core.extensions import db
    from core.models import AuditEntry, User

    signed_in_client(app, "dispatcher")
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        user = db.session.get(User, entry.user_id)
        assert (entry.action, entry.record_type, entry.record_id) == ("login", "user", str(user.id))
        assert entry.actor == user.username and entry.client_address == "127.0.0.1"
