"""What the dispatch board's page gives its script: the moves a dispatcher may enter for a unit,
the outcomes that fit, where a return to the queue is possible, and the facilities to transport to."""

from __future__ import annotations

import json
import re

from core.extensions import db
from facilities.models import Facility
from tests.support.factories import make_user


def board_settings(app) -> dict:
    user, _ = make_user(app, "dispatcher")
    client = app.test_client()
    page = client.get("/login")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    client.post("/login", data={"username": user["username"], "password": user["password"], "csrf_token": csrf})
    html = client.get("/dispatch").get_data(as_text=True)
    found = re.search(r"data-settings='([^']*)'", html)
    return json.loads(found.group(1).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&"))


def add_facility(app, name: str, *, active: bool = True) -> None:
    with app.app_context():
        db.session.add(Facility(name=name, kind="crisis_receiving", address="1 Main St", lat=44.47, lon=-73.21,
                                active=active))  # fmt: skip
        db.session.commit()


def test_the_board_offers_the_moves_the_state_machine_allows_in_lifecycle_order(app):
    settings = board_settings(app)
    moves = settings["moves"]
    # Cancel and return to queue have forms of their own; assigning is the pending incident's move.
    assert moves["dispatched"] == ["acknowledged", "en_route", "on_scene", "cleared"]
    assert moves["on_scene"] == ["transporting", "cleared"]
    assert moves["transporting"] == ["at_facility"]
    assert moves["cleared"] == ["closed"]
    assert moves["cancelled"] == []
    assert settings["requeueFrom"] == ["dispatched", "acknowledged", "en_route"]


def test_the_outcomes_fit_the_status_and_every_one_is_offered_after_a_clear(app):
    outcomes = board_settings(app)["outcomes"]
    assert outcomes["en_route"] == ["handed_to_ems", "handed_to_police", "cancelled_before_arrival"]
    assert "cancelled_before_arrival" not in outcomes["on_scene"]
    assert "stabilized_on_scene" in outcomes["on_scene"]
    assert len(outcomes["cleared"]) == 10
    assert "pending" not in outcomes  # a pending incident cannot clear


def test_the_transport_form_lists_the_active_facilities_by_name(app):
    add_facility(app, "Zeta Respite")
    add_facility(app, "Alpha Crisis Center")
    add_facility(app, "Closed House", active=False)
    names = [f["name"] for f in board_settings(app)["facilities"]]
    assert names == ["Alpha Crisis Center", "Zeta Respite"]
