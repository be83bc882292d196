"""The report facts (reports/facts.py) follow their records through every change, and an operator
can check and rebuild them.

Every test of the suite also checks, at its end, that the facts match the records it left
(tests/conftest.py `app`); these tests show what a supervisor would see when they did not."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.extensions import db
from dispatch.models import Incident
from reports import facts
from tests.support.report_factories import make_response, make_transferred_call, use_areas

DAY = datetime(2026, 11, 10, tzinfo=UTC)
PERIOD = "from=2026-11-10T00:00:00%2B00:00&to=2026-11-11T00:00:00Z"


def at(hh: int, mm: int) -> datetime:
    return DAY + timedelta(hours=hh, minutes=mm)


def _summary(api: Any) -> dict[str, Any]:
    answer = api.as_role("supervisor").get(f"/api/v1/reports/summary?{PERIOD}")
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def _one_response(app: Any) -> int:
    use_areas(app)
    return make_response(
        app,
        received_at=at(10, 0),
        priority="emergent",
        steps=[("dispatch", at(10, 2)), ("en_route", at(10, 5)), ("on_scene", at(10, 25)), ("cleared", at(11, 10))],
        outcome="stabilized_on_scene",
        police_present=False,
    )


def test_a_corrected_milestone_changes_the_figures_at_once(app: Any, api: Any) -> None:
    incident_id = _one_response(app)
    assert _summary(api)["intervals"]["response"] == {"n": 1, "median_s": 1500, "p90_s": 1500}

    with app.app_context():  # a supervisor corrects the arrival: the team was on scene at 10:20
        incident = db.session.get_one(Incident, incident_id)
        incident.on_scene_at = at(10, 20)
        db.session.commit()

    figures = _summary(api)
    assert figures["intervals"]["response"] == {"n": 1, "median_s": 1200, "p90_s": 1200}
    assert figures["intervals"]["travel"]["median_s"] == 900
    assert figures["intervals"]["on_scene"]["median_s"] == 3000


def test_a_recorded_911_transfer_is_counted_at_once(app: Any, api: Any) -> None:
    make_transferred_call(app, received_at=at(16, 0), transfer_at=at(16, 2))
    assert _summary(api)["transfers_911"] == {"n": 1, "median_s": 120}


def test_check_facts_finds_a_changed_fact_and_rebuild_facts_mends_it(app: Any, api: Any) -> None:
    _one_response(app)
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["reports", "check-facts"])
    assert checked.exit_code == 0, checked.output
    assert "match their records" in checked.output

    with app.app_context():  # a change made outside the service, behind the facts' back
        db.session.execute(sa.text("DELETE FROM report_facts WHERE kind = 'interval.response'"))
        db.session.commit()
    assert _summary(api)["intervals"]["response"]["n"] == 0

    checked = runner.invoke(args=["reports", "check-facts"])
    assert checked.exit_code == 1
    assert "1 missing" in checked.output and "interval.response" in checked.output
    assert "rebuild-facts" in checked.output

    rebuilt = runner.invoke(args=["reports", "rebuild-facts"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Rebuilt the report facts" in rebuilt.output
    assert _summary(api)["intervals"]["response"] == {"n": 1, "median_s": 1500, "p90_s": 1500}
    assert runner.invoke(args=["reports", "check-facts"]).exit_code == 0


@pytest.mark.allow_server_errors
def test_a_bulk_update_that_does_not_say_what_it_does_to_the_facts_is_logged(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    incident_id = _one_response(app)
    with app.app_context(), caplog.at_level(logging.ERROR, logger="reports.facts"):
        db.session.execute(sa.update(Incident).where(Incident.id == incident_id).values(on_scene_at=at(10, 20)))
        facts.refresh(db.session.connection(), incident_ids=[incident_id])  # leave the facts right
        db.session.commit()
    assert any("report facts" in record.getMessage() for record in caplog.records)


def test_bulk_updates_that_say_what_they_do_are_not_logged(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    incident_id = _one_response(app)
    with app.app_context(), caplog.at_level(logging.ERROR, logger="reports.facts"):
        db.session.execute(
            sa.update(Incident)
            .where(Incident.id == incident_id)
            .values(transport_eta_seconds=60)
            .execution_options(report_facts="unchanged")
        )
        db.session.commit()
    assert caplog.records == []


def test_two_writers_refreshing_one_call_at_once_leave_it_counted_once(live_app: Any) -> None:
    """A follow-up attempt is flushed (its call's facts refreshed) and held open while another
    transaction records the incident's outcome, which refreshes the same call. The second waits
    for the first (PostgreSQL: the facts' advisory lock; SQLite: its one writer); without the
    lock its DELETE would miss the rows the first inserted, and the call would count twice."""
    import threading
    import time

    from sqlalchemy.orm import Session

    from tests.support.report_factories import followup_of
    from timers.models import FollowupAttempt

    incident_id = _one_response(live_app)
    followup_id, due_at = followup_of(live_app, incident_id)
    with live_app.app_context():
        engine = db.engine
    first = Session(engine)
    first.add(FollowupAttempt(followup_id=followup_id, outcome="reached", at=due_at - timedelta(hours=1)))
    first.flush()  # the call's facts are refreshed, in this open transaction

    def record_outcome() -> None:
        with Session(engine) as second:
            second.get_one(Incident, incident_id).outcome = "referred_outpatient"
            second.commit()

    thread = threading.Thread(target=record_outcome)
    thread.start()
    time.sleep(1.0)  # the second writer is now waiting on the first
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert not thread.is_alive()

    with live_app.app_context():
        left = facts.drift(db.session.connection())
        kinds = db.session.execute(sa.text("SELECT kind FROM report_facts WHERE kind LIKE 'outcome.%'")).scalars()
        counted = sorted(kinds)
        db.session.rollback()
    assert not left, str(left)
    assert counted == ["outcome.referred_outpatient"]
