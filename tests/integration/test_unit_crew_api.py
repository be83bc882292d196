"""Who rides with each unit this shift: PUT /api/v1/units/<id>/crew, the crew and the staffing
flags in every unit answer, who may set and read it, and what ends it (dispatch/staffing.py)."""

from __future__ import annotations

import re

import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry, Event
from tests.support.dispatch_factories import NEAR, make_incident, make_placed_unit
from tests.support.factories import make_unit, make_user, signed_in_client

TEAM = [{"name": "Dana Reyes", "role": "clinician"}, {"name": "Sam Ortiz", "role": "peer_specialist"}]


def crew_of(answer: dict) -> list[tuple[str, str]]:
    return [(person["name"], person["role"]) for person in answer["crew"]]


def listed(api, unit_id: int, role: str = "dispatcher", **kwargs) -> dict:
    units = api.as_role(role, **kwargs).get("/api/v1/units").get_json()
    return next(u for u in units if u["id"] == unit_id)


def test_a_dispatcher_sets_the_crew_and_every_unit_answer_shows_it(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    answer = dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM})
    assert answer.status_code == 200, answer.get_json()
    unit = answer.get_json()
    assert crew_of(unit) == [("Dana Reyes", "clinician"), ("Sam Ortiz", "peer_specialist")]
    assert [p["role_label"] for p in unit["crew"]] == ["clinician", "peer specialist"]
    assert unit["staffing_flags"] == [] and unit["crew_set_at"] and unit["crew_set_by"].startswith("user")
    shown = listed(api, unit_id, "supervisor")
    assert crew_of(shown) == crew_of(unit) and shown["staffing_flags"] == []
    one = api.as_role("operator").get(f"/api/v1/units/{unit_id}").get_json()
    assert crew_of(one) == crew_of(unit)


def test_a_unit_on_duty_without_two_staff_or_a_clinician_is_flagged(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    assert listed(api, unit_id)["staffing_flags"] == ["no crew recorded"]
    alone = dispatcher.put(
        f"/api/v1/units/{unit_id}/crew", json={"crew": [{"name": "Sam Ortiz", "role": "peer_specialist"}]}
    )
    assert alone.get_json()["staffing_flags"] == ["fewer than two staff", "no clinician"]
    peers = [{"name": "Sam Ortiz", "role": "peer_specialist"}, {"name": "Lee Park", "role": "nurse"}]
    assert dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": peers}).get_json()["staffing_flags"] == [
        "no clinician"
    ]
    full = dispatcher.put(
        f"/api/v1/units/{unit_id}/crew", json={"crew": [*peers, {"name": "Dana Reyes", "role": "clinician"}]}
    )
    assert full.get_json()["staffing_flags"] == [] and len(full.get_json()["crew"]) == 3


def test_units_that_are_not_on_duty_are_not_flagged(app, api):
    off = make_unit(app, status="off_duty")
    broken = make_unit(app, status="out_of_service")
    assert listed(api, off)["staffing_flags"] == [] and listed(api, broken)["staffing_flags"] == []


def test_an_empty_list_clears_the_crew(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM})
    cleared = dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": []}).get_json()
    assert cleared["crew"] == [] and cleared["crew_set_at"] is None
    assert cleared["staffing_flags"] == ["no crew recorded"]


def test_names_are_trimmed_and_kept_in_the_order_given(app, api):
    unit_id = make_unit(app)
    body = {
        "crew": [{"name": "  Sam   Ortiz ", "role": "peer_specialist"}, {"name": "Dana Reyes", "role": "clinician"}]
    }
    answer = api.as_role("admin").put(f"/api/v1/units/{unit_id}/crew", json=body)
    assert answer.status_code == 200
    assert crew_of(answer.get_json()) == [("Sam Ortiz", "peer_specialist"), ("Dana Reyes", "clinician")]


def test_a_wrong_crew_is_422_naming_the_field_and_changes_nothing(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM})

    def refused(body, field):
        answer = dispatcher.put(f"/api/v1/units/{unit_id}/crew", json=body)
        assert answer.status_code == 422, (body, answer.get_json())
        error = answer.get_json()["error"]
        assert field in error["fields"], error
        return error["fields"][field]

    assert "unknown role 'driver'" in refused({"crew": [{"name": "Sam", "role": "driver"}]}, "crew.0.role")
    assert refused({"crew": [TEAM[0], {"name": "   ", "role": "clinician"}]}, "crew.1.name") == "required"
    assert refused({"crew": [{"name": "x" * 81, "role": "nurse"}]}, "crew.0.name") == "at most 80 characters"
    assert "twice" in refused({"crew": [TEAM[0], {"name": "dana reyes", "role": "nurse"}]}, "crew.1.name")
    seven = [{"name": f"Person {n}", "role": "other"} for n in range(7)]
    refused({"crew": seven}, "crew")
    refused({"crew": [{"name": "Sam"}]}, "crew.0.role")
    refused({"crew": [{"name": 7, "role": "nurse"}]}, "crew.0.name")
    refused({"crew": [{**TEAM[0], "phone": "+18025550100"}]}, "crew.0.phone")
    refused({"crew": [{"name": "Dana\x00", "role": "clinician"}]}, "crew.0.name")
    refused({"crew": [{**TEAM[0], "user_id": 999_999}]}, "crew.0.user_id")
    refused({"people": TEAM}, "crew")
    assert crew_of(listed(api, unit_id)) == [("Dana Reyes", "clinician"), ("Sam Ortiz", "peer_specialist")]


def test_an_unknown_unit_is_404(api):
    assert api.as_role("dispatcher").put("/api/v1/units/999999/crew", json={"crew": TEAM}).status_code == 404


def test_a_crew_member_may_be_tied_to_their_account(app, api):
    unit_id = make_unit(app)
    person, _ = make_user(app, "field", unit_id=unit_id)
    body = {"crew": [{**TEAM[0], "user_id": person["id"]}, TEAM[1]]}
    answer = api.as_role("dispatcher").put(f"/api/v1/units/{unit_id}/crew", json=body).get_json()
    assert [p["user_id"] for p in answer["crew"]] == [person["id"], None]


def test_only_dispatchers_and_admins_set_a_crew(app, api):
    unit_id = make_unit(app)
    for role in ("operator", "supervisor"):
        assert api.as_role(role).put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM}).status_code == 403
    own_team = api.as_role("field", unit_id=unit_id)
    assert own_team.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM}).status_code == 403
    assert app.test_client().put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM}).status_code == 401
    assert listed(api, unit_id)["crew"] == []


def test_a_field_user_reads_their_own_units_crew_only(app, api):
    mine, other = make_unit(app), make_unit(app)
    dispatcher = api.as_role("dispatcher")
    dispatcher.put(f"/api/v1/units/{mine}/crew", json={"crew": TEAM})
    dispatcher.put(f"/api/v1/units/{other}/crew", json={"crew": [{"name": "Kim Lee", "role": "clinician"}]})
    team = api.as_role("field", unit_id=mine)
    units = team.get("/api/v1/units").get_json()
    assert [u["id"] for u in units] == [mine] and crew_of(units[0])[0] == ("Dana Reyes", "clinician")
    assert team.get(f"/api/v1/units/{other}").status_code == 403


def test_a_browser_session_needs_the_pages_csrf_token(app):
    unit_id = make_unit(app)
    client = signed_in_client(app, "dispatcher")
    refused = client.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf_failed"
    page = client.get("/dispatch").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    done = client.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM}, headers={"X-CSRFToken": token})
    assert done.status_code == 200


def test_setting_a_crew_is_audited_with_what_it_replaced_and_reaches_the_live_stream(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM[:1]})
    dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM})
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "unit.crew").order_by(AuditEntry.id)
        ).all()
        events = db.session.scalars(
            sa.select(Event).where(Event.type == "unit.updated", Event.unit_id == unit_id).order_by(Event.id)
        ).all()
    assert [(e.record_type, e.record_id) for e in entries] == [("unit", str(unit_id))] * 2
    assert entries[1].actor.startswith("user") and entries[1].user_id is not None
    assert entries[1].detail["before"] == [{"name": "Dana Reyes", "role": "clinician", "user_id": None}]
    assert [p["name"] for p in entries[1].detail["after"]] == ["Dana Reyes", "Sam Ortiz"]
    assert [crew_of(e.data) for e in events][-1] == [("Dana Reyes", "clinician"), ("Sam Ortiz", "peer_specialist")]
    assert events[-1].data["staffing_flags"] == [] and events[-2].data["staffing_flags"] == ["fewer than two staff"]


def test_going_off_duty_ends_the_shift_and_its_crew_out_of_service_keeps_it(app, api):
    unit_id = make_unit(app)
    dispatcher = api.as_role("dispatcher")
    dispatcher.put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM})
    broken = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "out_of_service"}).get_json()
    assert len(broken["crew"]) == 2 and broken["staffing_flags"] == []
    back = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "available"}).get_json()
    assert len(back["crew"]) == 2
    off = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "off_duty"})
    assert off.status_code == 200 and off.get_json()["crew"] == []
    again = dispatcher.post(f"/api/v1/units/{unit_id}/status", json={"status": "available"}).get_json()
    assert again["crew"] == [] and again["staffing_flags"] == ["no crew recorded"]
    with app.app_context():
        last = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "unit.crew").order_by(AuditEntry.id.desc())
        ).first()
        off_event = db.session.scalars(
            sa.select(Event)
            .where(Event.type == "unit.updated", Event.unit_id == unit_id)
            .where(Event.data["status"].as_string() == "off_duty")
        ).first()
    assert last.detail["why"] == "off duty" and len(last.detail["before"]) == 2 and last.detail["after"] == []
    assert off_event is not None and off_event.data["crew"] == []


def test_a_short_crew_is_a_reason_on_the_recommendation_and_keeps_its_rank(app, api):
    incident_id = make_incident(app)
    near = make_placed_unit(app, NEAR, call_sign="NEAR-1")
    api.as_role("dispatcher").put(f"/api/v1/units/{near}/crew", json={"crew": TEAM[1:]})
    farther = make_placed_unit(app, (NEAR[0] + 0.02, NEAR[1]), call_sign="FAR-1")
    api.as_role("dispatcher").put(f"/api/v1/units/{farther}/crew", json={"crew": TEAM})
    units = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}/recommendations").get_json()["units"]
    assert [u["unit_id"] for u in units] == [near, farther]
    assert "crew: 1 (fewer than two staff, no clinician)" in units[0]["reasons"]
    assert not [r for r in units[1]["reasons"] if r.startswith("crew")]
