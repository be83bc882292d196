"""Correcting a saved call (CONTRACT "Calls (amended)": PATCH /api/v1/calls/<id>): a reason each
time, the values replaced kept, the answers never rewritten; the incident follows."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry, Event
from tests.support.triage_factories import HIGH, PHONE, answers, call_body

PLACE = {"address": "behind the library", "lat": 44.4759, "lon": -73.2121}


def saved(operator, answer_set=HIGH, **fields):
    answer = operator.post("/api/v1/calls", json=call_body(answer_set, **fields))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def events(app, type_):
    with app.app_context():
        return [e.data for e in db.session.scalars(sa.select(Event).where(Event.type == type_).order_by(Event.id))]


def test_a_correction_keeps_what_it_replaced_and_never_rewrites_the_answers(app, api):
    operator = api.as_role("operator")
    call = saved(operator, caller={"phone": "802-555-0100", "name": "Sam"}, narrative="pacing, upset")
    fixed = api.as_role("dispatcher").patch(
        f"/api/v1/calls/{call['id']}",
        json={
            "caller": {"phone": "(802) 555-0199"},
            "narrative": "pacing, upset; sister on the line",
            "reason": "misheard",
        },
    )
    assert fixed.status_code == 200, fixed.get_json()
    body = fixed.get_json()
    assert body["caller"] == {"phone": "+18025550199", "name": "Sam", "relation": None}
    assert body["narrative"] == "pacing, upset; sister on the line"
    assert body["answers"] == call["answers"] and body["triage"] == call["triage"]
    (amendment,) = body["amendments"]
    assert amendment["reason"] == "misheard"
    assert amendment["changes"] == {
        "caller.phone": {"from": "+18025550100", "to": "+18025550199"},
        "narrative": {"from": "pacing, upset", "to": "pacing, upset; sister on the line"},
    }
    assert operator.get(f"/api/v1/calls/{call['id']}").get_json()["amendments"] == [amendment]
    with app.app_context():
        (entry,) = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "amend")).all()
        assert entry.record_id == str(call["id"]) and entry.detail["changes"] == amendment["changes"]
    assert [e["caller"]["phone"] for e in events(app, "call.updated")] == ["+18025550199"]
    incident = [e for e in events(app, "incident.updated") if e["id"] == call["incident_id"]][-1]
    assert incident["caller_phone"] == "+18025550199" and incident["narrative"].endswith("sister on the line")


def test_a_new_location_is_geocoded_and_moves_the_incident(app, api):
    operator = api.as_role("operator")
    call = saved(operator)
    assert call["location"]["resolved"] is False
    moved = operator.patch(f"/api/v1/calls/{call['id']}", json={"location": PLACE, "reason": "caller gave the place"})
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["location"].items() >= {**PLACE, "source": "typed", "resolved": True}.items()
    incident = api.as_role("dispatcher").get(f"/api/v1/incidents/{call['incident_id']}").get_json()
    assert (incident["location"]["lat"], incident["location"]["lon"], incident["location"]["resolved"]) == (
        PLACE["lat"],
        PLACE["lon"],
        True,
    )
    changes = moved.get_json()["amendments"][0]["changes"]
    assert changes["location.address"] == {"from": "nowhere street 999, atlantis", "to": "behind the library"}


def test_an_address_that_cannot_be_found_does_not_move_an_open_incident(api):
    operator = api.as_role("operator")
    call = saved(operator, location=PLACE)
    refused = operator.patch(
        f"/api/v1/calls/{call['id']}", json={"location": {"address": "somewhere nice"}, "reason": "caller moved"}
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "address_not_found"
    assert operator.get(f"/api/v1/calls/{call['id']}").get_json()["location"]["lat"] == PLACE["lat"]


def test_a_call_without_incident_keeps_an_unresolved_address_as_words(api):
    operator = api.as_role("operator")
    call = saved(operator, PHONE)
    fixed = operator.patch(
        f"/api/v1/calls/{call['id']}", json={"location": {"address": "the blue house"}, "reason": "for the record"}
    )
    assert fixed.status_code == 200
    assert fixed.get_json()["location"]["address"] == "the blue house"


def test_new_needs_change_the_incident_and_its_recommendations(app, api):
    from tests.support.dispatch_factories import make_placed_unit

    operator = api.as_role("operator")
    call = saved(operator, location=PLACE)
    english = make_placed_unit(app, (PLACE["lat"] + 0.001, PLACE["lon"]), call_sign="EN-1", languages=["en"])
    spanish = make_placed_unit(app, (PLACE["lat"] + 0.0012, PLACE["lon"]), call_sign="ES-1", languages=["en", "es"])
    dispatcher = api.as_role("dispatcher")
    before = dispatcher.get(f"/api/v1/incidents/{call['incident_id']}/recommendations").get_json()["units"]
    assert before[0]["unit_id"] == english
    needs = {"needs": {"language": "Spanish", "youth": True}, "reason": "heard at the end"}
    fixed = dispatcher.patch(f"/api/v1/calls/{call['id']}", json=needs)
    assert fixed.get_json()["needs"] == {"youth": True, "language": "es"}
    incident = dispatcher.get(f"/api/v1/incidents/{call['incident_id']}").get_json()
    assert incident["needs"] == {"youth": True, "language": "es"}
    after = dispatcher.get(f"/api/v1/incidents/{call['incident_id']}/recommendations").get_json()["units"]
    assert after[0]["unit_id"] == spanish and after[0]["matches"]["language"] is True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"narrative": "x"}, "reason"),
        ({"narrative": "x", "reason": "  "}, "reason"),
        ({"reason": "nothing else"}, "body"),
        ({"caller": {}, "reason": "empty caller"}, "body"),
        ({"answers": {"cssrs_1": "no"}, "reason": "rewrite"}, "answers"),
        ({"caller": {"phone": "call me"}, "reason": "typo"}, "caller.phone"),
        ({"needs": {"language": "Klingon"}, "reason": "typo"}, "needs.language"),
    ],
)
def test_a_correction_without_reason_or_change_or_with_bad_values_is_refused(api, body, field):
    operator = api.as_role("operator")
    call = saved(operator)
    refused = operator.patch(f"/api/v1/calls/{call['id']}", json=body)
    assert refused.status_code == 422
    assert field in refused.get_json()["error"]["fields"]
    assert operator.get(f"/api/v1/calls/{call['id']}").get_json()["amendments"] == []


def test_the_same_values_again_store_no_amendment(api):
    operator = api.as_role("operator")
    call = saved(operator, narrative="quiet")
    same = operator.patch(f"/api/v1/calls/{call['id']}", json={"narrative": "quiet", "reason": "double save"})
    assert same.status_code == 200 and same.get_json()["amendments"] == []


def test_who_may_correct_a_call(api):
    call = saved(api.as_role("operator"), answers(cssrs_1="yes"))
    for role, status in (("supervisor", 200), ("field", 403)):
        answer = api.as_role(role).patch(f"/api/v1/calls/{call['id']}", json={"narrative": role, "reason": "test"})
        assert answer.status_code == status, role
    missing = api.as_role("operator").patch("/api/v1/calls/999999", json={"narrative": "x", "reason": "y"})
    assert missing.status_code == 404
