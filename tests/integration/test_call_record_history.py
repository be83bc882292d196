"""A caller's history (CONTRACT "Calls (amended)"): earlier calls from the same number or the same
place, with their safety lines, on every call answer and from GET /api/v1/history; and the search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from core.ports import ports_of
from geo.local import AddressPoint
from geo.service import import_address_points
from tests.support.factories import Api
from tests.support.triage_factories import MEDICAL_911, PHONE, answers, call_body

# A real address point of data/addresses, imported for these tests (the local geocoder resolves it).
ADDRESS = "239 South Willard Street"
POINT = (44.4734083, -73.2054048)


@pytest.fixture
def placed_api(live_app):
    """An API over a database of its own holding the address point (the geocoder reads it over its
    own connection, so it must be committed)."""
    with live_app.app_context():
        import_address_points(
            session=db.session,
            points=[AddressPoint("239", "South Willard Street", "", "Burlington", "VT", "05401", *POINT)],
        )
        db.session.commit()
        ports_of(live_app).locator.forget_local_points()
    return Api(live_app)


def save(operator, answer_set=None, *, phone="+18025550100", address="nowhere street 999, atlantis", **fields):
    body = call_body(answer_set, caller={"phone": phone, "name": fields.pop("name", "Sam")}, **fields)
    body["location"] = {"address": address}
    saved = operator.post("/api/v1/calls", json=body)
    assert saved.status_code == 201, saved.get_json()
    return saved.get_json()


def test_a_call_from_a_number_that_called_before_shows_the_earlier_calls_and_their_safety_lines(api):
    operator = api.as_role("operator")
    first = save(operator, answers(weapon_present="yes", weapon_intent="no"), phone="(802) 555-0100")
    second = save(operator, answers(violence_history="unknown"), phone="802-555-0100")
    third = save(operator, PHONE, phone="+18025550100")
    history = third["history"]
    assert history["prior_calls"] == 2
    assert [c["number"] for c in history["recent"]] == [second["number"], first["number"]]
    assert set(history["recent"][0]) == {"id", "number", "received_at", "risk_level", "disposition"}
    day = datetime.now(UTC).date().isoformat()
    assert history["safety"] == [
        f"violence history unknown on {second['number']}, {day}",
        f"weapon reported on {first['number']}, {day}",
    ]
    # The first call's own history does not show the calls made after it.
    assert api.as_role("dispatcher").get(f"/api/v1/calls/{first['id']}").get_json()["history"] == {
        "prior_calls": 0,
        "recent": [],
        "safety": [],
    }


def test_a_weapon_status_unknown_is_a_safety_line_too(api):
    operator = api.as_role("operator")
    earlier = save(operator, answers(weapon_present="unknown"))
    later = save(operator)
    assert later["history"]["safety"] == [f"weapon status unknown on {earlier['number']}, {datetime.now(UTC).date()}"]


def test_recent_holds_the_newest_five_and_prior_calls_counts_them_all(api):
    operator = api.as_role("operator")
    numbers = [save(operator)["number"] for _ in range(7)]
    history = save(operator)["history"]
    assert history["prior_calls"] == 7
    assert [c["number"] for c in history["recent"]] == numbers[::-1][:5]


def test_a_call_from_the_same_address_by_another_number_is_in_the_history(placed_api):
    operator = placed_api.as_role("operator")
    earlier = save(operator, answers(violence_now="yes"), phone="+18025550111", address=ADDRESS)
    assert earlier["location"]["resolved"] is True
    later = save(operator, phone="+18025550122", address="239 S Willard St")
    assert later["history"]["prior_calls"] == 1
    day = datetime.now(UTC).date()
    assert later["history"]["safety"] == [f"violence or threats reported on {earlier['number']}, {day}"]


def test_history_before_saving_by_phone_in_any_format_or_by_address(live_app, placed_api):
    api = placed_api
    operator = api.as_role("operator")
    earlier = save(operator, answers(weapon_present="yes", weapon_intent="no"), address=ADDRESS)
    by_phone = operator.get("/api/v1/history?phone=(802)%20555-0100")
    assert by_phone.status_code == 200
    assert by_phone.get_json()["prior_calls"] == 1
    assert by_phone.get_json()["safety"] == [f"weapon reported on {earlier['number']}, {datetime.now(UTC).date()}"]
    by_address = api.as_role("dispatcher").get(f"/api/v1/history?address={ADDRESS}").get_json()
    assert [c["id"] for c in by_address["recent"]] == [earlier["id"]]
    unknown = api.as_role("supervisor").get("/api/v1/history?phone=8025550199").get_json()
    assert unknown == {"prior_calls": 0, "recent": [], "safety": []}
    with live_app.app_context():
        views = list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "history")))
        assert [v.detail["call_ids"] for v in views if v.detail["call_ids"]] == [[earlier["id"]], [earlier["id"]]]


@pytest.mark.parametrize(
    ("query", "field"),
    [("", "phone"), ("?phone=call%20me", "phone"), ("?name=Sam", "name")],
)
def test_history_needs_a_readable_phone_or_an_address(api, query, field):
    refused = api.as_role("operator").get(f"/api/v1/history{query}")
    assert refused.status_code == 422
    assert field in refused.get_json()["error"]["fields"]


def test_history_is_for_staff_not_for_field_teams(api):
    assert api.as_role("field").get("/api/v1/history?phone=8025550100").status_code == 403


# --- search ----------------------------------------------------------------------------------


def test_calls_are_found_by_words_phone_dates_risk_and_disposition(api):
    operator = api.as_role("operator")
    now = datetime.now(UTC)
    old = save(operator, PHONE, name="Robin Example", answered_at=(now - timedelta(hours=20)).isoformat())
    willard = save(operator, MEDICAL_911, phone="+18025550177", name="Alex", address=ADDRESS)
    other = save(operator, answers(cssrs_1="yes", cssrs_2="yes", cssrs_3="yes", cssrs_4="yes", cssrs_5="no"))

    def found(query):
        listed = operator.get(f"/api/v1/calls?{query}")
        assert listed.status_code == 200, listed.get_json()
        return [c["id"] for c in listed.get_json()]

    assert found("q=willard") == [willard["id"]]
    assert found("q=ROBIN%20example") == [old["id"]]
    assert found(f"q={willard['number']}") == [willard["id"]]
    assert found("phone=(802)%20555-0177") == [willard["id"]]
    since = (now - timedelta(hours=1)).isoformat().replace("+", "%2B")
    assert found(f"from={since}") == [other["id"], willard["id"]]
    assert found(f"to={since}") == [old["id"]]
    assert found("risk_level=high") == [other["id"]]
    assert found("disposition=emergency_911") == [willard["id"]]
    assert found("transfer=pending") == [willard["id"]]
    assert found("q=willard&disposition=phone") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("phone=call%20me", "phone"),
        ("risk_level=extreme", "risk_level"),
        ("transfer=done", "transfer"),
        ("from=yesterday", "from"),
        ("to=0.5", "to"),
        ("from=2026-12-01T10:00:00%2B00:00&to=2026-12-01T09:00:00%2B00:00", "from"),
    ],
)
def test_a_search_with_a_bad_or_unknown_parameter_is_refused_on_it(api, query, field):
    refused = api.as_role("operator").get(f"/api/v1/calls?{query}")
    assert refused.status_code == 422
    assert field in refused.get_json()["error"]["fields"]
