"""The operator's page in Debian's Chromium while a number is typed: the earlier calls of that
number (or address) and their safety lines appear before the call is saved; a number never
heard before leaves the page quiet; a failed look-up says so in words."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Route, expect

from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAFE = {
    "cssrs_1": "no",
    "cssrs_2": "no",
    "cssrs_6": "no",
    "medical_emergency": "no",
    "attempt_in_progress": "no",
    "violence_now": "no",
    "violence_history": "no",
    "needs_in_person": "yes",
    "youth": "no",
}


def earlier_call(app: Any, base: str, phone: str, **answers: str) -> dict[str, Any]:
    _, token = make_user(app, "operator")
    body = {"caller": {"phone": phone}, "location": {"address": "135 Church St"}, "answers": {**SAFE, **answers}}
    answer = requests.post(f"{base}/api/v1/calls", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 201, answer.text
    call: dict[str, Any] = answer.json()
    return call


def test_typing_a_number_that_called_before_shows_its_calls_and_safety_lines(live_app, live_server, open_as):
    before = earlier_call(live_app, live_server, "+18025550194", weapon_present="yes", weapon_intent="no")
    page = open_as("operator", path="/operator")
    expect(page.locator("#caller-phone")).to_be_focused()
    history = page.locator("#history")
    page.keyboard.type("(802) 555-01")
    expect(history).to_be_hidden()  # not a whole number yet: nothing asked, nothing shown
    page.keyboard.type("94")
    expect(history).to_be_visible()
    safety = page.locator("#history-safety")
    expect(safety).to_contain_text("weapon")
    expect(safety).to_contain_text(before["number"])
    expect(safety).to_have_attribute("role", "alert")
    row = page.locator("#history-calls tr", has_text=before["number"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text("co-response")
    expect(page.locator("#history-count")).to_have_text("(1)")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.screenshot(path="/tmp/operator_history_1366.png")

    # Another number, never heard: the panel goes away without a word.
    page.locator("#caller-phone").fill("")
    page.keyboard.type("8025550999")
    expect(history).to_be_hidden()


def test_a_failed_history_look_up_says_so_in_words(live_app, live_server, open_as):
    page = open_as("operator", path="/operator")

    def broken(route: Route) -> None:
        route.fulfill(
            status=503,
            content_type="application/json",
            body='{"error": {"code": "unavailable", "message": "The database is not answering."}}',
        )

    page.route(re.compile(r"/api/v1/history\?"), broken)
    expect(page.locator("#caller-phone")).to_be_focused()
    page.keyboard.type("8025550195")
    status = page.locator("#history-status")
    expect(status).to_have_text("Earlier calls could not be looked up: The database is not answering.")
