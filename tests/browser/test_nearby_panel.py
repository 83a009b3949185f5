""""Already reported nearby?" in a real browser: once the pin and the category
are set, the submit form lists open reports that may be the same problem,
and the citizen can follow one instead of sending it again. Needs Debian's
Chromium."""

import pytest
from django.conf import settings
from django.core.cache import cache
from playwright.sync_api import expect

from phananh.reports import workflow
from phananh.reports.models import Category, Report

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10_000  # ms: the watch timer, a typing pause and the answer
EXISTING = "Rác đổ thành đống ở đầu hẻm 84 Lê Lai, bốc mùi hôi thối, ruồi bu đầy."
TYPED = "rac o dau hem 84 le lai 3 ngay chua ai don, hoi qua"


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


def existing_report(category="rac-thai", text=EXISTING):
    lat, lng = settings.MAP_CENTER  # where Enter on the form's map drops the pin
    report, _token = workflow.submit(category=Category.objects.get(code=category), description=text,
                                     channel="web", lat=lat, lng=lng)
    return report


def pin_and_describe(page, category, text):
    page.goto("/gui-phan-anh/")
    page.locator("#map").focus()
    page.keyboard.press("Enter")  # the pin at the centre of the map
    expect(page.locator("#id_lat")).not_to_have_value("")
    page.locator("#id_category").select_option(category)
    page.get_by_label("Describe the problem").fill(text)


def test_the_panel_offers_to_follow_the_same_problem(live_city, new_page, width):
    report = existing_report()
    page = new_page(width)
    pin_and_describe(page, "rac-thai", TYPED)

    panel = page.locator("#nearby")
    expect(panel).to_be_visible(timeout=TIMEOUT)
    expect(panel.get_by_role("heading", name="Already reported nearby?")).to_be_visible()
    item = panel.locator(".nearby-item").first
    expect(item).to_contain_text("Very likely the same problem")
    expect(item).to_contain_text("Garbage and illegal dumping")
    expect(item).to_contain_text("m from your pin")
    expect(page.locator("#nearby-status")).to_have_text(
        "One open report nearby may be your problem. It is listed under “Already reported nearby?”.")
    view = item.get_by_role("link", name=f"View report {report.code} (opens in a new tab)")
    expect(view).to_have_attribute("target", "_blank")
    screenshot(page, f"nearby-panel-{width}")

    follow = item.get_by_role("link", name=f"Follow this one instead (report {report.code})")
    follow.click()
    expect(page.get_by_role("heading", name="Same problem? Follow this report")).to_be_visible()
    page.get_by_label("Email").fill("hang.xom@example.com")
    page.get_by_role("button", name="Me too: follow this report").click()
    expect(page.get_by_role("heading", name="You follow this report")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("Thank you: you are counted")
    screenshot(page, f"nearby-followed-{width}")
    assert Report.objects.get(pk=report.pk).supporters == 1
    assert Report.objects.count() == 1  # nothing new was sent
    assert page.errors == []


def test_nothing_nearby_shows_nothing_and_the_form_still_sends(live_city, new_page):
    existing_report(category="den-chieu-sang", text="Đèn đường trước nhà số 62 Lê Lai tắt cả tuần nay.")
    page = new_page(390)
    requests = []
    page.on("request", lambda request: requests.append(request.url) if "/api/v1/nearby" in request.url else None)
    pin_and_describe(page, "rac-thai", TYPED)
    page.wait_for_timeout(2500)
    assert requests, "the panel asked once the pin and the category were known"
    expect(page.locator("#nearby")).to_be_hidden()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    assert Report.objects.count() == 2
    assert page.errors == []
