"""The /reports page (its periods, filters and the chart library it loads) and the printable
/reports/shift hand-over: open incidents with what runs late, alerts, units, follow-ups due, the
shift's figures; for supervisors and admins only, audited as views of the incidents it names."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alerts.service import raise_alert
from core.clock import now as clock_now
from core.extensions import db
from core.models import AuditEntry
from dispatch.models import Incident
from tests.support.dispatch_factories import make_incident, make_placed_unit
from tests.support.factories import signed_in_client
from tests.support.report_factories import make_response, use_areas
from timers.models import Followup


def page_settings(html: str) -> dict:
    found = re.search(r"data-settings='([^']*)'", html)
    assert found, "the page carries its settings"
    return json.loads(found.group(1).replace("&#34;", '"').replace("&quot;", '"'))


@pytest.mark.parametrize("path", ["/reports", "/reports/shift"])
@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_supervisors_and_admins_open_the_report_pages(app, path, role):
    answer = signed_in_client(app, role).get(path)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/reports", "/reports/shift"])
@pytest.mark.parametrize("role", ["operator", "dispatcher", "field"])
def test_other_roles_are_refused_the_report_pages(app, path, role):
    assert signed_in_client(app, role).get(path).status_code == 403


def test_signed_out_the_report_pages_ask_to_sign_in(app):
    answer = app.test_client().get("/reports/shift")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_reports_page_offers_its_periods_and_loads_chart_js_from_the_app(app):
    client = signed_in_client(app, "supervisor")
    html = client.get("/reports").get_data(as_text=True)
    settings = page_settings(html)
    assert set(settings["periods"]) == {"shift", "today", "7d", "30d"}
    assert settings["targets"] == {"emergent": 3600, "emergent_rural": 7200, "urgent": 14400, "routine": 259200}
    assert 'src="/vendor/chart.js/chart.umd.min.js"' in html
    assert "//" not in re.sub(r"https?://localhost|<!--.*?-->", "", " ".join(re.findall(r'src="([^"]+)"', html)))
    library = client.get("/vendor/chart.js/chart.umd.min.js")
    assert library.status_code == 200 and b"Chart" in library.data[:2000]
    library.close()
    assert client.get("/vendor/chart.js/package.json").status_code == 404  # only the files named
    assert 'name="area"' not in html  # no SERVICE_AREAS: no area filter


def test_with_service_areas_the_area_filter_names_them_and_the_address_is_kept(app):
    use_areas(app)
    client = signed_in_client(app, "supervisor")
    html = client.get("/reports?period=30d&priority=emergent&area=Hills").get_data(as_text=True)
    assert '<option value="Hills" selected>Hills (rural)</option>' in html
    assert '<option value="emergent" selected>' in html
    assert re.search(r'value="30d" checked', html)


def test_the_header_and_the_home_page_link_the_reports_for_a_supervisor(app):
    html = signed_in_client(app, "supervisor").get("/").get_data(as_text=True)
    assert '<a href="/reports">Reports</a>' in html  # the header
    assert '<a href="/reports/shift">Shift hand-over</a>' in html
    assert "/reports" not in signed_in_client(app, "dispatcher").get("/").get_data(as_text=True)


def _late_pending_incident(app) -> tuple[int, str]:
    incident_id = make_incident(app, priority="emergent")
    with app.app_context():
        incident = db.session.get(Incident, incident_id)
        incident.created_at = clock_now() - timedelta(minutes=9)
        db.session.commit()
        return incident_id, incident.number


def test_the_hand_over_marks_what_runs_late_and_lists_units_alerts_and_followups(app):
    late_id, late_number = _late_pending_incident(app)
    calm_id = make_incident(app, priority="urgent")
    unit_id = make_placed_unit(app, (44.48, -73.21), age_s=3600, call_sign="MCT-9")
    with app.app_context():
        calm_number = db.session.get(Incident, calm_id).number
        raise_alert(
            session=db.session,
            kind="checkin_missed",
            severity="critical",
            message="MCT-9 missed its safety check-in",
            unit_id=unit_id,
        )
        db.session.add(
            Followup(
                risk_level="high", started_at=clock_now() - timedelta(hours=30), due_at=clock_now() - timedelta(hours=6)
            )
        )
        db.session.commit()
    html = signed_in_client(app, "supervisor").get("/reports/shift").get_data(as_text=True)
    late_row = re.search(rf'<tr class="row-late" data-incident="{late_number}">(.*?)</tr>', html, re.S)
    assert late_row and "LATE" in late_row.group(1) and "waiting for dispatch" in late_row.group(1)
    calm_row = re.search(rf'<tr class="" data-incident="{calm_number}">(.*?)</tr>', html, re.S)
    assert calm_row and "LATE" not in calm_row.group(1)
    assert "1 late" in html
    assert "MCT-9 missed its safety check-in" in html
    units = re.search(r'<table class="list" id="units">(.*?)</table>', html, re.S).group(1)
    assert "MCT-9" in units and "(stale)" in units and "alert: checkin missed" in units
    followups = re.search(r'id="followups-due">(.*?)</table>', html, re.S).group(1)
    assert "OVERDUE" in followups and "high" in followups
    assert "This shift:" in html and "SHIFT_STARTS" in html
    with app.app_context():
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.record_type == "incident_list").order_by(AuditEntry.id.desc())
        ).first()
        assert entry.detail["via"] == "GET /reports/shift"
        assert {late_id, calm_id} <= set(entry.detail["incident_ids"])


def test_the_hand_over_of_an_empty_service_says_so_in_words(app):
    html = signed_in_client(app, "supervisor").get("/reports/shift").get_data(as_text=True)
    for words in ("No open incident.", "No open alert.", "No follow-up is due.", "No incidents in this period"):
        assert words in html
    assert "None" not in re.sub(r"<[^>]+>", " ", html)


def test_the_shift_figures_count_the_calls_of_the_shift_and_the_previous_shift_is_a_link_away(app):
    now = clock_now()
    make_response(
        app,
        received_at=now - timedelta(minutes=50),
        priority="emergent",
        steps=[
            ("dispatch", now - timedelta(minutes=45)),
            ("en_route", now - timedelta(minutes=43)),
            ("on_scene", now - timedelta(minutes=20)),
        ],
    )
    client = signed_in_client(app, "supervisor")
    html = client.get("/reports/shift").get_data(as_text=True)
    figures = re.search(r'id="shift-figures">(.*?)</section>', html, re.S).group(1)
    if "No incidents in this period" in figures:  # the shift changed less than 50 minutes ago
        html = client.get("/reports/shift?shift=previous").get_data(as_text=True)
        figures = re.search(r'id="shift-figures">(.*?)</section>', html, re.S).group(1)
    assert "median 30 min, 90th percentile 30 min (n = 1)" in figures
    assert "100 % of 1" in figures
    previous = client.get("/reports/shift?shift=previous").get_data(as_text=True)
    assert "Previous shift:" in previous and 'href="/reports/shift">This shift' in previous


def test_the_hand_over_prints_without_the_page_header(app):
    html = signed_in_client(app, "supervisor").get("/reports/shift").get_data(as_text=True)
    answer = app.test_client().get("/static/reports/shift.css")
    css = answer.get_data(as_text=True)
    answer.close()
    assert "shift.css" in html
    media = css[css.index("@media print") :]
    assert ".topbar" in media and ".screen-only" in media and "display: none" in media
