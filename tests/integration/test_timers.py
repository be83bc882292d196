"""Timers with a clock the test moves: each fires at its due time and not before, is cancelled by
the change that answers it, and fires late (never not at all) after a restart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import current_app

from core.actors import Actor
from core.deps import bus_of
from core.extensions import db
from tests.support.dispatch_factories import (
    FAR,
    NEAR,
    assign_with_app_ports,
    make_call,
    make_incident,
    make_placed_unit,
)
from tests.support.timer_factories import MovableClock, alerts, outbox, sweep_now
from triage.events import CallLogged

DISPATCHER = Actor.system("test-dispatcher")
TEAM = Actor.system("sms:team")


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    moving = MovableClock().install()
    yield moving
    MovableClock.uninstall()


def _assign(app: Any, *, priority: str = "urgent") -> tuple[int, int, int]:
    """An incident with its first-choice unit assigned, and a second unit that could go instead."""
    first = make_placed_unit(app, NEAR, phones=["+18025550901", "+18025550902"])
    second = make_placed_unit(app, FAR)
    incident_id = make_incident(app, priority=priority)
    with app.app_context():
        assign_with_app_ports(incident_id=incident_id, unit_id=first, reason="closest", by=DISPATCHER)
        db.session.commit()
    return incident_id, first, second


def _move(app: Any, incident_id: int, status: str) -> None:
    from dispatch.service import move_incident

    with app.app_context():
        move_incident(session=db.session, incident_id=incident_id, status=status, by=TEAM, bus=bus_of(current_app))
        db.session.commit()


def test_unacknowledged_unit_is_paged_again_at_its_time_then_a_next_unit_is_proposed(app: Any, clock: Any) -> None:
    incident_id, first, second = _assign(app)
    with app.app_context():
        clock.move(119)
        sweep_now()
        assert outbox(kind="repage") == []
        assert alerts(kind="ack_overdue") == []

        clock.move(1)
        sweep_now()
        repages = outbox(kind="repage", incident_id=incident_id)
        assert sorted(m.to for m in repages) == ["+18025550901", "+18025550902"]
        [overdue] = alerts(kind="ack_overdue")
        assert (overdue.incident_id, overdue.unit_id, overdue.audience) == (incident_id, first, "dispatcher")
        assert "2 min" in overdue.message

        clock.move(60)
        sweep_now()
        assert len(outbox(kind="repage")) == 2  # paged again once, not on every sweep
        assert alerts(kind="reassign_suggested") == []

        clock.move(120)  # 300 s after dispatch
        sweep_now()
        [proposal] = alerts(kind="reassign_suggested")
        assert proposal.data["suggested"]["unit_id"] == second
        assert "next best" in proposal.message


def test_acknowledging_cancels_the_repage_and_clears_the_overdue_alert(app: Any, clock: Any) -> None:
    incident_id, _, _ = _assign(app)
    with app.app_context():
        clock.move(130)
        sweep_now()
        assert len(alerts(kind="ack_overdue")) == 1
    _move(app, incident_id, "acknowledged")
    with app.app_context():
        assert alerts(kind="ack_overdue") == []
        cleared = alerts(kind="ack_overdue", open_only=False)
        assert cleared[0].cleared_by == "incident acknowledged"
        clock.move(3600)
        sweep_now()
        assert alerts(kind="reassign_suggested") == []
        assert len(outbox(kind="repage")) == 2


@pytest.mark.parametrize("how", ["cancel", "return_to_queue"])
def test_a_withdrawn_assignment_stops_the_acknowledgement_timers(app: Any, clock: Any, how: str) -> None:
    from dispatch import service

    incident_id, _, _ = _assign(app)
    with app.app_context():
        getattr(service, how if how == "return_to_queue" else "cancel_incident")(
            session=db.session, incident_id=incident_id, reason="duplicate", by=DISPATCHER, bus=bus_of(current_app)
        )
        db.session.commit()
        clock.move(600)
        sweep_now()
        assert outbox(kind="repage") == []
        assert alerts(kind="ack_overdue") == [] and alerts(kind="reassign_suggested") == []


def test_an_emergent_incident_waiting_too_long_alerts_the_supervisor(app: Any, clock: Any) -> None:
    waiting = make_incident(app, priority="emergent")
    routine = make_incident(app, priority="routine")
    with app.app_context():
        clock.move(299)
        sweep_now()
        assert alerts(kind="pending_sla") == []
        clock.move(1)
        sweep_now()
        [late] = alerts(kind="pending_sla")
        assert (late.incident_id, late.audience, late.severity) == (waiting, "supervisor", "critical")
        assert routine != late.incident_id


def test_assigning_in_time_cancels_the_pending_sla_and_late_assignment_clears_it(app: Any, clock: Any) -> None:
    in_time = make_incident(app, priority="emergent")
    late = make_incident(app, priority="emergent")
    units = [make_placed_unit(app, NEAR), make_placed_unit(app, NEAR)]
    with app.app_context():
        clock.move(100)
        assign_with_app_ports(incident_id=in_time, unit_id=units[0], reason="test", by=DISPATCHER)
        db.session.commit()
        clock.move(250)
        sweep_now()
        assert [a.incident_id for a in alerts(kind="pending_sla")] == [late]
        assign_with_app_ports(incident_id=late, unit_id=units[1], reason="test", by=DISPATCHER)
        db.session.commit()
        assert alerts(kind="pending_sla") == []


def test_safety_checkin_is_asked_missed_alerted_escalated_and_answered(app: Any, clock: Any) -> None:
    from timers.service import checkin_received

    incident_id, unit_id, _ = _assign(app)
    _move(app, incident_id, "on_scene")
    with app.app_context():
        clock.move(899)
        sweep_now()
        assert outbox(kind="checkin") == []
        clock.move(1)
        sweep_now()
        assert len(outbox(kind="checkin", incident_id=incident_id)) == 2  # one per phone of the team
        clock.move(299)
        sweep_now()
        assert alerts(kind="checkin_missed") == []
        clock.move(1)
        sweep_now()
        [missed] = alerts(kind="checkin_missed")
        assert missed.audience == "dispatcher" and missed.severity == "critical"
        assert missed.data["last_position"]["lat"] == pytest.approx(NEAR[0])
        clock.move(300)
        sweep_now()
        [escalated] = alerts(kind="checkin_missed")
        assert escalated.id == missed.id and escalated.audience == "supervisor"
        assert escalated.data["escalated"] is True

        assert checkin_received(session=db.session, unit_id=unit_id, at=clock(), interval_s=900) is True
        db.session.commit()
        assert alerts(kind="checkin_missed") == []
        clock.move(899)
        sweep_now()
        assert len(outbox(kind="checkin")) == 2
        clock.move(1)
        sweep_now()
        assert len(outbox(kind="checkin")) == 4  # the next check-in, 15 minutes after the OK


def test_an_ok_before_the_deadline_raises_nothing_and_clearing_stops_checkins(app: Any, clock: Any) -> None:
    from timers.service import checkin_received

    incident_id, unit_id, _ = _assign(app)
    _move(app, incident_id, "on_scene")
    with app.app_context():
        clock.move(900)
        sweep_now()
        clock.move(120)
        checkin_received(session=db.session, unit_id=unit_id, at=clock(), interval_s=900)
        db.session.commit()
        clock.move(400)
        sweep_now()
        assert alerts(kind="checkin_missed") == []
    _move(app, incident_id, "cleared")
    with app.app_context():
        clock.move(7200)
        sweep_now()
        assert len(outbox(kind="checkin")) == 2
        assert alerts(kind="checkin_missed") == []
        assert checkin_received(session=db.session, unit_id=unit_id, at=clock(), interval_s=900) is False


def test_a_position_turns_stale_after_its_time_and_a_new_fix_answers_it(app: Any, clock: Any) -> None:
    from core.models import Event
    from dispatch.units import record_position

    _, unit_id, spare = _assign(app)
    with app.app_context():
        for unit in (unit_id, spare):
            record_position(
                session=db.session, unit_id=unit, lat=NEAR[0], lon=NEAR[1], by=TEAM, bus=bus_of(current_app)
            )
        db.session.commit()
        last_event = db.session.scalar(sa.select(sa.func.max(Event.id)))
        clock.move(900)  # stale once older than POSITION_STALE_S
        sweep_now()
        assert alerts(kind="position_stale") == []
        clock.move(1)
        sweep_now()
        [stale] = alerts(kind="position_stale")
        assert stale.unit_id == unit_id  # the committed unit only; the spare one is just repainted
        repainted = db.session.scalars(
            sa.select(Event).where(Event.id > last_event, Event.type == "unit.updated")
        ).all()
        assert {e.unit_id for e in repainted} == {unit_id, spare}
        assert all(e.data["location_stale"] for e in repainted)
        record_position(session=db.session, unit_id=unit_id, lat=NEAR[0], lon=NEAR[1], by=TEAM, bus=bus_of(current_app))
        db.session.commit()
        assert alerts(kind="position_stale") == []


def test_a_call_resolved_by_phone_is_followed_up_then_overdue_then_lost_after_five_attempts(
    app: Any, clock: Any, api: Any
) -> None:
    from triage.models import Call

    call_id = make_call(app, disposition="phone")
    with app.app_context():
        bus_of(current_app).publish(CallLogged(call=db.session.get(Call, call_id), by=DISPATCHER), session=db.session)
        db.session.commit()
    operator = api.as_role("operator")
    [due] = operator.get("/api/v1/followups?state=due").get_json()
    assert due["call_id"] == call_id and due["attempts"] == 0 and due["state"] == "due"
    assert due["due_at"] == (clock() + timedelta(hours=24)).isoformat()  # moderate risk: 24 hours
    with app.app_context():
        clock.move(24 * 3600 - 1)
        sweep_now()
        assert alerts(kind="followup_overdue") == []
        clock.move(1)
        sweep_now()
        [overdue] = alerts(kind="followup_overdue")
        assert overdue.data["followup_id"] == due["id"]
    for n in range(1, 5):
        answer = operator.post(f"/api/v1/followups/{due['id']}/attempts", json={"outcome": "no_answer"})
        assert answer.status_code == 201 and answer.get_json()["attempts"] == n
        assert answer.get_json()["state"] == "due"
    fifth = operator.post(f"/api/v1/followups/{due['id']}/attempts", json={"outcome": "no_answer", "note": "vm"})
    assert fifth.get_json()["state"] == "lost"
    assert operator.get("/api/v1/followups?state=due").get_json() == []
    again = operator.post(f"/api/v1/followups/{due['id']}/attempts", json={"outcome": "reached"})
    assert again.status_code == 409
    with app.app_context():
        assert alerts(kind="followup_overdue") == []


def test_reaching_the_person_closes_the_followup_before_it_is_overdue(app: Any, clock: Any, api: Any) -> None:
    incident_id, _, _ = _assign(app)
    _move(app, incident_id, "on_scene")
    _move(app, incident_id, "cleared")
    operator = api.as_role("operator")
    [due] = operator.get("/api/v1/followups").get_json()
    assert due["incident_id"] == incident_id
    answer = operator.post(f"/api/v1/followups/{due['id']}/attempts", json={"outcome": "reached"})
    assert answer.get_json()["state"] == "done"
    assert operator.post(f"/api/v1/followups/{due['id']}/attempts", json={"outcome": "maybe"}).status_code == 422
    assert api.as_role("field").get("/api/v1/followups").status_code == 403
    with app.app_context():
        clock.move(5 * 24 * 3600)
        sweep_now()
        assert alerts(kind="followup_overdue") == []


def test_a_cancelled_row_that_a_sweep_had_claimed_does_not_fire(app: Any, clock: Any) -> None:
    from config import Settings
    from timers.handlers import HANDLERS
    from timers.service import ACK_KINDS, cancel_timers
    from timers.sweep import claim_due, fire_one

    incident_id, _, _ = _assign(app)
    with app.app_context():
        clock.move(600)
        ids = claim_due(session=db.session, now=clock(), token="crashed:1")
        assert len(ids) == 2
        assert cancel_timers(session=db.session, kinds=ACK_KINDS, incident_id=incident_id) == 2
        db.session.commit()
        assert not fire_one(
            session=db.session,
            timer_id=ids[0],
            token="crashed:1",
            handlers=HANDLERS,
            now=clock(),
            settings=Settings.from_env({"APP_ENV": "testing"}),
        )
        assert outbox(kind="repage") == []


def test_a_row_claimed_by_a_scheduler_that_died_fires_once_its_lease_runs_out(app: Any, clock: Any) -> None:
    from timers.models import Timer
    from timers.sweep import LEASE_S, claim_due

    incident_id, _, _ = _assign(app)
    with app.app_context():
        clock.move(130)
        assert len(claim_due(session=db.session, now=clock(), token="dead:1")) == 1  # then it died
        clock.move(LEASE_S - 1)
        assert sweep_now().fired == 0
        clock.move(2)
        assert sweep_now().fired == 1
        assert len(outbox(kind="repage", incident_id=incident_id)) == 2
        fired = db.session.scalars(sa.select(Timer).where(Timer.kind == "ack_repage")).one()
        assert (fired.state, fired.attempts) == ("fired", 2)


def test_timers_due_while_nothing_ran_fire_late_after_a_restart(live_app: Any, databases: Any) -> None:
    from tests.conftest import _make_app
    from timers.models import Timer

    clock = MovableClock().install()
    try:
        incident_id, _, _ = _assign(live_app, priority="emergent")
        with live_app.app_context():
            db.session.remove()
            db.engine.dispose()
        clock.move(6 * 3600)  # the service was down for six hours
        restarted = _make_app(live_app.config["SQLALCHEMY_DATABASE_URI"])
        with restarted.app_context():
            result = sweep_now()
            assert result.fired == 2 and result.failed == 0
            assert len(outbox(kind="repage", incident_id=incident_id)) == 2
            assert {a.kind for a in alerts()} == {"ack_overdue", "reassign_suggested"}
            states = db.session.scalars(sa.select(Timer.state).where(Timer.incident_id == incident_id)).all()
            assert sorted(states) == ["cancelled", "fired", "fired"]  # the SLA was cancelled by the assignment
            db.session.remove()
            db.engine.dispose()
    finally:
        MovableClock.uninstall()
