"""Hardening of input (issue 11, items 4, 9, 11, 14): control characters refused by field (stripped
from Twilio's webhooks), deeply nested bodies refused before parsing, call signs that cannot read as
markup, no caching of answers, a CSP without foreign websockets, webhook fields bounded to their
columns. Run on PostgreSQL too (TEST_DATABASE_URL): a NUL and an overlong column were 500s there."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from dispatch.models import Incident, IncidentMove
from notifications.links import make_field_token
from notifications.models import InboundMessage, OutboundMessage
from tests.support.dispatch_factories import make_incident
from tests.support.sms_factories import assigned_incident, inbound_form, signed_post

CALL = {
    "answers": {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "no"},
    "location": {"lat": 44.48, "lon": -73.21},
}
CONTROLS = ["\u0000", "\u0001", "\u001b", "\u001f"]


def _fields(answer):
    assert answer.status_code == 422, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["error"]["code"] == "validation_failed"
    return body["error"]["fields"]


@pytest.mark.parametrize("char", CONTROLS)
def test_a_crisis_call_with_a_control_character_is_refused_by_field_and_not_saved(api, char):
    operator = api.as_role("operator")
    body = {**CALL, "narrative": f"a{char}b", "caller": {"name": f"Sam{char}"}}
    assert set(_fields(operator.post("/api/v1/calls", json=body))) == {"narrative", "caller.name"}
    override = {**CALL, "override": {"priority": "urgent", "reason": f"x{char}"}}
    assert set(_fields(operator.post("/api/v1/calls", json=override))) == {"override.reason"}
    keyed = operator.post("/api/v1/calls", json=CALL, headers={"Idempotency-Key": f"k{char}"})
    assert set(_fields(keyed)) == {"Idempotency-Key"}
    assert operator.get("/api/v1/calls").get_json() == []


def test_free_text_keeps_its_lines_and_tabs(api):
    operator = api.as_role("operator")
    made = operator.post("/api/v1/calls", json={**CALL, "narrative": "first line\r\nsecond\tline"})
    assert made.status_code == 201
    assert made.get_json()["narrative"] == "first line\r\nsecond\tline"


def test_a_line_break_in_a_query_or_a_header_is_refused(api):
    admin = api.as_role("admin")
    assert "record_type" in _fields(admin.get("/api/v1/audit?record_type=call%0A"))
    keyed = api.as_role("operator").post("/api/v1/calls", json=CALL, headers={"Idempotency-Key": "k\tk"})
    assert "Idempotency-Key" in _fields(keyed)


def test_a_control_character_in_a_field_name_is_refused(api):
    answer = api.as_role("operator").post("/api/v1/calls", json={**CALL, "answers": {"cssrs\u0001": "yes"}})
    assert "answers.cssrs\u0001" in _fields(answer)


@pytest.mark.parametrize("char", ["\u0000", "\u0007"])
def test_cancel_reason_audit_query_and_sign_in_name_are_refused_not_server_errors(app, api, char):
    incident_id = make_incident(app)
    dispatcher = api.as_role("dispatcher")
    answer = dispatcher.post(f"/api/v1/incidents/{incident_id}/cancel", json={"reason": f"dup{char}"})
    assert set(_fields(answer)) == {"reason"}
    assert dispatcher.get(f"/api/v1/incidents/{incident_id}").get_json()["status"] == "pending"
    assert "actor" in _fields(api.as_role("admin").get(f"/api/v1/audit?actor=x{char}"))
    login = api.client.post("/api/v1/auth/login", json={"username": f"dispatch{char}", "password": "x"})
    assert set(_fields(login)) == {"username"}


def test_the_sign_in_form_refuses_a_control_character_with_a_page_naming_the_field(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    page = client.post("/login", data={"username": "dispatch\u0000", "password": "x"})
    assert page.status_code == 422 and page.mimetype == "text/html"
    assert b"username" in page.data


def test_the_field_page_refuses_a_control_character_in_a_decline_reason(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    incident_id, unit_id = assigned_incident(app)
    token = make_field_token(secret_key=app.config["SECRET_KEY"], incident_id=incident_id, unit_id=unit_id)
    page = client.post(f"/field/{token}/decline", data={"reason": "car\u0000broke"})
    assert page.status_code == 422 and b"reason" in page.data
    with app.app_context():
        assert db.session.get(Incident, incident_id).unit_id == unit_id  # still assigned
    kept = client.post(f"/field/{token}/decline", data={"reason": "car broke\ndown"})
    assert kept.status_code == 200
    with app.app_context():
        assert db.session.get(Incident, incident_id).unit_id is None


def test_the_sms_simulator_refuses_a_control_character(app, api):
    app.config["WTF_CSRF_ENABLED"] = False
    dispatcher = api.as_role("dispatcher")
    page = dispatcher.post("/sms/simulate", data={"phone": "+18025550121", "body": "1\u0000"})
    assert page.status_code == 422 and b"body" in page.data
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InboundMessage.id))) == 0


PHONE = "+18025550121"


def test_a_team_text_with_control_characters_is_kept_without_them(app, client):
    incident_id, _ = assigned_incident(app, phones=[PHONE])
    answer = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "1\u0000\u0007 on it\nnow"))
    assert answer.status_code == 200
    with app.app_context():
        row = db.session.scalars(sa.select(InboundMessage)).one()
        assert row.body == "1 on it\nnow"
        assert db.session.get(Incident, incident_id).status == "acknowledged"


def test_webhook_fields_longer_than_their_columns_are_refused_and_nothing_kept(app, client):
    assigned_incident(app, phones=[PHONE])
    long_sid = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "1", sid="SM" + "a" * 100))
    assert long_sid.status_code == 400
    long_from = signed_post(client, app, "/sms/inbound", inbound_form("+1" + "8" * 60, "1"))
    assert long_from.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InboundMessage.id))) == 0
        acknowledged = sa.select(sa.func.count(IncidentMove.id)).where(IncidentMove.to_status == "acknowledged")
        assert db.session.scalar(acknowledged) == 0
    status = signed_post(client, app, "/sms/status", {"MessageSid": "SM" + "b" * 100, "MessageStatus": "delivered"})
    assert status.status_code == 400


def test_a_status_callback_with_odd_numbers_is_not_a_server_error(app, client):
    with app.app_context():
        row = OutboundMessage(to=PHONE, body="hi", status="sent", provider_sid="SModd")
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    form = {"MessageSid": "SModd", "MessageStatus": "failed", "ErrorCode": "9" * 30}
    assert signed_post(client, app, "/sms/status?outbox=99999999999", form).status_code == 204
    assert signed_post(client, app, "/sms/status?outbox=\u00b2", form).status_code == 204
    with app.app_context():
        row = db.session.get(OutboundMessage, row_id)
        assert (row.status, row.error_code) == ("failed", None)


@pytest.mark.parametrize("levels", [3_000, 100_000])
def test_a_deeply_nested_body_is_refused_with_the_error_body(api, levels):
    operator = api.as_role("operator")
    body = '{"narrative": "x", "answers": ' + "[" * levels + "]" * levels + "}"
    answer = operator.post("/api/v1/calls", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "body_too_deep"
    assert operator.get("/api/v1/calls").get_json() == []


def test_brackets_inside_strings_do_not_count_as_depth(api):
    narrative = "[{" * 200 + '\\"' + "]}" * 200
    body = '{"answers": {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "no"}, "narrative": "' + narrative + '"}'
    answer = api.as_role("operator").post("/api/v1/calls", data=body, content_type="application/json")
    assert answer.status_code == 201, answer.get_data(as_text=True)


@pytest.mark.parametrize("call_sign", ["<img src=x onerror=alert(1)>", "MCT\u00001", "a&b", " MCT"])
def test_a_call_sign_must_be_letters_digits_spaces_dashes_and_slashes(api, call_sign):
    admin = api.as_role("admin")
    unit = {"call_sign": call_sign, "phones": [PHONE], "home": {"lat": 44.48, "lon": -73.21}}
    assert "call_sign" in _fields(admin.post("/api/v1/units", json=unit))
    assert admin.post("/api/v1/units", json={**unit, "call_sign": "North 2/B-7"}).status_code == 201


def test_answers_and_pages_are_not_cached_but_static_files_may_be(api, client):
    assert api.as_role("dispatcher").get("/api/v1/units").headers["Cache-Control"] == "no-store"
    answer = api.as_role("dispatcher").get("/api/v1/units")
    assert answer.headers["Pragma"] == "no-cache"
    assert client.get("/api/v1/incidents").headers["Cache-Control"] == "no-store"  # a 401 too
    page = api.as_role("dispatcher").get("/dispatch")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    asset = client.get("/static/lib/dom.js")
    asset.close()
    assert asset.status_code == 200 and "no-store" not in asset.headers.get("Cache-Control", "")


def test_the_csp_allows_websockets_only_to_this_site(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    connect = next(part.strip() for part in policy.split(";") if part.strip().startswith("connect-src"))
    assert connect == "connect-src 'self'"


def test_a_deeply_nested_position_from_the_field_page_is_refused(app, client):
    app.config["WTF_CSRF_ENABLED"] = False
    incident_id, unit_id = assigned_incident(app)
    token = make_field_token(secret_key=app.config["SECRET_KEY"], incident_id=incident_id, unit_id=unit_id)
    body = '{"lat": 44.48, "lon": -73.21, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = client.post(f"/field/{token}/position", data=body, content_type="application/json")
    assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "validation_failed"
    assert client.post(f"/field/{token}/position", json={"lat": 44.48, "lon": -73.21}).status_code == 200


def test_a_deeply_nested_sign_in_is_refused_and_the_rate_limiter_logs_no_failure(client, caplog):
    body = "[" * 5000 + "]" * 5000
    with caplog.at_level("ERROR"):
        answer = client.post("/api/v1/auth/login", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert [r for r in caplog.records if r.levelname == "ERROR"] == []
