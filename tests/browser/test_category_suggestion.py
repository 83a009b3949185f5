"""Category suggestions in a real browser: the submit form pre-selects the
classifier's best guess as the citizen types (never over their own choice),
and the triage panel fills in the coordinator's forms. Needs Debian's Chromium."""

import json
import re

import pytest
from playwright.sync_api import expect

from phananh.nlp import classifier
from phananh.reports import workflow
from phananh.reports.models import Category, Report, Status

from ..conftest import WARD_A_POINT
from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "test-pass-123"  # tests/conftest.py make_user
LIGHT_TEXT = "Đèn đường trước hẻm 42 Lê Lợi tắt cả tuần nay, tối rất tối."
VAGUE_TEXT = "Mong các anh chị xem giúp chuyện ở đây."
TIMEOUT = 10_000  # ms: a debounce, a request and the answer


@pytest.fixture(autouse=True)
def warm_model():
    """Load (or train) the model before the page asks, so that the first
    answer is as quick as every later one."""
    classifier.get_model()


def form_page(new_page, width=390):
    page = new_page(width)
    page.goto("/gui-phan-anh/")
    return page


def status(page):
    return page.locator("#category-suggestion-status")


def test_typing_the_description_preselects_the_category(live_city, new_page, width):
    page = form_page(new_page, width)
    requests = []
    page.on("request", lambda request: requests.append(request) if request.url.endswith("/api/v1/classify")
            else None)
    expect(page.locator("#id_category")).to_have_value("")
    expect(status(page)).to_have_attribute("aria-live", "polite")
    expect(page.locator("#id_category_suggest_hint")).to_have_text(
        "Not sure? Describe the problem below: a category is suggested as you type.")

    description = page.get_by_label("Describe the problem")
    description.press_sequentially("Đèn đường", delay=20)  # under 12 characters: nothing is asked
    page.wait_for_timeout(700)
    assert requests == []
    expect(page.locator("#id_category")).to_have_value("")

    description.press_sequentially(LIGHT_TEXT[len("Đèn đường"):], delay=5)
    expect(page.locator("#id_category")).to_have_value("den-chieu-sang", timeout=TIMEOUT)
    expect(status(page)).to_have_text(
        "Suggested from your description: Street lighting failure. It is now chosen in the list above; "
        "you can change it.")
    # Typing quickly asks once per pause, not once per key.
    assert 1 <= len(requests) <= 3
    assert requests[-1].headers.get("x-csrftoken")
    screenshot(page, f"suggest-preselected-{width}")

    # The place, then send: the report is filed under the suggestion the citizen kept.
    page.get_by_label("Ward / commune").select_option(str(live_city.ward_a.pk))
    page.get_by_label("Address or landmark").fill("Hẻm 42 Lê Lợi")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    report = Report.objects.get()
    assert report.category.code == "den-chieu-sang" and report.unit == live_city.lighting
    assert page.errors == []


def test_a_category_chosen_by_the_citizen_is_never_replaced(live_city, new_page):
    page = form_page(new_page)
    page.get_by_label("What is the problem about?").select_option("rac-thai")
    page.get_by_label("Describe the problem").fill(LIGHT_TEXT)
    expect(status(page)).to_have_text(
        "Suggested from your description: Street lighting failure. Your own choice is kept: "
        "use the button to switch.", timeout=TIMEOUT)
    expect(page.locator("#id_category")).to_have_value("rac-thai")
    group = page.get_by_role("group", name="Possible categories:")
    screenshot(page, "suggest-kept-390")

    # The button switches, on the person's say-so, and the focus goes to the list.
    group.get_by_role("button", name="Street lighting failure").click()
    expect(page.locator("#id_category")).to_have_value("den-chieu-sang")
    expect(page.locator("#id_category")).to_be_focused()
    expect(status(page)).to_have_text("Chosen: Street lighting failure. You can still change it in the list above.")

    # From now on it is their choice: more typing changes nothing.
    page.get_by_label("Describe the problem").fill("Rác đổ thành đống ở đầu hẻm 42, bốc mùi hôi cả tuần nay.")
    expect(status(page)).to_contain_text("Garbage and illegal dumping", timeout=TIMEOUT)
    expect(page.locator("#id_category")).to_have_value("den-chieu-sang")
    assert page.errors == []


def answer_with(page, *suggestions):
    """The classify API answers `suggestions` ([(code, score)]) to this page."""
    body = json.dumps({"suggestions": [{"code": code, "score": score} for code, score in suggestions]})
    page.route("**/api/v1/classify", lambda route: route.fulfill(body=body, content_type="application/json"))


def test_an_unclear_description_offers_choices_but_chooses_nothing(live_city, new_page):
    page = form_page(new_page, 1280)
    answer_with(page, ("hu-hong-mat-duong", 0.41), ("ngap-nuoc", 0.32), ("den-chieu-sang", 0.1))
    page.get_by_label("Describe the problem").fill("Đường trước nhà tôi có vấn đề.")
    expect(status(page)).to_have_text(
        "The category is not clear from your description yet. It could be one of these, "
        "or choose from the list above.", timeout=TIMEOUT)
    expect(page.locator("#id_category")).to_have_value("")
    buttons = page.get_by_role("group", name="Possible categories:").get_by_role("button")
    # Only what is possible (a tenth is not), best first.
    expect(buttons).to_have_text(["Road surface damage and potholes", "Flooding and drainage"])
    screenshot(page, "suggest-unsure-1280")
    buttons.nth(1).click()
    expect(page.locator("#id_category")).to_have_value("ngap-nuoc")
    assert page.errors == []


def test_a_description_that_fits_nothing_says_so(live_city, new_page):
    page = form_page(new_page)
    answer_with(page, ("quang-cao-trai-phep", 0.11), ("xay-dung-trai-phep", 0.107))
    page.get_by_label("Describe the problem").fill(VAGUE_TEXT)
    expect(status(page)).to_have_text(
        "The category is not clear from your description yet: choose it from the list above.", timeout=TIMEOUT)
    expect(page.locator("#category-suggestion-choices")).to_be_hidden()
    expect(page.locator("#id_category")).to_have_value("")


def test_alternatives_to_a_sure_suggestion_are_offered(live_city, new_page):
    page = form_page(new_page)
    answer_with(page, ("lan-chiem-via-he", 0.62), ("dau-xe-trai-phep", 0.35), ("rac-thai", 0.03))
    page.get_by_label("Describe the problem").fill("Quán cà phê bày bàn ghế và xe ra hết vỉa hè.")
    expect(page.locator("#id_category")).to_have_value("lan-chiem-via-he", timeout=TIMEOUT)
    group = page.get_by_role("group", name="Other possible categories:")
    expect(group.get_by_role("button")).to_have_text(["Illegal parking"])
    screenshot(page, "suggest-alternatives-390")


def test_a_suggestion_that_no_longer_holds_is_taken_back(live_city, new_page):
    page = form_page(new_page)
    description = page.get_by_label("Describe the problem")
    description.fill(LIGHT_TEXT)
    expect(page.locator("#id_category")).to_have_value("den-chieu-sang", timeout=TIMEOUT)
    description.fill("Đèn")  # too short to say anything
    expect(page.locator("#id_category")).to_have_value("", timeout=TIMEOUT)
    expect(status(page)).to_have_text("")


def test_without_javascript_the_form_works_without_suggestions(live_city, new_page):
    page = new_page(390, java_script_enabled=False)
    page.goto("/gui-phan-anh/")
    expect(page.locator("#category-suggestion-choices")).to_be_hidden()
    page.get_by_label("Ward / commune").select_option(str(live_city.ward_a.pk))
    page.get_by_label("Address or landmark").fill("Hẻm 42 Lê Lợi")
    page.get_by_label("What is the problem about?").select_option("den-chieu-sang")
    page.get_by_label("Describe the problem").fill(LIGHT_TEXT)
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    assert Report.objects.get().category.code == "den-chieu-sang"


# --- the triage panel ------------------------------------------------------------------------------


def sign_in(page, username):
    page.goto("/can-bo/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Work queue", level=1)).to_be_visible()


def file(category, point=WARD_A_POINT):
    lat, lng = point
    report, _token = workflow.submit(category=Category.objects.get(code=category), description=LIGHT_TEXT,
                                     channel="web", lat=lat, lng=lng)
    return report


def test_use_this_category_fills_in_the_route_form(live_city, new_page, width):
    report = file("khac")  # filed as "Other" by an operator: waits for a coordinator
    page = new_page(width)
    sign_in(page, "dieuphoi")
    page.goto(f"/can-bo/phan-anh/{report.code}/")
    panel = page.locator("#suggestions")
    expect(panel.locator(".suggestion").first).to_contain_text("Street lighting failure")
    expect(panel.locator(".suggestion").first).to_contain_text("very likely")
    screenshot(page, f"triage-panel-{width}")

    panel.get_by_role("link", name="Use this category: Street lighting failure").click()
    lighting = Category.objects.get(code="den-chieu-sang")
    expect(page.locator("#id_route-category")).to_have_value(str(lighting.pk))
    expect(page.locator("#id_route-unit")).to_have_value(str(live_city.lighting.pk))
    expect(page.locator("#id_route-category")).to_be_focused()
    expect(page.locator("#suggestions-status")).to_have_text(
        "Filled in: Street lighting failure, to be sent to Công ty Chiếu sáng. Check the form and confirm.")
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED  # nothing is sent before the coordinator confirms
    screenshot(page, f"triage-filled-{width}")

    page.locator("#action-route").get_by_role("button", name="Send").click()
    expect(page.get_by_text(f"Report {report.code} sent to the unit.")).to_be_visible()
    report.refresh_from_db()
    assert report.unit == live_city.lighting and report.category == lighting
    assert page.errors == []


def test_use_this_category_opens_the_reclassify_form(live_city, new_page):
    report = file("rac-thai")  # wrongly filed: went to the ward
    page = new_page(1280)
    sign_in(page, "dieuphoi")
    page.goto(f"/can-bo/phan-anh/{report.code}/")
    panel = page.locator("#suggestions")
    expect(page.locator("#action-reclassify")).not_to_have_attribute("open", re.compile(".*"))
    panel.locator("summary").click()  # folded outside triage
    panel.get_by_role("link", name="Use this category: Street lighting failure").click()
    expect(page.locator("#action-reclassify")).to_have_attribute("open", "")
    lighting = Category.objects.get(code="den-chieu-sang")
    expect(page.locator("#id_reclassify-category")).to_have_value(str(lighting.pk))
    page.locator("#action-reclassify").get_by_role("button", name="Change category").click()
    expect(page.get_by_text(f"Category of report {report.code} changed.")).to_be_visible()
    report.refresh_from_db()
    assert report.category == lighting
    assert page.errors == []
