"""Finding a call in Debian's Chromium, by keyboard: a phone number typed as a person says it
finds the call saved in E.164, the call's page opens from the results, Back and Reload keep the
results; a search that finds
nothing, or that is refused, says so in words. Screenshots at 1366x768 and 390x844."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.record_factories import LAPTOP, PHONE_SCREEN, log_calls

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "e2e-shots"))


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_a_phone_typed_as_said_finds_the_call_and_back_keeps_the_results(live_app, live_server, open_as):
    calls = log_calls(live_app)
    wanted, other = calls["wanted"], calls["other"]
    page = open_as("operator", path="/calls", viewport=LAPTOP)
    keys = page.keyboard

    # The page opens on the search words; the latest calls are listed below.
    expect(page.locator("#search-q")).to_be_focused()
    expect(page.locator("#results-status")).to_contain_text("newest calls")
    keys.press("Tab")
    expect(page.locator("#search-phone")).to_be_focused()
    keys.type("(802) 555-0100")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/calls\?phone=%28802%29\+555-0100$"))

    rows = page.locator("#result-rows tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text(wanted["number"])
    expect(row).not_to_contain_text(other["number"])
    expect(row.locator("a.tel")).to_have_attribute("href", "tel:+18025550100")
    expect(row.locator("a.tel")).to_have_text("(802) 555-0100")
    expect(row).to_contain_text("12 Pearl Street")
    expect(row).to_contain_text("low")
    expect(page.locator("#results-status")).to_have_text("1 call found.")
    expect(page.locator("#search-phone")).to_have_value("(802) 555-0100")
    shot(page, "calls-search-1366x768")

    # By keyboard from the results' heading: the first Tab is the call's number.
    expect(page.locator("#results-title")).to_be_focused()
    keys.press("Tab")
    link = row.get_by_role("link", name=wanted["number"])
    expect(link).to_be_focused()
    keys.press("Enter")
    page.wait_for_url(re.compile(rf"/calls/{wanted['id']}$"))
    expect(page.locator("#call-title")).to_have_text(f"Call {wanted['number']}")
    expect(page.locator("#callback")).to_have_attribute("href", "tel:+18025550100")
    expect(page.locator("#caller")).to_contain_text("Robin")
    expect(page.locator("#narrative")).to_contain_text("losing housing")
    expect(page.locator("#reasons li").first).to_be_visible()
    expect(page.locator("#followups")).to_contain_text("due")
    expect(page.locator("#incident")).to_contain_text("No incident")
    shot(page, "call-page-1366x768")

    # Back: the same search, the same result, the phone still in its field; Reload the same.
    page.go_back()
    page.wait_for_url(re.compile(r"/calls\?phone="))
    expect(page.locator("#result-rows tr")).to_have_count(1)
    expect(page.locator("#result-rows")).to_contain_text(wanted["number"])
    expect(page.locator("#search-phone")).to_have_value("(802) 555-0100")
    page.reload()
    expect(page.locator("#result-rows tr")).to_have_count(1)
    expect(page.locator("#result-rows")).to_contain_text(wanted["number"])

    # The same search on a phone's screen.
    small = page.context.new_page()
    small.set_viewport_size(PHONE_SCREEN)
    small.goto(page.url)
    expect(small.locator("#result-rows tr")).to_have_count(1)
    expect(small.locator("#result-rows a.tel")).to_be_visible()
    shot(small, "calls-search-390x844")
    small.locator("#result-rows").get_by_role("link", name=wanted["number"]).click()
    expect(small.locator("#call-title")).to_have_text(f"Call {wanted['number']}")
    shot(small, "call-page-390x844")


def test_a_search_that_finds_nothing_or_is_refused_says_so(live_app, live_server, open_as):
    log_calls(live_app)
    page = open_as("dispatcher", path="/calls", viewport=LAPTOP)
    page.goto(f"{live_server}/calls?phone=%28802%29+555-0999")
    expect(page.locator("#results-status")).to_contain_text("No calls match this search")
    expect(page.locator("#results")).to_be_hidden()

    page.goto(f"{live_server}/calls?from=2026-12-05&to=2026-12-01")
    expect(page.locator("#results-error")).to_contain_text("The dates are the wrong way round")
    expect(page.locator("#search-to-error")).to_have_text("must be on or after the start date")

    page.goto(f"{live_server}/calls?from=yesterday")
    expect(page.locator("#search-from-error")).to_contain_text("is not a date (“yesterday”)")

    # The server refuses a number that is no phone number: its words, by the field.
    page.goto(f"{live_server}/calls?phone=call+me")
    error = page.locator("#results-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("The search was not run.")
    expect(error).to_contain_text("Phone:")
    expect(page.locator("#search-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#search-phone")).to_be_focused()
    expect(page.locator("#search-phone-error")).not_to_be_empty()
    shot(page, "calls-search-refused-1366x768")
