"""The call record (CONTRACT "Calls (amended)"): when it was answered and saved, what the team
must match, the transfer, amendments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

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


# --- language by name ------------------------------------------------------------------------


def test_every_role_reads_the_languages_by_name_for_the_operator_page(api):
    for role in ("operator", "dispatcher", "supervisor", "field", "admin"):
        listed = api.as_role(role).get("/api/v1/languages?limit=500")
        assert listed.status_code == 200, role
    languages = listed.get_json()
    spanish = next(language for language in languages if language["code"] == "es")
    assert (spanish["name"], spanish["native"]) == ("Spanish", "español")
    assert len(languages) >= 40 and len({language["code"] for language in languages}) == len(languages)
    assert len(api.as_role("operator").get("/api/v1/languages?limit=3").get_json()) == 3
    assert len(api.as_role("operator").get("/api/v1/languages").get_json()) == 50  # the lists' default


def test_the_languages_need_a_signed_in_user(client):
    assert client.get("/api/v1/languages").status_code == 401


def test_a_language_given_by_name_is_stored_as_its_code_and_reaches_the_incident(api):
    operator = api.as_role("operator")
    body = call_body(answers(cssrs_1="yes", needs_in_person="yes", youth="yes", language="Español"))
    saved = operator.post("/api/v1/calls", json=body).get_json()
    assert saved["answers"]["language"] == "es" and saved["needs"]["language"] == "es"
    incident = api.as_role("dispatcher").get(f"/api/v1/incidents/{saved['incident_id']}").get_json()
    assert incident["needs"] == {"youth": True, "language": "es"}
    preview = operator.post("/api/v1/triage/evaluate", json={"answers": {"language": "Spanish"}}).get_json()
    assert preview["needs"]["language"] == "es"


def test_an_unknown_language_is_refused_naming_the_field(api):
    refused = api.as_role("operator").post("/api/v1/calls", json=call_body(answers(language="Klingon")))
    assert refused.status_code == 422
    assert "answers.language" in refused.get_json()["error"]["fields"]


# --- answered_at -----------------------------------------------------------------------------


def test_received_at_is_when_the_operator_answered_and_saved_at_when_it_was_saved(app, api):
    operator = api.as_role("operator")
    answered = datetime.now(UTC) - timedelta(minutes=7)
    saved = operator.post("/api/v1/calls", json=call_body(answered_at=answered.isoformat()))
    assert saved.status_code == 201, saved.get_json()
    body = saved.get_json()
    assert datetime.fromisoformat(body["received_at"]) == answered
    assert datetime.fromisoformat(body["saved_at"]) - answered >= timedelta(minutes=7)
    listed = operator.get("/api/v1/calls?limit=1").get_json()
    assert listed[0]["received_at"] == body["received_at"]


def test_without_answered_at_the_call_is_received_at_the_time_of_the_request(api):
    before = datetime.now(UTC)
    body = api.as_role("operator").post("/api/v1/calls", json=call_body()).get_json()
    received, saved = datetime.fromisoformat(body["received_at"]), datetime.fromisoformat(body["saved_at"])
    assert before <= received <= saved <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("answered_at", "problem"),
    [
        (lambda now: (now + timedelta(minutes=5)).isoformat(), "in the future"),
        (lambda now: (now - timedelta(hours=25)).isoformat(), "more than 24 hours ago"),
        (lambda now: now.replace(tzinfo=None).isoformat(), "offset"),
        (lambda now: "yesterday", "datetime"),
    ],
)
def test_an_answered_at_in_the_future_or_over_a_day_ago_is_refused(api, answered_at, problem):
    operator = api.as_role("operator")
    refused = operator.post("/api/v1/calls", json=call_body(answered_at=answered_at(datetime.now(UTC))))
    assert refused.status_code == 422
    assert problem in refused.get_json()["error"]["fields"]["answered_at"]
    assert operator.get("/api/v1/calls").get_json() == []


# --- empty calls -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"caller": {}, "location": {}, "answers": {}},
        {
            "caller": {"phone": " ", "name": ""},
            "location": {"address": "  "},
            "answers": {"cssrs_1": ""},
            "narrative": " ",
        },
    ],
)
def test_an_empty_call_is_refused_and_opens_no_incident(api, body):
    operator = api.as_role("operator")
    refused = operator.post("/api/v1/calls", json=body)
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "empty_call"
    assert operator.get("/api/v1/calls").get_json() == []
    assert api.as_role("dispatcher").get("/api/v1/incidents").get_json() == []


@pytest.mark.parametrize(
    "body",
    [
        {"narrative": "hung up after ten seconds"},
        {"caller": {"phone": "802-555-0100"}},
        {"caller": {"name": "Sam"}},
        {"location": {"lat": 44.4759, "lon": -73.2121}},
        {"answers": {"cssrs_1": "yes"}},
    ],
)
def test_one_thing_known_is_enough_to_save_a_call(api, body):
    assert api.as_role("operator").post("/api/v1/calls", json=body).status_code == 201


# --- caller numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["(802) 555-0100", "802-555-0100", "+18025550100"])
def test_the_caller_number_is_stored_in_e164(api, written):
    body = api.as_role("operator").post("/api/v1/calls", json=call_body(caller={"phone": written})).get_json()
    assert body["caller"]["phone"] == "+18025550100"


def test_a_caller_number_that_cannot_be_read_is_refused_on_its_field(api):
    operator = api.as_role("operator")
    refused = operator.post("/api/v1/calls", json=call_body(caller={"phone": "call me back"}))
    assert refused.status_code == 422
    said = refused.get_json()["error"]
    words = '"call me back" is not a phone number we can call back: use 10 digits, e.g. (802) 555-0100'
    assert said["fields"]["caller.phone"] == words and said["message"] == words + "."
    assert "string supplied" not in str(said)  # never the library's own words
    assert operator.get("/api/v1/calls").get_json() == []
