"""Real-browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

One Chromium serves all browser tests: it starts when the first one asks for it and stops after
the last test under tests/browser/ (package scope), so the rest of the suite neither pays for it
nor runs beside Playwright's event loop. Each test gets a fresh context (cookies, storage), and
when a test fails its pages are saved to var/test-screenshots/<test name>.png.

`playwright install` is never needed: the browser is /usr/bin/chromium (`apt-get install
chromium`). Without it browser tests are skipped, except with CI=true, where they fail.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import require_service, rerun_data_migrations

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LOCALE = "en-GB"
# Playwright waits up to 30 s by default; a local page that needs more than this is a failure.
TIMEOUT_MS = 10_000

BROWSER_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = BROWSER_DIR.parent.parent / "var" / "test-screenshots"


# ---------------------------------------------------------------------------------------------
# Marking, and remembering each phase's report for the screenshot on failure


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser/ is a browser test (`-m browser`) and needs a database the
    live server's thread can see (transactional_db). Runs before `-m` deselects."""
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# ---------------------------------------------------------------------------------------------
# One Playwright and one Chromium for all browser tests


# Package scope, not session: while Playwright runs, this thread counts as running an asyncio loop
# and DJANGO_ALLOW_ASYNC_UNSAFE must be set. Both end with the last browser test, so later tests
# (and the subprocesses they start, e.g. `check --deploy`) never see either.
@pytest.fixture(scope="package")
def _playwright() -> Iterator[object]:
    require_service(CHROMIUM.exists(), f"Chromium ({CHROMIUM})")
    from playwright.sync_api import sync_playwright

    # Django refuses ORM calls under a running loop unless told that this is safe (it is here:
    # the tests and the live server are plain synchronous code).
    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if saved is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(scope="package")
def browser(_playwright) -> Iterator[object]:
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


# ---------------------------------------------------------------------------------------------
# A fresh context per test, and its screenshot when the test fails


def _screenshot_name(item: pytest.Item, suffix: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", item.name).strip("_") + suffix + ".png"


def _open_page(request: pytest.FixtureRequest, browser, live_server, options: dict, suffix: str):
    context = browser.new_context(locale=LOCALE, base_url=live_server.url, **options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()

    def save_screenshot_and_close() -> None:
        try:
            reports = (getattr(request.node, f"rep_{when}", None) for when in ("setup", "call"))
            failed = [report for report in reports if report is not None and report.failed]
            if failed and not page.is_closed():
                SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
                path = SCREENSHOT_DIR / _screenshot_name(request.node, suffix)
                try:
                    page.screenshot(path=str(path), full_page=True)
                    note = f"{path} ({page.url})"
                except Exception as exc:  # a crashed page must not hide the test's own failure
                    note = f"could not save {path}: {exc}"
                # The failure summary is printed at the end of the run from these same report
                # objects, so the note shows up next to the traceback.
                failed[-1].sections.append(("browser screenshot", note))
        finally:
            context.close()

    request.addfinalizer(save_screenshot_and_close)
    return page


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Browser tests run on a live server, so on committed data that a flush between tests
    empties, roles' permissions and seed standards included: put them back first."""
    request.getfixturevalue("transactional_db")
    rerun_data_migrations()


@pytest.fixture
def page(request, browser, live_server):
    """A desktop page (1280x800, en-GB) in its own browser context; relative URLs go to the
    live server (page.goto("/hospital/"))."""
    return _open_page(request, browser, live_server, DESKTOP, suffix="")


@pytest.fixture
def phone_page(request, browser, live_server):
    """A phone-sized touch page (390x844), otherwise like `page`."""
    return _open_page(request, browser, live_server, PHONE, suffix="-phone")


def sign_in(page, live_server, username: str, password: str):
    """Sign in through the real login form; returns the response of the page it lands on (the
    login page again when the password is wrong). A server error there fails the test."""
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation() as navigation:
        page.locator("main form").get_by_role("button", name="Sign in").click()
    response = navigation.value
    assert response is None or response.status < 500, (
        f"signing in as {username!r} ended on HTTP {response.status} at {response.url}"
    )
    return response


@pytest.fixture
def no_js_page(request, browser, live_server):
    """A desktop page with JavaScript turned off, to check that a page works without its
    scripts; otherwise like `page`."""
    return _open_page(
        request, browser, live_server, {**DESKTOP, "java_script_enabled": False}, suffix="-nojs"
    )
