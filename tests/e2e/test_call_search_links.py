"""The call's page is reached from where calls are named: the follow-up queue (by the call's
number, with the callback number as a tel: link, never an internal id), the recent calls of the
intake page and its history panel, and the call's entry on the incident's timeline on the dispatch
board."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.record_factories import LAPTOP, log_calls

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_followup_queue_and_recent_calls_open_the_call_page(live_app, live_server, open_as):
    calls = log_calls(live_app)
    wanted = calls["wanted"]
    page = open_as("operator", path="/operator", viewport=LAPTOP)
    followup = page.locator("#followup-rows tr", has_text=wanted["number"])
    expect(followup).to_have_count(1)
    expect(followup.locator("a.followup-phone")).to_have_attribute("href", "tel:+18025550100")
    expect(followup).not_to_contain_text(f"Call {wanted['id']}")  # the number, not the internal id
    followup.get_by_role("link", name=wanted["number"]).click()
    page.wait_for_url(re.compile(rf"/calls/{wanted['id']}$"))
    expect(page.locator("#call-title")).to_have_text(f"Call {wanted['number']}")
    page.go_back()
    page.locator("#recent-calls").get_by_role("link", name=calls["other"]["number"]).click()
    page.wait_for_url(re.compile(rf"/calls/{calls['other']['id']}$"))
    expect(page.locator("#decision")).to_contain_text("high")


def test_the_incidents_timeline_on_the_board_opens_the_call_page(live_app, live_server, open_as):
    other = log_calls(live_app)["other"]  # high risk: a mobile team, an incident
    board = open_as("dispatcher", path="/dispatch", viewport=LAPTOP)
    board.locator(f'[data-incident="{other["incident_id"]}"]').click()
    entry = board.locator("#timeline a.tl-call")
    expect(entry).to_have_text(f"Call {other['number']} answered")
    with board.context.expect_page() as opened:
        entry.click()
    page = opened.value
    page.wait_for_url(re.compile(rf"/calls/{other['id']}$"))
    expect(page.locator("#call-title")).to_have_text(f"Call {other['number']}")
    expect(page.locator("#timeline")).to_contain_text(f"Call {other['number']} answered")
    expect(page.locator("#incident")).to_contain_text("pending")
    expect(board).to_have_url(re.compile(r"/dispatch$"))  # the board stays open in its own tab


def test_an_earlier_call_in_the_intake_history_opens_its_page_in_a_tab_of_its_own(live_app, live_server, open_as):
    wanted = log_calls(live_app)["wanted"]
    page = open_as("operator", path="/operator", viewport=LAPTOP)
    expect(page.locator("#caller-phone")).to_be_focused()
    page.keyboard.type("(802) 555-0100")
    link = page.locator("#history-calls").get_by_role("link", name=wanted["number"])
    expect(link).to_have_attribute("href", f"/calls/{wanted['id']}")
    with page.context.expect_page() as opened:
        link.click()
    opened.value.wait_for_url(re.compile(rf"/calls/{wanted['id']}$"))
    expect(opened.value.locator("#call-title")).to_have_text(f"Call {wanted['number']}")
    expect(page.locator("#caller-phone")).to_have_value("(802) 555-0100")  # the call being taken is kept
