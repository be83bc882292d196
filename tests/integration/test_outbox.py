"""The outbox and its relay: pages written with the change, sent after commit, retried with
back-off, failed loudly, never sent twice (errors come through twilio-python's HttpClient seam)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
import requests
import sqlalchemy as sa
from flask import current_app
from twilio.http.http_client import TwilioHttpClient

from alerts.models import Alert
from core import clock
from core.actors import Actor
from core.deps import bus_of
from core.extensions import db
from notifications.content import count_segments
from notifications.models import OptOut, OutboundMessage
from notifications.relay import Backoff, SmsRelay, twilio_lookup
from notifications.twilio_sender import TwilioSender
from tests.support.sms_factories import ACCOUNT_SID, FROM_NUMBER, Clock, ScriptedTwilio, assigned_incident, twilio_error

PHONES = ["+18025550111", "+18025550112"]


@pytest.fixture
def moved_clock() -> Iterator[Clock]:
    fake = Clock()
    clock.set_clock(fake)
    yield fake
    clock.set_clock(None)


def relay_for(app, http_client, **kwargs) -> SmsRelay:
    sender = TwilioSender(ACCOUNT_SID, "token", from_number=FROM_NUMBER, http_client=http_client)
    kwargs.setdefault("backoff", Backoff(base_s=10, max_attempts=5))
    kwargs.setdefault("reconcile_after_s", 30)
    kwargs.setdefault("rng", random.Random(7))
    return SmsRelay(app, sender=sender, lookup=twilio_lookup(sender), **kwargs)


def rows(app) -> list[OutboundMessage]:
    return list(db.session.scalars(sa.select(OutboundMessage).order_by(OutboundMessage.id)))


def open_alerts(kind: str) -> list[Alert]:
    return list(db.session.scalars(sa.select(Alert).where(Alert.kind == kind, Alert.cleared_at.is_(None))))


def test_an_assignment_queues_the_dispatch_page_for_every_phone_of_the_unit(app):
    incident_id, unit_id = assigned_incident(app, phones=PHONES)
    with app.app_context():
        pages = rows(app)
        assert [(p.to, p.kind, p.status) for p in pages] == [
            (PHONES[0], "dispatch", "queued"),
            (PHONES[1], "dispatch", "queued"),
        ]
        body = pages[0].body
        assert body.startswith("DISPATCH I-") and "/field/" in body and "Reply 1 ack" in body
        assert count_segments(body).segments <= 2
        assert pages[0].validity_period_s == app.config["ACK_REASSIGN_AFTER_S"]
        assert {p.incident_id for p in pages} == {incident_id} and {p.unit_id for p in pages} == {unit_id}


def test_a_rolled_back_assignment_leaves_no_message(app):
    from tests.support.dispatch_factories import NEAR, assign_with_app_ports, make_incident, make_placed_unit

    unit_id = make_placed_unit(app, NEAR)
    incident_id = make_incident(app)
    with app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="x", by=Actor.system("t"))
        assert len(rows(app)) == 1
        db.session.rollback()
        assert rows(app) == []


def test_the_relay_sends_each_page_once_with_a_status_callback_and_validity(app):
    assigned_incident(app, phones=PHONES)
    twilio = ScriptedTwilio()
    with app.app_context():
        result = relay_for(app, twilio).run_until_idle()
        assert result.sent == 2 and twilio.posts == 2
        sent = rows(app)
        assert [p.status for p in sent] == ["sent", "sent"]
        assert [p.provider_sid for p in sent] == [m["sid"] for m in twilio.created]
        assert twilio.created[0]["status_callback"] == f"http://localhost/sms/status?outbox={sent[0].id}"


def test_a_500_is_retried_later_with_backoff_then_sent(app, moved_clock):
    assigned_incident(app, phones=PHONES[:1])
    twilio = ScriptedTwilio([twilio_error(500, 20500, "Internal Server Error")])
    with app.app_context():
        relay = relay_for(app, twilio)
        first = relay.run_until_idle()
        row = rows(app)[0]
        assert (first.retried, first.sent, row.status, row.error_code, row.attempts) == (1, 0, "queued", 20500, 1)
        wait = (row.next_attempt_at - moved_clock.at).total_seconds()
        assert 5 <= wait <= 10  # base 10 s, jitter takes off up to half
        assert relay.run_until_idle().handled == 0  # not due yet: nothing sent
        moved_clock.advance(wait)
        assert relay.run_until_idle().sent == 1
        row = rows(app)[0]
        assert (row.status, row.attempts, twilio.posts) == ("sent", 2, 2)


def test_30003_is_transient_and_the_wait_grows(app, moved_clock):
    assigned_incident(app, phones=PHONES[:1])
    busy = twilio_error(400, 30003, "Unreachable destination handset")
    twilio = ScriptedTwilio([busy, busy, busy])
    with app.app_context():
        relay = relay_for(app, twilio, rng=random.Random(0), backoff=Backoff(base_s=10, jitter=0.0))
        waits = []
        for _ in range(3):
            relay.run_until_idle()
            row = rows(app)[0]
            waits.append((row.next_attempt_at - moved_clock.at).total_seconds())
            moved_clock.advance(waits[-1])
        assert waits == [10, 20, 40]
        relay.run_until_idle()
        assert rows(app)[0].status == "sent" and twilio.posts == 4


def test_a_timeout_from_twilios_real_http_client_is_retried(app):
    from tests.unit.test_twilio_errors import UnreachableAdapter

    assigned_incident(app, phones=PHONES[:1])
    real = TwilioHttpClient(timeout=1)
    real.session.mount("https://", UnreachableAdapter(requests.exceptions.ReadTimeout("read timed out")))
    with app.app_context():
        result = relay_for(app, real).run_until_idle()
        row = rows(app)[0]
        assert (result.retried, row.status, row.attempts) == (1, "queued", 1)
        assert open_alerts("sms_failed") == []
    real.session.close()


def test_21610_fails_at_once_and_tells_the_dispatcher(app):
    incident_id, unit_id = assigned_incident(app, phones=PHONES[:1])
    twilio = ScriptedTwilio([twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")])
    with app.app_context():
        result = relay_for(app, twilio).run_until_idle()
        row = rows(app)[0]
        assert (result.failed, row.status, row.error_code, row.attempts) == (1, "failed", 21610, 1)
        alerts = open_alerts("sms_failed")
        assert len(alerts) == 1 and alerts[0].incident_id == incident_id and alerts[0].unit_id == unit_id
        assert "opted out" in alerts[0].message and PHONES[0] not in alerts[0].message


def test_an_opted_out_number_is_not_sent_to(app):
    assigned_incident(app, phones=PHONES)
    twilio = ScriptedTwilio()
    with app.app_context():
        db.session.add(OptOut(phone=PHONES[0], opted_out_at=clock.now()))
        db.session.commit()
        relay_for(app, twilio).run_until_idle()
        assert [(r.status, r.error_code) for r in rows(app)] == [("failed", 21610), ("sent", None)]
        assert [m["to"] for m in twilio.created] == [PHONES[1]]
        assert len(open_alerts("sms_failed")) == 1


def test_retries_stop_when_the_page_expires(app, moved_clock):
    assigned_incident(app, phones=PHONES[:1])
    twilio = ScriptedTwilio(fail=lambda n: twilio_error(503, 20503, "Service Unavailable"))
    with app.app_context():
        relay = relay_for(app, twilio, backoff=Backoff(base_s=100, max_attempts=50))
        for _ in range(10):
            relay.run_until_idle()
            moved_clock.advance(400)
        row = rows(app)[0]
        assert row.status == "failed" and "expired" in (row.error_message or "")
        assert twilio.posts < 10 and len(open_alerts("sms_failed")) == 1


def test_a_send_whose_answer_was_lost_is_reconciled_not_resent(app, moved_clock):
    """The relay dies after Twilio took the message and before the row was updated."""
    assigned_incident(app, phones=PHONES[:1])
    twilio = ScriptedTwilio()
    with app.app_context():
        dying = relay_for(app, twilio)
        [(row_id, _token)] = dying.claim()
        row = db.session.get(OutboundMessage, row_id)
        dying.sender.send(to=row.to, body=row.body, status_callback=None, validity_period_s=None)  # then it dies
        db.session.rollback()
        restarted = relay_for(app, twilio)
        assert restarted.run_until_idle().handled == 0  # too early to tell: left alone
        moved_clock.advance(31)
        assert restarted.run_until_idle().reconciled == 1
        row = rows(app)[0]
        assert (row.status, row.provider_sid, twilio.posts) == ("sent", twilio.created[0]["sid"], 1)


def test_a_claim_that_never_reached_twilio_is_sent_after_reconciling(app, moved_clock):
    assigned_incident(app, phones=PHONES[:1])
    twilio = ScriptedTwilio()
    with app.app_context():
        relay_for(app, twilio).claim()  # claimed, then the relay died before sending
        moved_clock.advance(31)
        result = relay_for(app, twilio).run_until_idle()
        assert (result.reconciled, result.sent, twilio.posts) == (1, 1, 1)
        assert rows(app)[0].status == "sent"


def test_cancelling_the_incident_stands_the_unit_down(app):
    from dispatch.service import cancel_incident

    incident_id, _ = assigned_incident(app, phones=PHONES[:1])
    with app.app_context():
        cancel_incident(
            session=db.session,
            incident_id=incident_id,
            reason="duplicate",
            by=Actor.system("t"),
            bus=bus_of(current_app),
        )
        db.session.commit()
        kinds = [(r.kind, r.body.split(":")[0]) for r in rows(app)]
        assert kinds[-1][0] == "stand_down" and kinds[-1][1].startswith("STAND DOWN I-")
