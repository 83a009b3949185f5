"""submit.js in a real browser: search, map pin, photo previews, one post per
click, and the whole form without JavaScript. Needs Debian's Chromium."""

import io

import pytest
from PIL import Image

from phananh.reports.models import Report

from ..conftest import WARD_A_POINT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_page(new_page):
    """The submit page in a plain 390 px window (no touch emulation: these
    tests pick photos through the gallery input)."""
    def make(language="en", **kwargs):
        page = new_page(width=390, lang=language, is_mobile=False, has_touch=False, **kwargs)
        page.goto("/gui-phan-anh/")
        return page

    return make


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
