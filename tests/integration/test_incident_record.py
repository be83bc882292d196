"""The incident record (CONTRACT "Incidents (amended)"): what an incident answer carries, moves
entered after the fact, a clear without outcome and the outcome afterwards, transport with a
destination, notes, the timeline and the return to the queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.clock import now as clock_now
from core.deps import replace_settings
from core.extensions import db
from core.models import AuditEntry, Event
from core.ports import EXTENSION, ports_of
from dispatch.models import Assignment, Incident, IncidentMove, Unit
from facilities.models import Facility
from geo.areas import parse_areas
from tests.support.dispatch_factories import FAR, NEAR, make_incident, make_placed_unit
from tests.support.timer_factories import MovableClock, alerts, sweep_now

PHONE = "+18025550123"
NARRATIVE = "Caller's son, 15, says he wants to die; speaks Spanish at home."


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    moving = MovableClock().install()
    yield moving
    MovableClock.uninstall()


def iso(value: Any) -> str:
    return value.isoformat()


def dispatched(app: Any, api: Any, **call: Any) -> tuple[int, int, Any]:
    """An incident with a unit sent to it, and the dispatcher who sent it."""
    incident_id = make_incident(app, caller_phone=PHONE, narrative=NARRATIVE, **call)
    unit_id = make_placed_unit(app, NEAR)
    dispatcher = api.as_role("dispatcher")
    answer = dispatcher.post(f"/api/v1/incidents/{incident_id}/assign", json={"unit_id": unit_id})
    assert answer.status_code == 200, answer.get_json()
    return incident_id, unit_id, dispatcher


def move(client: Any, incident_id: int, status: str, **body: Any) -> Any:
    return client.post(f"/api/v1/incidents/{incident_id}/status", json={"status": status, **body})


def on_scene(app: Any, api: Any) -> tuple[int, int, Any]:
    incident_id, unit_id, dispatcher = dispatched(app, api)
    assert move(dispatcher, incident_id, "on_scene").status_code == 200
    return incident_id, unit_id, dispatcher


def facility(app: Any, *, active: bool = True) -> int:
    with app.app_context():
        row = Facility(
            name=f"Test Crisis Center {clock_now().timestamp()}",
            kind="crisis_receiving",
            address="1138 Pine Street",
            lat=44.4471,
            lon=-73.2143,
            active=active,
        )
        db.session.add(row)
        db.session.commit()
        return int(row.id)


# --- what an incident answer carries ----------------------------------------------------------


def test_staff_see_the_callback_number_narrative_and_needs_of_an_incident(app, api):
    incident_id = make_incident(app, caller_phone=PHONE, narrative=NARRATIVE, language="es", youth=True)
    body = api.as_role("operator").get(f"/api/v1/incidents/{incident_id}").get_json()
    assert body["caller_phone"] == PHONE and body["narrative"] == NARRATIVE
    assert body["needs"] == {"youth": True, "language": "es"}
    assert body["outcome"] is None and body["police_present"] is None
    assert body["facility_id"] is None and "area" in body


def test_the_team_reads_the_narrative_unless_field_sees_narrative_is_off(app, api):
    incident_id, unit_id, _ = dispatched(app, api)
    team = api.as_role("field", unit_id=unit_id)
    body = team.get(f"/api/v1/incidents/{incident_id}").get_json()
    assert (body["caller_phone"], body["narrative"]) == (PHONE, NARRATIVE)
    replace_settings(app, field_sees_narrative=False)
    hidden = team.get(f"/api/v1/incidents/{incident_id}").get_json()
    assert hidden["caller_phone"] is None and hidden["narrative"] is None
    assert hidden["needs"] == body["needs"] and hidden["number"] == body["number"]
    listed = team.get("/api/v1/incidents").get_json()
    assert [(i["id"], i["narrative"]) for i in listed] == [(incident_id, None)]
    staff = api.as_role("dispatcher").get(f"/api/v1/incidents/{incident_id}").get_json()
    assert staff["narrative"] == NARRATIVE  # the setting is about the team only


def test_the_live_snapshot_of_a_field_user_follows_the_same_rule(app, api):
    from core.models import User
    from dispatch.service import incidents_snapshot

    incident_id, unit_id, _ = dispatched(app, api)
    api.as_role("field", unit_id=unit_id)
    replace_settings(app, field_sees_narrative=False)
    with app.app_context():
        from core.deps import settings_of

        settings = settings_of(app)
        team = db.session.scalars(sa.select(User).where(User.unit_id == unit_id)).one()
        [seen] = incidents_snapshot(db.session, team, settings)
        assert seen["id"] == incident_id and seen["narrative"] is None and seen["caller_phone"] is None
        staff = db.session.scalars(sa.select(User).where(User.unit_id.is_(None))).first()
        full = {i["id"]: i for i in incidents_snapshot(db.session, staff, settings)}
        assert full[incident_id]["narrative"] == NARRATIVE


def test_events_to_a_field_users_screen_leave_out_the_narrative_when_asked():
    from core.events import payload_for_field

    incident = {"id": 1, "narrative": NARRATIVE, "caller_phone": PHONE, "needs": {"youth": True}}
    redacted = payload_for_field({"seq": 1, "type": "assignment.created", "data": {"id": 5, "incident": incident}})
    assert redacted["data"]["incident"]["narrative"] is None and redacted["data"]["incident"]["caller_phone"] is None
    assert redacted["data"]["incident"]["needs"] == {"youth": True}
    note = {"seq": 2, "type": "note.added", "data": {"incident_id": 1, "note": {"text": "x"}}}
    assert payload_for_field(note) == note


# --- moves entered after the fact ---------------------------------------------------------------


def test_a_dispatch_entered_later_is_stamped_when_it_happened_and_the_audit_says_who_entered_it(app, api, clock):
    received = clock.at - timedelta(minutes=10)
    incident_id = make_incident(app, received_at=received)
    unit_id = make_placed_unit(app, NEAR)
    dispatcher = api.as_role("dispatcher")
    sent_at = clock.at - timedelta(minutes=3)
    answer = dispatcher.post(f"/api/v1/incidents/{incident_id}/assign", json={"unit_id": unit_id, "at": iso(sent_at)})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["incident"]["timestamps"]["dispatched_at"] == iso(sent_at)
    assert body["assignment"]["assigned_at"] == iso(sent_at)
    with app.app_context():
        moved = db.session.scalars(
            sa.select(IncidentMove).where(
                IncidentMove.incident_id == incident_id, IncidentMove.to_status == "dispatched"
            )
        ).one()
        assert moved.at == sent_at
        entry = db.session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "incident.assign", AuditEntry.record_id == str(incident_id)
            )
        ).one()
        assert entry.at >= sent_at + timedelta(minutes=2)  # entered now, for a move 3 minutes ago
        assert entry.user_id is not None and entry.detail["at"] == iso(sent_at)
        # The acknowledgement limit (2 min) counts from the dispatch: it is already past.
        sweep_now()
        [overdue] = alerts(kind="ack_overdue")
        assert overdue.incident_id == incident_id


def test_a_move_in_the_future_or_before_the_previous_milestone_is_refused_on_at(app, api, clock):
    received = clock.at - timedelta(minutes=10)
    incident_id = make_incident(app, received_at=received)
    unit_id = make_placed_unit(app, NEAR)
    dispatcher = api.as_role("dispatcher")
    assign = f"/api/v1/incidents/{incident_id}/assign"
    future = dispatcher.post(assign, json={"unit_id": unit_id, "at": iso(clock.at + timedelta(minutes=5))})
    assert future.status_code == 422 and "at" in future.get_json()["error"]["fields"]
    before_call = dispatcher.post(assign, json={"unit_id": unit_id, "at": iso(received - timedelta(seconds=1))})
    assert before_call.status_code == 422 and "at" in before_call.get_json()["error"]["fields"]
    naive = dispatcher.post(assign, json={"unit_id": unit_id, "at": "2026-01-01T10:00:00"})
    assert naive.status_code == 422
    sent_at = clock.at - timedelta(minutes=5)
    assert dispatcher.post(assign, json={"unit_id": unit_id, "at": iso(sent_at)}).status_code == 200
    too_early = move(dispatcher, incident_id, "on_scene", at=iso(sent_at - timedelta(minutes=1)))
    assert too_early.status_code == 422 and "at" in too_early.get_json()["error"]["fields"]
    arrived = clock.at - timedelta(minutes=1)
    answer = move(dispatcher, incident_id, "on_scene", at=iso(arrived))
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["timestamps"]["on_scene_at"] == iso(arrived)
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert unit.status == "on_scene"


# --- clearing without an outcome, and the outcome afterwards --------------------------------------


def test_a_clear_without_outcome_is_flagged_alerts_the_dispatcher_later_and_is_completed_once(app, api, clock):
    incident_id, _unit_id, dispatcher = on_scene(app, api)
    cleared = move(dispatcher, incident_id, "cleared")
    assert cleared.status_code == 200, cleared.get_json()
    body = cleared.get_json()
    assert body["status"] == "cleared" and body["outcome"] is None and "outcome_missing" in body["flags"]
    with app.app_context():
        clock.move(1799)
        sweep_now()
        assert alerts(kind="outcome_missing") == []
        clock.move(1)
        sweep_now()
        [alert] = alerts(kind="outcome_missing")
        assert (alert.incident_id, alert.audience) == (incident_id, "dispatcher")
    path = f"/api/v1/incidents/{incident_id}/outcome"
    wrong = dispatcher.post(path, json={"outcome": "cancelled_before_arrival", "police_present": False})
    assert wrong.status_code == 422 and "outcome" in wrong.get_json()["error"]["fields"]
    done = dispatcher.post(path, json={"outcome": "stabilized_on_scene", "police_present": False})
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["outcome"] == "stabilized_on_scene" and body["police_present"] is False
    assert "outcome_missing" not in body["flags"] and body["outcome_recorded_at"]
    with app.app_context():
        assert alerts(kind="outcome_missing") == []
        types = db.session.scalars(sa.select(Event.type).order_by(Event.id.desc()).limit(5)).all()
        assert "incident.updated" in types and "alert.cleared" in types
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(
                    AuditEntry.action == "incident.outcome", AuditEntry.record_id == str(incident_id)
                )
            )
            == 1
        )
    again = dispatcher.post(path, json={"outcome": "declined_services", "police_present": True})
    assert again.status_code == 409


def test_an_outcome_recorded_in_time_raises_no_alert(app, api, clock):
    incident_id, _unit_id, dispatcher = on_scene(app, api)
    assert move(dispatcher, incident_id, "cleared").status_code == 200
    answer = dispatcher.post(
        f"/api/v1/incidents/{incident_id}/outcome", json={"outcome": "referred_outpatient", "police_present": True}
    )
    assert answer.status_code == 200
    with app.app_context():
        clock.move(3600)
        sweep_now()
        assert alerts(kind="outcome_missing") == []


def test_the_units_own_team_may_record_the_outcome_and_no_one_else_in_the_field(app, api):
    incident_id, unit_id, dispatcher = on_scene(app, api)
    path = f"/api/v1/incidents/{incident_id}/outcome"
    outcome = {"outcome": "declined_services", "police_present": False}
    assert dispatcher.post(path, json=outcome).status_code == 409  # not cleared yet
    assert move(dispatcher, incident_id, "cleared").status_code == 200
    other = api.as_role("field", unit_id=make_placed_unit(app, FAR))
    assert other.post(path, json=outcome).status_code == 403
    assert api.as_role("operator").post(path, json=outcome).status_code == 403
    team = api.as_role("field", unit_id=unit_id)
    assert team.post(path, json=outcome).status_code == 200


def test_a_clear_with_its_outcome_still_records_it_at_once(app, api):
    incident_id, _, dispatcher = on_scene(app, api)
    answer = move(dispatcher, incident_id, "cleared", outcome="stabilized_on_scene", police_present=False)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["outcome"] == "stabilized_on_scene" and "outcome_missing" not in body["flags"]
    again = dispatcher.post(
        f"/api/v1/incidents/{incident_id}/outcome", json={"outcome": "declined_services", "police_present": False}
    )
    assert again.status_code == 409


def test_a_team_that_texts_4_clears_without_outcome_and_the_flag_shows(app, api):
    from core.deps import bus_of
    from notifications.inbound import handle_inbound

    incident_id, unit_id, dispatcher = on_scene(app, api)
    with app.app_context():
        phone = db.session.get(Unit, unit_id).phones[0]
        handle_inbound(
            session=db.session,
            bus=bus_of(app),
            message_sid="SM" + "4" * 32,
            from_number=phone,
            to_number="+1",
            body="4",
        )
        db.session.commit()
    body = dispatcher.get(f"/api/v1/incidents/{incident_id}").get_json()
    assert body["status"] == "cleared" and body["outcome"] is None and "outcome_missing" in body["flags"]


# --- transport ---------------------------------------------------------------------------------


def test_transporting_names_an_active_facility(app, api):
    incident_id, _, dispatcher = on_scene(app, api)
    missing = move(dispatcher, incident_id, "transporting")
    assert missing.status_code == 422 and "facility_id" in missing.get_json()["error"]["fields"]
    assert move(dispatcher, incident_id, "transporting", facility_id=999_999).status_code == 404
    assert move(dispatcher, incident_id, "transporting", facility_id=facility(app, active=False)).status_code == 404
    place = facility(app)
    answer = move(dispatcher, incident_id, "transporting", facility_id=place)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["facility_id"] == place and answer.get_json()["status"] == "transporting"
    arrived = move(dispatcher, incident_id, "at_facility")
    assert arrived.status_code == 200 and arrived.get_json()["facility_id"] == place
    assert move(dispatcher, incident_id, "cleared", facility_id=place).status_code == 422


# --- notes ------------------------------------------------------------------------------------


def test_staff_and_the_units_team_add_notes_others_in_the_field_cannot(app, api):
    incident_id, unit_id, dispatcher = dispatched(app, api)
    path = f"/api/v1/incidents/{incident_id}/notes"
    answer = dispatcher.post(path, json={"text": "  Dog in the yard, knock at the side door.\nAsk for Ana.  "})
    assert answer.status_code == 201, answer.get_json()
    note = answer.get_json()
    assert note["text"] == "Dog in the yard, knock at the side door.\nAsk for Ana."
    assert set(note) >= {"id", "text", "by", "at"} and note["by"]["username"].startswith("user")
    team = api.as_role("field", unit_id=unit_id)
    assert team.post(path, json={"text": "On our way, 6 min."}).status_code == 201
    assert api.as_role("operator").post(path, json={"text": "Caller called back: calmer."}).status_code == 201
    stranger = api.as_role("field", unit_id=make_placed_unit(app, FAR))
    assert stranger.post(path, json={"text": "x"}).status_code == 403
    assert stranger.get(path).status_code == 403
    listed = team.get(path).get_json()
    assert [n["text"] for n in listed][1:] == ["On our way, 6 min.", "Caller called back: calmer."]
    with app.app_context():
        events = db.session.scalars(sa.select(Event).where(Event.type == "note.added").order_by(Event.id)).all()
        assert len(events) == 3 and all(e.unit_id == unit_id for e in events)
        assert events[0].data["incident_id"] == incident_id and events[0].data["note"]["id"] == note["id"]


def test_a_note_is_1_to_4000_characters_without_control_characters(app, api):
    incident_id = make_incident(app)
    dispatcher = api.as_role("dispatcher")
    path = f"/api/v1/incidents/{incident_id}/notes"
    for text in ("", "   ", "x" * 4001, "bell\x07"):
        answer = dispatcher.post(path, json={"text": text})
        assert answer.status_code == 422 and "text" in answer.get_json()["error"]["fields"], text
    assert dispatcher.post(path, json={"text": "x" * 4000}).status_code == 201
    assert dispatcher.post(path, json={}).status_code == 422
    assert dispatcher.post("/api/v1/incidents/999999/notes", json={"text": "x"}).status_code == 404


# --- the timeline -----------------------------------------------------------------------------


def test_the_timeline_tells_what_happened_in_order_with_a_backdated_move_at_its_time(app, api, clock):
    received = clock.at - timedelta(minutes=30)
    incident_id = make_incident(app, received_at=received)
    first = make_placed_unit(app, NEAR, call_sign="MCT-81")
    second = make_placed_unit(app, FAR, call_sign="MCT-82")
    dispatcher = api.as_role("dispatcher")
    sent = clock.at - timedelta(minutes=20)
    path = f"/api/v1/incidents/{incident_id}"
    assert (
        dispatcher.post(
            f"{path}/assign", json={"unit_id": second, "reason": "MCT-81 is at lunch", "at": iso(sent)}
        ).status_code
        == 200
    )
    clock.move(60)
    assert dispatcher.post(f"{path}/notes", json={"text": "Side door."}).status_code == 201
    clock.move(60)
    acked = clock.at - timedelta(minutes=15)  # by radio, entered now: before the note
    assert move(dispatcher, incident_id, "acknowledged", at=iso(acked)).status_code == 200
    assert move(dispatcher, incident_id, "on_scene").status_code == 200
    assert move(dispatcher, incident_id, "cleared").status_code == 200
    assert (
        dispatcher.post(f"{path}/outcome", json={"outcome": "stabilized_on_scene", "police_present": False}).status_code
        == 200
    )
    entries = dispatcher.get(f"{path}/timeline").get_json()
    ats = [e["at"] for e in entries]
    assert ats == sorted(ats)
    kinds = [e["kind"] for e in entries]
    assert kinds[:2] == ["call", "triage"] and kinds[-1] == "outcome"
    texts = [e["text"] for e in entries]
    assert any(t == "Dispatched MCT-82 (2nd recommendation: MCT-81 is at lunch)" for t in texts), texts
    ack = next(e for e in entries if e["text"].startswith("MCT-82 acknowledged"))
    note = next(e for e in entries if e["kind"] == "note")
    assert ack["at"] == iso(acked) and entries.index(ack) < entries.index(note)
    assert ack["by"]["username"].startswith("user")
    assert entries[-1]["text"] == "Outcome: stabilized on scene; no police present"
    assert {"message", "status", "assignment", "note"} <= set(kinds)
    team = api.as_role("field", unit_id=second)
    assert team.get(f"{path}/timeline").status_code == 200
    assert api.as_role("field", unit_id=first).get(f"{path}/timeline").status_code == 403


def test_each_sms_reply_is_one_entry_on_the_timeline_by_the_team(app, api):
    """A text that moved the incident reads once, in its status entry (with the text kept); a text
    that moved nothing (an unknown code, STATUS) stays a message entry; both are by the team."""
    from core.deps import bus_of
    from notifications.inbound import handle_inbound

    incident_id, unit_id, dispatcher = dispatched(app, api)
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        for n, body in enumerate(["1", "hello?", "STATUS"]):
            handle_inbound(
                session=db.session,
                bus=bus_of(app),
                message_sid="SM" + str(n) * 32,
                from_number=unit.phones[0],
                to_number="+1",
                body=body,
            )
        db.session.commit()
        sign = unit.call_sign
    entries = dispatcher.get(f"/api/v1/incidents/{incident_id}/timeline").get_json()
    texts = [e["text"] for e in entries]
    ack = [e for e in entries if "acknowledge" in e["text"]]
    assert [e["text"] for e in ack] == [f"{sign} acknowledged by SMS"], texts
    assert ack[0]["kind"] == "status" and ack[0]["data"]["message"]["body"] == "1"
    assert ack[0]["by"] == {"id": None, "username": sign}
    assert f"{sign} texted \u201chello?\u201d" in texts
    assert f"{sign} texted \u201cSTATUS\u201d: status" in texts
    assert all(e["by"] == {"id": None, "username": sign} for e in entries if e["text"].startswith(f"{sign} texted"))
    assert any(t.startswith(f"Dispatch text to {sign}") for t in texts)


# --- back to the queue ------------------------------------------------------------------------


def test_a_dispatcher_returns_an_incident_to_the_queue_with_a_reason(app, api):
    incident_id, unit_id, dispatcher = dispatched(app, api)
    path = f"/api/v1/incidents/{incident_id}/requeue"
    assert dispatcher.post(path, json={"reason": "  "}).status_code == 422
    assert api.as_role("field", unit_id=unit_id).post(path, json={"reason": "x"}).status_code == 403
    answer = dispatcher.post(path, json={"reason": "MCT broke down on Route 2"})
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "pending" and body["unit_id"] is None
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.status, unit.incident_id) == ("available", None)
        assignment = db.session.scalars(sa.select(Assignment).where(Assignment.incident_id == incident_id)).one()
        assert assignment.ended_at is not None and "broke down" in assignment.end_reason
    assert dispatcher.post(path, json={"reason": "again"}).status_code == 409
    texts = [e["text"] for e in dispatcher.get(f"/api/v1/incidents/{incident_id}/timeline").get_json()]
    assert "Returned to the queue: MCT broke down on Route 2" in texts


# --- the area ---------------------------------------------------------------------------------

DOWNTOWN = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Downtown", "rural": False},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[-73.22, 44.47], [-73.20, 44.47], [-73.20, 44.49], [-73.22, 44.49], [-73.22, 44.47]]],
            },
        }
    ],
}


def test_an_incident_takes_the_service_area_of_its_place_and_a_new_place_changes_it(app, api):
    app.extensions[EXTENSION] = replace(ports_of(app), areas=parse_areas(DOWNTOWN))
    operator = api.as_role("operator")
    call = operator.post(
        "/api/v1/calls",
        json={
            "caller": {"phone": "+18025550144"},
            "location": {"lat": 44.4781, "lon": -73.2125},
            "answers": {"cssrs_1": "yes", "cssrs_2": "yes", "cssrs_3": "yes", "cssrs_4": "no", "cssrs_5": "no",
                        "cssrs_6": "no", "medical_emergency": "no", "attempt_in_progress": "no",
                        "weapon_present": "no", "violence_now": "no", "violence_history": "no"},
        },
    )  # fmt: skip
    assert call.status_code == 201, call.get_json()
    incident_id = call.get_json()["incident_id"]
    dispatcher = api.as_role("dispatcher")
    assert dispatcher.get(f"/api/v1/incidents/{incident_id}").get_json()["area"] == "Downtown"
    moved = dispatcher.post(f"/api/v1/incidents/{incident_id}/location", json={"lat": 44.52, "lon": -73.20})
    assert moved.status_code == 200 and moved.get_json()["area"] is None
    with app.app_context():
        assert db.session.get(Incident, incident_id).area is None


# --- fit band through the API -------------------------------------------------------------------


def test_the_only_spanish_speaking_unit_comes_first_for_an_urgent_spanish_speaking_teenager(app, api):
    from dispatch.service import DEFAULT_ESTIMATOR

    def north(km: float) -> tuple[float, float]:
        return (44.4781 + km / 111.2, -73.2125)

    ten_minutes_later = DEFAULT_ESTIMATOR.straight_m_for_seconds(DEFAULT_ESTIMATOR.seconds_for_straight_m(1000) + 600)
    english = [make_placed_unit(app, north(km), languages=["en"]) for km in (1.0, 1.5, 2.0)]
    spanish = make_placed_unit(app, north(ten_minutes_later / 1000), languages=["en", "es"], youth=True)
    dispatcher = api.as_role("dispatcher")
    plain = make_incident(app, priority="urgent")
    by_eta = dispatcher.get(f"/api/v1/incidents/{plain}/recommendations").get_json()["units"]
    assert [u["unit_id"] for u in by_eta] == [*english, spanish]  # 4th by ETA
    for priority, first in (("urgent", spanish), ("emergent", english[0])):
        incident_id = make_incident(app, priority=priority, language="es", youth=True)
        units = dispatcher.get(f"/api/v1/incidents/{incident_id}/recommendations").get_json()["units"]
        assert units[0]["unit_id"] == first, priority
        if first == spanish:
            assert any("for language fit (within the 15 min fit band)" in r for r in units[0]["reasons"])


def test_a_cancel_or_a_return_to_the_queue_entered_later_is_stamped_when_it_happened(app, api, clock):
    incident_id, _, dispatcher = dispatched(app, api)
    early = clock.at - timedelta(hours=1)
    refused = move(dispatcher, incident_id, "pending", note="unit broke down", at=iso(early))
    assert refused.status_code == 422 and "at" in refused.get_json()["error"]["fields"]
    clock.move(120)
    back = clock.at - timedelta(minutes=1)
    requeued = dispatcher.post(
        f"/api/v1/incidents/{incident_id}/requeue", json={"reason": "unit broke down", "at": iso(back)}
    )
    assert requeued.status_code == 200, requeued.get_json()
    clock.move(60)
    gone = clock.at - timedelta(seconds=30)
    answer = move(dispatcher, incident_id, "cancelled", note="duplicate of an earlier call", at=iso(gone))
    assert answer.status_code == 200 and answer.get_json()["timestamps"]["cancelled_at"] == iso(gone)
    entries = dispatcher.get(f"/api/v1/incidents/{incident_id}/timeline").get_json()
    stamped = {e["text"]: e["at"] for e in entries if e["kind"] == "status"}
    assert stamped["Returned to the queue: unit broke down"] == iso(back)
    assert stamped["Cancelled: duplicate of an earlier call"] == iso(gone)
