"""Issue 15's "done when", in Debian's Chromium: an admin creates a user on /admin, ties them to a
unit, the user signs in in a second browser, the admin disables them from the first, and the
second browser's session ends (its live connection is cut at once, its next page load asks to
sign in); the audit page finds the creation, the tie, the disabling and the sign-in.
Screenshots of every administration page go to $E2E_SCREENSHOTS (default /tmp/e2e-shots)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DESKTOP, sign_in
from tests.support.factories import make_unit

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "e2e-shots"))
NEW_USER = {"username": "casey.night", "password": "Lantern-Harbor-Quiet-7"}


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def user_row(page: Page, username: str) -> Any:
    return page.locator("#user-rows tr", has=page.get_by_role("rowheader", name=username, exact=True))


def test_an_admin_creates_ties_and_disables_a_user_whose_session_then_ends(live_app, live_server, browser, open_as):
    make_unit(live_app, call_sign="MCT-4")
    admin = open_as("admin", path="/admin/users")
    keys = admin.keyboard

    # Create: by keyboard from the username field; Enter submits.
    admin.locator("#add-username").fill(NEW_USER["username"])
    admin.locator("#add-password").fill("short")
    admin.locator("#add-role-dispatcher").check()
    admin.locator("#add-password").press("Enter")
    # A refusal in words beside the field it is about, and the focus there.
    expect(admin.locator("#add-password-error")).to_contain_text("too short")
    expect(admin.locator("#add-password")).to_be_focused()
    admin.locator("#add-password").fill(NEW_USER["password"])
    # A double click sends one request: the second finds the button disabled.
    admin.locator("#add-submit").dblclick()
    expect(admin.locator("#add-form .done")).to_have_text(f"{NEW_USER['username']} added.")
    expect(user_row(admin, NEW_USER["username"])).to_have_count(1)
    expect(admin.locator("#add-form .form-error")).to_be_hidden()

    # Tie them to MCT-4.
    user_row(admin, NEW_USER["username"]).get_by_role("button", name=f"Change {NEW_USER['username']}").click()
    expect(admin.locator("#edit-title")).to_have_text(f"Change {NEW_USER['username']}")
    expect(admin.locator("#edit-title")).to_be_focused()
    admin.locator("#edit-unit").select_option(label="MCT-4")
    admin.locator("#edit-submit").click()
    expect(admin.locator("#edit-form .done")).to_contain_text("tied to unit MCT-4")
    expect(user_row(admin, NEW_USER["username"])).to_contain_text("unit MCT-4")
    shot(admin, "admin-users-1400x900")

    # They sign in in a browser of their own and open the board: live.
    theirs = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(theirs, live_server, NEW_USER, "/dispatch")
    expect(theirs.locator("#live-state")).to_have_text("Live", timeout=10_000)

    # The admin disables them: their live connection is cut at once…
    admin.locator("#disable-submit").click()
    expect(admin.locator("#disable-form .done")).to_have_text(
        f"{NEW_USER['username']} is disabled and signed out everywhere."
    )
    expect(user_row(admin, NEW_USER["username"])).to_contain_text("disabled")
    expect(admin.locator("#disable-submit")).to_have_text("Enable the account")
    expect(theirs.locator("#live-state")).not_to_have_text("Live", timeout=10_000)
    expect(theirs.locator("#live-state")).to_have_text("Signed out: reload to sign in", timeout=15_000)
    # …and their next page load asks them to sign in.
    theirs.reload()
    theirs.wait_for_url(re.compile(r"/login\?next=/dispatch$"))
    expect(theirs.locator("#username")).to_be_visible()

    # The audit trail finds the creation, the tie, the sign-in and the disabling on the user's
    # record, newest first.
    user_id = user_row(admin, NEW_USER["username"]).get_attribute("data-user-id")
    admin.goto(f"{live_server}/admin/audit")
    admin.locator("#audit-record_type").fill("user")
    admin.locator("#audit-record_id").fill(str(user_id))
    keys.press("Enter")
    admin.wait_for_url(re.compile(r"/admin/audit\?"))
    rows = admin.locator("#entry-rows tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(3)).to_contain_text("user.create")
    expect(rows.nth(2)).to_contain_text("unit id: none →")
    expect(rows.nth(1)).to_contain_text("login")
    expect(rows.nth(1)).to_contain_text(NEW_USER["username"])  # who: the user themselves
    expect(rows.nth(0)).to_contain_text("disabled: false → true")
    expect(admin.locator("#entries-status")).to_have_text("Entries 1\u20134, newest first, matching the search.")
    shot(admin, "admin-audit-search-1400x900")
    # Who did what: the user's own name finds their sign-in; the export link carries the search.
    admin.goto(f"{live_server}/admin/audit?user={NEW_USER['username']}")
    expect(admin.locator("#entry-rows")).to_contain_text("login")
    expect(admin.locator("#audit-csv")).to_have_attribute("href", "/api/v1/audit.csv?user=casey.night")


def test_the_last_admin_is_told_in_words_and_units_are_managed_by_keyboard(live_app, live_server, open_as):
    make_unit(live_app, call_sign="MCT-1", languages=["en", "es"])
    admin = open_as("admin", path="/admin/units")
    expect(admin.locator("#unit-rows tr")).to_have_count(1)
    expect(admin.locator("#unit-rows")).to_contain_text("English, Spanish")

    # Add a unit: a language by its own name, the home base clicked on the map.
    form = admin.locator("#unit-form")
    admin.locator("#call-sign").fill("MCT-8")
    admin.locator("#phones").fill("(802) 555-0188")
    admin.locator("#languages").fill("English, Klingon")
    admin.locator("#home-map").click()
    expect(admin.locator("#home-lat")).not_to_have_value("")
    admin.locator("#call-sign").press("Enter")
    expect(admin.locator("#languages-error")).to_contain_text("“Klingon” is not a language we know")
    expect(admin.locator("#languages")).to_be_focused()
    admin.locator("#languages").fill("English, español")
    admin.locator("#languages").press("Enter")
    expect(form.locator(".done")).to_have_text("MCT-8 added.")
    row = admin.locator('#unit-rows tr:has(th:text-is("MCT-8"))')
    expect(row).to_contain_text("English, Spanish")
    expect(row).to_contain_text("(802) 555-0188")

    # The same call sign again is refused in the API's words, beside the form.
    admin.locator("#call-sign").fill("MCT-8")
    admin.locator("#phones").fill("+18025550189")
    admin.locator("#home-lat").fill("44.48")
    admin.locator("#home-lon").fill("-73.21")
    admin.locator("#home-lon").press("Enter")
    expect(form.locator(".form-error")).to_contain_text("already exists")

    # Edit it: another phone, the youth skill, a home base typed.
    row.get_by_role("button", name="Edit MCT-8").click()
    expect(admin.locator("#form-title")).to_have_text("Edit MCT-8")
    expect(admin.locator("#call-sign")).to_be_focused()
    expect(admin.locator("#languages")).to_have_value("English, Spanish")
    admin.locator("#phones").fill("(802) 555-0188, 802-555-0187")
    admin.locator("#youth").check()
    admin.locator("#home-lat").fill("44.4801")
    admin.locator("#home-lon").fill("-73.2101")
    admin.locator("#home-lon").press("Enter")
    expect(form.locator(".done")).to_have_text("Changes to MCT-8 saved.")
    expect(row).to_contain_text("(802) 555-0188, (802) 555-0187")
    expect(row).to_contain_text("44.4801, -73.2101")
    expect(row.get_by_role("button", name="Edit MCT-8")).to_be_focused()

    # Off duty and back.
    row.get_by_role("button", name="Take off duty MCT-8").click()
    expect(row).to_contain_text("off duty")
    expect(row.get_by_role("button", name="Put on duty MCT-8")).to_be_focused()
    shot(admin, "admin-units-1400x900")

    # The last admin cannot disable themselves: the 409 is shown in words.
    admin.goto(f"{live_server}/admin/users")
    me = admin.locator("#user-rows tr").filter(has_text="admin").first
    me.get_by_role("button").click()
    admin.locator("#disable-submit").click()
    expect(admin.locator("#disable-form .form-error")).to_contain_text("last active administrator")


def test_screenshots_of_every_administration_page(live_app, live_server, open_as):
    make_unit(live_app, call_sign="MCT-2")
    admin = open_as("admin", path="/admin")
    for path, name, ready in (
        ("/admin", "admin-index", "h1"),
        ("/admin/users", "admin-users-empty-form", "#user-rows tr"),
        ("/admin/units", "admin-units", "#unit-rows tr"),
        ("/admin/questionnaire", "admin-questionnaire", ".questions li"),
        ("/admin/audit", "admin-audit", "#entries-status"),
    ):
        admin.goto(live_server + path)
        expect(admin.locator(ready).first).to_be_visible()
        expect(admin.locator("[role=alert]:visible")).to_have_count(0)
        shot(admin, f"{name}-1400x900")
    admin.set_viewport_size({"width": 390, "height": 844})
    admin.goto(live_server + "/admin/units")
    expect(admin.locator("#unit-rows tr")).to_have_count(1)
    shot(admin, "admin-units-390x844")


def test_an_admin_adds_a_facility_and_corrects_its_beds(live_app, live_server, open_as):
    admin = open_as("admin", path="/admin/facilities")
    expect(admin.locator("#list-status")).to_have_text("No facility yet. Add the first one with the form.")
    form = admin.locator("#facility-form")
    admin.locator("#facility-name").fill("Harbor House")
    admin.locator("#facility-kind").select_option("stabilization")
    admin.locator("#facility-address").fill("12 Harbor Road, Burlington, VT")
    admin.locator("#facility-lat").fill("44.4790")
    admin.locator("#facility-lon").fill("-73.2120")
    admin.locator("#facility-phone").fill("(802) 555-0190")
    form.get_by_label("youth (under 18)").check()
    form.get_by_label("adult beds, total").fill("4")
    form.get_by_label("adult beds, open now").fill("6")
    admin.locator("#facility-name").press("Enter")
    # More open beds than the facility has: said beside the bed type, nothing saved.
    expect(form.locator('[data-error-for="beds.adult"]')).to_have_text("Open beds cannot be more than the total (4)")
    form.get_by_label("adult beds, open now").fill("2")
    form.get_by_label("adult beds, open now").press("Enter")
    expect(form.locator(".done")).to_have_text("Harbor House added.")
    row = admin.locator('#facility-rows tr:has(th:text-is("Harbor House"))')
    expect(row).to_contain_text("crisis stabilization unit")
    expect(row).to_contain_text("adult 2/4")
    expect(row).to_contain_text("youth")

    row.get_by_role("button", name="Edit Harbor House").click()
    expect(admin.locator("#form-title")).to_have_text("Edit Harbor House")
    form.get_by_label("adult beds, open now").fill("1")
    admin.locator("#facility-submit").click()
    expect(form.locator(".done")).to_have_text("Changes to Harbor House saved.")
    expect(row).to_contain_text("adult 1/4")
    expect(row.get_by_role("button", name="Edit Harbor House")).to_be_focused()
    shot(admin, "admin-facilities-1400x900")


def test_an_admin_turns_off_the_two_factor_sign_in_of_a_user_who_lost_their_phone(live_app, live_server, open_as):
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from core.extensions import db
    from core.models import User
    from tests.support.factories import make_user

    user, _ = make_user(live_app, "operator")
    with live_app.app_context():
        db.session.execute(sa.update(User).where(User.id == user["id"]).values(totp_enabled_at=datetime.now(UTC)))
        db.session.commit()
    admin = open_as("admin", path="/admin/users")
    row = user_row(admin, user["username"])
    expect(row.locator("td").nth(2)).to_have_text("on")
    row.get_by_role("button", name=f"Change {user['username']}").click()
    expect(admin.locator("#edit-state")).to_contain_text("Two-factor sign-in is on.")
    admin.locator("#two-factor-submit").click()
    expect(admin.locator("#two-factor-form .done")).to_contain_text(f"Two-factor sign-in is off for {user['username']}")
    expect(row.locator("td").nth(2)).to_have_text("off")
    expect(admin.locator("#two-factor-submit")).to_be_hidden()


def test_the_audit_page_reads_a_crew_change_in_words(live_app, live_server, open_as):
    from core.actors import Actor
    from core.extensions import db
    from dispatch.staffing import set_crew

    unit_id = make_unit(live_app, call_sign="MCT-2")
    with live_app.app_context():
        set_crew(
            session=db.session,
            unit_id=unit_id,
            crew=[("Dana Reyes", "clinician", None), ("Sam Ortiz", "peer_specialist", None)],
            by=Actor.system("test"),
            stale_s=900,
        )
        db.session.commit()
    admin = open_as("admin", path="/admin/audit")
    admin.goto(f"{live_server}/admin/audit?record_type=unit&record_id={unit_id}")
    row = admin.locator("#entry-rows tr", has_text="unit.crew")
    expect(row).to_contain_text("Dana Reyes (clinician), Sam Ortiz (peer specialist)")
    expect(row).not_to_contain_text("object Object")
