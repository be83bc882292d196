"""The dispatch board says when an incident's location is only approximate (a house number placed
between its neighbours, a corner of two streets that almost meet), next to its address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from core.extensions import db
from dispatch.models import Incident
from tests.e2e.board_support import CHURCH_ST, log_call
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_approximate_location_reads_so_next_to_the_address(live_app, live_server, open_as):
    _, operator = make_user(live_app, "operator")
    approximate = log_call(live_server, operator, CHURCH_ST)["incident_id"]
    exact = log_call(live_server, operator, CHURCH_ST)["incident_id"]
    with live_app.app_context():
        db.session.get(Incident, approximate).location_source = "interpolated"
        db.session.commit()

    page = open_as("dispatcher", path="/dispatch")
    page.locator(f'[data-incident="{approximate}"]').click()
    summary = page.locator("#detail-summary")
    expect(summary).to_contain_text("135 Church St, Burlington, VT (approximate location)")
    page.locator(f'[data-incident="{exact}"]').click()
    expect(summary).to_contain_text("135 Church St, Burlington, VT")
    expect(summary).not_to_contain_text("approximate")
