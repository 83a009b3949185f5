"""Playwright with Debian's Chromium. Without /usr/bin/chromium every browser
test is skipped and scripts/test.sh prints a loud warning."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PHONE_MAX = 600  # narrower contexts are phones
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


def _png(size, color):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


# Off-site images (map tiles) are answered with a plain tile: the test never
# reaches the network, and screenshots show a calm grey map, not broken images.
BLANK_TILE = _png((256, 256), (232, 232, 226))


# Package scope: one Chromium for this folder, closed when its tests are done,
# because a second Playwright sync API cannot start while this one is running
# (tests elsewhere may start their own).
@pytest.fixture(scope="package")
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
    (map tiles get a blank local tile) so tests never depend on the network.

    `lang="en"` (the default) sets Django's language cookie, so tests match the
    English msgids whatever the Vietnamese catalogue says; `lang=None` leaves
    the site's default language. JavaScript errors are collected in
    `page.errors` for the tests to assert on. Widths under PHONE_MAX are
    phones (touch, mobile viewport).
    """
    contexts = []

    def route(request_route):
        request = request_route.request
        if request.url.startswith(live_server.url):
            request_route.continue_()
        elif request.resource_type == "image":
            request_route.fulfill(body=BLANK_TILE, content_type="image/png")
        else:
            request_route.abort()

    def make(width=390, lang="en", **kwargs):
        kwargs.setdefault("locale", "vi-VN")
        if width < PHONE_MAX:  # a touch screen: the page offers the camera, as on a real phone
            kwargs.setdefault("is_mobile", True)
            kwargs.setdefault("has_touch", True)
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url, **kwargs)
        if lang:
            context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
        context.route("**/*", route)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def live_city(transactional_db, city, settings, live_server):
    """The fixture city, committed so the live server's thread sees it.

    SITE_URL points at the live server, so the private link printed on the
    confirmation page can be opened as it is."""
    settings.SITE_URL = live_server.url
    return city


def photo_file(name="photo.jpg", color=(196, 72, 48), size=(640, 480)):
    """A JPEG for `set_input_files`: a coloured scene with a few shapes, so a
    thumbnail looks like a picture in the screenshots."""
    img = Image.new("RGB", size, (120, 150, 170))
    draw = ImageDraw.Draw(img)
    w, h = size
    draw.rectangle([0, h * 2 // 3, w, h], fill=(90, 90, 90))
    draw.ellipse([w // 3, h // 2, w * 2 // 3, h * 5 // 6], fill=color)
    draw.rectangle([w // 10, h // 5, w // 4, h * 2 // 3], fill=(230, 220, 190))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}


def screenshot(page, name):
    """The whole page into SHOTS/<name>.png.

    Playwright's full_page capture briefly drops the touch emulation of a phone
    context, so phone-only CSS (the camera input) would be missing from the
    picture; phones are captured by growing the viewport to the page instead."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SHOTS / f"{name}.png")
    if not page.evaluate("matchMedia('(pointer: coarse)').matches"):
        page.screenshot(path=path, full_page=True)
        return
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    try:
        page.screenshot(path=path)
    finally:
        page.set_viewport_size(viewport)
