"""Twilio webhooks: signatures, reply codes acting through the dispatch service, delivery status,
and the messages API (CONTRACT.md "SMS (Twilio webhooks)", "Messages")."""

from __future__ import annotations

import sqlalchemy as sa

from alerts.models import Alert
from core.extensions import db
from core.models import Event
from dispatch.models import Incident, IncidentMove, Unit
from notifications.models import InboundMessage, OptOut, OutboundMessage
from notifications.webhooks import sign, webhook_token
from tests.support.sms_factories import assigned_incident, inbound_form, signed_post

PHONE = "+18025550121"


def incident(app, incident_id) -> Incident:
    with app.app_context():
        row = db.session.get(Incident, incident_id)
        db.session.expunge(row)
        return row


def test_a_signed_1_acknowledges_and_the_reply_says_so_in_words(app, client):
    incident_id, unit_id = assigned_incident(app, phones=[PHONE])
    response = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "1"))
    assert response.status_code == 200 and response.mimetype == "application/xml"
    found = incident(app, incident_id)
    assert found.status == "acknowledged"
    with app.app_context():
        call_sign = db.session.get(Unit, unit_id).call_sign
    assert f"<Message>{call_sign} acknowledged {found.number}" in response.get_data(as_text=True)


def test_tampered_body_wrong_url_and_missing_signature_are_403_and_change_nothing(app, client):
    incident_id, _ = assigned_incident(app, phones=[PHONE])
    form = inbound_form(PHONE, "1")
    token = webhook_token(app.config)
    good = sign("http://localhost/sms/inbound", form, token)
    tampered = dict(form, Body="9 no")
    assert client.post("/sms/inbound", data=tampered, headers={"X-Twilio-Signature": good}).status_code == 403
    wrong_url = sign("http://evil.example/sms/inbound", form, token)
    assert client.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": wrong_url}).status_code == 403
    assert client.post("/sms/inbound", data=form).status_code == 403
    assert client.post("/sms/status", data={"MessageSid": "SMx", "MessageStatus": "failed"}).status_code == 403
    assert incident(app, incident_id).status == "dispatched"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InboundMessage.id))) == 0


def test_behind_a_proxy_the_public_url_is_what_counts(app, client):
    incident_id, _ = assigned_incident(app, phones=[PHONE])
    form = inbound_form(PHONE, "ACK")
    signature = sign("http://localhost/sms/inbound", form, webhook_token(app.config))
    response = client.post(
        "/sms/inbound", data=form, headers={"X-Twilio-Signature": signature}, base_url="http://10.0.0.7:8000"
    )
    assert response.status_code == 200 and incident(app, incident_id).status == "acknowledged"


def test_a_repeated_message_sid_acts_once(app, client):
    incident_id, _ = assigned_incident(app, phones=[PHONE])
    form = inbound_form(PHONE, "2")
    first = signed_post(client, app, "/sms/inbound", form)
    again = signed_post(client, app, "/sms/inbound", form)
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data()
    with app.app_context():
        moves = db.session.scalars(sa.select(IncidentMove.to_status).where(IncidentMove.incident_id == incident_id))
        assert list(moves).count("en_route") == 1
        assert db.session.scalar(sa.select(sa.func.count(InboundMessage.id))) == 1


def test_an_unknown_number_learns_nothing(app, client):
    incident_id, _ = assigned_incident(app, phones=[PHONE])
    number = incident(app, incident_id).number
    response = signed_post(client, app, "/sms/inbound", inbound_form("+18025559999", "STATUS"))
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "not registered" in text and number not in text


def test_stop_is_an_opt_out_and_gets_no_answer(app, client):
    assigned_incident(app, phones=[PHONE])
    response = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "STOP"))
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(OptOut, PHONE) is not None


def test_decline_returns_the_incident_to_the_queue_without_a_stand_down(app, client):
    incident_id, unit_id = assigned_incident(app, phones=[PHONE])
    response = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "9 flat tire"))
    assert "declined" in response.get_data(as_text=True)
    assert incident(app, incident_id).status == "pending"
    with app.app_context():
        assert db.session.get(Unit, unit_id).status == "available"
        kinds = db.session.scalars(sa.select(OutboundMessage.kind).where(OutboundMessage.unit_id == unit_id)).all()
        assert kinds == ["dispatch"]


def test_sos_raises_a_critical_duress_alert_for_the_supervisor(app, client):
    incident_id, unit_id = assigned_incident(app, phones=[PHONE])
    response = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "SOS"))
    assert "Dispatcher alerted" in response.get_data(as_text=True)
    with app.app_context():
        alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "duress")).one()
        assert (alert.severity, alert.audience, alert.unit_id, alert.incident_id) == (
            "critical", "supervisor", unit_id, incident_id)  # fmt: skip


def test_clear_by_sms_with_an_outcome_and_a_wrong_outcome(app, client):
    incident_id, _ = assigned_incident(app, phones=[PHONE])
    early = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "4 hospital"))
    assert "add the outcome" in early.get_data(as_text=True) and incident(app, incident_id).status == "dispatched"
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "3"))
    done = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "CLR stabilized"))
    assert "cleared" in done.get_data(as_text=True)
    found = incident(app, incident_id)
    assert (found.status, found.outcome) == ("cleared", "stabilized_on_scene")
    late = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "2"))
    assert "STATUS" not in late.get_data(as_text=True) and "cannot" not in late.get_data(as_text=True)


def test_a_move_the_incident_does_not_allow_is_answered_in_words(app, client):
    assigned_incident(app, phones=[PHONE])
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "3"))
    back = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "9"))
    assert "cannot decline now" in back.get_data(as_text=True)


def test_status_callbacks_update_the_row_and_emit_message_updated(app, client):
    _, unit_id = assigned_incident(app, phones=[PHONE])
    with app.app_context():
        row = db.session.scalars(sa.select(OutboundMessage)).one()
        row.status, row.provider_sid = "sent", "SM" + "1" * 32
        db.session.commit()
        row_id = row.id
    path = f"/sms/status?outbox={row_id}"
    ok = signed_post(client, app, path, {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered"})
    assert ok.status_code == 204
    with app.app_context():
        assert db.session.get(OutboundMessage, row_id).status == "delivered"
        last = db.session.scalars(
            sa.select(Event).where(Event.type == "message.updated").order_by(Event.id.desc())
        ).first()
        assert last.data["status"] == "delivered" and last.unit_id == unit_id and last.data["id"] == row_id
    # A late "sent" never moves it back.
    signed_post(client, app, path, {"MessageSid": "SM" + "1" * 32, "MessageStatus": "sent"})
    with app.app_context():
        assert db.session.get(OutboundMessage, row_id).status == "delivered"


def test_a_failed_delivery_is_recorded_and_alerts_the_dispatcher(app, client):
    assigned_incident(app, phones=[PHONE])
    with app.app_context():
        row = db.session.scalars(sa.select(OutboundMessage)).one()
        row.status, row.provider_sid = "sent", "SM" + "2" * 32
        db.session.commit()
    form = {"MessageSid": "SM" + "2" * 32, "MessageStatus": "undelivered", "ErrorCode": "30006"}
    assert signed_post(client, app, "/sms/status", form).status_code == 204
    with app.app_context():
        row = db.session.scalars(sa.select(OutboundMessage)).one()
        assert (row.status, row.error_code) == ("undelivered", 30006)
        alert = db.session.scalars(sa.select(Alert).where(Alert.kind == "sms_failed")).one()
        assert "landline" in alert.message


def test_messages_api_shows_both_directions_to_staff_and_only_own_to_field(app, client, api):
    incident_id, unit_id = assigned_incident(app, phones=[PHONE])
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "1"))
    listed = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}/messages")
    assert listed.status_code == 200
    body = listed.get_json()
    assert [m["direction"] for m in body] == ["in", "out"]
    assert body[1]["status"] == "queued" and body[1]["to"] == PHONE and body[0]["status"] == "received"
    assert set(body[0]) >= {"id", "direction", "unit_id", "to", "from", "body", "status", "error_code", "at"}
    assert api.as_role("field", unit_id=unit_id).get(f"/api/v1/incidents/{incident_id}/messages").status_code == 200
    _, other_unit = assigned_incident(app, phones=["+18025550177"])
    assert api.as_role("field", unit_id=other_unit).get(f"/api/v1/incidents/{incident_id}/messages").status_code == 404
