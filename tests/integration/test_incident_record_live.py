"""The incident record on the live stream: `note.added` reaches staff and the incident's own team
only, and with FIELD_SEES_NARRATIVE=0 the team's screens never receive the narrative or the
callback number (in events, replays and the snapshot), while staff screens do."""

from __future__ import annotations

import time
from typing import Any

import pytest

from core.actors import Actor
from core.deps import replace_settings
from core.extensions import db
from dispatch.models import Incident
from dispatch.notes import add_note
from tests.integration.test_live import Recorder
from tests.support.dispatch_factories import FAR, NEAR, assign_with_app_ports, make_incident, make_placed_unit
from tests.support.factories import make_user
from tests.support.server import serve

pytestmark = pytest.mark.slow  # a real server and Socket.IO clients

NARRATIVE = "Neighbour hears shouting; the person is 15 and speaks Spanish."
PHONE = "+18025550177"


def sent(app: Any, unit_id: int) -> int:
    incident_id = make_incident(app, narrative=NARRATIVE, caller_phone=PHONE)
    with app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=Actor.system("test"))
        db.session.commit()
    return incident_id


def note(app: Any, incident_id: int, text: str) -> None:
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        add_note(session=db.session, incident=incident, text=text, by=Actor.system("dispatcher-test"))
        db.session.commit()
        db.session.remove()


def test_notes_and_narratives_reach_only_who_may_read_them(live_app):
    replace_settings(live_app, field_sees_narrative=False)
    mine, other = make_placed_unit(live_app, NEAR), make_placed_unit(live_app, FAR)
    _, field_token = make_user(live_app, "field", unit_id=mine)
    _, staff_token = make_user(live_app, "dispatcher")
    with serve(live_app) as url:
        team, staff = Recorder(url, {"token": field_token}), Recorder(url, {"token": staff_token})
        team.connect()
        staff.connect()
        try:
            assert team.wait_for(lambda r: r.snapshots) and staff.wait_for(lambda r: r.snapshots)
            ours, theirs = sent(live_app, mine), sent(live_app, other)
            note(live_app, theirs, "For the other team.")
            note(live_app, ours, "Side door, dog in the yard.")
            assert team.wait_for(lambda r: any(e["type"] == "note.added" for e in r.events))
            assert staff.wait_for(lambda r: sum(e["type"] == "note.added" for e in r.events) == 2)
            time.sleep(0.3)
            notes = [e["data"] for e in team.events if e["type"] == "note.added"]
            assert [(n["incident_id"], n["note"]["text"]) for n in notes] == [(ours, "Side door, dog in the yard.")]
            incidents = [e["data"] for e in team.events if e["type"] == "incident.updated"]
            incidents += [e["data"]["incident"] for e in team.events if e["type"] == "assignment.created"]
            assert incidents and all(i["id"] == ours for i in incidents)
            assert all(i["narrative"] is None and i["caller_phone"] is None for i in incidents)
            updates = [e["data"] for e in staff.events if e["type"] == "incident.updated"]
            staff_view = [i for i in updates if i["id"] == ours]
            assert staff_view and staff_view[-1]["narrative"] == NARRATIVE and staff_view[-1]["caller_phone"] == PHONE
            # A reconnecting team screen replays the same events, redacted the same way.
            replayed = Recorder(url, {"token": field_token, "since": 0})
            replayed.connect()
            try:
                assert replayed.wait_for(lambda r: any(e["type"] == "note.added" for e in r.events))
                again = [e["data"] for e in replayed.events if e["type"] == "incident.updated"]
                assert again and all(i["narrative"] is None for i in again)
            finally:
                replayed.client.disconnect()
        finally:
            team.client.disconnect()
            staff.client.disconnect()
