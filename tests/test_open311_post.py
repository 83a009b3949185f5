"""Open311 POST requests: creating reports, every field, photos, questions, and each refusal."""

import json
import socket
import xml.etree.ElementTree as ET

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from phananh.notify.models import Subscription
from phananh.open311 import keys
from phananh.open311.models import AttributeValue, Datatype, ServiceAttribute, Submission
from phananh.reports.models import Category, Channel, Event, Media, Report, Status

from .conftest import OUTSIDE_POINT, WARD_A_POINT

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000
    settings.OPEN311_RATE_LIMIT = 100_000


@pytest.fixture
def key(city):
    return keys.create_key("Ứng dụng thử")[1]


def fields(key, **extra):
    data = {"api_key": key, "service_code": "rac-thai", "lat": str(WARD_A_POINT[0]), "long": str(WARD_A_POINT[1]),
            "description": "Rác đổ thành đống ở đầu hẻm."}
    data.update(extra)
    return {name: value for name, value in data.items() if value is not None}


def post(client, data, url=URL, **extra):
    return client.post(url, data, **{**EN, **extra})


def errors_of(response):
    return [error["description"] for error in json.loads(response.content)]


def test_post_creates_the_report_and_answers_with_its_id(client, key):
    response = post(client, fields(key, first_name="Lan", last_name="Trần", email="lan@example.vn",
                                   phone="0912 345 678", address_string="Đầu hẻm 42 Lê Lợi",
                                   device_id="dev-1", account_id="acc-9", jurisdiction_id="phananh.vn"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    (answer,) = json.loads(response.content)
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] == "acc-9"
    assert "working days" in answer["service_notice"]
    report = Report.objects.get(code=answer["service_request_id"])
    assert report.channel == Channel.OPEN311
    assert report.category.code == "rac-thai"
    assert report.description == "Rác đổ thành đống ở đầu hẻm."
    assert (report.lat, report.lng) == WARD_A_POINT
    assert report.address == "Đầu hẻm 42 Lê Lợi"
    assert report.status == Status.ASSIGNED and report.unit == report.ward
    assert report.reporter_name == "Lan Trần"
    assert report.reporter_email == "lan@example.vn"
    assert report.reporter_phone == "+84912345678"
    submission = Submission.objects.get(report=report)
    assert (submission.device_id, submission.account_id) == ("dev-1", "acc-9")
    assert response["Open311-Token"] == submission.token
    assert client.get(f"/open311/v2/tokens/{submission.token}.json").json() == [
        {"service_request_id": report.code, "token": submission.token}]
    subscriptions = {(s.channel, s.address, s.is_reporter) for s in Subscription.objects.filter(report=report)}
    assert subscriptions == {("email", "lan@example.vn", True), ("sms", "+84912345678", True)}


def test_post_xml(client, key):
    response = post(client, fields(key), url="/open311/v2/requests.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id")
    assert Report.objects.filter(code=code, channel=Channel.OPEN311).exists()
    assert root.find("request/account_id").text is None


def test_address_only_goes_to_the_coordinator_with_the_address(client, key):
    response = post(client, fields(key, lat=None, long=None, address_string="Số 5 hẻm 12 Nguyễn Trãi, Bến Thành"))
    assert response.status_code == 200
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.status == Status.SUBMITTED and report.unit is None
    assert report.lat is None and report.address == "Số 5 hẻm 12 Nguyễn Trãi, Bến Thành"
    assert Event.objects.get(report=report, type="triage_needed").payload["reason"] == "no_location"


def test_a_landline_is_kept_but_not_subscribed_for_sms(client, key):
    response = post(client, fields(key, phone="028 3829 1234"))
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.reporter_phone == "+842838291234"
    assert not Subscription.objects.filter(report=report).exists()


def test_no_description_reads_as_the_service_name(client, key):
    response = post(client, fields(key, description=None, service_code="den-chieu-sang"))
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.description == Category.objects.get(code="den-chieu-sang").name_vi


def test_api_key_may_come_in_the_query_string(client, key):
    data = fields(key)
    del data["api_key"]
    assert post(client, data, url=f"{URL}?api_key={key}").status_code == 200


def test_photo_upload_is_validated_and_parked(client, key, photo_upload):
    response = post(client, {**fields(key), "media": photo_upload()})
    assert response.status_code == 200
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    (photo,) = Media.objects.filter(report=report)
    assert photo.incoming  # parked for the worker, which publishes it after re-encoding


def test_a_file_that_is_not_an_image_is_400(client, key):
    upload = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image at all", content_type="image/jpeg")
    response = post(client, {**fields(key), "media": upload})
    assert response.status_code == 400
    assert "virus.jpg" in errors_of(response)[0]
    assert not Report.objects.exists()


def test_a_photo_over_the_size_limit_is_413(client, key, photo_upload, settings):
    settings.MAX_UPLOAD_BYTES = 100
    response = post(client, {**fields(key), "media": photo_upload()})
    assert response.status_code == 413
    assert json.loads(response.content)[0]["code"] == 413
    assert not Report.objects.exists()


def test_media_url_is_kept_for_staff_and_never_fetched(client, key, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the server must not fetch media_url")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    url = "https://anh.example.vn/2025/den-hong.jpg"
    response = post(client, fields(key, media_url=url))
    assert response.status_code == 200
    code = response.json()[0]["service_request_id"]
    assert Submission.objects.get(report__code=code).media_url == url
    # Not shown to the public: only PhanAnh's own processed photos are.
    assert client.get(f"/open311/v2/requests/{code}.json").json()[0]["media_url"] is None


@pytest.fixture
def questions(city):
    category = Category.objects.get(code="den-chieu-sang")
    kind = ServiceAttribute.objects.create(category=category, code="KIND", order=1, datatype=Datatype.SINGLE,
                                           required=True, description_vi="Đèn hỏng thế nào?")
    AttributeValue.objects.create(attribute=kind, key="off", name_vi="Tắt hẳn")
    AttributeValue.objects.create(attribute=kind, key="blink", name_vi="Chập chờn")
    times = ServiceAttribute.objects.create(category=category, code="WHEN", order=2, datatype=Datatype.MULTI,
                                            description_vi="Vào lúc nào?")
    AttributeValue.objects.create(attribute=times, key="night", name_vi="Ban đêm")
    AttributeValue.objects.create(attribute=times, key="day", name_vi="Ban ngày")
    ServiceAttribute.objects.create(category=category, code="POLES", order=3, datatype=Datatype.NUMBER,
                                    description_vi="Mấy cột đèn?")
    ServiceAttribute.objects.create(category=category, code="INFO", order=4, variable=False, required=True,
                                    description_vi="Chỉ là thông báo.")


def test_attribute_answers_join_the_description(client, key, questions):
    data = fields(key, service_code="den-chieu-sang", description="Đèn đường hỏng.")
    data.update({"attribute[KIND]": "blink", "attribute[WHEN][]": ["night", "day"], "attribute[POLES]": "3",
                 "attribute[UNASKED]": "ignored"})
    response = post(client, data)
    assert response.status_code == 200, response.content
    report = Report.objects.get(code=response.json()[0]["service_request_id"])
    assert report.description == ("Đèn đường hỏng.\n\nĐèn hỏng thế nào?: Chập chờn\n"
                                  "Vào lúc nào?: Ban đêm, Ban ngày\nMấy cột đèn?: 3")
    assert Submission.objects.get(report=report).attributes == {"KIND": "blink", "WHEN": ["night", "day"],
                                                                 "POLES": "3"}


def test_attribute_problems_are_400_each_named(client, key, questions):
    data = fields(key, service_code="den-chieu-sang")
    data.update({"attribute[WHEN][]": ["night", "noon"], "attribute[POLES]": "nhiều"})
    response = post(client, data)
    assert response.status_code == 400
    problems = errors_of(response)
    assert len(problems) == 3
    assert "attribute[KIND]" in problems[0]
    assert "attribute[WHEN]" in problems[1] and "noon" in problems[1]
    assert "attribute[POLES]" in problems[2]
    assert not Report.objects.exists()


@pytest.mark.parametrize("change, words", [
    ({"service_code": None}, "service_code"),
    ({"service_code": ""}, "service_code"),
    ({"lat": None, "long": None}, "location"),
    ({"long": None}, "both lat and long"),
    ({"lat": "mười"}, "decimal degrees"),
    ({"lat": "nan"}, "between -90 and 90"),
    ({"lat": "95", "long": "106.7"}, "between -90 and 90"),
    ({"lat": str(OUTSIDE_POINT[0]), "long": str(OUTSIDE_POINT[1])}, "outside the area"),
    ({"lat": None, "long": None, "address_id": "545483"}, "address_id"),
    ({"email": "not-an-email"}, "email"),
    ({"phone": "12"}, "phone"),
    ({"description": "x" * 4001}, "4000"),
    ({"address_string": "x" * 301}, "address_string"),
    ({"first_name": "x" * 100, "last_name": "y" * 30}, "first_name"),
    ({"device_id": "d" * 101}, "device_id"),
    ({"media_url": "ftp://example.vn/a.jpg"}, "media_url"),
])
def test_invalid_fields_are_400(client, key, change, words):
    response = post(client, fields(key, **change))
    assert response.status_code == 400, response.content
    (problem,) = errors_of(response)
    assert words in problem
    assert not Report.objects.exists()


def test_every_problem_is_listed_at_once(client, key):
    response = post(client, fields(key, lat=None, long=None, email="x@", device_id="d" * 101))
    assert response.status_code == 400
    assert len(errors_of(response)) == 3


def test_unknown_service_code_is_404_as_the_spec_says(client, key):
    response = post(client, fields(key, service_code="khong-co"))
    assert response.status_code == 404
    assert json.loads(response.content)[0]["code"] == 404
    xml = post(client, fields(key, service_code="khong-co"), url="/open311/v2/requests.xml")
    assert xml.status_code == 404 and ET.fromstring(xml.content).findtext("error/code") == "404"


@pytest.mark.parametrize("given, status", [(None, 403), ("", 403), ("o311_wrong", 403)])
def test_missing_or_unknown_api_key_is_403(client, city, given, status):
    response = post(client, fields(given))
    assert response.status_code == status
    assert json.loads(response.content)[0]["code"] == 403
    xml = post(client, fields(given), url="/open311/v2/requests.xml")
    assert ET.fromstring(xml.content).findtext("error/code") == "403"
    assert not Report.objects.exists()


def test_jurisdiction_id_is_accepted_and_checked_when_configured(client, key, settings):
    assert post(client, fields(key, jurisdiction_id="anything.vn")).status_code == 200
    settings.OPEN311_JURISDICTION_ID = "phananh.vn"
    assert post(client, fields(key, jurisdiction_id="phananh.vn")).status_code == 200
    response = post(client, fields(key, jurisdiction_id="hanoi.gov.vn"))
    assert response.status_code == 404 and "hanoi.gov.vn" in errors_of(response)[0]
    assert client.get("/open311/v2/services.json?jurisdiction_id=hanoi.gov.vn").status_code == 404


def test_errors_speak_the_request_language(client, city):
    english = post(client, fields("o311_wrong"))
    vietnamese = client.post(URL, fields("o311_wrong"), HTTP_ACCEPT_LANGUAGE="vi")
    assert english["Content-Language"] == "en" and vietnamese["Content-Language"] == "vi"
    assert errors_of(english) == ["The api_key is not valid."]
