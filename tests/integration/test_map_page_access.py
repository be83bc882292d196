"""The live map page, server side: who may open it and the settings it carries."""

from __future__ import annotations

import json
import re

import pytest

from tests.support.factories import make_user


def sign_in(app, *roles):
    user, _ = make_user(app, *roles)
    client = app.test_client()
    page = client.get("/login")
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    answer = client.post(
        "/login", data={"username": user["username"], "password": user["password"], "csrf_token": token}
    )
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:500]
    return client


def settings_of(html: str) -> dict:
    found = re.search(r"data-settings='([^']*)'", html)
    assert found, "the page carries its settings"
    return json.loads(found.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("role", ["supervisor", "dispatcher", "admin"])
def test_staff_who_watch_the_shift_open_the_map(app, role):
    html = sign_in(app, role).get("/map")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert 'id="map"' in text
    assert "/vendor/leaflet/leaflet.js" in text
    assert 'id="alert-panel"' in text
    assert 'id="unit-rows"' in text and 'id="incident-rows"' in text
    assert text.index("live.js") < text.index("alerts.js") < text.index("map.js")


@pytest.mark.parametrize("role", ["operator", "field"])
def test_operators_and_field_teams_are_refused(app, role):
    assert sign_in(app, role).get("/map").status_code == 403


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(app):
    answer = app.test_client().get("/map")
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]


def test_the_page_carries_the_tile_setting_and_timer_limits(app):
    app.config.update(
        MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
        MAP_TILE_ATTRIBUTION="© Example contributors",
        PENDING_SLA_S=240,
        ACK_REPAGE_AFTER_S=90,
        POSITION_STALE_S=600,
    )
    settings = settings_of(sign_in(app, "supervisor").get("/map").get_data(as_text=True))
    assert settings["tileUrl"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert settings["tileAttribution"] == "© Example contributors"
    assert settings["pendingSlaS"] == 240
    assert settings["ackRepageAfterS"] == 90
    assert settings["positionStaleS"] == 600
    assert settings["travel"]["circuity"] == pytest.approx(1.3)


def test_without_a_tile_url_the_page_says_so_in_its_settings(app):
    app.config["MAP_TILE_URL"] = ""
    settings = settings_of(sign_in(app, "supervisor").get("/map").get_data(as_text=True))
    assert settings["tileUrl"] == ""


def test_the_map_scripts_and_styles_are_served(app):
    client = sign_in(app, "supervisor")
    for path in ("/static/mapview/map.js", "/static/mapview/map.css", "/vendor/leaflet/leaflet.css"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.get_data()  # read and closed: the file handle is released
        answer.close()
