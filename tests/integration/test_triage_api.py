"""The triage and calls API (CONTRACT.md "Triage" and "Calls")."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry, Event
from tests.support.triage_factories import (
    CO_RESPONSE,
    HIGH,
    MEDICAL_911,
    PHONE,
    POLICE_911,
    answers,
    call_body,
)

NUMBER = re.compile(r"^C-\d{4}-\d{6}$")


def audit_rows(app, **where):
    with app.app_context():
        statement = sa.select(AuditEntry)
        for name, value in where.items():
            statement = statement.where(getattr(AuditEntry, name) == value)
        return list(db.session.scalars(statement))


# --- questionnaires --------------------------------------------------------------------------


def test_the_active_questionnaire_is_the_cssrs_screener_by_default(api):
    body = api.as_role("operator").get("/api/v1/triage/questionnaire").get_json()
    assert (body["id"], body["version"]) == ("cssrs_screener_recent", 1)
    ids = [q["id"] for s in body["sections"] for q in s["questions"]]
    assert ids[:7] == ["cssrs_1", "cssrs_2", "cssrs_3", "cssrs_4", "cssrs_5", "cssrs_6", "cssrs_6_recent"]
    cssrs_3 = next(q for s in body["sections"] for q in s["questions"] if q["id"] == "cssrs_3")
    assert cssrs_3["show_if"] == {"question": "cssrs_2", "equals": "yes"}
    assert "Clario" in body["licence"]


def test_one_questionnaire_by_id_and_an_unknown_one_is_404(api):
    operator = api.as_role("operator")
    assert operator.get("/api/v1/triage/questionnaire?id=asq").get_json()["id"] == "asq"
    missing = operator.get("/api/v1/triage/questionnaire?id=asq&version=9")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_an_admin_chooses_the_active_questionnaire_and_it_is_audited(app, api):
    admin = api.as_role("admin")
    listed = admin.get("/api/v1/triage/questionnaires").get_json()
    assert {(q["id"], q["version"], q["active"]) for q in listed} >= {
        ("cssrs_screener_recent", 1, True),
        ("asq", 1, False),
    }
    chosen = admin.post("/api/v1/triage/questionnaires/active", json={"id": "asq", "version": 1})
    assert chosen.status_code == 200
    assert api.as_role("operator").get("/api/v1/triage/questionnaire").get_json()["id"] == "asq"
    assert [r.record_id for r in audit_rows(app, record_type="questionnaire", action="set_active")] == ["asq@1"]


def test_only_an_admin_chooses_and_only_a_known_questionnaire(api):
    assert (
        api.as_role("operator")
        .post("/api/v1/triage/questionnaires/active", json={"id": "asq", "version": 1})
        .status_code
        == 403
    )
    unknown = api.as_role("admin").post("/api/v1/triage/questionnaires/active", json={"id": "asq", "version": 7})
    assert unknown.status_code == 422 and set(unknown.get_json()["error"]["fields"]) == {"id", "version"}


def test_a_bad_questionnaire_file_stops_the_app_with_its_name(tmp_path, databases):
    from core.app import create_app
    from triage.service import CatalogueError

    (tmp_path / "broken.yaml").write_text("id: broken\nversion: 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"broken\.yaml.*'title' must be"):
        create_app({"SQLALCHEMY_DATABASE_URI": databases.main_url, "TRIAGE_QUESTIONNAIRE_DIR": str(tmp_path)})


# --- evaluate --------------------------------------------------------------------------------


def test_evaluate_answers_the_contract_shape_and_writes_nothing(app, api):
    before = audit_rows(app)
    body = api.as_role("dispatcher").post("/api/v1/triage/evaluate", json={"answers": HIGH}).get_json()
    assert body["risk_level"] == "high" and body["disposition"] == "mobile_team" and body["priority"] == "emergent"
    assert body["complete"] is True and "cssrs_3" in body["asked"] and "cssrs_6_recent" not in body["asked"]
    assert any("C-SSRS 4" in reason for reason in body["reasons"])
    assert len(audit_rows(app)) == len(before)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_a_half_done_screening_is_incomplete_and_never_phone(api):
    body = api.as_role("operator").post("/api/v1/triage/evaluate", json={"answers": {"cssrs_1": "yes"}}).get_json()
    assert body["risk_level"] == "incomplete" and body["complete"] is False
    assert body["disposition"] == "mobile_team" and "screening incomplete" in body["reasons"]


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"cssrs_9": "yes"}, "answers.cssrs_9"),  # unknown question id
        ({"cssrs_1": "maybe"}, "answers.cssrs_1"),  # bad answer value
        ({"cssrs_1": "unknown"}, "answers.cssrs_1"),  # unknown is not an option of a C-SSRS question
        ({"cssrs_2": "no", "cssrs_3": "yes"}, "answers.cssrs_3"),  # answer to a question not shown
        ({"weapon_present": "no", "weapon_intent": "yes"}, "answers.weapon_intent"),
        ({"language": "Klingon"}, "answers.language"),
        ({"cssrs_1": True}, "answers.cssrs_1"),  # not a text value
    ],
)
def test_bad_answers_are_422_with_the_field_named(api, given, field):
    operator = api.as_role("operator")
    for path, body in (("/api/v1/triage/evaluate", {"answers": given}), ("/api/v1/calls", call_body(given))):
        response = operator.post(path, json=body)
        assert response.status_code == 422, path
        assert field in response.get_json()["error"]["fields"], path


def test_evaluate_roles(client, api):
    assert client.post("/api/v1/triage/evaluate", json={"answers": {}}).status_code == 401
    assert api.as_role("field").post("/api/v1/triage/evaluate", json={"answers": {}}).status_code == 403
    for role in ("operator", "dispatcher", "supervisor", "admin"):
        assert api.as_role(role).post("/api/v1/triage/evaluate", json={"answers": {}}).status_code == 200


# --- calls -----------------------------------------------------------------------------------


def test_a_call_is_numbered_saved_with_its_questionnaire_and_audited(app, api):
    response = api.as_role("operator").post("/api/v1/calls", json=call_body(PHONE, narrative="worried friend"))
    assert response.status_code == 201
    call = response.get_json()
    assert NUMBER.match(call["number"])
    assert call["disposition"] == "phone" and call["priority"] is None and call["incident_id"] is None
    assert call["triage"]["risk_level"] == "low" and call["questionnaire"] == {
        "id": "cssrs_screener_recent",
        "version": 1,
    }
    assert call["answers"] == PHONE and call["narrative"] == "worried friend"
    created = audit_rows(app, record_type="call", action="create")
    assert [r.record_id for r in created] == [str(call["id"])]
    with app.app_context():
        events = list(db.session.scalars(sa.select(Event).where(Event.type == "call.created")))
    assert [e.data["number"] for e in events] == [call["number"]]


def test_call_numbers_rise_and_are_unique(api):
    operator = api.as_role("operator")
    numbers = [operator.post("/api/v1/calls", json=call_body()).get_json()["number"] for _ in range(3)]
    sequence = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert len(set(numbers)) == 3 and sequence == sorted(sequence) and sequence[2] - sequence[0] == 2


def test_an_address_that_cannot_be_found_still_saves_the_call(api):
    call = api.as_role("operator").post("/api/v1/calls", json=call_body()).get_json()
    assert call["location"]["resolved"] is False and call["location"]["address"] == "nowhere street 999, atlantis"
    typed = api.as_role("operator").post("/api/v1/calls", json=call_body(location={"lat": 44.48, "lon": -73.21}))
    assert typed.status_code == 201 and typed.get_json()["location"]["resolved"] is True


def test_the_same_idempotency_key_returns_the_first_call(app, api):
    operator = api.as_role("operator")
    first = operator.post("/api/v1/calls", json=call_body(), headers={"Idempotency-Key": "form-1"})
    again = operator.post("/api/v1/calls", json=call_body(), headers={"Idempotency-Key": "form-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert len(audit_rows(app, record_type="call", action="create")) == 1


def test_a_refused_request_does_not_use_the_key(api):
    operator = api.as_role("operator")
    refused = operator.post("/api/v1/calls", json=call_body({"cssrs_9": "yes"}), headers={"Idempotency-Key": "form-2"})
    assert refused.status_code == 422
    saved = operator.post("/api/v1/calls", json=call_body(), headers={"Idempotency-Key": "form-2"})
    assert saved.status_code == 201


def test_idempotency_keys_are_scoped_per_user(api):
    one, two = api.as_role("operator"), api.as_role("operator")
    a = one.post("/api/v1/calls", json=call_body(), headers={"Idempotency-Key": "same"}).get_json()
    b = two.post("/api/v1/calls", json=call_body(), headers={"Idempotency-Key": "same"})
    assert b.status_code == 201 and b.get_json()["id"] != a["id"]


def test_an_override_needs_a_reason(api):
    operator = api.as_role("operator")
    for override in ({"disposition": "mobile_team"}, {"disposition": "mobile_team", "reason": "  "}):
        response = operator.post("/api/v1/calls", json=call_body(PHONE, override=override))
        assert response.status_code == 422
        assert "override.reason" in response.get_json()["error"]["fields"]


def test_routine_priority_only_by_an_override_with_a_reason_keeping_both_values(api):
    operator = api.as_role("operator")
    overridden = {"disposition": "mobile_team", "priority": "routine", "reason": "planned visit tomorrow"}
    response = operator.post("/api/v1/calls", json=call_body(PHONE, override=overridden))
    call = response.get_json()
    assert response.status_code == 201
    assert (call["disposition"], call["priority"]) == ("mobile_team", "routine")
    assert call["computed"] == {"disposition": "phone", "priority": None}
    assert call["override"] == {"reason": "planned visit tomorrow"}


def test_a_phone_call_cannot_carry_a_priority(api):
    response = api.as_role("operator").post(
        "/api/v1/calls", json=call_body(PHONE, override={"priority": "routine", "reason": "x"})
    )
    assert response.status_code == 422 and "override.priority" in response.get_json()["error"]["fields"]


def test_an_override_to_phone_keeps_the_computed_values(api):
    override = {"disposition": "phone", "reason": "caller safe with family, agreed plan"}
    call = api.as_role("operator").post("/api/v1/calls", json=call_body(HIGH, override=override)).get_json()
    assert (call["disposition"], call["priority"], call["incident_id"]) == ("phone", None, None)
    assert call["computed"] == {"disposition": "mobile_team", "priority": "emergent"}


@pytest.mark.parametrize(
    ("answer_set", "instruction"),
    [
        (MEDICAL_911, "Transfer to 911 now — medical emergency"),
        (POLICE_911, "Transfer to 911 now — police-led: violence or weapon"),
    ],
)
def test_911_stores_and_returns_the_transfer_instruction_and_opens_no_incident(app, api, answer_set, instruction):
    call = api.as_role("operator").post("/api/v1/calls", json=call_body(answer_set)).get_json()
    assert call["disposition"] == "emergency_911" and call["priority"] == "emergent"
    assert call["transfer_instruction"] == instruction and call["incident_id"] is None
    recorded = audit_rows(app, record_type="call", action="transfer_911")
    assert [r.detail["instruction"] for r in recorded] == [instruction]


@pytest.mark.parametrize(
    ("answer_set", "disposition", "priority"),
    [(HIGH, "mobile_team", "emergent"), (CO_RESPONSE, "co_response", "urgent")],
)
def test_a_team_disposition_opens_a_pending_incident(api, answer_set, disposition, priority):
    operator = api.as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(answer_set)).get_json()
    assert (call["disposition"], call["priority"]) == (disposition, priority)
    assert call["incident_id"] is not None
    incident = api.as_role("dispatcher").get(f"/api/v1/incidents/{call['incident_id']}")
    if incident.status_code != 404:  # the incident API is the dispatch area's
        assert incident.get_json()["status"] == "pending"
    assert operator.get(f"/api/v1/calls/{call['id']}").get_json()["incident_id"] == call["incident_id"]


def test_an_override_to_a_team_opens_an_incident_and_to_phone_does_not(api):
    operator = api.as_role("operator")
    to_team = {"disposition": "mobile_team", "reason": "caller asks for a visit"}
    assert operator.post("/api/v1/calls", json=call_body(PHONE, override=to_team)).get_json()["incident_id"] is not None
    to_phone = {"disposition": "phone", "reason": "resolved on the line"}
    assert operator.post("/api/v1/calls", json=call_body(HIGH, override=to_phone)).get_json()["incident_id"] is None


def test_viewing_a_call_is_audited(app, api):
    call = api.as_role("operator").post("/api/v1/calls", json=call_body()).get_json()
    supervisor = api.as_role("supervisor")
    viewed = supervisor.get(f"/api/v1/calls/{call['id']}")
    assert viewed.status_code == 200 and viewed.get_json()["number"] == call["number"]
    views = audit_rows(app, record_type="call", action="view")
    assert [(r.record_id, r.actor != "system") for r in views] == [(str(call["id"]), True)]
    assert supervisor.get("/api/v1/calls/999999").status_code == 404


def test_calls_list_newest_first_with_status_and_limit(app, api):
    operator = api.as_role("operator")
    ids = [operator.post("/api/v1/calls", json=call_body()).get_json()["id"] for _ in range(3)]
    listed = operator.get("/api/v1/calls?status=open&limit=2").get_json()
    assert [c["id"] for c in listed] == [ids[2], ids[1]]
    assert operator.get("/api/v1/calls?status=closed").get_json() == []
    assert operator.get("/api/v1/calls?limit=501").status_code == 422
    assert operator.get("/api/v1/calls?status=lost").status_code == 422
    assert audit_rows(app, record_type="call", action="list")[0].detail["call_ids"] == [ids[2], ids[1]]


def test_call_roles(client, api):
    assert client.post("/api/v1/calls", json=call_body()).status_code == 401
    assert client.get("/api/v1/calls").status_code == 401
    for role in ("dispatcher", "supervisor", "field"):
        assert api.as_role(role).post("/api/v1/calls", json=call_body()).status_code == 403, role
    call = api.as_role("admin").post("/api/v1/calls", json=call_body())
    assert call.status_code == 201
    field = api.as_role("field")
    assert field.get("/api/v1/calls").status_code == 403
    assert field.get(f"/api/v1/calls/{call.get_json()['id']}").status_code == 403


def test_the_operator_page_is_for_operators_admins_and_dispatchers(app, api):
    for role, status in (("operator", 200), ("admin", 200), ("dispatcher", 200), ("field", 403), ("supervisor", 403)):
        assert api.as_role(role).get("/operator").status_code == status, role
    assert app.test_client().get("/operator").status_code == 302


def test_unknown_fields_and_bad_coordinates_are_422(api):
    operator = api.as_role("operator")
    extra = operator.post("/api/v1/calls", json=call_body(colour="red"))
    assert extra.status_code == 422 and "colour" in extra.get_json()["error"]["fields"]
    off_map = operator.post("/api/v1/calls", json=call_body(location={"lat": 123.0, "lon": 0.0}))
    assert off_map.status_code == 422 and "location.lat" in off_map.get_json()["error"]["fields"]


def test_unknown_safety_answers_are_flags_on_the_call(api):
    call = api.as_role("operator").post(
        "/api/v1/calls", json=call_body(answers(cssrs_1="yes", weapon_present="unknown"))
    )
    body = call.get_json()
    assert body["triage"]["flags"] == ["weapon status unknown"] and "Weapon status unknown" in body["triage"]["reasons"]
