"""Playwright with Debian's Chromium. Without /usr/bin/chromium every browser
test is skipped and scripts/test.sh prints a loud warning."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "screenshots"))

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# the tests make between page actions are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if not Path(CHROMIUM).exists():
                item.add_marker(pytest.mark.skip(reason="Debian chromium (/usr/bin/chromium) is not installed"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=[390, 1280], ids=["phone", "desktop"])
def width(request):
    return request.param


@pytest.fixture
def new_page(browser, live_server):
    """Open pages against the live server; blocks every request that leaves it
    (map tiles) so tests never depend on the network."""
    contexts = []

    def make(width=390, **kwargs):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url,
                                      locale="vi-VN", **kwargs)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server.url)
                      else route.abort())
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
