"""The field page behind the SMS link: what the team reads there (needs by name, the caller's
words and callback number) and what it sees after a clear (thanks, never an error)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

from core.deps import replace_settings
from core.extensions import db
from core.models import AuditEntry
from dispatch.models import Incident
from notifications.links import FieldLink, read_field_token
from notifications.models import OutboundMessage
from tests.support.sms_factories import assigned_incident, inbound_form, signed_post
from triage.models import Call

PHONE = "+18025550161"
CALLER = "+18025550199"
NARRATIVE = "Mother called: her son, 15, locked himself in his room. Speaks Spanish at home."


def teen_incident(app: Any) -> tuple[int, int]:
    incident_id, unit_id = assigned_incident(app, phones=[PHONE], youth=True, language="es")
    with app.app_context():
        call = db.session.get(Call, db.session.get(Incident, incident_id).call_id)
        call.narrative, call.caller_phone = NARRATIVE, CALLER
        db.session.commit()
    return incident_id, unit_id


def link_of(app: Any, unit_id: int) -> str:
    with app.app_context():
        body = db.session.scalars(sa.select(OutboundMessage.body).where(OutboundMessage.unit_id == unit_id)).first()
    match = re.search(r"(/field/\S+)", body or "")
    assert match, body
    return match.group(1)


def csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_page_names_the_needs_and_gives_the_callers_words_and_number(app, client):
    _, unit_id = teen_incident(app)

    page = client.get(link_of(app, unit_id))

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<ul class="needs" aria-label="Needs"><li>youth</li><li>Spanish</li></ul>', text)
    assert f'<a class="tel" href="tel:{CALLER}">{CALLER}</a>' in text
    assert "her son, 15, locked himself in his room" in text
    with app.app_context():
        viewed = db.session.scalars(
            sa.select(AuditEntry.record_type).where(AuditEntry.action == "field_view").order_by(AuditEntry.id)
        ).all()
    assert viewed == ["incident", "call"]  # reading the call's words is a view of the call record


def test_without_field_sees_narrative_the_page_keeps_the_callers_words_and_number_out(app, client):
    _, unit_id = teen_incident(app)
    replace_settings(app, FIELD_SEES_NARRATIVE=False)

    text = client.get(link_of(app, unit_id)).get_data(as_text=True)

    assert CALLER not in text and "locked himself" not in text
    assert "<li>Spanish</li>" in text  # the needs stay: they change how the team arrives


def test_a_bare_clr_clears_without_outcome_and_its_link_opens_a_thank_you(app, client):
    incident_id, unit_id = teen_incident(app)
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "3"))

    answer = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "CLR")).get_data(as_text=True)

    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.outcome, incident.police_present) == ("cleared", None, None)
    assert f"cleared {incident.number}. Thank you. Record the outcome" in answer
    link = re.search(r"https?://\S+?/field/([^\s<]+)", answer)
    assert link is not None
    named = read_field_token(secret_key=app.config["SECRET_KEY"], token=link.group(1))
    assert named == FieldLink(incident_id=incident_id, unit_id=unit_id)
    page = client.get(f"/field/{link.group(1)}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Thank you" in text and "no longer works" not in text


def test_clearing_on_the_page_ends_on_thank_you_recorded_not_the_red_error(app, client):
    _, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    token = csrf(client.get(path).get_data(as_text=True))
    client.post(f"{path}/status", data={"status": "on_scene", "csrf_token": token})

    cleared = client.post(f"{path}/status", follow_redirects=True, data={"status": "cleared", "csrf_token": token,
                          "outcome": "stabilized_on_scene", "police_present": "no"})  # fmt: skip

    text = cleared.get_data(as_text=True)
    assert cleared.status_code == 200 and "Thank you — recorded" in text and "no longer works" not in text
    assert "stabilized on scene" in text
    # The link now only thanks: no status can be moved through it any more.
    again = client.post(f"{path}/status", data={"status": "on_scene", "csrf_token": token})
    assert again.status_code == 410


def test_a_forged_or_reassigned_link_still_gets_the_error(app, client):
    _, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    assert client.get(path[:-3] + "abc").status_code == 410
    token = csrf(client.get(path).get_data(as_text=True))
    client.post(f"{path}/decline", data={"reason": "flat tyre", "csrf_token": token})

    gone = client.get(path)

    assert gone.status_code == 410 and "no longer works" in gone.get_data(as_text=True)
