"""/reports in Debian's Chromium: with responses whose times are known, the charts are drawn and the
numbers in their tables are the reports API's; the period picker and the filters change them; an
empty period says so. /reports/shift in print media: no page header, the shift's bounds, late rows
marked. Screenshots of both (print media for the hand-over) go to E2E_SCREENSHOTS."""

from __future__ import annotations

import os
import re
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from core.clock import now as clock_now
from core.extensions import db
from dispatch.models import Incident
from tests.support.dispatch_factories import make_call, make_incident
from tests.support.report_factories import make_response

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "e2e-shots"))
# Emergent responses 2 days ago: 30, 50 and 70 minutes from answer to on scene (median 50 min,
# 90th percentile 66 min by the linear rule); one more 20 days ago (100 min): only in 30 days.
EMERGENT_MINUTES = (30, 50, 70)


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def response(app: Any, *, days_ago: float, minutes: int, priority: str = "emergent") -> int:
    received = clock_now() - timedelta(days=days_ago)
    return make_response(
        app,
        received_at=received,
        priority=priority,
        steps=[
            ("dispatch", received + timedelta(minutes=5)),
            ("acknowledged", received + timedelta(minutes=6)),
            ("en_route", received + timedelta(minutes=8)),
            ("on_scene", received + timedelta(minutes=minutes)),
            ("cleared", received + timedelta(minutes=minutes + 40)),
        ],
        outcome="stabilized_on_scene",
        police_present=False,
    )


def known_data(app: Any) -> None:
    for n, minutes in enumerate(EMERGENT_MINUTES):
        response(app, days_ago=2 + n / 24, minutes=minutes)
    response(app, days_ago=3, minutes=120, priority="urgent")
    response(app, days_ago=20, minutes=100)
    for days in (1, 4):
        make_call(app, disposition="phone", priority=None, received_at=clock_now() - timedelta(days=days))


def loaded(page: Any, before: str | None) -> str:
    """Wait until the page has shown an answer newer than `before`; its number."""
    page.wait_for_function(
        "(before) => { const n = document.getElementById('reports').dataset.loaded; return n && n !== before; }",
        arg=before,
    )
    return str(page.locator("#reports").get_attribute("data-loaded"))


def api_summary(page: Any, period: str, **filters: str) -> dict[str, Any]:
    chosen = page.evaluate(f"JSON.parse(document.getElementById('reports').dataset.settings).periods[{period!r}]")
    params = {"from": chosen["from"], "to": chosen["to"], **filters}
    base = page.url.split("/reports")[0]
    answer = page.request.get(base + "/api/v1/reports/summary", params=params)
    assert answer.ok, answer.text()
    return answer.json()  # type: ignore[no-any-return]


def chart_data(page: Any, selector: str) -> list[list[float | None]]:
    return page.evaluate(
        "(sel) => Chart.getChart(document.querySelector(sel)).data.datasets.map((d) => d.data)", selector
    )


def drawn_pixels(page: Any, selector: str) -> int:
    """How many pixels of the canvas hold paint (a blank canvas has none)."""
    return page.evaluate(
        """(sel) => { const c = document.querySelector(sel); const d = c.getContext('2d')
             .getImageData(0, 0, c.width, c.height).data; let n = 0;
             for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""",
        selector,
    )


def row_cells(page: Any, table: str, first: str) -> list[str]:
    row = page.locator(f"#{table} tbody tr").filter(has=page.get_by_role("rowheader", name=first, exact=True))
    return [text.strip() for text in row.locator("th, td").all_inner_texts()]


def test_the_charts_show_the_api_s_figures_and_the_period_picker_changes_them(live_app, live_server, open_as):
    known_data(live_app)
    page = open_as("supervisor", path="/reports?period=7d")
    first = loaded(page, None)
    week = api_summary(page, "7d")
    assert week["calls"] == 6 and week["intervals"]["response"]["n"] == 4  # 3 emergent, 1 urgent; 2 by phone

    # Key figures and the tables hold the API's numbers.
    expect(page.locator("[data-figure=calls] .value")).to_have_text(str(week["calls"]))
    expect(page.locator("[data-figure=within_target] .value")).to_have_text(
        f"{round(week['response_within_target_share'] * 100)} %"
    )
    emergent = api_summary(page, "7d", priority="emergent")["intervals"]["response"]
    assert (emergent["n"], emergent["median_s"], emergent["p90_s"]) == (3, 50 * 60, 66 * 60)
    assert row_cells(page, "table-response", "emergent")[:4] == ["emergent", "3", "50 min", "1 h 6 min"]
    assert row_cells(page, "table-response", "emergent")[4] == "1 h"  # the target
    counts = week["by_disposition"]
    for label, key in (("phone", "phone"), ("mobile team", "mobile_team"), ("911", "emergency_911")):
        assert row_cells(page, "table-dispositions", label)[1] == str(counts[key])
    interval = week["intervals"]["answer_to_dispatch"]
    assert row_cells(page, "table-intervals", "Answer to dispatch")[2] == str(interval["n"])

    # The charts are drawn, with the same numbers as their tables.
    assert chart_data(page, "canvas[data-priority=emergent]") == [[50, 66]]
    assert chart_data(page, "#chart-dispositions") == [
        [counts[k] for k in ("phone", "mobile_team", "co_response", "emergency_911")]
    ]
    daily = chart_data(page, "#chart-daily")
    assert len(daily) == 4 and all(len(series) == 7 for series in daily)  # four dispositions, seven days
    assert sum(sum(series) for series in daily) == week["calls"]
    for canvas in ("canvas[data-priority=emergent]", "canvas[data-priority=urgent]", "#chart-daily",
                   "#chart-daily-response", "#chart-dispositions", "#chart-outcomes"):  # fmt: skip
        assert drawn_pixels(page, canvas) > 500, f"{canvas} is blank"
        label = page.locator(canvas).get_attribute("aria-label") or ""
        assert label and "NaN" not in label and "undefined" not in label
    expect(page.locator("canvas[data-priority=routine]")).to_have_count(0)  # no routine response
    expect(page.locator("#csv-link")).to_have_attribute(
        "href", f"/api/v1/reports/incidents.csv?from={week['from'][:10]}&to={week['to'][:10]}"
    )
    assert "NaN" not in page.locator("#reports").inner_text()
    shot(page, "reports-7-days")

    # 30 days holds the older response too: the figures change without a reload.
    page.get_by_label("Last 30 days").check()
    second = loaded(page, first)
    month = api_summary(page, "30d")
    assert month["calls"] == 7
    expect(page.locator("[data-figure=calls] .value")).to_have_text("7")
    assert row_cells(page, "table-response", "emergent")[1] == "4"
    assert page.url.endswith("/reports?period=30d")
    shot(page, "reports-30-days")

    # A priority chosen by keyboard: only its row, its chart and its daily target line.
    page.locator("#priority").focus()
    page.keyboard.press("ArrowDown")  # "emergent"
    third = loaded(page, second)
    expect(page.locator("#table-response tbody tr")).to_have_count(1)
    expect(page.locator("[data-figure=calls] .value")).to_have_text("4")
    expect(page.locator("#chart-daily-response")).to_have_attribute("aria-label", re.compile("against the target 1 h"))

    # A period with no call says so, never NaN or a chart of zeros.
    page.locator("#priority").select_option("")
    loaded(page, third)
    page.locator("#from-date").fill("2020-01-01")
    page.locator("#to-date").fill("2020-01-31")
    page.locator("#to-date").press("Enter")
    expect(page.locator("#report-empty")).to_be_visible()
    expect(page.locator("#report-empty")).to_contain_text("No incidents in this period")
    expect(page.locator("#report-body")).to_be_hidden()
    expect(page.locator("#period-words")).to_contain_text("Wed, Jan 1")


def test_the_shift_hand_over_prints_its_bounds_and_marks_what_runs_late(live_app, live_server, open_as):
    known_data(live_app)
    late_id = make_incident(live_app, priority="emergent")
    with live_app.app_context():
        incident = db.session.get(Incident, late_id)
        incident.created_at = clock_now() - timedelta(minutes=12)
        db.session.commit()
        number = incident.number
    page = open_as("supervisor", path="/reports/shift")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("nav.screen-only")).to_be_hidden()
    expect(page.locator("#shift-bounds")).to_contain_text("This shift:")
    expect(page.locator("#shift-bounds")).to_contain_text("UTC")
    row = page.locator(f"tr[data-incident='{number}']")
    expect(row).to_contain_text("LATE")
    expect(row).to_contain_text("waiting for dispatch")
    expect(page.locator("#shift-figures")).to_contain_text("Calls")
    shot(page, "shift-hand-over-print")
    page.emulate_media(media="screen")
    expect(page.locator(".topbar")).to_be_visible()
    page.get_by_role("link", name="The previous shift").click()
    expect(page.locator("#shift-bounds")).to_contain_text("Previous shift:")
