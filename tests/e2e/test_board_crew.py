"""The dispatch board's crews: each unit shows who rides with it and, in words, what is short; a
dispatcher sets the crew by keyboard, a wrong one is refused in words, a double Enter saves once,
and the map shows the same crew and flag."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from core.extensions import db
from core.models import AuditEntry
from tests.e2e.board_support import Keys, api
from tests.support.dispatch_factories import NEAR, make_placed_unit
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CREW_PUT = re.compile(r".*/api/v1/units/\d+/crew$")


def crew_audits(app, unit_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                sa.select(AuditEntry.id).where(AuditEntry.action == "unit.crew", AuditEntry.record_id == str(unit_id))
            ).all()
        )


def unit_item(page: Page, unit_id: int):
    return page.locator(f'#unit-board li[data-unit="{unit_id}"]')


def test_a_dispatcher_adds_a_clinician_by_keyboard_and_the_flag_goes(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-8")
    _, token = make_user(live_app, "dispatcher")
    alone = {"crew": [{"name": "Sam Ortiz", "role": "peer_specialist"}]}
    assert api(live_server, token, "PUT", f"/units/{unit_id}/crew", json=alone).ok
    page = open_as("dispatcher", path="/dispatch")
    item = unit_item(page, unit_id)
    expect(item).to_contain_text("Crew: Sam Ortiz (peer specialist)")
    flag = item.locator("[data-staffing-flag]")
    expect(flag).to_have_text("⚠ Staffing: fewer than two staff; no clinician")

    keys = Keys(page)
    item.get_by_role("button", name="Set the crew of MCT-8").focus()
    keys.press("Enter")
    dialog = page.get_by_role("dialog", name="Crew of MCT-8")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Person 1: name")).to_be_focused()
    expect(dialog.get_by_label("Person 1: name")).to_have_value("Sam Ortiz")
    keys.press("Tab", "Tab", "Tab")  # the role, Remove, then "Add a person"
    expect(dialog.get_by_role("button", name="Add a person")).to_be_focused()
    keys.press("Enter")
    expect(dialog.get_by_label("Person 2: name")).to_be_focused()
    expect(dialog.get_by_label("Person 2: role")).to_have_value("clinician")  # a team needs one
    page.keyboard.type("Dana Reyes")

    # A double Enter saves once: the second comes while the first is held on its way (any
    # further request would be let through, and counted by the audit trail below).
    held = []

    def hold_the_first(route):
        held.append(route)
        if len(held) > 1:
            route.continue_()

    page.route(CREW_PUT, hold_the_first)
    keys.press("Enter")
    expect(dialog.get_by_role("button", name="Saving…")).to_be_disabled()
    keys.press("Enter")
    expect(dialog.get_by_role("button", name="Saving…")).to_be_disabled()
    held[0].continue_()

    expect(dialog).to_be_hidden()
    expect(page.locator("#crew-status")).to_have_text(
        "Crew of MCT-8 saved: Sam Ortiz (peer specialist), Dana Reyes (clinician)."
    )
    expect(item).to_contain_text("Crew: Sam Ortiz (peer specialist), Dana Reyes (clinician)")
    expect(flag).to_have_count(0)
    expect(item.get_by_role("button", name="Set the crew of MCT-8")).to_be_focused()

    # The map shows the same crew, and no flag.
    map_page = page.context.new_page()
    map_page.goto(f"{live_server}/map")
    row = map_page.locator(f'#unit-rows tr[data-unit-id="{unit_id}"]')
    expect(row).to_contain_text("Sam Ortiz (peer specialist), Dana Reyes (clinician)")
    expect(row.locator(".staffing-flag")).to_have_count(0)
    assert len(held) == 1 and crew_audits(live_app, unit_id) == 2  # the API's first crew, then this one


def test_a_wrong_crew_is_refused_in_words_under_the_person_and_changes_nothing(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-9")
    page = open_as("dispatcher", path="/dispatch")
    item = unit_item(page, unit_id)
    expect(item.locator("[data-staffing-flag]")).to_have_text("⚠ Staffing: no crew recorded")
    item.get_by_role("button", name="Set the crew of MCT-9").click()
    dialog = page.get_by_role("dialog", name="Crew of MCT-9")
    expect(dialog.get_by_label("Person 1: role")).to_have_value("clinician")
    expect(dialog.get_by_label("Person 2: role")).to_have_value("peer_specialist")
    dialog.get_by_label("Person 1: name").fill("Dana Reyes")
    dialog.get_by_label("Person 2: name").fill("dana reyes")
    page.keyboard.press("Enter")

    error = page.locator("#crew-error")
    expect(error).to_contain_text("The crew of MCT-9 was not saved.")
    expect(error).to_contain_text("Person 2, name: listed twice (also person 1)")
    second = dialog.get_by_label("Person 2: name")
    expect(second).to_have_attribute("aria-invalid", "true")
    expect(second).to_be_focused()
    expect(dialog.locator(".crew-person").nth(1).locator(".field-error")).to_have_text(
        "Name: listed twice (also person 1)"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(item).to_contain_text("Crew: none recorded")
    assert crew_audits(live_app, unit_id) == 0


def test_a_crew_set_elsewhere_reaches_an_open_board_and_the_map_flags_a_short_one(live_app, live_server, open_as):
    unit_id = make_placed_unit(live_app, NEAR, call_sign="MCT-10")
    _, token = make_user(live_app, "dispatcher")
    board = open_as("dispatcher", path="/dispatch")
    map_page = board.context.new_page()
    map_page.goto(f"{live_server}/map")
    expect(unit_item(board, unit_id)).to_contain_text("Crew: none recorded")

    peers = {"crew": [{"name": "Sam Ortiz", "role": "peer_specialist"}, {"name": "Lee Park", "role": "nurse"}]}
    assert api(live_server, token, "PUT", f"/units/{unit_id}/crew", json=peers).ok

    expect(unit_item(board, unit_id).locator("[data-staffing-flag]")).to_have_text("⚠ Staffing: no clinician")
    row = map_page.locator(f'#unit-rows tr[data-unit-id="{unit_id}"]')
    expect(row).to_contain_text("Sam Ortiz (peer specialist), Lee Park (nurse)")
    expect(row.locator(".staffing-flag")).to_have_text("⚠ no clinician")
    marker = map_page.locator(f'.mu[data-unit-id="{unit_id}"]')
    expect(marker.locator(".staff-tag")).to_have_text("⚠ crew")
    expect(marker).to_have_attribute(
        "title", re.compile(r"Crew: Sam Ortiz \(peer specialist\), Lee Park \(nurse\)\. Staffing: no clinician$")
    )
