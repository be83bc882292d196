"""The reports API around its figures: who may read it, what a bad period answers, the incidents
CSV (its columns, nothing personal, audited, safe in a spreadsheet) and the follow-up figure."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from tests.support.report_factories import (
    DOWNTOWN,
    HILLS,
    add_attempt,
    followup_of,
    make_response,
    use_areas,
)

DAY = datetime(2026, 11, 10, tzinfo=UTC)
PERIOD = "from=2026-11-10&to=2026-11-11"
ROUTES = ("/api/v1/reports/summary", "/api/v1/reports/daily", "/api/v1/reports/incidents.csv")


def at(hh: int, mm: int = 0, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hh, minutes=mm)


@pytest.mark.parametrize("role", ["operator", "dispatcher", "field"])
def test_only_supervisors_and_admins_read_reports(app, api, role):
    asking = api.as_role(role)
    for route in ROUTES:
        answer = asking.get(f"{route}?{PERIOD}")
        assert answer.status_code == 403, (route, answer.get_json())
        assert answer.get_json()["error"]["code"] == "forbidden"
    for allowed in ("supervisor", "admin"):
        for route in ROUTES:
            assert api.as_role(allowed).get(f"{route}?{PERIOD}").status_code == 200, (allowed, route)


def test_a_facility_user_reads_no_report(app, api):
    from core.roles import ROLES

    if "facility" not in ROLES:
        pytest.skip("the facility role has not landed yet")
    for route in ROUTES:
        assert api.as_role("facility").get(f"{route}?{PERIOD}").status_code == 403


def test_signed_out_is_401(client):
    for route in ROUTES:
        assert client.get(f"{route}?{PERIOD}").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "from"),
        ("to=2026-11-11", "from"),
        ("from=2026-11-10", "to"),
        ("from=yesterday&to=2026-11-11", "from"),
        ("from=2026-11-10&to=0.5", "to"),
        ("from=2026-13-01&to=2026-11-11", "from"),
        ("from=2026-11-10T08:00:00&to=2026-11-11", "from"),  # no offset
        ("from=2026-11-11&to=2026-11-10", "from"),
        ("from=2026-11-10&to=2026-11-10", "from"),
        ("from=2025-01-01&to=2026-11-10", "to"),  # more than 366 days
        (PERIOD + "&priority=whenever", "priority"),
        (PERIOD + "&area=Atlantis", "area"),
        (PERIOD + "&colour=red", "colour"),
    ],
)
def test_a_bad_period_or_filter_is_a_422_naming_the_field(app, api, query, field):
    use_areas(app)
    supervisor = api.as_role("supervisor")
    for route in ROUTES:
        answer = supervisor.get(f"{route}?{query}")
        assert answer.status_code == 422, (route, query, answer.get_data(as_text=True)[:300])
        error = answer.get_json()["error"]
        assert field in error["fields"], (route, query, error)
        assert error["message"] and "Traceback" not in error["message"]


def test_the_daily_report_refuses_more_days_than_its_limit_in_words(app, api):
    supervisor = api.as_role("supervisor")
    answer = supervisor.get("/api/v1/reports/daily?from=2026-09-01&to=2026-11-10")
    assert answer.status_code == 422
    assert "70 days" in answer.get_json()["error"]["message"] and "limit=70" in answer.get_json()["error"]["message"]
    longer = supervisor.get("/api/v1/reports/daily?from=2026-09-01&to=2026-11-10&limit=70")
    assert longer.status_code == 200 and len(longer.get_json()) == 70


def _rows(answer: Any) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def test_the_csv_has_the_contract_columns_one_row_per_incident_and_nothing_personal(app, api):
    use_areas(app)
    make_response(
        app,
        received_at=at(10),
        priority="emergent",
        place=DOWNTOWN,
        steps=[("dispatch", at(10, 2)), ("requeue", at(10, 3)), ("dispatch", at(10, 4)), ("on_scene", at(10, 30)),
               ("cleared", at(11))],
        outcome="stabilized_on_scene",
        police_present=False,
    )  # fmt: skip
    make_response(app, received_at=at(12), place=HILLS)
    from tests.support.dispatch_factories import make_call

    make_call(app, disposition="phone", received_at=at(13))  # no incident: no row
    with app.app_context():
        from triage.models import Call

        for call in db.session.scalars(sa.select(Call)):
            call.caller_name, call.caller_phone = "Robin Example", "+18025550123"
            call.narrative = "Robin said the neighbour is loud"
        db.session.commit()

    answer = api.as_role("supervisor").get(f"/api/v1/reports/incidents.csv?{PERIOD}")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    text = answer.get_data(as_text=True)
    assert text.splitlines()[0] == (
        "number,priority,disposition,area,received_at,dispatched_at,acknowledged_at,en_route_at,"
        "on_scene_at,cleared_at,outcome,police_present,facility,answer_to_dispatch_s,response_s"
    )
    for personal in ("Robin", "555", "neighbour", "Church"):
        assert personal not in text
    first, second = _rows(answer)
    assert first["priority"] == "emergent" and first["area"] == "Downtown"
    assert first["received_at"] == "2026-11-10T10:00:00+00:00"
    assert first["dispatched_at"] == "2026-11-10T10:02:00+00:00"  # the first dispatch
    assert first["answer_to_dispatch_s"] == "120" and first["response_s"] == "1800"
    assert first["outcome"] == "stabilized_on_scene" and first["police_present"] == "false"
    assert first["acknowledged_at"] == "" and first["facility"] == ""
    assert second["area"] == "Hills" and second["dispatched_at"] == "" and second["response_s"] == ""


def test_every_export_is_on_the_audit_trail(app, api):
    make_response(app, received_at=at(10))
    supervisor = api.as_role("supervisor")
    assert supervisor.get(f"/api/v1/reports/incidents.csv?{PERIOD}&priority=urgent").status_code == 200
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "report.export")).one()
        assert entry.user_id is not None and entry.record_type == "report"
        assert entry.detail["from"] == "2026-11-10T00:00:00+00:00" and entry.detail["to"] == "2026-11-11T00:00:00+00:00"
        assert entry.detail["priority"] == "urgent" and entry.detail["rows"] == 1


def test_a_cell_a_spreadsheet_would_run_is_written_as_text(app, api):
    from facilities.models import Facility

    with app.app_context():
        facility = Facility(name='=HYPERLINK("http://x")', kind="respite", address="1 Main St", lat=44.47, lon=-73.21)
        db.session.add(facility)
        db.session.commit()
        facility_id = facility.id
    make_response(
        app,
        received_at=at(10),
        steps=[("dispatch", at(10, 1)), ("on_scene", at(10, 20)), ("transporting", at(10, 40))],
        facility_id=facility_id,
    )
    (row,) = _rows(api.as_role("admin").get(f"/api/v1/reports/incidents.csv?{PERIOD}"))
    assert row["facility"] == '\'=HYPERLINK("http://x")'


def test_followups_due_in_the_period_and_those_done_within_their_window(app, api):
    use_areas(app)
    cleared = [("dispatch", at(9)), ("on_scene", at(9, 30)), ("cleared", at(10))]
    emergent = make_response(app, received_at=at(8), priority="emergent", place=DOWNTOWN, steps=cleared)
    urgent = make_response(app, received_at=at(8, 30), priority="urgent", place=DOWNTOWN, steps=cleared)
    rural = make_response(app, received_at=at(8, 40), priority="emergent", place=HILLS, steps=cleared)
    late = make_response(app, received_at=at(8, 50), priority="emergent", place=DOWNTOWN, steps=cleared)
    due = {name: followup_of(app, incident) for name, incident in
           {"emergent": emergent, "urgent": urgent, "rural": rural, "late": late}.items()}  # fmt: skip
    assert {d for _, d in due.values()} == {at(10, day=1)}  # 24 h after the clear (moderate risk)
    add_attempt(app, due["emergent"][0], outcome="reached", at=at(9, day=1))
    add_attempt(app, due["urgent"][0], outcome="no_answer", at=at(9, day=1))
    add_attempt(app, due["urgent"][0], outcome="reached", at=at(10, 1, day=1))  # a minute late
    add_attempt(app, due["rural"][0], outcome="declined", at=at(10, day=1))  # at due_at: in the window
    add_attempt(app, due["late"][0], outcome="no_answer", at=at(9, day=1))

    supervisor = api.as_role("supervisor")

    def followups(query: str) -> dict[str, Any]:
        return supervisor.get(f"/api/v1/reports/summary?{query}").get_json()["followups"]

    assert followups("from=2026-11-11&to=2026-11-12") == {"due": 4, "done_in_window": 2, "share": 0.5}
    assert followups("from=2026-11-11&to=2026-11-12&priority=emergent") == {"due": 3, "done_in_window": 2,
                                                                            "share": 0.6667}  # fmt: skip
    assert followups("from=2026-11-11&to=2026-11-12&area=Hills") == {"due": 1, "done_in_window": 1, "share": 1.0}
    assert followups(PERIOD) == {"due": 0, "done_in_window": 0, "share": None}  # the day they were opened


def test_a_browser_signed_in_by_cookie_reads_the_reports(app):
    from tests.support.factories import signed_in_client

    browser = signed_in_client(app, "supervisor")
    for route in ROUTES:
        answer = browser.get(f"{route}?{PERIOD}")
        assert answer.status_code == 200, (route, answer.get_data(as_text=True)[:300])
