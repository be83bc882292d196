"""The /sms simulator on a phone's screen: a long text (a field link is one long word) wraps in its
cell and the page never scrolls sideways; "Answer as" starts on the unit that got the latest text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from core.clock import now
from core.extensions import db
from notifications.models import ConsoleMessageRow
from tests.support.factories import make_unit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
FIRST, LATEST = "+18025550171", "+18025550179"
LINK = "http://127.0.0.1:5000/field/" + "eyJpIjoxMjMsInUiOjQ1Nn0" * 6


def texts(app: Any) -> None:
    make_unit(app, call_sign="MCT-1", phones=[FIRST])
    make_unit(app, call_sign="MCT-8", phones=[LATEST])
    with app.app_context():
        at = now()
        db.session.add_all([
            ConsoleMessageRow(sid="SMsim1", to=FIRST, body="DISPATCH I-1 earlier", at=at - timedelta(minutes=5)),
            ConsoleMessageRow(sid="SMsim2", to=LATEST, at=at,
                              body=f"DISPATCH I-2 urgent, 12 Pearl St. Reply 1 ACK, 2 ENR, 3 ONS, 4 CLR. {LINK}"),
        ])  # fmt: skip
        db.session.commit()


@pytest.mark.live_server(relay=False)
def test_the_simulator_fits_a_phone_and_answers_as_the_unit_texted_last(live_app, open_as):
    texts(live_app)

    page = open_as("dispatcher", path="/sms", **PHONE)

    expect(page.locator("#phone")).to_have_value(LATEST)
    link_cell = page.locator("pre", has_text="/field/")
    expect(link_cell).to_be_visible()
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px screen"
    box = link_cell.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
