"""The main journeys through PhanAnh in a real browser, end to end against
the live server: a citizen sends a report and follows it, the unit resolves
it with proof, the citizen reopens it, a coordinator merges a duplicate, and
the form is sent with the keyboard alone.

Each step is checked on the page (what a person sees) and, where the page
alone could hide a mistake, in the database. Screenshots of the key steps go
to ./screenshots/<journey>-<step>-<width>.png.
"""

import re

import pytest
from playwright.sync_api import expect

from phananh.reports import workflow
from phananh.reports.models import MediaKind, Outcome, Rating, Report, Status

from .conftest import PHONE_MAX, photo_file, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "test-pass-123"  # tests/conftest.py make_user


def sign_in(page, username):
    page.goto("/can-bo/")
    expect(page).to_have_url(re.compile(r"/dang-nhap/\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Work queue", level=1)).to_be_visible()


def photo_loaded(page, alt):
    """The processed thumbnail is on the page and the browser could draw it."""
    img = page.get_by_role("img", name=alt)
    expect(img).to_be_visible()
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    return img


def make_resolved_report(submit_report, city, parked_photo):
    """A report the ward fixed, with its before and after photos processed."""
    report = submit_report(photos=[parked_photo()])
    for action, data in (("accept", {}), ("start", {}),
                         ("resolve", {"outcome": Outcome.FIXED, "result": "Đã thu gom rác.",
                                      "photos": [parked_photo(color=(40, 160, 60))]})):
        workflow.apply(report, action, city.officer_a, **data)
    report.refresh_from_db()
    return report


# --- 1. citizen sends a report and follows it -------------------------------------


def test_citizen_sends_a_report_with_a_photo_and_follows_it(live_city, new_page, width):
    page = new_page(width)
    page.goto("/gui-phan-anh/")
    expect(page.get_by_role("heading", name="Report a problem", level=1)).to_be_visible()

    # Phones offer the camera; desktops only the picker of existing photos.
    picker = "Take a photo" if width < PHONE_MAX else "Choose photos you already have"
    page.get_by_label(picker).set_input_files(files=[photo_file("rac.jpg")])
    expect(page.locator("#photo-previews li")).to_have_count(1)
    expect(page.locator("#photo-status")).to_have_text("1 photo chosen.")

    # The place: a tap on the map (its centre is in Bến Thành in the test city).
    map_box = page.locator("#map").bounding_box()
    page.locator("#map").click(position={"x": map_box["width"] / 2 - 40, "y": map_box["height"] / 2})
    expect(page.locator("#location-status")).to_contain_text("Phường Bến Thành")
    expect(page.get_by_role("button", name="Remove the pin")).to_be_visible()

    # The category through the accent-free search box.
    page.get_by_label("Search the categories").fill("rac thai")
    page.get_by_role("button", name=re.compile("Garbage and illegal dumping")).click()
    expect(page.locator("#id_category")).to_have_value("rac-thai")
    page.get_by_label("Describe the problem").fill("Rác đổ thành đống ở đầu hẻm 42, bốc mùi hôi cả tuần nay.")
    screenshot(page, f"j1-form-filled-{width}")

    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    report = Report.objects.get()
    assert report.ward == live_city.ward_a and report.unit == live_city.ward_a
    assert report.status == Status.ASSIGNED and report.lat is not None
    expect(page.locator(".tracking-code")).to_have_text(report.code)
    private_link = page.get_by_role("textbox", name="Your private link")
    expect(private_link).to_have_value(re.compile(rf"/phan-anh/{report.code}/rieng/[^/]+/$"))
    link = private_link.input_value()
    expect(page.locator(".next-steps")).to_contain_text("It has been sent to Phường Bến Thành")
    screenshot(page, f"j1-sent-{width}")

    # Tracking by code, as someone would type it from a note: lower case, no dash.
    page.get_by_role("link", name="Track", exact=True).click()
    expect(page.get_by_role("heading", name="Track a report")).to_be_visible()
    expect(page.locator(".report-list")).to_contain_text(report.code)  # remembered on this device
    page.get_by_label("Tracking code").fill(report.code.replace("-", "").lower())
    page.get_by_role("button", name="Find the report").click()
    expect(page).to_have_url(re.compile(rf"/phan-anh/{report.code}/$"))
    expect(page.get_by_role("heading", name="Garbage and illegal dumping", level=1)).to_be_visible()
    expect(page.locator(".report-head .badge")).to_have_text("Sent to unit")
    expect(page.locator(".report-description")).to_contain_text("Rác đổ thành đống ở đầu hẻm 42")
    assert report.media.get().ready  # processed by the (inline) job queue after the commit
    photo_loaded(page, "Photo of the problem 1")
    screenshot(page, f"j1-report-page-{width}")

    # The private link works as printed; nothing to rate before the unit resolves it.
    page.goto(link)
    expect(page.get_by_text("This is your private link.")).to_be_visible()
    expect(page.locator("#citizen-actions")).to_contain_text("When the unit reports the problem as resolved")
    assert page.errors == []


# --- 2. the unit resolves it with proof ----------------------------------------------


def test_officer_acknowledges_works_and_resolves_with_proof(live_city, submit_report, parked_photo, new_page,
                                                             width):
    report = submit_report(photos=[parked_photo()])
    assert report.unit == live_city.ward_a
    page = new_page(width)
    sign_in(page, "canbo_a")

    row = page.locator(".queue-item").filter(has_text=report.code)
    expect(row).to_contain_text("Sent to unit")
    screenshot(page, f"j2-queue-{width}")
    row.get_by_role("link", name=report.code).click()
    expect(page.get_by_role("heading", name=f"Report {report.code}")).to_be_visible()
    screenshot(page, f"j2-report-assigned-{width}")

    page.get_by_role("button", name="Acknowledge: our unit handles it").click()
    expect(page.get_by_text(f"Report {report.code} acknowledged.")).to_be_visible()
    expect(page.locator(".report-tags .badge")).to_have_text("Acknowledged")

    page.get_by_role("button", name="Start work").click()
    expect(page.get_by_text(f"Work on report {report.code} has started.")).to_be_visible()
    expect(page.locator(".report-tags .badge")).to_have_text("Being fixed")

    resolve = page.locator("#action-resolve")
    if resolve.get_attribute("open") is None:
        resolve.locator("summary").click()
    resolve.get_by_label("Fixed", exact=True).check()
    resolve.get_by_label("What was done").fill("Đã thu gom toàn bộ rác và rửa sạch mặt đường.")
    resolve.get_by_label("Photos of the fix").set_input_files(files=[photo_file("sau.jpg", color=(40, 160, 60))])
    screenshot(page, f"j2-resolve-form-{width}")
    resolve.get_by_role("button", name="Resolve the report").click()
    expect(page.get_by_text(f"Report {report.code} resolved.")).to_be_visible()
    expect(page.locator(".report-tags .badge")).to_have_text("Resolved")
    screenshot(page, f"j2-resolved-console-{width}")

    report.refresh_from_db()
    assert report.status == Status.RESOLVED and report.outcome == Outcome.FIXED
    assert report.media.get(kind=MediaKind.PROOF).ready

    page.goto(f"/phan-anh/{report.code}/")
    expect(page.locator(".report-head .badge")).to_have_text("Resolved")
    outcome = page.locator(".outcome")
    expect(outcome.get_by_role("heading")).to_have_text(re.compile(r"Outcome:\s+Fixed"))
    expect(outcome).to_contain_text("Đã thu gom toàn bộ rác và rửa sạch mặt đường.")
    photo_loaded(page, "Photo of the problem 1")
    photo_loaded(page, "Photo of the fix 1")
    screenshot(page, f"j2-public-resolved-{width}")
    assert page.errors == []


# --- 3. the citizen is not satisfied ---------------------------------------------------


def test_citizen_not_satisfied_reopens_the_report(live_city, submit_report, parked_photo, new_page):
    report = make_resolved_report(submit_report, live_city, parked_photo)
    page = new_page(390)
    page.goto(f"/phan-anh/{report.code}/rieng/{report.token}/")
    expect(page.get_by_text("This is your private link.")).to_be_visible()
    panel = page.locator("#citizen-actions")
    expect(panel.get_by_role("heading", name="Your report")).to_be_visible()
    panel.get_by_label("Not satisfied").check()
    panel.get_by_label("Comment (optional)").fill("Rác vẫn còn ở góc hẻm, chưa dọn hết.")
    screenshot(page, "j3-rating-390")
    panel.get_by_role("button", name="Send my rating").click()

    expect(page.get_by_text("The report has been reopened and sent back to the unit")).to_be_visible()
    expect(page.locator(".report-head .badge")).to_have_text("Reopened")
    screenshot(page, "j3-reopened-private-390")
    report.refresh_from_db()
    assert report.status == Status.REOPENED and report.rating == Rating.UNSATISFIED
    assert report.reopen_count == 1

    # The public page, in a fresh browser without the citizen's session.
    public = new_page(1280)
    public.goto(f"/phan-anh/{report.code}/")
    expect(public.locator(".report-head .badge")).to_have_text("Reopened")
    expect(public.locator(".facts")).to_contain_text("Not satisfied")
    expect(public.locator("#citizen-actions")).to_have_count(0)
    screenshot(public, "j3-reopened-public-1280")

    # The unit sees it back in its queue, to acknowledge again.
    sign_in(public, "canbo_a")
    row = public.locator(".queue-item").filter(has_text=report.code)
    expect(row).to_contain_text("Reopened")
    row.get_by_role("link", name=report.code).click()
    expect(public.get_by_text("Rác vẫn còn ở góc hẻm, chưa dọn hết.").first).to_be_visible()
    expect(public.get_by_role("button", name="Acknowledge: our unit handles it")).to_be_visible()
    screenshot(public, "j3-reopened-console-1280")
    assert page.errors == [] and public.errors == []


def test_the_thanks_for_a_rating_are_in_view(live_city, submit_report, parked_photo, new_page):
    report = make_resolved_report(submit_report, live_city, parked_photo)
    page = new_page(390)
    page.goto(f"/phan-anh/{report.code}/rieng/{report.token}/")
    page.get_by_label("Not satisfied").check()
    page.get_by_role("button", name="Send my rating").click()
    thanks = page.get_by_text("The report has been reopened and sent back to the unit")
    expect(thanks).to_be_attached()
    # Measured once the page has loaded and scrolled to any fragment, not while it is still moving.
    page.wait_for_load_state("load")
    top = thanks.evaluate("""el => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
        () => done(el.getBoundingClientRect().top))))""")
    assert 0 <= top < page.viewport_size["height"], f"the thanks are {top}px from the top of the screen"


# --- 4. the coordinator merges a duplicate ------------------------------------------


def test_coordinator_merges_a_duplicate_into_the_original(live_city, submit_report, new_page):
    original = submit_report("den-chieu-sang", description="Đèn đường trước số 12 Lê Lợi bị tắt mấy đêm liền.")
    duplicate = submit_report("den-chieu-sang", description="Đèn đường ở Lê Lợi không sáng, tối đi lại nguy hiểm.")
    assert duplicate.unit == live_city.lighting
    page = new_page(1280)
    sign_in(page, "dieuphoi")
    page.get_by_role("link", name="All open").click()
    row = page.locator(".queue-item").filter(has_text=duplicate.code)
    expect(row).to_contain_text("Đèn đường ở Lê Lợi không sáng")
    screenshot(page, "j4-queue-1280")
    row.get_by_role("link", name=duplicate.code).click()

    merge = page.locator("#action-merge")
    merge.locator("summary").click()
    merge.get_by_label("Tracking code of the original report").fill(original.code.lower())
    screenshot(page, "j4-merge-form-1280")
    merge.get_by_role("button", name="Close as duplicate").click()
    expect(page.get_by_text(f"Report {duplicate.code} closed as a duplicate.")).to_be_visible()
    duplicate.refresh_from_db()
    assert duplicate.status == Status.DUPLICATE and duplicate.duplicate_of == original

    page.goto(f"/phan-anh/{duplicate.code}/")
    expect(page.locator(".report-head .badge")).to_have_text("Duplicate")
    link = page.locator(".outcome-duplicate").get_by_role("link", name=original.code)
    screenshot(page, "j4-duplicate-public-1280")
    link.click()
    expect(page).to_have_url(re.compile(rf"/phan-anh/{original.code}/$"))
    expect(page.locator(".report-description")).to_contain_text("Đèn đường trước số 12 Lê Lợi")
    assert page.errors == []


# --- 5. keyboard only ---------------------------------------------------------------------


def tab_to(page, selector, limit=60):
    """Press Tab until `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def test_the_form_can_be_sent_with_the_keyboard_alone(live_city, new_page, width):
    page = new_page(width)
    # Subscribing to file choosers is fire-and-forget in Playwright: done before
    # the page loads, it is in place when the key press opens the chooser.
    choosers = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    page.goto("/gui-phan-anh/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    tab_to(page, "input[type=file]")  # the camera on a phone, the photo picker on a desktop
    page.keyboard.press("Space")
    for _ in range(100):  # the event arrives with the next messages from the browser
        if choosers:
            break
        page.wait_for_timeout(50)
    assert len(choosers) == 1, "Space on the photo input did not open the file chooser"
    choosers[0].set_files(files=[photo_file("phone.jpg")])

    expect(page.locator("#photo-previews li")).to_have_count(1)

    tab_to(page, "#id_ward")
    for _ in range(5):  # the arrow keys change a closed list's choice
        page.keyboard.press("ArrowDown")
        if page.input_value("#id_ward") == str(live_city.ward_a.pk):
            break
    expect(page.locator("#id_ward")).to_have_value(str(live_city.ward_a.pk))
    page.keyboard.press("Tab")
    expect(page.locator("#id_address")).to_be_focused()
    page.keyboard.type("Hẻm 42 Lê Lợi")

    tab_to(page, "#id_category_search")
    page.keyboard.type("den duong")
    page.keyboard.press("Enter")  # picks the best match and leaves the form unsent
    expect(page.locator("#id_category")).to_have_value("den-chieu-sang")
    expect(page.locator("#id_category")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#id_description")).to_be_focused()
    page.keyboard.type("Đèn đường trước hẻm 42 tắt cả tuần nay.")
    screenshot(page, f"j5-keyboard-filled-{width}")

    tab_to(page, "#submit-report")
    screenshot(page, f"j5-keyboard-submit-focus-{width}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your report has been sent")).to_be_visible()
    report = Report.objects.get()
    assert report.ward == live_city.ward_a and report.lat is None
    assert report.address == "Hẻm 42 Lê Lợi" and report.category.code == "den-chieu-sang"
    assert report.media.count() == 1
    assert page.errors == []
