"""The dispatch board by keyboard: the first recommendation assigned in at most 3 keys from the
queue, a double press or double click assigns once without an error, and a cancel needs its
reason and takes the incident out of the queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.board_support import CHURCH_ST, Keys, api, log_call
from tests.support.dispatch_factories import MIDDLE, NEAR, make_placed_unit
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_first_recommendation_is_assigned_in_three_keys(live_app, live_server, open_as):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1", languages=["en", "es"])
    make_placed_unit(live_app, MIDDLE, call_sign="MCT-2")
    _, operator = make_user(live_app, "operator")
    page = open_as("dispatcher", path="/dispatch")
    expect(page.locator('[data-group="available"]')).to_contain_text("MCT-1", timeout=10_000)
    call = log_call(live_server, operator, CHURCH_ST)
    item = page.locator(f'[data-incident="{call["incident_id"]}"]')
    expect(item).to_be_visible(timeout=10_000)
    # The shortcut is on the screen and on the button.
    expect(page.locator("#dispatch")).to_contain_text("then A and Enter assign the first recommendation")

    item.focus()  # the queue's first incident, as Tab from the skip link reaches it
    keys = Keys(page)
    keys.press("Enter")  # open it
    expect(page.locator("#recommendations li.first")).to_contain_text("MCT-1", timeout=10_000)
    keys.press("a")  # to the first recommendation's Assign
    assign = page.get_by_role("button", name="Assign MCT-1")
    expect(assign).to_be_focused()
    expect(assign).to_have_attribute("aria-keyshortcuts", "A")
    expect(page.locator(".confirm-hint")).to_be_visible()
    keys.press("Enter")  # confirm
    expect(page.locator("#message")).to_contain_text("assigned to MCT-1", timeout=10_000)
    expect(page.locator('[data-group="committed"]')).to_contain_text("MCT-1")
    print(f"\nkeyboard assign from the focused queue item: {keys.count} keys ({' '.join(keys.pressed)}); before: 22")
    assert keys.count <= 3
    incident = api(live_server, operator, "GET", f"/incidents/{call['incident_id']}").json()
    assert incident["status"] == "dispatched"

    # Enter on the incident already open goes to Assign as well: from the open incident, 2 keys.
    second = log_call(live_server, operator, CHURCH_ST)
    page.locator(f'[data-incident="{second["incident_id"]}"]').click()
    expect(page.locator("#recommendations li.first")).to_contain_text("MCT-2", timeout=10_000)
    page.locator(f'[data-incident="{second["incident_id"]}"]').focus()
    keys = Keys(page)
    keys.press("Enter")
    expect(page.get_by_role("button", name="Assign MCT-2")).to_be_focused()
    keys.press("Enter")
    expect(page.locator("#message")).to_contain_text("assigned to MCT-2", timeout=10_000)
    print(f"keyboard assign from the open incident: {keys.count} keys ({' '.join(keys.pressed)})")
    assert keys.count == 2


def test_a_double_press_and_a_double_click_assign_once_without_an_error(live_app, live_server, open_as):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    make_placed_unit(live_app, MIDDLE, call_sign="MCT-2")
    _, operator = make_user(live_app, "operator")
    page = open_as("dispatcher", path="/dispatch")
    expect(page.locator('[data-group="available"]')).to_contain_text("MCT-2", timeout=10_000)
    first = log_call(live_server, operator, CHURCH_ST)
    second = log_call(live_server, operator, CHURCH_ST)
    expect(page.locator("#queue-count")).to_have_text("2", timeout=10_000)
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if "/assign" in r.url and not r.ok else None)

    page.locator(f'[data-incident="{first["incident_id"]}"]').click()
    page.keyboard.press("a")
    assign = page.get_by_role("button", name="Assign MCT-1")
    expect(assign).to_be_focused(timeout=10_000)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # at once: the button is disabled while the first is in flight
    expect(page.locator("#message")).to_contain_text("assigned to MCT-1", timeout=10_000)
    expect(page.locator("#message")).not_to_have_class("message")  # the ok look, not an error

    page.locator(f'[data-incident="{second["incident_id"]}"]').click()
    page.get_by_role("button", name="Assign MCT-2").dblclick()
    expect(page.locator("#message")).to_contain_text("assigned to MCT-2", timeout=10_000)
    expect(page.locator("#message")).to_have_class("message ok")
    expect(page.locator('[data-group="committed"]')).to_contain_text("MCT-1")
    expect(page.locator('[data-group="committed"]')).to_contain_text("MCT-2")
    assert errors == []
    for call in (first, second):
        incident = api(live_server, operator, "GET", f"/incidents/{call['incident_id']}").json()
        assert incident["status"] == "dispatched", incident


def test_a_cancel_needs_a_reason_and_takes_the_incident_out_of_the_queue(live_app, live_server, open_as):
    _, operator = make_user(live_app, "operator")
    page = open_as("dispatcher", path="/dispatch")
    call = log_call(live_server, operator, CHURCH_ST)
    item = page.locator(f'[data-incident="{call["incident_id"]}"]')
    item.click()
    open_cancel = page.get_by_role("button", name="Cancel incident…")
    open_cancel.focus()
    page.keyboard.press("Enter")
    reason = page.get_by_label("Why cancel it")
    expect(reason).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Cancel incident" with no reason
    expect(page.locator("#cancel-error")).to_have_text("Give a reason: it goes on the incident's record.")
    expect(reason).to_be_focused()
    expect(item).to_be_visible()
    reason.fill("Duplicate of the call before")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(item).to_have_count(0, timeout=10_000)
    expect(page.locator("#queue-empty")).to_be_visible()
    incident = api(live_server, operator, "GET", f"/incidents/{call['incident_id']}").json()
    assert (incident["status"], incident["cancel_reason"]) == ("cancelled", "Duplicate of the call before")


def test_from_anywhere_on_the_board_n_goes_to_the_queue_and_arrows_walk_it(live_app, live_server, open_as):
    make_placed_unit(live_app, NEAR, call_sign="MCT-1")
    _, operator = make_user(live_app, "operator")
    page = open_as("dispatcher", path="/dispatch")
    expect(page.locator('[data-group="available"]')).to_contain_text("MCT-1", timeout=10_000)
    first = log_call(live_server, operator, CHURCH_ST)
    second = log_call(live_server, operator, CHURCH_ST)
    expect(page.locator("#queue-count")).to_have_text("2", timeout=10_000)
    page.evaluate("document.activeElement && document.activeElement.blur()")  # nothing focused
    keys = Keys(page)
    keys.press("n")
    expect(page.locator(f'[data-incident="{first["incident_id"]}"]')).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator(f'[data-incident="{second["incident_id"]}"]')).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator(f'[data-incident="{first["incident_id"]}"]')).to_be_focused()
    keys.press("Enter")
    expect(page.locator("#recommendations li.first")).to_contain_text("MCT-1", timeout=10_000)
    keys.press("a", "Enter")
    expect(page.locator("#message")).to_contain_text("assigned to MCT-1", timeout=10_000)
    print(f"\nkeyboard assign from anywhere on the board: {keys.count} keys ({' '.join(keys.pressed)})")
    assert keys.count == 4
