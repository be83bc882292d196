"""A real night at the operator's page, in Debian's Chromium: a double-click on Save, a Save with
nothing entered, a retried Save whose answer was lost, a reload in the middle of a call, leaving
the page with a call half-taken, and a refused Save that says what to fix at the field.
Every count of saved calls is read back through the API."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, Route, expect

from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def saved_calls(app: Any, base: str) -> list[dict[str, Any]]:
    _, token = make_user(app, "supervisor")
    answer = requests.get(f"{base}/api/v1/calls?limit=500", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    calls: list[dict[str, Any]] = answer.json()
    return calls


def start_call(page: Page, phone: str = "802-555-0177") -> None:
    """The callback number, the address, and the first two questions, by keyboard."""
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    expect(page.locator("#caller-phone")).to_be_focused()
    page.keyboard.type(phone)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    page.keyboard.type("135 Church St")
    page.keyboard.press("Enter")
    page.keyboard.press("y")  # C-SSRS 1
    page.keyboard.press("n")  # C-SSRS 2
    expect(page.locator("#q-cssrs_2-no")).to_be_checked()
    expect(page.locator("#preview-risk")).to_have_text("incomplete")  # the safety screen is still to ask


def double_click(page: Page, selector: str, gap_s: float = 0.25) -> None:
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    time.sleep(gap_s)
    page.mouse.click(x, y)


@pytest.mark.parametrize("server_delay_s", [0.0, 0.6], ids=["fast-server", "slow-server"])
def test_a_double_click_on_save_saves_one_call_and_no_blank_one(live_app, live_server, open_as, server_delay_s):
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    posts: list[str] = []

    def slow(route: Route) -> None:
        if route.request.method == "POST":
            posts.append(route.request.headers.get("idempotency-key", ""))
            time.sleep(server_delay_s)
        route.continue_()

    page.route(re.compile(r"/api/v1/calls$"), slow)
    start_call(page)
    double_click(page, "#submit-call")
    expect(page.locator("#saved")).to_contain_text(re.compile(r"Call C-\d{4}-\d{6} saved"))
    page.wait_for_timeout(800)  # whatever the second click would have sent has arrived by now
    calls = saved_calls(live_app, live_server)
    assert len(calls) == before + 1
    assert calls[0]["caller"]["phone"] in ("+18025550177", "802-555-0177")
    assert len(posts) == 1, posts  # the second click sent nothing: no blank call, no second one
    expect(page.locator("#form-error")).to_be_empty()  # and the page does not scold the operator
    expect(page.locator("#submit-call")).to_be_enabled()


def test_the_second_click_of_a_slow_double_click_lands_on_the_next_call_and_changes_nothing(
    live_app, live_server, open_as
):
    """The first click saves; the form resets and grows shorter (the follow-up questions go), so
    the second click, a moment later, lands on whatever now sits where Save was: an answer of the
    next call. It must answer nothing there: the next call starts blank, the confirmation stays."""
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    start_call(page)
    double_click(page, "#submit-call", gap_s=0.9)  # the save has come back before the second click
    expect(page.locator("#saved")).to_contain_text(re.compile(r"Call C-\d{4}-\d{6} saved"))
    page.wait_for_timeout(800)
    expect(page.locator("#saved")).to_contain_text(re.compile(r"Call C-\d{4}-\d{6} saved"))
    expect(page.locator("#call-form input:checked")).to_have_count(0)  # no answer given to the next call
    assert len(saved_calls(live_app, live_server)) == before + 1


def test_save_with_nothing_entered_saves_nothing_and_says_so(live_app, live_server, open_as):
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    page.locator("#submit-call").click()
    expect(page.locator("#form-error")).to_have_text(re.compile(r"^Nothing to save yet: answer a question"))
    page.keyboard.press("Control+Enter")
    expect(page.locator("#form-error")).to_contain_text("Nothing to save yet")
    expect(page.locator("#saved")).to_be_empty()

    # Only the caller's relation: the server refuses it as an empty call, and the page says so.
    page.locator("#caller-relation").select_option("family")
    page.locator("#submit-call").click()
    expect(page.locator("#form-error")).to_have_text(re.compile(r"^Nothing to save yet: \w+"))
    expect(page.locator("#caller-relation")).to_have_value("family")
    assert len(saved_calls(live_app, live_server)) == before


def test_a_save_whose_answer_was_lost_is_pressed_again_and_saves_once(live_app, live_server, open_as):
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    keys: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        keys.append(route.request.headers.get("idempotency-key", ""))
        if len(keys) == 1:
            route.fetch()  # the server saves the call ...
            route.abort("connectionreset")  # ... and its answer never reaches the page
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/calls$"), lose_first_answer)
    start_call(page, phone="(802) 555-0178")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#form-error")).to_contain_text("No answer from the server")
    expect(page.locator("#caller-phone")).to_have_value("(802) 555-0178")  # nothing lost
    expect(page.locator("#q-cssrs_1-yes")).to_be_checked()
    page.locator("#submit-call").click()
    expect(page.locator("#saved")).to_contain_text(re.compile(r"Call C-\d{4}-\d{6} saved"))
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]
    assert len(saved_calls(live_app, live_server)) == before + 1


def test_a_reload_mid_call_restores_the_draft_which_then_saves_once(live_app, live_server, open_as):
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    start_call(page, phone="8025550179")
    page.locator("#narrative").fill("Caller's sister, worried since this morning.")
    answered = page.locator("#answered").inner_text()
    assert re.fullmatch(r"Answered \d\d:\d\d:\d\d", answered)
    assert page.evaluate("localStorage.length") == 0  # never localStorage

    page.reload()
    note = page.locator("#draft-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("Draft restored")
    expect(note).to_contain_text(answered.replace("Answered ", "answered "))
    expect(page.locator("#answered")).to_have_text(answered)  # the call started when it started
    expect(page.locator("#caller-phone")).to_have_value("8025550179")
    expect(page.locator("#location-address")).to_have_value("135 Church St")
    expect(page.locator("#narrative")).to_have_value("Caller's sister, worried since this morning.")
    expect(page.locator("#q-cssrs_1-yes")).to_be_checked()
    expect(page.locator("#q-cssrs_2-no")).to_be_checked()
    expect(page.locator("#preview-risk")).to_have_text("incomplete")

    # Another tab of the same operator starts empty: the draft belongs to its tab.
    other = page.context.new_page()
    other.goto(live_server + "/operator")
    expect(other.locator("#q-cssrs_1")).to_be_visible()
    expect(other.locator("#draft-note")).to_be_hidden()
    expect(other.locator("#caller-phone")).to_have_value("")
    other.close()

    page.locator("#submit-call").click()
    expect(page.locator("#saved")).to_contain_text(re.compile(r"Call C-\d{4}-\d{6} saved"))
    expect(note).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('operator.draft.v1')") is None
    calls = saved_calls(live_app, live_server)
    assert len(calls) == before + 1
    assert calls[0]["narrative"] == "Caller's sister, worried since this morning."
    # The call was received when the first key was typed, before the reload, not at the save.
    received = page.evaluate(
        "(iso) => new Date(iso).toLocaleTimeString([],"
        " {hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false})",
        calls[0]["received_at"],
    )
    assert answered == "Answered " + received
    assert calls[0]["received_at"] < calls[0]["saved_at"]
    page.reload()
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    expect(page.locator("#draft-note")).to_be_hidden()
    expect(page.locator("#caller-phone")).to_have_value("")


def test_a_restored_draft_can_be_discarded(live_app, live_server, open_as):
    page = open_as("operator", path="/operator")
    start_call(page)
    page.reload()
    expect(page.locator("#draft-note")).to_be_visible()
    page.get_by_role("button", name="Discard draft").click()
    expect(page.locator("#draft-note")).to_be_hidden()
    expect(page.locator("#caller-phone")).to_have_value("")
    expect(page.locator("#q-cssrs_1-yes")).not_to_be_checked()
    expect(page.locator("#answered")).to_have_text("Not answered yet")
    page.reload()
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    expect(page.locator("#draft-note")).to_be_hidden()


def test_leaving_with_a_call_half_taken_asks_first_and_an_empty_form_does_not(live_app, live_server, open_as):
    page = open_as("operator", path="/operator")
    dialogs: list[str] = []

    def stay(dialog: Any) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # the operator chooses to stay

    page.on("dialog", stay)
    expect(page.locator("#q-cssrs_1")).to_be_visible()
    page.keyboard.type("8")
    page.keyboard.press("Backspace")  # touched, but empty again: nothing to lose but the time
    expect(page.locator("#answered")).to_have_text(re.compile("^Answered"))
    start = page.locator("#answered").inner_text()
    page.locator("#caller-phone").fill("")
    page.keyboard.type("8025550180")
    with page.expect_event("dialog"):
        page.close(run_before_unload=True)
    expect(page.locator("#answered")).to_have_text(start)  # still here, the call as it was
    assert dialogs == ["beforeunload"]
    assert not page.is_closed()

    # After the save there is nothing to lose: the page goes without a question.
    page.keyboard.press("Control+Enter")
    expect(page.locator("#saved")).to_contain_text("saved")
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert dialogs == ["beforeunload"]
    assert page.is_closed()


def test_a_refused_save_keeps_everything_and_says_what_to_fix_at_the_field(live_app, live_server, open_as):
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    start_call(page, phone="8025550181")
    page.locator("#location-lat").fill("200")  # no such latitude
    page.keyboard.press("Control+Enter")
    error = page.locator("#form-error")
    expect(error).to_contain_text("The call was not saved")
    expect(error).to_contain_text("Everything you entered is still here")
    lat = page.locator("#location-lat")
    expect(lat).to_have_attribute("aria-invalid", "true")
    field_error = page.locator("#error-location-lat")
    expect(field_error).to_contain_text("Latitude")
    expect(lat).to_have_attribute("aria-describedby", re.compile("error-location-lat"))
    expect(lat).to_be_focused()
    expect(page.locator("#caller-phone")).to_have_value("8025550181")
    expect(page.locator("#q-cssrs_1-yes")).to_be_checked()
    assert len(saved_calls(live_app, live_server)) == before

    page.keyboard.press("Control+a")
    page.keyboard.type("44.4759")
    expect(field_error).to_have_count(0)  # fixing the field takes its error away
    page.keyboard.press("Control+Enter")
    expect(page.locator("#saved")).to_contain_text("saved")
    assert len(saved_calls(live_app, live_server)) == before + 1


def test_a_draft_answered_more_than_a_day_ago_is_refused_at_its_time_and_saves_with_a_new_one(
    live_app, live_server, open_as
):
    before = len(saved_calls(live_app, live_server))
    page = open_as("operator", path="/operator")
    start_call(page, phone="8025550182")
    # The tab was left with its draft over a day ago: the draft's answered time is now too old
    # (and the page does not write its own draft again on the way out).
    page.evaluate(
        """() => { const draft = JSON.parse(sessionStorage.getItem('operator.draft.v1'));
          draft.answered_at = new Date(Date.now() - 25 * 3600 * 1000).toISOString();
          sessionStorage.setItem('operator.draft.v1', JSON.stringify(draft));
          Storage.prototype.setItem = () => {}; }"""
    )
    page.reload()
    expect(page.locator("#draft-note")).to_be_visible()
    page.keyboard.press("Control+Enter")
    expect(page.locator("#form-error")).to_contain_text("The call was not saved")
    expect(page.locator("#answered-box")).to_contain_text("Answered time: more than 24 hours ago")
    expect(page.locator("#mark-answered")).to_be_visible()
    expect(page.locator("#caller-phone")).to_have_value("8025550182")
    assert len(saved_calls(live_app, live_server)) == before

    page.keyboard.press("Alt+a")  # answered now
    expect(page.locator("#answered")).to_have_text(re.compile(r"^Answered \d\d:\d\d:\d\d$"))
    expect(page.locator("#answered-box")).not_to_contain_text("more than 24 hours ago")
    page.locator("#submit-call").click()
    expect(page.locator("#saved")).to_contain_text("saved")
    assert len(saved_calls(live_app, live_server)) == before + 1
