"""Browser tests: the app served on 127.0.0.1 in a thread, Debian's Chromium driven by Playwright."""
import os
import shutil

import pytest

from browser import ARTIFACTS

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def chromium_path() -> str:
    """Debian's Chromium; Playwright's own browser download is never used (no network here)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail("Chromium is not installed: `make test` installs it (apt-get install -y chromium)")
    return path


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome so fixtures can save a screenshot of a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _new_page(browser, request, viewport):
    """A fresh context and page; on failure a full-page screenshot is left in tests/e2e/artifacts/."""
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.fixture
def phone_page(browser, request):
    """A page on a 360×740 phone screen."""
    yield from _new_page(browser, request, PHONE)


@pytest.fixture
def desktop_page(browser, request):
    """A page on a 1280×800 desktop screen."""
    yield from _new_page(browser, request, DESKTOP)
