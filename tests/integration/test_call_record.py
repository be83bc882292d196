"""The call record (CONTRACT "Calls (amended)"): when it was answered and saved, what the team
must match, the transfer, amendments."""

from __future__ import annotations

from datetime import datetime

from tests.support.triage_factories import MEDICAL_911, answers, call_body


def test_a_saved_call_says_when_it_was_saved_and_what_the_team_must_match(api):
    operator = api.as_role("operator")
    saved = operator.post("/api/v1/calls", json=call_body(answers(youth="yes", language="es")))
    assert saved.status_code == 201, saved.get_json()
    body = saved.get_json()
    assert datetime.fromisoformat(body["saved_at"]).utcoffset() is not None
    assert body["needs"] == {"youth": True, "language": "es"}
    assert body["transfer"] is None
    again = operator.get(f"/api/v1/calls/{body['id']}").get_json()
    assert (again["saved_at"], again["needs"]) == (body["saved_at"], body["needs"])


def test_a_911_call_has_no_transfer_until_one_is_recorded(api):
    body = api.as_role("operator").post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    assert body["disposition"] == "emergency_911"
    assert body["transfer"] is None and body["needs"] == {"youth": False, "language": None}
