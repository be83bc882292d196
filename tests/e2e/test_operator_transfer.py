"""The warm transfer of a 911 call from the operator's page, in Debian's Chromium: after the save
the transfer button has the focus (one key records it), it survives a reload of the tab until it is
recorded, and a transfer already recorded elsewhere is said in words, never recorded twice."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def api(app: Any, base: str, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
    _, token = make_user(app, "operator", "supervisor")
    return requests.request(
        method, f"{base}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def save_a_911_call(page: Page, phone: str) -> str:
    """A caller reporting an overdose with the person unresponsive; -> the saved call's number."""
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    page.keyboard.type(phone)
    page.locator("#q-medical_emergency-yes").check()
    expect(page.locator("#banner-911")).to_have_text("Transfer to 911 now — medical emergency")
    page.keyboard.press("Control+Enter")
    saved = page.locator("#saved")
    expect(saved).to_contain_text("saved: 911")
    return re.search(r"C-\d{4}-\d{6}", saved.inner_text()).group(0)  # type: ignore[union-attr]


def test_a_saved_911_call_waits_for_its_transfer_through_a_reload_and_one_key_records_it(
    live_app, live_server, open_as
):
    page = open_as("operator", path="/operator")
    number = save_a_911_call(page, "8025550198")
    button = page.locator("#record-transfer")
    expect(button).to_be_focused()
    expect(page.locator("#transfer-box")).to_contain_text(f"Call {number} is a 911 call")

    page.reload()  # the transfer is not forgotten with the page
    expect(page.locator("#transfer-box")).to_contain_text(f"Call {number} is a 911 call")
    pending = api(live_app, live_server, "GET", "/calls?transfer=pending").json()
    assert [c["number"] for c in pending] == [number]

    page.keyboard.press("Alt+r")
    expect(page.locator("#transfer-done")).to_have_text(
        re.compile(rf"^Call {number} transferred to 911 at \d\d:\d\d:\d\d\.$")
    )
    expect(page.locator("#transfer-box")).to_be_hidden()
    expect(page.locator("#caller-phone")).to_be_focused()
    assert api(live_app, live_server, "GET", "/calls?transfer=pending").json() == []
    call = next(c for c in api(live_app, live_server, "GET", "/calls?limit=5").json() if c["number"] == number)
    assert call["transfer"]["to"] == "911"
    page.keyboard.press("Alt+r")  # nothing left to transfer: nothing happens
    expect(page.locator("#transfer-done")).to_contain_text(number)


def test_a_transfer_recorded_elsewhere_is_said_in_words_and_not_recorded_again(live_app, live_server, open_as):
    page = open_as("operator", path="/operator")
    number = save_a_911_call(page, "8025550199")
    call = next(c for c in api(live_app, live_server, "GET", "/calls?limit=5").json() if c["number"] == number)
    answer = api(live_app, live_server, "POST", f"/calls/{call['id']}/transfer", {"to": "911"})
    assert answer.status_code == 200, answer.text
    page.locator("#record-transfer").press("Enter")
    done = page.locator("#transfer-done")
    expect(done).to_contain_text(f"Call {number}: ")
    expect(done).not_to_contain_text("transferred to 911 at")
    expect(page.locator("#transfer-box")).to_be_hidden()
