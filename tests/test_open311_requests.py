"""Open311 GET requests, GET requests/{id} and tokens/{token}: fields, filters, privacy, cost."""

import json
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from phananh.lib import clock
from phananh.open311 import queries
from phananh.open311.models import Submission
from phananh.reports import workflow
from phananh.reports.models import Media, MediaKind

from .conftest import WARD_B_POINT

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SPEC_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
}


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000


def get_json(client, url, **extra):
    response = client.get(url, **{**EN, **extra})
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response, json.loads(response.content)


def get_xml(client, url, **extra):
    response = client.get(url, **{**EN, **extra})
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    return response, ET.fromstring(response.content)


def days_ago(n):
    return clock.at(timezone.now() - timedelta(days=n))


@pytest.fixture
def private_report(submit_report):
    return submit_report(reporter_name="Nguyễn Văn Bí Mật", reporter_phone="0912345678",
                         reporter_email="bimat@example.vn", confidential=True,
                         description="Đèn đường tắt cả tuần.", address="12 Lê Lợi")


def test_list_json_gives_the_spec_fields(client, private_report):
    response, rows = get_json(client, "/open311/v2/requests.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    (row,) = rows
    assert set(row) == SPEC_FIELDS
    assert row["service_request_id"] == private_report.code
    assert row["status"] == "open"
    assert row["service_code"] == "rac-thai"
    assert row["service_name"] == "Garbage and illegal dumping"
    assert row["description"] == "Đèn đường tắt cả tuần."
    assert row["agency_responsible"] == "Phường Bến Thành"
    assert row["address"] == "12 Lê Lợi, Phường Bến Thành"
    assert row["lat"] == pytest.approx(10.7725) and row["long"] == pytest.approx(106.698)
    assert row["address_id"] is None and row["zipcode"] is None and row["media_url"] is None
    assert row["requested_datetime"].endswith("+07:00")
    assert row["updated_datetime"].endswith("+07:00")
    private_report.refresh_from_db()
    assert row["expected_datetime"] == timezone.localtime(private_report.resolve_due).isoformat(timespec="seconds")
    assert "working days" in row["service_notice"]


def test_reporter_data_never_leaves_even_for_confidential_reports(client, private_report):
    for url in ("/open311/v2/requests.json", "/open311/v2/requests.xml",
                f"/open311/v2/requests/{private_report.code}.json", f"/open311/v2/requests/{private_report.code}.xml"):
        body = client.get(url).content.decode()
        for secret in ("Bí Mật", "0912345678", "912345678", "bimat@example.vn"):
            assert secret not in body, (url, secret)


def test_list_xml(client, private_report):
    response, root = get_xml(client, "/open311/v2/requests.xml")
    assert response.status_code == 200
    assert root.tag == "service_requests"
    (request,) = root.findall("request")
    assert {child.tag for child in request} == SPEC_FIELDS
    assert request.findtext("service_request_id") == private_report.code
    assert request.findtext("status") == "open"
    assert request.findtext("lat") == "10.7725"
    assert request.find("zipcode").text is None  # an empty element, as the spec shows it


def test_single_request_by_tracking_code_in_both_formats(client, submit_report):
    report = submit_report()
    submit_report()
    _response, rows = get_json(client, f"/open311/v2/requests/{report.code}.json")
    assert [r["service_request_id"] for r in rows] == [report.code]
    # Codes are read as people type them.
    _response, rows = get_json(client, f"/open311/v2/requests/{report.code.lower().replace('-', '')}.json")
    assert [r["service_request_id"] for r in rows] == [report.code]
    _response, root = get_xml(client, f"/open311/v2/requests/{report.code}.xml")
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [report.code]


def test_unknown_request_is_404(client, city):
    response, errors = get_json(client, "/open311/v2/requests/ZZZZ-ZZZZ.json")
    assert response.status_code == 404
    assert errors[0]["code"] == 404 and "ZZZZ-ZZZZ" in errors[0]["description"]
    response, root = get_xml(client, "/open311/v2/requests/nonsense.xml")
    assert response.status_code == 404 and root.findtext("error/code") == "404"


def test_status_mapping_and_notes(client, city, submit_report, parked_photo):
    open_report = submit_report()
    fixed = submit_report()
    workflow.apply(fixed, "accept", city.officer_a)
    workflow.apply(fixed, "resolve", city.officer_a, outcome="fixed", result="Đã dọn sạch.",
                   photos=[parked_photo()])
    rejected = submit_report(point=None, address="Hẻm 5")  # no place: it waits for a coordinator
    workflow.apply(rejected, "reject", city.coordinator, reason="Không đủ thông tin.")
    original = submit_report()
    duplicate = submit_report()
    workflow.apply(duplicate, "merge", city.coordinator, original=original)

    _response, rows = get_json(client, "/open311/v2/requests.json")
    by_id = {row["service_request_id"]: row for row in rows}
    assert by_id[open_report.code]["status"] == "open"
    assert by_id[fixed.code]["status"] == "closed"
    assert by_id[fixed.code]["status_notes"] == "Fixed: Đã dọn sạch."
    fixed.refresh_from_db()
    assert by_id[fixed.code]["updated_datetime"] == timezone.localtime(fixed.resolved_at).isoformat(
        timespec="seconds")
    assert by_id[rejected.code]["status"] == "closed"
    assert by_id[rejected.code]["status_notes"] == "Rejected: Không đủ thông tin."
    assert by_id[duplicate.code]["status"] == "closed"
    assert by_id[duplicate.code]["status_notes"] == f"Duplicate of service request {original.code}."

    _response, rows = get_json(client, "/open311/v2/requests.json?status=closed")
    assert {row["service_request_id"] for row in rows} == {fixed.code, rejected.code, duplicate.code}
    _response, rows = get_json(client, "/open311/v2/requests.json?status=open")
    assert {row["service_request_id"] for row in rows} == {open_report.code, original.code}
    _response, rows = get_json(client, "/open311/v2/requests.json?status=open,closed")
    assert len(rows) == 5


def test_media_url_is_the_processed_public_photo(client, submit_report, parked_photo,
                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the worker processes the photo
        report = submit_report(photos=[parked_photo()])
    photo = Media.objects.get(report=report, kind=MediaKind.EVIDENCE)
    assert photo.ready
    _response, rows = get_json(client, f"/open311/v2/requests/{report.code}.json")
    assert rows[0]["media_url"] == "http://testserver" + photo.image.url


def test_newest_first_and_filters(client, city, submit_report):
    with days_ago(30):
        old_light = submit_report(category="den-chieu-sang")
    with days_ago(10):
        garbage = submit_report()
    with days_ago(1):
        newest = submit_report(point=WARD_B_POINT)
    with days_ago(120):
        too_old = submit_report()

    _response, rows = get_json(client, "/open311/v2/requests.json")
    # Default window: the last 90 days, newest first.
    assert [r["service_request_id"] for r in rows] == [newest.code, garbage.code, old_light.code]

    _response, rows = get_json(client, "/open311/v2/requests.json?service_code=den-chieu-sang")
    assert [r["service_request_id"] for r in rows] == [old_light.code]
    _response, rows = get_json(client, "/open311/v2/requests.json?service_code=den-chieu-sang,rac-thai")
    assert len(rows) == 3

    start = (timezone.now() - timedelta(days=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (timezone.now() - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _response, rows = get_json(client, f"/open311/v2/requests.json?start_date={start}&end_date={end}")
    assert [r["service_request_id"] for r in rows] == [garbage.code]

    # A start alone opens a 90-day window from there.
    start = (timezone.now() - timedelta(days=125)).strftime("%Y-%m-%d")
    _response, rows = get_json(client, f"/open311/v2/requests.json?start_date={start}")
    assert [r["service_request_id"] for r in rows] == [too_old.code]

    # service_request_id overrides every other argument.
    ids = f"{too_old.code},{newest.code},nonsense"
    _response, rows = get_json(client, f"/open311/v2/requests.json?service_request_id={ids}&status=closed")
    assert [r["service_request_id"] for r in rows] == [newest.code, too_old.code]


def test_at_most_1000_rows(client, submit_report, monkeypatch):
    monkeypatch.setattr(queries, "MAX_ROWS", 2)
    reports = [submit_report() for _ in range(3)]
    _response, rows = get_json(client, "/open311/v2/requests.json")
    assert [r["service_request_id"] for r in rows] == [reports[2].code, reports[1].code]


def test_the_cap_is_the_spec_1000():
    assert queries.MAX_ROWS == 1000
    assert queries.MAX_SPAN == timedelta(days=90)


@pytest.mark.parametrize("query, words", [
    ("status=pending", "status"),
    ("start_date=yesterday", "start_date"),
    ("end_date=2025-13-45T00:00:00Z", "end_date"),
    ("start_date=2025-06-01T00:00:00Z&end_date=2025-01-01T00:00:00Z", "end_date"),
    ("start_date=2025-01-01T00:00:00Z&end_date=2025-06-01T00:00:00Z", "90 days"),
    ("start_date=9999-12-31T00:00:00Z", "real date"),
    ("end_date=0001-01-02", "real date"),
    ("start_date=0001-01-01T00:00:00%2B14:00", "real date"),
])
def test_bad_filters_are_400_in_the_spec_format(client, city, query, words):
    response, errors = get_json(client, f"/open311/v2/requests.json?{query}")
    assert response.status_code == 400
    assert errors[0]["code"] == 400 and words in errors[0]["description"]
    response, root = get_xml(client, f"/open311/v2/requests.xml?{query}")
    assert response.status_code == 400 and root.tag == "errors"


def test_list_reads_in_two_queries_whatever_the_count(client, city, submit_report, parked_photo,
                                                      django_assert_max_num_queries,
                                                      django_capture_on_commit_callbacks):
    for index in range(6):
        point = None if index % 3 == 0 else (10.7725, 106.6980)
        with django_capture_on_commit_callbacks(execute=True):
            report = submit_report(point=point, address="Chợ Bến Thành",
                                   photos=[parked_photo()] if index % 2 else [])
        if point is None:
            workflow.apply(report, "reject", city.coordinator, reason="Trùng lặp nội dung.")
    with django_assert_max_num_queries(2):
        response = client.get("/open311/v2/requests.json?service_code=rac-thai,den-chieu-sang&status=open,closed")
    rows = json.loads(response.content)
    assert len(rows) == 6 and sum(1 for row in rows if row["media_url"]) == 3
    with django_assert_max_num_queries(2):
        client.get("/open311/v2/requests.xml")


def test_token_gives_the_request_id(client, submit_report, settings):
    from phananh.open311 import keys

    api_key, _key = keys.create_key("App")
    report = submit_report()
    Submission.objects.create(report=report, api_key=api_key, token="f2a1-token", fingerprint="x")
    _response, rows = get_json(client, "/open311/v2/tokens/f2a1-token.json")
    assert rows == [{"service_request_id": report.code, "token": "f2a1-token"}]
    _response, root = get_xml(client, "/open311/v2/tokens/f2a1-token.xml")
    assert root.findtext("request/service_request_id") == report.code
    assert root.findtext("request/token") == "f2a1-token"
    response, errors = get_json(client, "/open311/v2/tokens/unknown.json")
    assert response.status_code == 404 and errors[0]["code"] == 404


def test_xml_output_drops_characters_xml_cannot_hold(client, submit_report):
    # Control characters XML 1.0 cannot hold (NUL never reaches the database:
    # the intake forms refuse it, and PostgreSQL could not store it).
    report = submit_report(description="Rác\x0c ở\x0b đây & <kia>")
    _response, root = get_xml(client, f"/open311/v2/requests/{report.code}.xml")
    assert root.findtext("request/description") == "Rác ở đây & <kia>"
