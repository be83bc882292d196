"""The alerts API: open alerts for staff, acknowledgement by a person (stamped), the live snapshot."""

from __future__ import annotations

from typing import Any

from alerts.service import clear_alerts, raise_alert
from core.extensions import db
from tests.support.factories import make_unit


def _raise(app: Any, kind: str = "duress", **fields: Any) -> int:
    with app.app_context():
        alert = raise_alert(session=db.session, kind=kind, severity="critical", message=f"{kind} test", **fields)
        db.session.commit()
        return int(alert.id)


def test_staff_see_open_alerts_newest_first_and_all_on_request(app: Any, api: Any) -> None:
    unit_id = make_unit(app)
    older = _raise(app, "duress", unit_id=unit_id)
    newer = _raise(app, "sms_failed", unit_id=unit_id)
    with app.app_context():
        clear_alerts(session=db.session, kinds={"sms_failed"}, unit_id=unit_id)
        db.session.commit()
    operator = api.as_role("operator")
    listed = operator.get("/api/v1/alerts?state=open").get_json()
    assert [a["id"] for a in listed] == [older]
    assert set(listed[0]) >= {
        "id",
        "kind",
        "severity",
        "incident_id",
        "unit_id",
        "message",
        "raised_at",
        "acknowledged_by",
        "cleared_at",
    }
    everything = operator.get("/api/v1/alerts?state=all").get_json()
    assert [a["id"] for a in everything] == [newer, older]
    assert everything[0]["cleared_at"] is not None
    assert operator.get("/api/v1/alerts?state=closed").status_code == 422
    assert api.as_role("field", unit_id=unit_id).get("/api/v1/alerts").status_code == 403


def test_a_dispatcher_acknowledges_an_alert_and_is_named_on_it(app: Any, api: Any) -> None:
    alert_id = _raise(app)
    user_api = api.as_role("dispatcher")
    answer = user_api.post(f"/api/v1/alerts/{alert_id}/acknowledge")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["acknowledged_by"] is not None and body["acknowledged_at"] is not None
    assert body["cleared_at"] is None  # seen, but the cause is not answered yet
    again = user_api.post(f"/api/v1/alerts/{alert_id}/acknowledge").get_json()
    assert again["acknowledged_at"] == body["acknowledged_at"]  # the first person stays on it
    assert api.as_role("operator").post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 403
    assert user_api.post("/api/v1/alerts/999999/acknowledge").status_code == 404


def test_the_live_snapshot_carries_open_alerts_for_staff_and_a_units_own_for_its_team(app: Any) -> None:
    from alerts.views import open_alerts_part
    from core.models import User
    from tests.support.factories import make_user

    mine, other = make_unit(app), make_unit(app)
    own = _raise(app, "checkin_missed", unit_id=mine)
    _raise(app, "checkin_missed", unit_id=other)
    staff, _ = make_user(app, "supervisor")
    field, _ = make_user(app, "field", unit_id=mine)
    with app.app_context():
        assert len(open_alerts_part(db.session, db.session.get(User, staff["id"]), None)) == 2
        assert [a["id"] for a in open_alerts_part(db.session, db.session.get(User, field["id"]), None)] == [own]


def test_the_alert_panel_and_followup_queue_partials_render_and_their_scripts_are_served(app: Any) -> None:
    from flask import render_template_string
    from flask_login import login_user

    from core.models import User
    from tests.support.factories import make_user

    dispatcher, _ = make_user(app, "dispatcher")
    page = "{% set alert_panel_connect = true %}{% include 'alerts/panel.html' %}{% include 'timers/followups.html' %}"
    with app.test_request_context("/dispatch"):
        login_user(db.session.get(User, dispatcher["id"]))
        html = render_template_string(page)
    assert 'data-connect="true"' in html and 'data-can-acknowledge="true"' in html
    assert 'id="followup-queue"' in html
    client = app.test_client()
    for path in ("/static/alerts/alerts.js", "/static/timers/followups.js"):
        answer = client.get(path)
        # ES modules (strict by nature): a browser runs one only when it is served as JavaScript.
        assert answer.status_code == 200 and b'from "/static/lib/' in answer.data
        assert answer.mimetype in ("text/javascript", "application/javascript")
        answer.close()
