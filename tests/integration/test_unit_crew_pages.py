"""The crew on the pages: the field page tells the team who rides with them; the dispatch text
does not grow by a word; the board offers the crew roles in words."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from core.actors import Actor
from core.extensions import db
from notifications.models import OutboundMessage
from tests.support.dispatch_factories import NEAR, assign_with_app_ports, make_incident, make_placed_unit
from tests.support.factories import signed_in_client

TEAM = [{"name": "Dana Reyes", "role": "clinician"}, {"name": "Sam Ortiz", "role": "peer_specialist"}]


def crewed_and_sent(app, api) -> tuple[int, int]:
    unit_id = make_placed_unit(app, NEAR, phones=["+18025550171"])
    assert api.as_role("dispatcher").put(f"/api/v1/units/{unit_id}/crew", json={"crew": TEAM}).status_code == 200
    incident_id = make_incident(app)
    with app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=Actor.system("test"))
        db.session.commit()
    return incident_id, unit_id


def texts_to(app, unit_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(OutboundMessage.body).where(OutboundMessage.unit_id == unit_id)))


def test_the_field_page_names_the_crew_and_the_text_does_not(app, api, client):
    _, unit_id = crewed_and_sent(app, api)
    (text,) = texts_to(app, unit_id)
    assert "Dana" not in text and "Ortiz" not in text and "crew" not in text.lower()
    link = re.search(r"(/field/\S+)", text).group(1)
    page = client.get(link).get_data(as_text=True)
    assert '<p class="crew">Your crew: Dana Reyes (clinician), Sam Ortiz (peer specialist)</p>' in page


def test_the_field_start_page_names_the_crew_too(app, api):
    _, unit_id = crewed_and_sent(app, api)
    page = signed_in_client(app, "field", unit_id=unit_id).get("/field").get_data(as_text=True)
    assert "Your crew: Dana Reyes (clinician), Sam Ortiz (peer specialist)" in page


def test_a_crew_name_is_text_on_the_field_page_never_markup(app, api, client):
    unit_id = make_placed_unit(app, NEAR, phones=["+18025550172"])
    crew = [{"name": "<b>Dana</b>", "role": "clinician"}]
    assert api.as_role("dispatcher").put(f"/api/v1/units/{unit_id}/crew", json={"crew": crew}).status_code == 200
    incident_id = make_incident(app)
    with app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=Actor.system("test"))
        db.session.commit()
    link = re.search(r"(/field/\S+)", texts_to(app, unit_id)[0]).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "Your crew: &lt;b&gt;Dana&lt;/b&gt; (clinician)" in page and "<b>Dana</b>" not in page


def test_the_board_offers_every_crew_role_in_words(app):
    page = signed_in_client(app, "dispatcher").get("/dispatch").get_data(as_text=True)
    settings = json.loads(re.search(r"data-settings='([^']+)'", page).group(1))
    roles = {r["value"]: r["label"] for r in settings["crewRoles"]}
    assert roles["clinician"] == "clinician" and roles["peer_specialist"] == "peer specialist"
    assert list(roles)[:2] == ["clinician", "peer_specialist"]
    assert 'id="crew-dialog"' in page
