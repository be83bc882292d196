"""The field page behind the SMS link: what the team reads there (needs by name, the caller's
words and callback number) and what it sees after a clear (thanks, never an error)."""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa

from core.deps import replace_settings
from core.extensions import db
from core.models import AuditEntry
from dispatch.models import Incident, IncidentMove, Unit
from facilities.models import Facility
from notifications.links import FieldLink, make_field_token, read_field_token
from notifications.models import OutboundMessage
from tests.support.dispatch_factories import make_call
from tests.support.facility_places import make_facility
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
    assert f'<a class="tel" href="tel:{CALLER}">(802) 555-0199</a>' in text  # as the board and call page write it
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


def test_clr_with_words_that_are_no_outcome_clears_like_a_bare_clr(app, client):
    incident_id, _ = teen_incident(app)
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "3"))

    answer = signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "4 all good")).get_data(as_text=True)

    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.outcome) == ("cleared", None)
        assert "outcome_missing" in (incident.flags or [])
    assert f"cleared {incident.number}. Thank you. Record the outcome" in answer and "/field/" in answer


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
    # The link now only thanks: a second tap on Clear moves nothing and lands on the same thanks.
    again = client.post(f"{path}/status", follow_redirects=True, data={"status": "cleared", "csrf_token": token,
                        "outcome": "declined_services", "police_present": "yes"})  # fmt: skip
    assert again.status_code == 200 and "Thank you — recorded" in again.get_data(as_text=True)
    assert "stabilized on scene" in again.get_data(as_text=True)


def test_a_forged_or_reassigned_link_still_gets_the_error(app, client):
    _, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    assert client.get(path[:-3] + "abc").status_code == 410
    token = csrf(client.get(path).get_data(as_text=True))
    client.post(f"{path}/decline", data={"reason": "flat tyre", "csrf_token": token})

    gone = client.get(path)

    assert gone.status_code == 410 and "no longer works" in gone.get_data(as_text=True)


def test_after_a_bare_clr_the_outcome_form_records_once(app, client):
    incident_id, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "3"))
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "4"))
    page = client.get(path).get_data(as_text=True)
    assert 'action="' + path + '/outcome"' in page
    assert '<option value="stabilized_on_scene">' in page and "cancelled_before_arrival" not in page
    form = {"csrf_token": csrf(page), "police_present": "yes"}

    incomplete = client.post(f"{path}/outcome", data={"csrf_token": csrf(page), "outcome": "stabilized_on_scene"},
                             follow_redirects=True)  # fmt: skip
    assert "say whether police were on scene" in incomplete.get_data(as_text=True)
    first = client.post(f"{path}/outcome", data=form | {"outcome": "involuntary_hold"}, follow_redirects=True)
    second = client.post(f"{path}/outcome", data=form | {"outcome": "declined_services"}, follow_redirects=True)

    for answer in (first, second):
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and "Thank you — recorded" in text and "involuntary hold" in text
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.outcome, incident.police_present) == ("involuntary_hold", True)
        assert "outcome_missing" not in (incident.flags or [])


def test_the_outcome_form_refuses_an_outcome_that_does_not_fit(app, client):
    incident_id, unit_id = teen_incident(app)  # cleared before arrival: only stand-down outcomes fit
    path = link_of(app, unit_id)
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "CLR"))
    page = client.get(path).get_data(as_text=True)
    assert '<option value="cancelled_before_arrival">' in page and "stabilized_on_scene" not in page

    refused = client.post(f"{path}/outcome", follow_redirects=True, data={"csrf_token": csrf(page),
                          "outcome": "stabilized_on_scene", "police_present": "no"})  # fmt: skip

    assert refused.status_code == 200 and "is not an outcome" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Incident, incident_id).outcome is None


def test_a_note_from_the_page_shows_in_its_notes_and_timeline(app, client):
    _, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    token = csrf(client.get(path).get_data(as_text=True))

    empty = client.post(f"{path}/notes", data={"csrf_token": token, "text": "   "}, follow_redirects=True)
    added = client.post(f"{path}/notes", data={"csrf_token": token, "text": "Mother waits at the side door"},
                        follow_redirects=True)  # fmt: skip

    assert "Write the note first." in empty.get_data(as_text=True)
    text = added.get_data(as_text=True)
    assert "Note added." in text
    notes = text.split('id="notes"')[1].split("</section>")[0]
    assert "Mother waits at the side door" in notes
    timeline = text.split('id="timeline-title"')[1]
    assert "Mother waits at the side door" in timeline and "Dispatch text" in timeline
    assert client.post(f"{path}/notes", data={"text": "no token"}).status_code == 400


def test_transport_goes_to_an_active_facility_named_on_the_page(app, client):
    open_id = make_facility(app, (44.47, -73.21), beds={"youth": (4, 2)}, youth=True, name="Crisis Stabilization Unit",
                            kind="stabilization")  # fmt: skip
    make_facility(app, (44.47, -73.21), beds={"youth": (4, 4)}, youth=True, name="Old Respite", active=False)
    make_facility(app, (44.47, -73.21), beds={"adult": (4, 4)}, name="Adults Only House")
    incident_id, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    page = client.get(path).get_data(as_text=True)
    assert "Transport to" not in page  # not before the team is on scene
    token = csrf(page)
    client.post(f"{path}/status", data={"status": "on_scene", "csrf_token": token})
    page = client.get(path).get_data(as_text=True)
    assert "Transport to Crisis Stabilization Unit" in page and "2 youth beds open" in page
    assert "Old Respite" not in page and "Adults Only House" not in page  # closed; takes no youth

    nowhere = client.post(f"{path}/transport", data={"csrf_token": token}, follow_redirects=True)
    assert "Choose where you take the person." in nowhere.get_data(as_text=True)
    moved = client.post(f"{path}/transport", data={"csrf_token": token, "facility_id": str(open_id)},
                        follow_redirects=True)  # fmt: skip

    text = moved.get_data(as_text=True)
    assert "Recorded: transporting to Crisis Stabilization Unit." in text
    assert "Destination: <strong>Crisis Stabilization Unit</strong>" in text and "Arrived at facility" in text
    assert "Transport to Crisis" not in text  # no second transport from the page
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        assert (incident.status, incident.facility_id) == ("transporting", open_id)
        assert incident.transport_bed_type == "youth"


def test_a_second_tap_on_transport_moves_once_and_says_no_error(app, client):
    place = make_facility(app, (44.47, -73.21), beds={"youth": (4, 2)}, youth=True, name="Crisis Stabilization Unit")
    other = make_facility(app, (44.48, -73.21), beds={"youth": (4, 2)}, youth=True, name="Second House")
    incident_id, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    token = csrf(client.get(path).get_data(as_text=True))
    client.post(f"{path}/status", data={"status": "on_scene", "csrf_token": token})
    first = client.post(f"{path}/transport", data={"csrf_token": token, "facility_id": str(place)})
    again = client.post(f"{path}/transport", data={"csrf_token": token, "facility_id": str(place)},
                        follow_redirects=True)  # fmt: skip
    assert first.status_code in (302, 303)
    assert 'class="flash error"' not in again.get_data(as_text=True)
    elsewhere = client.post(f"{path}/transport", data={"csrf_token": token, "facility_id": str(other)},
                            follow_redirects=True)  # fmt: skip
    assert 'class="flash error"' in elsewhere.get_data(as_text=True)  # a second, different move is refused in words
    with app.app_context():
        moves = db.session.scalars(
            sa.select(IncidentMove.to_status).where(IncidentMove.incident_id == incident_id)
        ).all()
        assert moves.count("transporting") == 1
        assert db.session.get(Incident, incident_id).facility_id == place


def test_a_closed_facility_is_refused_even_by_a_forged_form(app, client):
    with app.app_context():
        closed = Facility(name="Old Respite", kind="respite", address="2 Main St", lat=44.47, lon=-73.21, active=False)
        db.session.add(closed)
        db.session.commit()
        closed_id = closed.id
    incident_id, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    token = csrf(client.get(path).get_data(as_text=True))
    client.post(f"{path}/status", data={"status": "on_scene", "csrf_token": token})

    for facility_id in (str(closed_id), "999999"):
        refused = client.post(f"{path}/transport", data={"csrf_token": token, "facility_id": facility_id})
        assert refused.status_code == 302
    with app.app_context():
        assert db.session.get(Incident, incident_id).status == "on_scene"


def test_the_safety_lines_of_earlier_calls_show_even_without_the_narrative(app, client):
    earlier = make_call(app, answers={"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "yes"})
    with app.app_context():
        call = db.session.get(Call, earlier)
        call.caller_phone = CALLER
        earlier_number = call.number
        db.session.commit()
    _, unit_id = teen_incident(app)
    replace_settings(app, FIELD_SEES_NARRATIVE=False)

    text = client.get(link_of(app, unit_id)).get_data(as_text=True)

    safety = text.split('id="safety-title"')[1].split("</section>")[0]
    assert f"weapon reported on {earlier_number}" in safety
    assert CALLER not in text and "locked himself" not in text
    with app.app_context():
        viewed = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "field_view", AuditEntry.record_type == "call")
        ).one()
        assert viewed.detail["history_call_ids"] == [earlier]


def test_an_expired_link_gets_the_error_even_after_a_clear(app, client, monkeypatch):
    incident_id, unit_id = teen_incident(app)
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "CLR"))
    eight_days_ago = time.time() - 8 * 24 * 3600
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: eight_days_ago)
        old = make_field_token(secret_key=app.config["SECRET_KEY"], incident_id=incident_id, unit_id=unit_id)

    page = client.get(f"/field/{old}")

    assert page.status_code == 410 and "no longer works" in page.get_data(as_text=True)
    assert client.get(link_of(app, unit_id)).status_code == 200  # the link sent today still thanks


def test_a_note_and_an_outcome_from_the_page_are_by_the_team_on_the_timeline(app, client, api):
    """The team by its call sign (id null): a user's own entries keep their id and username."""
    incident_id, unit_id = teen_incident(app)
    path = link_of(app, unit_id)
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "3"))
    page = client.get(path).get_data(as_text=True)
    client.post(f"{path}/notes", data={"csrf_token": csrf(page), "text": "Mother thanked us"})
    signed_post(client, app, "/sms/inbound", inbound_form(PHONE, "4"))
    page = client.get(path).get_data(as_text=True)
    client.post(f"{path}/outcome", data={"csrf_token": csrf(page), "outcome": "stabilized_on_scene",
                                         "police_present": "no"})  # fmt: skip
    with app.app_context():
        sign = db.session.get(Unit, unit_id).call_sign

    dispatcher = api.as_role("dispatcher")
    entries = dispatcher.get(f"/api/v1/incidents/{incident_id}/timeline").get_json()
    notes = dispatcher.get(f"/api/v1/incidents/{incident_id}/notes").get_json()

    team = {"id": None, "username": sign}
    note = next(e for e in entries if e["kind"] == "note")
    outcome = next(e for e in entries if e["kind"] == "outcome")
    assert (note["text"], note["by"]) == ("Mother thanked us", team)
    assert outcome["by"] == team, outcome
    assert [n["by"] for n in notes] == [team]  # the board's notes list: "T-1", not "field:T-1"
