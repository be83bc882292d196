"""The browser tests' shared fixtures: Debian's Chromium driven by Playwright, the app served on a
loopback port, and pages signed in as a given role.

    def test_something(live_app, live_server, open_as):
        page = open_as("dispatcher", path="/dispatch")

`live_server` serves `live_app` with the event relay running; a test that needs something else
says so with `@pytest.mark.live_server(sms=True)` or `(relay=False)` (the options of
`tests.support.server.serve`). `browser` is a fresh Chromium per test, launched from
/usr/bin/chromium (never a Playwright-downloaded one). Outside CI a missing Chromium skips the
test with the reason; under CI=true it fails it. When a test fails, every page still open is
screenshotted and the file names are added to the failure report.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import need_service
from tests.support.factories import make_user
from tests.support.server import serve

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1400, "height": 900}
FAILURE_SHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(tempfile.gettempdir()) / "e2e-failures"))

_browser_key = pytest.StashKey[Browser]()


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    """Debian's Chromium, headless, closed after the test."""
    if not CHROMIUM.exists():
        need_service(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        request.node.stash[_browser_key] = launched
        try:
            yield launched
        finally:
            del request.node.stash[_browser_key]
            launched.close()


@pytest.fixture
def live_server(request: pytest.FixtureRequest, live_app: Any) -> Iterator[str]:
    """`live_app` served on 127.0.0.1:<free port>; yields the base URL (also its PUBLIC_BASE_URL)."""
    marker = request.node.get_closest_marker("live_server")
    options = dict(marker.kwargs) if marker else {}
    with serve(live_app, **options) as base:
        yield base


def sign_in(page: Page, base: str, user: dict[str, Any], path: str) -> None:
    """Sign in through the login form and land on `path`."""
    page.goto(f"{base}/login?next={path}")
    page.fill("#username", user["username"])
    page.fill("#password", user["password"])
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base + path) + "$"))


@pytest.fixture
def open_as(live_server: str, browser: Browser, live_app: Any) -> Callable[..., Page]:
    """open_as(*roles, path=..., viewport=..., unit_id=...): a new user with these roles, signed in
    in a browser context of its own, on `path`. Further pages of `page.context` share the sign-in."""

    def open_page(
        *roles: str, path: str, viewport: dict[str, int] | None = None, unit_id: int | None = None, **context: Any
    ) -> Page:
        user, _ = make_user(live_app, *roles, unit_id=unit_id)
        page = browser.new_context(viewport=viewport or DESKTOP, **context).new_page()
        sign_in(page, live_server, user, path)
        return page

    return open_page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    launched = item.stash.get(_browser_key, None)
    if report.when == "call" and report.failed and launched is not None:
        shots = []
        FAILURE_SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", item.name)
        pages = [page for context in launched.contexts for page in context.pages]
        for n, page in enumerate(pages, start=1):
            target = FAILURE_SHOTS / f"{name}-{n}.png"
            try:
                page.screenshot(path=str(target), full_page=True)
            except Exception as error:  # a crashed page must not hide the test's own failure
                shots.append(f"{page.url}: no screenshot ({error})")
            else:
                shots.append(f"{page.url}: {target}")
        if shots:
            report.sections.append(("screenshots at failure", "\n".join(shots)))
    return report
