"""The installable app in a real browser: the service worker keeps the report
form, a report written offline waits on the phone (IndexedDB) and is sent
exactly once when the network is back, a post whose answer is lost makes no
second report, and web push messages become notifications.

Playwright applies context.set_offline() and routes to the service worker's
own requests too, so "offline" here is offline for the page and the worker.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from phananh.reports.models import Report

from ..conftest import OUTSIDE_POINT, WARD_A_POINT
from .conftest import photo_file, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "Rác đổ thành đống ở đầu hẻm 42, bốc mùi hôi ba ngày nay."
SUBMIT = "/gui-phan-anh/"


def open_form(page):
    """The report form, once the worker has installed (app shell kept) and
    controls the page. Generous timeouts: the first page of a fresh live
    server, and the worker's install, can be slow on a loaded machine."""
    page.goto(SUBMIT, timeout=30_000)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)


def fill_with_ward(page, city, description=DESCRIPTION):
    page.select_option("#id_ward", str(city.ward_a.pk))
    page.fill("#id_address", "Hẻm 42 Lê Lợi")
    page.select_option("#id_category", "rac-thai")
    page.fill("#id_description", description)


SAVED = "Saved on this phone. Your report will be sent automatically when you are back online."


def save_offline(page):
    """Submit while offline and wait until the form has loaded again from the
    worker's copy: the saved announcement comes only after that reload, so
    nothing after this runs on the page that is going away."""
    page.click("#submit-report")
    expect(page.locator("#offline-queue-status")).to_have_text(SAVED)


def cached_urls(page):
    return page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) { urls.push(request.url); }
        }
        return urls;
    }""")


def test_a_report_written_offline_waits_on_the_phone_and_is_sent_once(live_city, live_server, new_page):
    page = new_page(390, geolocation={"latitude": WARD_A_POINT[0], "longitude": WARD_A_POINT[1]},
                    permissions=["geolocation"])
    posts = []
    page.context.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    open_form(page)

    page.context.set_offline(True)
    expect(page.locator("#offline-banner")).to_be_visible()
    page.click("#use-location")  # GPS needs no network; the ward lookup just stays silent
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    page.set_input_files("#id_photos", files=[photo_file()])
    page.select_option("#id_category", "rac-thai")
    page.fill("#id_description", DESCRIPTION)
    save_offline(page)

    status = page.locator("#offline-queue-status")
    waiting = page.locator("#offline-queue-list li")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text(DESCRIPTION)
    expect(waiting.first).to_contain_text("1 photo")
    expect(waiting.first).to_contain_text("Waiting to be sent")
    expect(page.locator("#offline-queue-count")).to_have_text("1 report is kept on this phone.")
    expect(page.locator("#id_description")).to_have_value("")  # a clean form for the next report
    key = page.evaluate("PhanAnhQueue.waiting().then(items => items[0].key)")
    assert page.input_value("#id_idempotency_key") not in ("", key)
    screenshot(page, "offline-waiting-phone")
    assert posts == [] and not Report.objects.exists()

    page.reload()  # offline: the worker's copy of the form, the queue still there
    expect(waiting).to_have_count(1)
    expect(page.locator("#offline-banner")).to_be_visible()

    page.context.set_offline(False)
    sent = page.locator(".offline-sent-item")
    expect(sent).to_have_count(1)
    expect(waiting).to_have_count(0)
    report = Report.objects.get()
    expect(sent.locator(".offline-sent-code")).to_have_text(report.code)
    expect(status).to_contain_text(f"Tracking code: {report.code}.")
    expect(page.locator("#offline-queue-title")).to_have_text("Sent from this phone")
    assert report.idempotency_key == key
    assert report.description == DESCRIPTION and report.ward == live_city.ward_a
    assert report.media.count() == 1
    assert posts == [live_server.url + SUBMIT]
    screenshot(page, "offline-sent-phone")

    # The confirmation holds the private link this person has not seen yet.
    sent.get_by_role("link").click()
    expect(page.locator(".tracking-code")).to_have_text(report.code)
    expect(page.locator("#private-link")).to_be_visible()
    kept = cached_urls(page)
    assert live_server.url + SUBMIT in kept
    assert not [url for url in kept if re.search(r"/da-gui/|/can-bo/|/admin/|/api/|/csrf/", url)]
    assert Report.objects.count() == 1
    assert page.errors == []


def test_a_post_whose_answer_is_lost_is_kept_and_not_made_twice(live_city, new_page):
    """navigator.onLine said yes, the post reached the server, the answer
    never came back: the worker keeps the report under its key, and sending
    it again returns the report the server already made."""
    page = new_page(390)
    open_form(page)
    answers = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and not answers:
            answers.append(route.fetch(max_redirects=0))
            route.abort("internetdisconnected")
        else:
            route.fallback()

    page.context.route("**" + SUBMIT, lose_the_first_answer)
    fill_with_ward(page, live_city)
    page.click("#submit-report")

    sent = page.locator(".offline-sent-item")
    expect(sent).to_have_count(1)
    report = Report.objects.get()
    assert answers[0].status == 302 and report.code in answers[0].headers["location"]
    expect(sent.locator(".offline-sent-code")).to_have_text(report.code)
    expect(page.locator("#offline-queue-list li")).to_have_count(0)
    assert Report.objects.count() == 1
    assert page.errors == []


def test_a_waiting_report_can_be_removed_with_the_keyboard(live_city, new_page):
    page = new_page(390)
    open_form(page)
    page.context.set_offline(True)
    fill_with_ward(page, live_city)
    save_offline(page)
    remove = page.get_by_role("button", name=f"Remove the saved report: {DESCRIPTION}")
    expect(remove).to_be_visible()
    box = remove.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 48

    page.once("dialog", lambda dialog: dialog.accept())
    remove.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#offline-queue-list li")).to_have_count(0)
    expect(page.locator("#offline-queue-status")).to_have_text("The saved report was removed.")
    expect(page.locator("#offline-queue-status")).to_be_focused()  # the list is gone: focus on what happened
    page.context.set_offline(False)
    page.wait_for_timeout(500)
    assert page.evaluate("PhanAnhQueue.waiting().then(items => items.length)") == 0
    assert not Report.objects.exists()


def test_an_incomplete_report_is_not_saved_offline(live_city, new_page):
    page = new_page(390)
    open_form(page)
    page.context.set_offline(True)
    page.fill("#id_description", DESCRIPTION)
    page.click("#submit-report")
    summary = page.locator("#offline-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text([
        "Tell us where the problem is: use your location on the map, or choose the ward / commune from the "
        "list and type the address.",
        "Choose what the problem is about.",
    ])
    assert page.evaluate("PhanAnhQueue.waiting().then(items => items.length)") == 0


def test_a_saved_report_the_server_refuses_goes_back_into_the_form(live_city, new_page):
    page = new_page(390, geolocation={"latitude": OUTSIDE_POINT[0], "longitude": OUTSIDE_POINT[1]},
                    permissions=["geolocation"])
    open_form(page)
    page.context.set_offline(True)
    page.click("#use-location")  # a pin outside the served area: only the server can tell
    page.wait_for_function("document.getElementById('id_lat').value !== ''")
    page.set_input_files("#id_photos", files=[photo_file()])
    page.select_option("#id_category", "rac-thai")
    page.fill("#id_description", DESCRIPTION)
    save_offline(page)
    waiting = page.locator("#offline-queue-list li")
    expect(waiting).to_have_count(1)
    key = page.evaluate("PhanAnhQueue.waiting().then(items => items[0].key)")

    page.context.set_offline(False)
    refused = "This location is outside the area PhanAnh serves."
    expect(waiting.first).to_contain_text("Not accepted: needs a correction")
    expect(waiting.first.locator(".offline-item-errors")).to_contain_text(refused)
    assert not Report.objects.exists()

    waiting.first.get_by_role("button", name=f"Correct the saved report in the form: {DESCRIPTION}").click()
    summary = page.locator("#offline-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(refused)
    expect(waiting).to_have_count(0)
    expect(page.locator("#id_description")).to_have_value(DESCRIPTION)
    expect(page.locator("#id_category")).to_have_value("rac-thai")
    expect(page.locator("#photo-previews li")).to_have_count(1)
    assert page.input_value("#id_lat") == f"{OUTSIDE_POINT[0]:.6f}"
    assert page.input_value("#id_idempotency_key") == key  # it made no report, so it keeps its key

    page.select_option("#id_ward", str(live_city.ward_a.pk))  # correct it: the ward instead of the pin
    page.fill("#id_address", "Hẻm 42 Lê Lợi")
    page.click("#clear-location")
    page.click("#submit-report")
    page.wait_for_url("**/gui-phan-anh/da-gui/**")
    report = Report.objects.get()
    assert report.idempotency_key == key and report.ward == live_city.ward_a and report.media.count() == 1
    assert page.errors == []


def test_other_pages_offline_show_the_offline_page(live_city, new_page):
    page = new_page(1280)
    open_form(page)
    page.context.set_offline(True)
    page.goto("/phan-anh/")
    expect(page.get_by_role("heading", level=1)).to_have_text("No connection")
    page.get_by_role("link", name="Report a problem").last.click()
    expect(page.locator("#report-form")).to_be_visible()
    expect(page.locator("#offline-banner")).to_be_visible()


def test_push_messages_become_notifications(live_city, live_server, new_page):
    page = new_page(1280)
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    open_form(page)
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(20):  # the registration is reported by an event shortly after
        if registrations:
            break
        page.wait_for_timeout(100)
    registration = registrations[0]["registrationId"]

    def push(data):
        cdp.send("ServiceWorker.deliverPushMessage",
                 {"origin": live_server.url, "registrationId": registration, "data": data})

    def shown(count):
        notes = []
        for _ in range(50):
            notes = page.evaluate("""navigator.serviceWorker.ready.then(r => r.getNotifications())
                .then(list => list.map(n => ({title: n.title, body: n.body, url: n.data.url})))""")
            if len(notes) >= count:
                break
            page.wait_for_timeout(100)
        return notes

    push(json.dumps({"title": "Phản ánh K7MW-3QDP đã được xử lý", "body": "Đã thay bóng đèn.",
                     "url": "/phan-anh/K7MW-3QDP/"}))
    assert shown(1) == [{"title": "Phản ánh K7MW-3QDP đã được xử lý", "body": "Đã thay bóng đèn.",
                         "url": live_server.url + "/phan-anh/K7MW-3QDP/"}]

    # Only this site's pages may be opened from a notification.
    push(json.dumps({"title": "x", "body": "y", "url": "https://example.com/phish"}))
    assert {"title": "x", "body": "y", "url": live_server.url + "/"} in shown(2)

    # A message that is not JSON still tells the person something (and, with
    # the same link, takes the place of the one before).
    plain = {"title": "PhanAnh", "body": "Phản ánh của bạn đã được tiếp nhận.", "url": live_server.url + "/"}
    push(plain["body"])
    for _ in range(50):
        if plain in shown(2):
            break
        page.wait_for_timeout(100)
    assert sorted(note["body"] for note in shown(2)) == ["Phản ánh của bạn đã được tiếp nhận.", "Đã thay bóng đèn."]
