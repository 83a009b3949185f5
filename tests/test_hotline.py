"""The hotline console /can-bo/tong-dai/: a coordinator turns a phone call into a report."""

import re
import uuid

import pytest
from django.urls import reverse

from phananh.notify.models import Notification, Subscription
from phananh.reports import workflow
from phananh.reports.models import Event, Report

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT, make_user

URL = "/can-bo/tong-dai/"
HINTS = "/can-bo/tong-dai/trung-lap/"


@pytest.fixture
def operator(english, city):
    english.force_login(city.coordinator)
    return english


def call(city, **overrides):
    data = {
        "caller_phone": "0912 345 678", "caller_name": "Chị Lan", "ward": str(city.ward_a.pk),
        "address": "Trước số 45 Lê Lợi", "description": "Đèn đường trước nhà tắt ba đêm nay, rất tối.",
        "category": "den-chieu-sang", "idempotency_key": str(uuid.uuid4()), "lat": "", "lng": "",
    }
    data.update(overrides)
    return data


def test_the_urls():
    assert reverse("console:hotline") == URL
    assert reverse("console:hotline_hints") == HINTS


# --- who may use it ------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["officer_a", "head_a", "outsider"])
def test_only_coordinators_take_calls(english, city, who):
    english.force_login(getattr(city, who))
    response = english.get(URL)
    assert response.status_code == 403
    assert "for coordinators" in response.content.decode()
    assert english.post(URL, call(city)).status_code == 403
    assert english.get(HINTS, {"ward": city.ward_a.pk}).status_code == 403
    assert not Report.objects.exists()


def test_a_superuser_may_take_calls(english, city):
    english.force_login(make_user("quantri", is_superuser=True))
    assert english.get(URL).status_code == 200


# --- the form --------------------------------------------------------------------------

def test_the_form_labels_every_field_and_starts_at_the_phone(operator, city):
    page = operator.get(URL).content.decode()
    for field in ("caller_phone", "caller_name", "confidential", "ward", "address", "description", "category"):
        assert f'for="id_{field}"' in page, field
    assert re.search(r'<input[^>]*name="caller_phone"[^>]*autofocus', page)
    # Tab order follows the call: caller, place, problem, then send.
    order = [page.index(f'name="{name}"') for name in ("caller_phone", "ward", "address", "description", "category")]
    assert order == sorted(order) and page.index('id="send-call"') > order[-1]
    # The ward list is the coordinator's territory, without police posts; categories go by code.
    assert city.ward_a.name in page and city.ward_b.name in page and city.police_a.name not in page
    assert 'value="den-chieu-sang"' in page
    assert "vendor/leaflet/leaflet.js" in page and "js/hotline.js" in page


def test_a_call_becomes_a_phone_report_and_the_code_is_shown(operator, city):
    response = operator.post(URL, call(city))
    assert response.status_code == 302 and response["Location"] == URL
    report = Report.objects.get()
    assert report.channel == "phone"
    assert report.reporter_phone == "+84912345678" and report.reporter_name == "Chị Lan"
    assert report.ward == city.ward_a and report.address == "Trước số 45 Lê Lợi"
    assert report.category.code == "den-chieu-sang" and report.unit == city.lighting
    submitted = Event.objects.get(report=report, type="submitted")
    assert submitted.actor == city.coordinator and submitted.actor_role == "operator"
    assert Subscription.objects.filter(report=report, channel="sms", address="+84912345678", is_reporter=True).exists()
    text = Notification.objects.get(channel="sms")
    assert text.event == submitted and report.code in text.body and len(text.body) <= 160

    page = operator.get(URL).content.decode()
    assert f'id="done-code" data-code="{report.code}">{report.code}</p>' in page
    assert "0912 345 678" in page                        # the SMS went to this number
    assert 'name="caller_phone" value=' not in page       # an empty form for the next call
    assert report.code in page.split('id="recent-title"')[1]
    # Shown once: a reload does not show the code again as if just sent.
    assert 'id="done-code"' not in operator.get(URL).content.decode()


def test_a_landline_caller_gets_no_sms(operator, city):
    operator.post(URL, call(city, caller_phone="028 3829 1234"))
    report = Report.objects.get()
    assert report.reporter_phone == "+842838291234"
    assert not Subscription.objects.exists() and not Notification.objects.filter(channel="sms").exists()
    assert "is a landline" in operator.get(URL).content.decode()


def test_a_withheld_number_is_allowed(operator, city):
    operator.post(URL, call(city, caller_phone="", caller_name="", confidential="on"))
    report = Report.objects.get()
    assert report.reporter_phone == "" and report.confidential
    assert "No phone number" in operator.get(URL).content.decode()


def test_a_map_point_decides_the_ward(operator, city):
    operator.post(URL, call(city, ward="", address="", lat=str(WARD_B_POINT[0]), lng=str(WARD_B_POINT[1])))
    report = Report.objects.get()
    assert report.ward == city.ward_b and (report.lat, report.lng) == WARD_B_POINT


def test_a_double_post_makes_one_report(operator, city):
    data = call(city)
    operator.post(URL, data)
    operator.post(URL, data)
    assert Report.objects.count() == 1 and Notification.objects.filter(channel="sms").count() == 1


@pytest.mark.parametrize("overrides, field, message", [
    ({"caller_phone": "0912 34"}, "caller_phone", "has 6 digits"),
    ({"caller_phone": "+1 202 555 0123"}, "caller_phone", "not a Vietnamese number"),
    ({"ward": "", "address": ""}, "ward", "Choose the ward or commune, or set the point"),
    ({"address": ""}, "address", "Write down the address"),
    ({"description": "  "}, "description", "Write down what the caller reports"),
    ({"category": ""}, "category", "Choose the category"),
    ({"category": "khong-co"}, "category", "Choose the category from the list"),
    ({"ward": "999999"}, "ward", "Choose the ward or commune from the list"),
    ({"ward": "", "address": "", "lat": str(OUTSIDE_POINT[0]), "lng": str(OUTSIDE_POINT[1])}, "ward",
     "outside the area"),
    ({"lat": "abc", "lng": "1"}, "ward", "could not be read"),
])
def test_mistakes_are_listed_and_linked_and_nothing_is_sent(operator, city, overrides, field, message):
    response = operator.post(URL, call(city, **overrides))
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    assert f'href="#id_{field}"' in summary and message in summary
    assert f'id="id_{field}_error"' in page
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error', page)
    assert not Report.objects.exists() and not Notification.objects.exists()


def test_a_refused_post_keeps_what_was_typed(operator, city):
    page = operator.post(URL, call(city, caller_phone="12")).content.decode()
    assert "Đèn đường trước nhà tắt ba đêm nay" in page
    assert "Trước số 45 Lê Lợi" in page


# --- already reported? -----------------------------------------------------------------------

def test_hints_list_open_reports_of_the_ward_and_category(operator, city, submit_report):
    same = submit_report(category="den-chieu-sang", description="Đèn hư ở hẻm 45")
    other_category = submit_report(category="rac-thai", description="Rác ở hẻm 45")
    other_ward = submit_report(category="den-chieu-sang", point=WARD_B_POINT, description="Đèn hư ở Sài Gòn")
    closed = submit_report(category="den-chieu-sang", point=None, ward=city.ward_a, address="x",
                           description="Đèn đã báo rồi")
    workflow.apply(closed, "merge", city.coordinator, original=same)

    page = operator.get(HINTS, {"ward": city.ward_a.pk, "category": "den-chieu-sang"}).content.decode()
    assert same.code in page
    assert other_category.code not in page and other_ward.code not in page and closed.code not in page

    everything = operator.get(HINTS, {"ward": city.ward_a.pk}).content.decode()
    assert same.code in everything and other_category.code in everything and "all categories" in everything

    by_point = operator.get(HINTS, {"lat": WARD_B_POINT[0], "lng": WARD_B_POINT[1]}).content.decode()
    assert other_ward.code in by_point and same.code not in by_point


def test_with_a_point_the_duplicate_finder_ranks_the_hints(operator, city, submit_report):
    near = submit_report(category="den-chieu-sang", description="Đèn đường trước số 45 Lê Lợi tắt mấy đêm nay")
    unrelated = submit_report(category="rac-thai", description="Rác đổ bừa bãi đầu hẻm")
    query = {"lat": WARD_A_POINT[0], "lng": WARD_A_POINT[1] + 0.0002, "category": "den-chieu-sang",
             "text": "den duong truoc so 45 le loi tat roi", "ward": city.ward_b.pk}
    page = operator.get(HINTS, query).content.decode()
    assert "may be the same problem" in page
    assert near.code in page and "likely the same" in page and "m away" in page
    assert unrelated.code not in page


def test_hints_without_a_place_ask_for_one(operator, city):
    page = operator.get(HINTS, {"category": "rac-thai", "ward": "abc"}).content.decode()
    assert "Choose the ward, or set the point on the map" in page


def test_a_refused_post_shows_the_hints_for_its_ward(operator, city, submit_report):
    known = submit_report(category="den-chieu-sang")
    page = operator.post(URL, call(city, caller_phone="12")).content.decode()
    assert known.code in page.split('id="hints"')[1]


def test_the_console_menu_offers_the_hotline_to_coordinators_only(client, city):
    hotline_link = f'href="{URL}"'
    client.force_login(city.officer_a)
    assert hotline_link not in client.get(reverse("console:home")).content.decode()
    client.force_login(city.coordinator)
    assert hotline_link in client.get(reverse("console:home")).content.decode()
