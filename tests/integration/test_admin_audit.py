"""Searching the audit trail (user, record_type, record_id, action, from, to) and its CSV export,
which is CSV-injection safe and itself audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.models import AuditEntry
from tests.support.factories import make_user


def _entry(
    app, *, actor="system", user_id=None, action="view", record_type="call", record_id="1", at=None, detail=None
):
    with app.app_context():
        db.session.add(
            AuditEntry(
                actor=actor,
                user_id=user_id,
                action=action,
                record_type=record_type,
                record_id=record_id,
                at=at or datetime.now(UTC),
                detail=detail,
            )
        )
        db.session.commit()


def _ids(answer):
    assert answer.status_code == 200, answer.get_json()
    return [(row["action"], row["record_type"], row["record_id"]) for row in answer.get_json()]


def test_the_trail_is_searchable_by_user_record_action_and_time(app, api):
    auditor = api.as_role("supervisor")
    someone, _ = make_user(app, "operator")
    day = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    _entry(app, actor=someone["username"], user_id=someone["id"], record_id="11", at=day)
    _entry(app, actor=someone["username"], user_id=someone["id"], action="call.amend", record_id="12", at=day)
    _entry(
        app,
        actor="cli:set-password",
        action="user.update",
        record_type="user",
        record_id="5",
        at=day - timedelta(days=1),
    )
    _entry(
        app,
        actor="sms:MCT-2",
        action="incident.move",
        record_type="incident",
        record_id="3",
        at=day + timedelta(days=2),
    )

    by_name = _ids(auditor.get(f"/api/v1/audit?user={someone['username'].upper()}"))
    assert by_name == [("call.amend", "call", "12"), ("view", "call", "11")]
    assert _ids(auditor.get(f"/api/v1/audit?user={someone['id']}")) == by_name
    assert _ids(auditor.get("/api/v1/audit?user=cli:set-password")) == [("user.update", "user", "5")]
    assert _ids(auditor.get("/api/v1/audit?record_type=call&record_id=11")) == [("view", "call", "11")]
    assert _ids(auditor.get("/api/v1/audit?action=incident.move")) == [("incident.move", "incident", "3")]
    # A plain date is a whole local day (TIMEZONE is UTC here): from the 10th to the 10th is the 10th.
    on_the_tenth = _ids(auditor.get("/api/v1/audit?from=2026-03-10&to=2026-03-10"))
    assert sorted(on_the_tenth) == [("call.amend", "call", "12"), ("view", "call", "11")]
    window = _ids(auditor.get("/api/v1/audit?from=2026-03-09T00:00:00Z&to=2026-03-10T15:00:00%2B00:00"))
    assert window == [("user.update", "user", "5")]  # `to` as a date-time is exclusive
    combined = _ids(auditor.get(f"/api/v1/audit?user={someone['id']}&action=view&from=2026-03-10"))
    assert combined == [("view", "call", "11")]


def test_bad_search_input_is_422_naming_the_parameter(app, api):
    auditor = api.as_role("admin")
    for query, field in (
        ("from=yesterday", "from"),
        ("to=0.5", "to"),
        ("from=2026-02-30", "from"),
        ("from=2026-03-10T08:00", "from"),  # no offset
        ("from=2026-03-11&to=2026-03-10", "to"),
        ("who=me", "who"),
        ("limit=0", "limit"),
    ):
        for path in ("/api/v1/audit", "/api/v1/audit.csv"):
            answer = auditor.get(f"{path}?{query}")
            assert answer.status_code == 422, (path, query)
            assert field in answer.get_json()["error"]["fields"], (path, query, answer.get_json())


def test_only_auditors_read_or_export_the_trail(app, api):
    for role in ("operator", "dispatcher", "field"):
        who = api.as_role(role)
        assert who.get("/api/v1/audit").status_code == 403
        assert who.get("/api/v1/audit.csv").status_code == 403
    assert app.test_client().get("/api/v1/audit.csv").status_code == 401


def test_the_csv_export_has_the_filtered_entries_is_injection_safe_and_audited(app, api):
    auditor = api.as_role("admin")
    _entry(app, actor='=HYPERLINK("http://x")', action="view", record_type="call", record_id="+1-2", detail={"a": 1})
    _entry(app, actor="someone", action="view", record_type="incident", record_id="9")
    answer = auditor.get("/api/v1/audit.csv?record_type=call")
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == ["id", "at", "actor", "user_id", "action", "record_type", "record_id", "client_address", "detail"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["actor"] == '\'=HYPERLINK("http://x")'
    assert row["record_id"] == "'+1-2"
    assert row["detail"] == '{"a": 1}'
    with app.app_context():
        export = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "audit.export")).one()
    assert export.detail["record_type"] == "call" and export.record_type == "audit_list"
    assert export.user_id is not None


def test_the_existing_record_filters_still_work(app, api):
    auditor = api.as_role("admin")
    _entry(app, record_type="call", record_id="7")
    _entry(app, record_type="call", record_id="8")
    assert _ids(auditor.get("/api/v1/audit?record_type=call&record_id=7")) == [("view", "call", "7")]
    assert len(auditor.get("/api/v1/audit?record_type=call&limit=1").get_json()) == 1


@pytest.mark.parametrize(
    "query",
    ["from=0001-01-01T00:00:00%2B14:00", "to=9999-12-31", "from=1900-01-01", "to=2500-01-01T00:00:00Z"],
)
def test_an_audit_search_far_outside_the_service_years_is_refused_in_words(query, api):
    auditor = api.as_role("admin")
    for path in ("/api/v1/audit", "/api/v1/audit.csv"):
        answer = auditor.get(f"{path}?{query}")
        assert answer.status_code == 422, (path, answer.get_data(as_text=True))
        error = answer.get_json()["error"]
        assert "between 1970 and 2200" in error["message"]
