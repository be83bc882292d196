"""The warm transfer of a 911 call (CONTRACT "Calls (amended)", DOMAIN "Timers"): recorded once,
listed as pending until then, alerted after TRANSFER_CONFIRM_S, and its follow-up clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry, Event, User
from tests.support.timer_factories import MovableClock, alerts, sweep_now
from tests.support.triage_factories import MEDICAL_911, PHONE, answers, call_body
from timers.models import Followup


@pytest.fixture
def clock() -> Iterator[MovableClock]:
    moving = MovableClock().install()
    yield moving
    MovableClock.uninstall()


def sweep(app: Any) -> None:
    with app.app_context():
        sweep_now()
        db.session.commit()


def open_alerts(app: Any, kind: str = "transfer_unconfirmed") -> list[Any]:
    with app.app_context():
        return alerts(kind=kind)


def followup_of(app: Any, call_id: int) -> Any:
    with app.app_context():
        return db.session.scalars(sa.select(Followup).where(Followup.call_id == call_id)).one()


def test_a_911_call_is_pending_until_its_transfer_is_recorded_once(app, api, clock):
    operator = api.as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    operator.post("/api/v1/calls", json=call_body(PHONE))
    assert [c["id"] for c in operator.get("/api/v1/calls?transfer=pending").get_json()] == [call["id"]]

    clock.move(40)
    recorded = operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911", "note": "EMS took it"})
    assert recorded.status_code == 200, recorded.get_json()
    transfer = recorded.get_json()["transfer"]
    assert transfer["to"] == "911" and transfer["note"] == "EMS took it"  # the call page shows it
    with app.app_context():
        recorder = db.session.get(User, transfer["by"]["id"])
        assert transfer["by"] == {"id": recorder.id, "username": recorder.username} and "operator" in recorder.roles
    assert datetime.fromisoformat(transfer["at"]) == clock.at
    assert operator.get(f"/api/v1/calls/{call['id']}").get_json()["transfer"] == transfer
    assert operator.get("/api/v1/calls?transfer=pending").get_json() == []

    again = api.as_role("dispatcher").post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911"})
    assert again.status_code == 409
    with app.app_context():
        audited = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "transfer")).all()
        assert [(a.record_id, a.detail["note"]) for a in audited] == [(str(call["id"]), "EMS took it")]
        updates = db.session.scalars(sa.select(Event).where(Event.type == "call.updated")).all()
        assert [e.data["transfer"]["to"] for e in updates] == ["911"]


def test_an_unrecorded_transfer_raises_its_alert_after_transfer_confirm_s_and_the_transfer_clears_it(app, api, clock):
    operator = api.as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    clock.move(119)
    sweep(app)
    assert open_alerts(app) == []
    clock.move(2)
    sweep(app)
    (alert,) = open_alerts(app)
    assert call["number"] in alert.message and alert.data["call_id"] == call["id"]
    assert alert.severity == "critical" and alert.audience == "operator"
    listed = api.as_role("supervisor").get("/api/v1/alerts").get_json()
    assert [a["kind"] for a in listed] == ["transfer_unconfirmed"]

    operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911"})
    assert open_alerts(app) == []


def test_a_transfer_recorded_in_time_raises_no_alert(app, api, clock):
    operator = api.as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    clock.move(30)
    operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911"})
    clock.move(600)
    sweep(app)
    assert open_alerts(app) == []


def test_the_alert_counts_from_when_the_call_was_answered(app, api, clock):
    operator = api.as_role("operator")
    answered = (clock.at - timedelta(minutes=3)).isoformat()
    operator.post("/api/v1/calls", json=call_body(MEDICAL_911, answered_at=answered))
    sweep(app)
    assert len(open_alerts(app)) == 1


def test_the_follow_up_of_a_911_call_starts_at_the_save_and_again_at_the_transfer(app, api, clock):
    operator = api.as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    saved = followup_of(app, call["id"])
    assert saved.started_at == datetime.fromisoformat(call["saved_at"])
    assert saved.due_at - saved.started_at == timedelta(hours=24)  # a 911 call counts as at least moderate
    clock.move(600)
    at = clock.at - timedelta(minutes=4)
    operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911", "at": at.isoformat()})
    moved = followup_of(app, call["id"])
    assert (moved.started_at, moved.due_at) == (at, at + timedelta(hours=24))
    listed = operator.get("/api/v1/followups").get_json()
    assert [(f["call_id"], datetime.fromisoformat(f["due_at"])) for f in listed] == [(call["id"], moved.due_at)]


@pytest.mark.parametrize(
    ("at", "problem"),
    [
        (lambda call, now: (now + timedelta(minutes=5)).isoformat(), "in the future"),
        (lambda call, now: (datetime.fromisoformat(call["received_at"]) - timedelta(minutes=1)).isoformat(), "before"),
        (lambda call, now: now.replace(tzinfo=None).isoformat(), "offset"),
    ],
)
def test_a_transfer_time_in_the_future_or_before_the_call_is_refused(api, clock, at, problem):
    operator = api.as_role("operator")
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    refused = operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911", "at": at(call, clock.at)})
    assert refused.status_code == 422
    assert problem in refused.get_json()["error"]["fields"]["at"]
    assert operator.get(f"/api/v1/calls/{call['id']}").get_json()["transfer"] is None


def test_only_a_911_call_has_a_transfer_and_only_operators_and_dispatchers_record_it(api):
    operator = api.as_role("operator")
    phone = operator.post("/api/v1/calls", json=call_body(answers(cssrs_1="yes"))).get_json()
    refused = operator.post(f"/api/v1/calls/{phone['id']}/transfer", json={"to": "911"})
    assert refused.status_code == 409
    call = operator.post("/api/v1/calls", json=call_body(MEDICAL_911)).get_json()
    assert api.as_role("supervisor").post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911"}).status_code == 403
    assert api.as_role("field").post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "911"}).status_code == 403
    assert operator.post(f"/api/v1/calls/{call['id']}/transfer", json={"to": "988"}).status_code == 422
    assert operator.post("/api/v1/calls/999999/transfer", json={"to": "911"}).status_code == 404
