"""Where the maps open: the extent of the data, never a city built into the code."""

from __future__ import annotations

import json
import re

import pytest
from flask import current_app

from core.actors import Actor
from core.deps import bus_of
from core.extensions import db
from dispatch.service import cancel_incident
from geo.models import AddressPointRow
from mapview.pages import map_extent
from tests.support.dispatch_factories import make_incident, make_placed_unit
from tests.support.factories import make_user

PORTO = (41.1496, -8.6109)
GAIA = (41.1240, -8.6110)
MATOSINHOS = (41.1850, -8.6900)


def extent(app):
    with app.app_context():
        return map_extent(session=db.session)


def add_address_point(app, lat: float, lon: float, number: str) -> None:
    with app.app_context():
        db.session.add(
            AddressPointRow(number=number, street="Rua das Flores", city="Porto", state="PT", lat=lat, lon=lon)
        )
        db.session.commit()


def test_nothing_at_all_gives_no_extent(app):
    assert extent(app) is None


def test_units_by_position_else_home_base_and_open_incidents_make_the_extent(app):
    make_placed_unit(app, PORTO, home_lat=0.0, home_lon=0.0)  # a fix: its home base does not count
    make_placed_unit(app, None, home_lat=GAIA[0], home_lon=GAIA[1])  # no fix: its home base
    make_incident(app, lat=MATOSINHOS[0], lon=MATOSINHOS[1], address="Matosinhos")
    assert extent(app) == pytest.approx(
        {"south": GAIA[0], "west": MATOSINHOS[1], "north": MATOSINHOS[0], "east": PORTO[1]}
    )


def test_closed_incidents_and_address_points_do_not_widen_it(app):
    make_placed_unit(app, PORTO)
    gone = make_incident(app, lat=10.0, lon=10.0, address="far away")
    with app.app_context():
        cancel_incident(
            session=db.session,
            incident_id=gone,
            reason="entered in error",
            by=Actor.system("test"),
            bus=bus_of(current_app),
        )
        db.session.commit()
    add_address_point(app, 50.0, 5.0, "1")
    assert extent(app) == pytest.approx({"south": PORTO[0], "west": PORTO[1], "north": PORTO[0], "east": PORTO[1]})


def test_with_no_units_nor_incidents_the_address_points_make_it(app):
    add_address_point(app, GAIA[0], GAIA[1], "1")
    add_address_point(app, MATOSINHOS[0], MATOSINHOS[1], "2")
    assert extent(app) == pytest.approx(
        {"south": GAIA[0], "west": MATOSINHOS[1], "north": MATOSINHOS[0], "east": GAIA[1]}
    )


def settings_of(html: str) -> dict:
    found = re.search(r"data-settings='([^']*)'", html)
    assert found, "the page carries its settings"
    return json.loads(found.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize("path", ["/map", "/dispatch"])
def test_both_maps_carry_the_extent(app, path):
    make_placed_unit(app, PORTO)
    user, _ = make_user(app, "dispatcher")
    client = app.test_client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"username": user["username"], "password": user["password"], "csrf_token": csrf})
    settings = settings_of(client.get(path).get_data(as_text=True))
    assert settings["extent"] == pytest.approx(
        {"south": PORTO[0], "west": PORTO[1], "north": PORTO[0], "east": PORTO[1]}
    )
