"""The operator's page in Debian's Chromium, by keyboard only: sign in, screen, watch the preview,
see branches come and go, save, and find the call in the recent list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_an_operator_screens_a_call_by_keyboard_and_finds_it_in_the_recent_list(live_app, live_server, browser):
    user, _ = make_user(live_app, "operator")
    base = live_server
    page = browser.new_page(viewport={"width": 1360, "height": 1500})
    keys = page.keyboard

    page.goto(f"{base}/login?next=/operator")
    expect(page.locator("#username")).to_be_focused()
    keys.type(user["username"])
    keys.press("Tab")
    keys.type(user["password"])
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/operator$"))

    # Caller and location: the page starts on the callback number; the first key starts the call.
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    expect(page.locator("#caller-phone")).to_be_focused()
    expect(page.locator("#answered")).to_have_text("Not answered yet")
    keys.type("+18025550142")
    expect(page.locator("#answered")).to_have_text(re.compile(r"^Answered \d\d:\d\d:\d\d$"))
    keys.press("Enter")  # moves on, does not send
    expect(page.locator("#caller-name")).to_be_focused()
    keys.type("Alex")
    keys.press("Enter")  # relation
    expect(page.locator("#caller-relation")).to_be_focused()
    keys.press("Enter")
    keys.type("nowhere road 12")
    keys.press("Enter")  # past the optional coordinates, to the first question
    expect(page.locator("#q-cssrs_1-yes")).to_be_focused()

    risk = page.locator("#preview-risk")
    keys.press("y")  # C-SSRS 1, and on to C-SSRS 2
    expect(page.locator("#q-cssrs_2-yes")).to_be_focused()
    keys.press("y")  # C-SSRS 2 yes: the method/intent/plan questions open
    expect(page.locator("#q-cssrs_3")).to_be_visible()
    expect(page.locator("#q-cssrs_3-yes")).to_be_focused()
    keys.press("Shift+Tab")
    expect(page.locator("#q-cssrs_2-yes")).to_be_focused()
    keys.press("n")  # ... and close again
    expect(page.locator("#q-cssrs_3")).to_be_hidden()
    expect(page.locator("#q-cssrs_6-yes")).to_be_focused()
    keys.press("n")  # C-SSRS 6 (lifetime)
    keys.press("y")  # medical emergency: the 911 banner
    banner = page.locator("#banner-911")
    expect(banner).to_be_visible()
    expect(banner).to_have_text("Transfer to 911 now — medical emergency")
    expect(page.locator("#record-transfer")).to_have_text(re.compile("Save and record transfer to 911"))
    page.screenshot(path="/tmp/operator_911.png")
    keys.press("Shift+Tab")
    keys.press("n")
    expect(banner).to_be_hidden()
    expect(page.locator("#record-transfer")).to_have_count(0)
    for _ in range(6):  # attempt, weapon, violence now, violence history, in person, youth
        keys.press("n")
    expect(page.locator("#q-language-input")).to_be_focused()
    expect(page.locator("#q-weapon_intent")).to_be_hidden()
    expect(risk).to_have_text("low")
    expect(page.locator("#preview-disposition")).to_have_text("phone")

    # Back to C-SSRS 6 (Shift+Tab through eight questions): behavior within 3 months -> high.
    for _ in range(8):
        keys.press("Shift+Tab")
    expect(page.locator("#q-cssrs_6-no")).to_be_focused()
    keys.press("y")
    expect(page.locator("#q-cssrs_6_recent")).to_be_visible()
    expect(page.locator("#q-cssrs_6_recent-yes")).to_be_focused()
    keys.press("y")
    expect(risk).to_have_text("high")
    expect(page.locator("#preview-disposition")).to_have_text("mobile team")
    expect(page.locator("#preview-priority")).to_have_text("emergent")
    expect(page.locator("#preview-reasons")).to_contain_text("C-SSRS 6: behavior within the past 3 months")
    page.screenshot(path="/tmp/operator.png", full_page=True)

    # Save: Enter on through the remaining questions to the narrative, then Ctrl+Enter.
    while page.evaluate("document.activeElement.id") != "narrative":
        keys.press("Enter")
    keys.type("Friend calling; the person took pills last month.")
    keys.press("Control+Enter")
    saved = page.locator("#saved")
    expect(saved).to_contain_text("saved: mobile team, emergent, incident opened")
    number = re.search(r"C-\d{4}-\d{6}", saved.inner_text())
    assert number is not None
    row = page.locator("#recent-calls tr", has_text=number.group(0))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("high")
    expect(risk).not_to_have_text("high")  # a fresh form for the next call
    expect(page.locator("#answered")).to_have_text("Not answered yet")
    expect(page.locator("#caller-phone")).to_be_focused()
    page.screenshot(path="/tmp/operator_saved.png", full_page=True)
