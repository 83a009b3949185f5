"""submit.js in a real browser: search, map pin, photo previews, one post per
click, and the whole form without JavaScript. Needs Debian's Chromium."""

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from phananh.reports.models import Report

from .conftest import WARD_A_POINT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

pytestmark = [
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
    pytest.mark.django_db(transaction=True),
]
# Playwright's sync API runs an event loop in this thread; the ORM calls in
# between page actions are still ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def blank_tile():
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (235, 235, 230)).save(out, "PNG")
    return out.getvalue()


TILE = blank_tile()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def make(language="en", **kwargs):
        context = browser.new_context(viewport={"width": 390, "height": 900}, base_url=live_server.url, **kwargs)

        def route(request_route):
            if request_route.request.url.startswith(live_server.url):
                request_route.continue_()
            else:  # map tiles: never depend on the network
                request_route.fulfill(body=TILE, content_type="image/png")

        context.route("**/*", route)
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto("/gui-phan-anh/")
        return page

    yield make
    for context in contexts:
        context.close()


def jpeg():
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 40)).save(out, "JPEG")
    return {"name": "rac.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def test_accent_free_search_finds_the_official_category(city, open_page):
    page = open_page(language="vi")
    page.fill("#id_category_search", "den duong")
    results = page.locator(".search-result-name")
    assert results.first.inner_text() == "Đèn chiếu sáng công cộng hư"
    results.first.click()
    assert page.eval_on_selector("#id_category", "select => select.value") == "den-chieu-sang"
    page.fill("#id_category_search", "ổ gà")
    page.press("#id_category_search", "Enter")  # picks the best match, does not send the form
    assert page.eval_on_selector("#id_category", "select => select.value") == "hu-hong-mat-duong"
    assert page.url.endswith("/gui-phan-anh/")
    assert page.errors == []


def test_map_pin_photos_and_a_double_click_make_one_report(city, open_page):
    page = open_page(geolocation={"latitude": WARD_A_POINT[0], "longitude": WARD_A_POINT[1]},
                     permissions=["geolocation"])
    page.click("#use-location")
    page.wait_for_function("document.getElementById('location-status').textContent.includes('Bến Thành')")
    assert page.input_value("#id_lat") == f"{WARD_A_POINT[0]:.6f}"
    assert "Location set: 10.77250, 106.69800" in page.inner_text("#location-status")
    page.locator("#map").click(position={"x": 250, "y": 150})
    assert page.input_value("#id_lat") != f"{WARD_A_POINT[0]:.6f}"  # a tap moves the pin

    page.click("#use-location")
    page.wait_for_function("document.getElementById('location-status').textContent.includes('Bến Thành')")
    page.set_input_files("#id_photos", files=[jpeg()])
    assert page.locator("#photo-previews li").count() == 1
    page.select_option("#id_category", "rac-thai")
    page.fill("#id_description", "Rác đổ thành đống ở đầu hẻm.")
    page.dblclick("#submit-report")
    page.wait_for_url("**/gui-phan-anh/da-gui/**")
    report = Report.objects.get()
    assert report.ward == city.ward_a and report.media.count() == 1
    assert report.code in page.inner_text(".tracking-code")
    assert page.errors == []


def test_the_form_works_without_javascript(city, open_page):
    page = open_page(java_script_enabled=False)
    assert not page.locator("#map-block").is_visible()
    page.set_input_files("#id_photos", files=[jpeg()])
    page.select_option("#id_ward", str(city.ward_a.pk))
    page.fill("#id_address", "Hẻm 42 Lê Lợi")
    page.select_option("#id_category", "rac-thai")
    page.click("#submit-report")
    # The missing description comes back as an error; the photo stays attached.
    assert "Please describe the problem." in page.inner_text("#error-summary")
    assert "Already attached: 1 photo." in page.inner_text("#photos")
    assert page.input_value("#id_address") == "Hẻm 42 Lê Lợi"
    page.fill("#id_description", "Rác đổ thành đống ở đầu hẻm.")
    page.click("#submit-report")
    page.wait_for_url("**/gui-phan-anh/da-gui/**")
    report = Report.objects.get()
    assert report.ward == city.ward_a and report.lat is None and report.media.count() == 1
    assert "/rieng/" in page.input_value("#private-link")
