"""The operator's page at a desktop (1366x768) and a phone (390x844) size in Debian's Chromium: a
911 call answered far down the questionnaire keeps its banner and the transfer button in view;
the history of the number with its safety line, the restored draft and the recorded transfer.
Screenshots go to $E2E_SCREENSHOTS (default /tmp/operator-shots) to be looked at."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Locator, Page, expect

from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "operator-shots"))
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def in_view(page: Page, locator: Locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def shot(page: Page, size: str, name: str) -> None:
    """A screenshot of what is in view; nothing on the page is wider than the screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], f"{name}: the page is {width} px wide at {SIZES[size]['width']}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"operator-{size}-{name}.png"))


def earlier_weapon_call(app: Any, base: str, phone: str) -> str:
    _, token = make_user(app, "operator")
    body = {"caller": {"phone": phone}, "answers": {"cssrs_1": "yes", "cssrs_2": "no", "weapon_present": "yes"}}
    answer = requests.post(f"{base}/api/v1/calls", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


@pytest.mark.parametrize("size", list(SIZES))
def test_the_911_banner_stays_in_view_and_the_screens_at_two_sizes(live_app, live_server, open_as, size):
    number = earlier_weapon_call(live_app, live_server, "+18025550197")
    page = open_as("operator", path="/operator", viewport=SIZES[size])
    keys = page.keyboard
    expect(page.locator("#caller-phone")).to_be_focused()
    keys.type("802 555 0197")
    expect(page.locator("#history-safety")).to_contain_text(number)
    for key in ("Enter", "Enter", "Enter"):
        keys.press(key)
    keys.type("135 Church St")
    keys.press("Enter")
    shot(page, size, "1-history")

    for answer in "yyyyyyy" + "y":  # C-SSRS 1-6 and recent yes; a medical emergency
        keys.press(answer)
    banner = page.locator("#banner-911")
    expect(banner).to_have_text("Transfer to 911 now — medical emergency")
    for answer in "nnnnnn":  # on down the safety screen: attempt, weapon, violence x2, in person, youth
        keys.press(answer)
    expect(page.locator("#q-language-input")).to_be_focused()
    assert in_view(page, page.locator("#q-language-input"))
    assert in_view(page, banner), "the 911 banner scrolled away while the operator answered"
    button = page.locator("#record-transfer")
    assert in_view(page, button)
    shot(page, size, "2-911-banner-while-answering")

    page.reload()
    expect(page.locator("#draft-note")).to_be_visible()
    expect(banner).to_be_visible()
    shot(page, size, "3-draft-restored")

    page.locator("#q-language-input").focus()
    keys.press("Alt+r")  # save, then record the transfer
    expect(page.locator("#transfer-done")).to_have_text(
        re.compile(r"Call C-\d{4}-\d{6} transferred to 911 at \d\d:\d\d:\d\d\.")
    )
    expect(page.locator("#saved")).to_contain_text("saved: 911")
    expect(page.locator("#draft-note")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, size, "4-transferred")
