"""`flask --app wsgi demo history --days N`: backdated calls and responses that read like the product's own."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from alerts.models import Alert
from core.clock import now as clock_now
from core.extensions import db
from core.models import Event
from dispatch.models import Assignment, Incident, IncidentMove
from dispatch.states import INCIDENT_TRANSITIONS, OPEN_STATUSES, IncidentStatus
from geo.models import AddressPointRow
from notifications.models import OutboundMessage
from tests.support.factories import Api
from timers.models import Followup, FollowupAttempt, Timer
from triage.models import Call

MILESTONES = ("created_at", "dispatched_at", "acknowledged_at", "en_route_at", "on_scene_at", "cleared_at", "closed_at")


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def count_rows(app, *models):
    with app.app_context():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in models]


def test_ten_days_of_history_are_over_and_send_nothing(app):
    run(app, "demo", "seed")
    before = count_rows(app, OutboundMessage, Alert, Event)  # the seed's own (e.g. beds reported)
    output = run(app, "demo", "history", "--days", "10")
    assert "every response over" in output
    now = clock_now()
    with app.app_context():
        calls = db.session.scalars(sa.select(Call)).all()
        incidents = db.session.scalars(sa.select(Incident)).all()
        assert f"{len(calls)} calls and {len(incidents)} incidents" in output
        assert 200 <= len(calls) <= 400  # about 28 a day
        assert all(now - timedelta(days=10) <= c.received_at < now for c in calls)
        shares = {d: sum(c.disposition == d for c in calls) / len(calls) for d in {c.disposition for c in calls}}
        assert shares["phone"] > 0.5
        assert 0.22 <= shares["mobile_team"] + shares["co_response"] <= 0.42
        assert 0 < shares["emergency_911"] < 0.08
        # The live screens stay as they were: nothing open, nothing texted, no alert, no live event.
        assert not [i for i in incidents if IncidentStatus(i.status) in OPEN_STATUSES]
        assert {i.status for i in incidents} <= {"closed", "cancelled"}
        timers = db.session.scalars(sa.select(Timer)).all()
        assert {t.kind for t in timers} <= {"followup_overdue"} and all(t.due_at > now for t in timers)
    assert count_rows(app, OutboundMessage, Alert, Event) == before


def test_every_incident_moves_as_the_state_machine_allows_and_its_stamps_agree(app):
    run(app, "demo", "seed")
    run(app, "demo", "history", "--days", "7")
    with app.app_context():
        incidents = db.session.scalars(sa.select(Incident)).all()
        assert incidents
        for incident in incidents:
            moves = db.session.scalars(
                sa.select(IncidentMove).where(IncidentMove.incident_id == incident.id).order_by(IncidentMove.id)
            ).all()
            assert moves[0].from_status is None and moves[0].to_status == "pending"
            for before, after in itertools.pairwise(moves):
                assert after.from_status == before.to_status and before.at <= after.at
                assert IncidentStatus(after.to_status) in INCIDENT_TRANSITIONS[IncidentStatus(before.to_status)]
            assert moves[-1].to_status == incident.status
            stamps = [getattr(incident, name) for name in MILESTONES if getattr(incident, name) is not None]
            assert stamps == sorted(stamps)
            call = db.session.get(Call, incident.call_id)
            assert call.received_at <= call.saved_at == incident.created_at
            if incident.status == "cancelled":
                assert incident.unit_id is None and incident.cancel_reason
                continue
            assert incident.outcome and incident.police_present is not None
            assert "outcome_missing" not in incident.flags
            assignment = db.session.scalars(sa.select(Assignment).where(Assignment.incident_id == incident.id)).one()
            assert (assignment.unit_id, assignment.assigned_at) == (incident.unit_id, incident.dispatched_at)
            assert assignment.ended_at == incident.cleared_at
            if incident.on_scene_at is None:
                assert incident.outcome in {"cancelled_before_arrival", "handed_to_ems", "handed_to_police"}
            if incident.transporting_at is not None:
                assert incident.facility_id is not None and incident.at_facility_at > incident.transporting_at
        # a team is on one incident at a time
        by_unit: dict[int, list[Incident]] = {}
        for incident in incidents:
            if incident.unit_id is not None:
                by_unit.setdefault(incident.unit_id, []).append(incident)
        for runs in by_unit.values():
            runs.sort(key=lambda i: i.dispatched_at)
            for first, second in itertools.pairwise(runs):
                assert first.cleared_at <= second.dispatched_at


def test_places_are_real_address_points_and_911_calls_have_their_transfer(app):
    run(app, "demo", "seed")
    run(app, "demo", "history", "--days", "7")
    with app.app_context():
        points = {(p.lat, p.lon) for p in db.session.scalars(sa.select(AddressPointRow))}
        calls = db.session.scalars(sa.select(Call)).all()
        placed = [c for c in calls if c.address]
        assert placed and all((c.lat, c.lon) in points and c.location_source == "local" for c in placed)
        assert all(c.address.endswith(", Burlington, VT 05401") or ", VT" in c.address for c in placed)
        transfers = [c for c in calls if c.disposition == "emergency_911"]
        assert transfers
        assert all(
            c.transfer_to == "911" and c.received_at < c.transfer_at <= c.transfer_recorded_at for c in transfers
        )
        assert all(c.transfer_instruction for c in transfers)


def test_followups_have_attempts_and_only_open_windows_stay_due(app):
    run(app, "demo", "seed")
    run(app, "demo", "history", "--days", "10")
    now = clock_now()
    with app.app_context():
        followups = db.session.scalars(sa.select(Followup)).all()
        states = {f.state for f in followups}
        assert {"done", "due"} <= states and states <= {"done", "declined", "lost", "due"}
        late = 0
        for followup in followups:
            attempts = db.session.scalars(
                sa.select(FollowupAttempt)
                .where(FollowupAttempt.followup_id == followup.id)
                .order_by(FollowupAttempt.id)
            ).all()
            assert followup.attempts == len(attempts)
            assert all(followup.started_at < a.at < now for a in attempts)
            if followup.state == "due":
                assert followup.due_at > now and all(a.outcome == "no_answer" for a in attempts)
            else:
                assert attempts and followup.closed_at == attempts[-1].at
                late += followup.state == "done" and attempts[-1].at > followup.due_at
        assert late  # some people are reached only after their window


def test_a_second_run_says_so_and_adds_nothing(app):
    run(app, "demo", "seed")
    run(app, "demo", "history", "--days", "3")
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Call))
    again = run(app, "demo", "history", "--days", "3")
    assert "already has calls from" in again and "Nothing changed" in again
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == before


def test_history_needs_the_demo_units_first(app):
    result = app.test_cli_runner().invoke(args=["demo", "history", "--days", "3"])
    assert result.exit_code != 0 and "demo seed" in result.output


def test_the_product_reads_history_calls_and_timelines(app):
    run(app, "demo", "seed")
    run(app, "demo", "history", "--days", "3")
    with app.app_context():
        incident = db.session.scalars(
            sa.select(Incident).where(Incident.on_scene_at.is_not(None)).order_by(Incident.id.desc()).limit(1)
        ).one()
        incident_id, call_id = incident.id, incident.call_id
    api = Api(app).as_role("supervisor")
    call = api.get(f"/api/v1/calls/{call_id}")
    assert call.status_code == 200, call.get_json()
    body = call.get_json()
    assert body["disposition"] in {"mobile_team", "co_response"} and body["triage"]["reasons"]
    timeline = api.get(f"/api/v1/incidents/{incident_id}/timeline")
    assert timeline.status_code == 200
    kinds = [entry["kind"] for entry in timeline.get_json()]
    assert kinds[0] == "call" and "outcome" in kinds
    texts = " ".join(entry["text"] for entry in timeline.get_json())
    assert "on scene" in texts.replace("_", " ")


def test_with_service_areas_history_has_areas_and_rural_teams_travel_longer(app):
    from dataclasses import replace

    from core.ports import EXTENSION, ports_of
    from geo.areas import parse_areas

    def box(name, rural, south, north):
        ring = [[-73.30, south], [-73.15, south], [-73.15, north], [-73.30, north], [-73.30, south]]
        return {"type": "Feature", "properties": {"name": name, "rural": rural},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}  # fmt: skip

    areas = {
        "type": "FeatureCollection",
        "features": [box("South", False, 44.40, 44.485), box("North", True, 44.485, 44.60)],
    }
    app.extensions[EXTENSION] = replace(ports_of(app), areas=parse_areas(areas))
    run(app, "demo", "seed")
    run(app, "demo", "history", "--days", "10")
    with app.app_context():
        travel: dict[str, list[float]] = {"South": [], "North": []}
        for incident in db.session.scalars(sa.select(Incident).where(Incident.on_scene_at.is_not(None))):
            assert incident.area in travel
            travel[incident.area].append((incident.on_scene_at - incident.en_route_at).total_seconds())
    assert travel["South"] and travel["North"]
    assert min(travel["North"]) >= 25 * 60 > min(travel["South"])  # a rural drive is never a town one
