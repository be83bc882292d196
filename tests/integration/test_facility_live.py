"""`facility.updated` on the live stream (CONTRACT "Live updates (amended)"): staff screens get every
facility's; a facility user's screen gets only its own facility's, and nothing else at all (no
incident, unit or alert, no other facility), in its snapshot, live and in a replay; a field
team's screen does not follow facilities."""

from __future__ import annotations

import time
from typing import Any

import pytest

from core.actors import Actor
from core.clock import now as clock_now
from core.deps import bus_of
from core.extensions import db
from facilities.service import report_beds
from tests.integration.test_live import Recorder
from tests.support.dispatch_factories import NEAR, assign_with_app_ports, make_incident, make_placed_unit
from tests.support.facility_factories import make_facility
from tests.support.factories import make_user
from tests.support.server import serve

pytestmark = pytest.mark.slow  # a real server and Socket.IO clients


def beds(app: Any, facility_id: int, available: int) -> None:
    with app.app_context():
        report_beds(
            session=db.session,
            facility_id=facility_id,
            report={"adult": (available, None)},
            by=Actor.system("test"),
            bus=bus_of(app),
            now=clock_now(),
        )
        db.session.commit()
        db.session.remove()


def types(recorder: Recorder) -> list[str]:
    with recorder.lock:
        return [event["type"] for event in recorder.events]


def test_facility_screens_receive_their_own_facility_only(live_app):
    app = live_app
    mine, theirs = make_facility(app, name="Mine"), make_facility(app, name="Theirs")
    unit_id = make_placed_unit(app, NEAR)
    _, desk_token = make_user(app, "facility", facility_id=mine)
    _, staff_token = make_user(app, "dispatcher")
    _, field_token = make_user(app, "field", unit_id=unit_id)
    with serve(app) as url:
        desk, staff, team = (Recorder(url, {"token": t}) for t in (desk_token, staff_token, field_token))
        for recorder in (desk, staff, team):
            recorder.connect()
        try:
            assert all(r.wait_for(lambda r: r.snapshots) for r in (desk, staff, team))
            (snapshot,) = desk.snapshots
            assert [f["id"] for f in snapshot["facilities"]] == [mine]
            assert snapshot["units"] == [] and snapshot["incidents"] == [] and snapshot["alerts"] == []
            assert sorted(f["name"] for f in staff.snapshots[0]["facilities"]) == ["Mine", "Theirs"]
            assert team.snapshots[0]["facilities"] == []
            # Changes everywhere: an incident and its unit, the other facility's beds, then ours.
            incident_id = make_incident(app)
            with app.app_context():
                assign_with_app_ports(incident_id=incident_id, unit_id=unit_id, reason="test", by=Actor.system("t"))
                db.session.commit()
            beds(app, theirs, 1)
            beds(app, mine, 2)
            assert staff.wait_for(lambda r: sum(e["type"] == "facility.updated" for e in r.events) == 2)
            assert desk.wait_for(lambda r: any(e["type"] == "facility.updated" for e in r.events))
            assert team.wait_for(lambda r: any(e["type"] == "assignment.created" for e in r.events))
            time.sleep(0.5)  # nothing more may arrive
            assert types(desk) == ["facility.updated"]
            assert desk.events[0]["data"]["id"] == mine and desk.events[0]["data"]["beds"]["adult"]["available"] == 2
            assert "facility.updated" not in types(team)
            # A facility screen that reconnects replays the same: its own facility's events only.
            replayed = Recorder(url, {"token": desk_token, "since": 0})
            replayed.connect()
            try:
                assert replayed.wait_for(lambda r: r.events)
                time.sleep(0.3)
                assert [(e["type"], e["data"]["id"]) for e in replayed.events] == [("facility.updated", mine)]
            finally:
                replayed.client.disconnect()
        finally:
            for recorder in (desk, staff, team):
                recorder.client.disconnect()


def test_a_facility_account_with_no_facility_is_refused_a_live_connection(live_app):
    import socketio

    _, token = make_user(live_app, "facility")
    with serve(live_app) as url:
        recorder = Recorder(url, {"token": token})
        with pytest.raises(socketio.exceptions.ConnectionError):
            recorder.connect()
