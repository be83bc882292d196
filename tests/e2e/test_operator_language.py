"""The language of a call chosen by its name on the operator's page, in Debian's Chromium: the list
comes from GET /api/v1/languages, and "Spanish", "español" and "es" each save as "es"."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("typed", ["Spanish", "español", "es"])
def test_the_language_is_chosen_by_name_and_saved_as_its_code(live_app, live_server, open_as, typed):
    page = open_as("operator", path="/operator")
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    expect(page.locator('#language-names option[value="Spanish"]')).to_have_count(1)  # from GET /languages
    page.keyboard.type("8025550196")
    page.locator("#q-language-input").fill(typed)
    expect(page.locator("#q-language-hint")).to_contain_text("Spanish")
    expect(page.locator("#q-language-hint")).to_contain_text("es")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#saved")).to_contain_text("saved")
    _, token = make_user(live_app, "supervisor")
    calls = requests.get(
        f"{live_server}/api/v1/calls?limit=5", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).json()
    assert calls[0]["caller"]["phone"] == "+18025550196"
    assert calls[0]["answers"]["language"] == "es"
    assert calls[0]["needs"]["language"] == "es"
