"""The citizen endpoints of the native API: send, read, list, rate and reopen reports."""

import json
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from phananh.intake import api as intake_api
from phananh.intake import idempotency
from phananh.lib.codes import token_matches
from phananh.notify.models import Subscription
from phananh.reports import workflow
from phananh.reports.models import Channel, Media, Report, Status

from .conftest import OUTSIDE_POINT, WARD_A_POINT, WARD_B_POINT

URL = "/api/v1/reports"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def fresh_cache():
    # Rate-limit counters and kept answers live in the shared cache.
    cache.clear()
    yield
    cache.clear()


def fields(**overrides):
    data = {
        "category": "rac-thai",
        "description": "Rác đổ thành đống ở đầu hẻm 12, bốc mùi hôi cả tuần nay.",
        "lat": str(WARD_A_POINT[0]),
        "lng": str(WARD_A_POINT[1]),
        "reporter_name": "Nguyễn Văn An",
        "reporter_phone": "0903 123 456",
        "reporter_email": "an@example.com",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def send(client, data=None, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, data if data is not None else fields(), **headers, **EN, **extra)


def incoming_files():
    try:
        return set(storages["incoming"].listdir("")[1])
    except FileNotFoundError:
        return set()


# --- sending a report ---------------------------------------------------------------------------

def test_a_report_with_a_photo_is_created_routed_and_answered_with_its_token(client, city, photo_upload):
    response = send(client, {**fields(), "photos": [photo_upload()]})
    assert response.status_code == 201, response.json()
    body = response.json()
    report = Report.objects.get(code=body["code"])
    assert report.channel == Channel.API
    assert report.unit == city.ward_a and body["status"] == Status.ASSIGNED
    assert report.reporter_phone == "0903123456"  # the web form's normalisation
    assert report.media.count() == 1
    assert body["token_included"] is True
    assert token_matches(body["citizen_token"], report.citizen_token_hash)
    assert body["private_url"].endswith(f"/phan-anh/{report.code}/rieng/{body['citizen_token']}/")
    assert body["url"].endswith(f"/api/v1/reports/{report.code}")
    assert body["resolve_due"] and body["ack_due"].endswith("+07:00")
    assert body["notify"] == "email"
    subscription = Subscription.objects.get(report=report)
    assert (subscription.channel, subscription.address, subscription.is_reporter) == ("email", "an@example.com", True)
    assert subscription.language == "en"


def test_a_ward_code_and_an_address_stand_in_for_a_map_point(client, city):
    response = send(client, fields(lat=None, lng=None, ward=city.ward_b.code, address="12 Lê Lợi"))
    assert response.status_code == 201, response.json()
    report = Report.objects.get(code=response.json()["code"])
    assert report.ward == city.ward_b and report.lat is None and report.address == "12 Lê Lợi"


def test_json_bodies_are_accepted_too(client, city):
    payload = {**fields(reporter_email=None, reporter_phone=None), "lat": WARD_B_POINT[0], "lng": WARD_B_POINT[1],
               "confidential": True}
    response = client.post(URL, json.dumps(payload), content_type="application/json", **EN)
    assert response.status_code == 201, response.json()
    report = Report.objects.get(code=response.json()["code"])
    assert report.ward == city.ward_b and report.confidential
    assert response.json()["notify"] == "none" and not Subscription.objects.exists()


def test_sms_notification_subscribes_the_phone_in_international_form(client, city):
    response = send(client, fields(reporter_email=None, notify="sms"))
    assert response.status_code == 201
    assert Subscription.objects.get().address == "+84903123456"


def test_confidential_false_as_text_means_false(client, city):
    response = send(client, fields(confidential="false"))
    assert not Report.objects.get(code=response.json()["code"]).confidential


# --- Idempotency-Key --------------------------------------------------------------------------------

def test_a_retry_with_the_same_key_gets_the_same_answer_and_no_second_report(client, city, photo_upload):
    key = str(uuid.uuid4())
    first = send(client, {**fields(), "photos": [photo_upload()]}, key=key)
    second = send(client, {**fields(), "photos": [photo_upload()]}, key=key)
    assert first.status_code == second.status_code == 201
    assert second.content == first.content  # the token included, byte for byte
    assert second["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1 and Media.objects.count() == 1
    assert Report.objects.get().idempotency_key == f"api:{key}"


def test_the_same_key_for_a_different_report_is_refused(client, city):
    key = "phone-42-report-1"
    send(client, key=key)
    response = send(client, fields(description="Một chuyện khác hẳn: đèn đường hỏng."), key=key)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert Report.objects.count() == 1


def test_after_the_answer_is_forgotten_a_retry_gets_the_report_without_the_token(client, city):
    key = str(uuid.uuid4())
    first = send(client, key=key).json()
    cache.clear()  # 24 hours later, or the cache was flushed
    second = send(client, key=key)
    assert second.status_code == 201
    body = second.json()
    assert body["code"] == first["code"] and body["notify"] == "email"
    assert body["token_included"] is False and body["citizen_token"] is None and body["private_url"] is None
    assert Report.objects.count() == 1


def test_a_concurrent_retry_that_lost_the_race_answers_like_the_winner(client, city, photo_upload, monkeypatch):
    """Two requests with one key both find nothing, both submit: the database's
    unique key lets one create the report; the other must answer with the
    winner's body and leave no photo behind."""
    key = str(uuid.uuid4())
    winner = send(client, {**fields(), "photos": [photo_upload()]}, key=key)
    parked_before = incoming_files()
    real_recall, real_replay = idempotency.recall, intake_api._replay_without_token
    calls = {"recall": 0, "replay": 0}

    def recall_too_early(*args):
        calls["recall"] += 1
        return None if calls["recall"] == 1 else real_recall(*args)

    def replay_too_early(*args):
        calls["replay"] += 1
        return None if calls["replay"] == 1 else real_replay(*args)

    monkeypatch.setattr(idempotency, "recall", recall_too_early)
    monkeypatch.setattr(intake_api, "_replay_without_token", replay_too_early)
    loser = send(client, {**fields(), "photos": [photo_upload()]}, key=key)
    assert calls == {"recall": 2, "replay": 1}  # it did go through workflow.submit
    assert loser.status_code == 201 and loser.content == winner.content
    assert Report.objects.count() == 1 and Media.objects.count() == 1
    assert incoming_files() == parked_before  # the loser's photo was not left behind


@pytest.mark.parametrize("length,status", [(idempotency.MAX_KEY_LENGTH, 201), (idempotency.MAX_KEY_LENGTH + 1, 400)])
def test_keys_longer_than_the_stored_column_allows_are_refused(client, city, length, status):
    response = send(client, key="k" * length)
    assert response.status_code == status
    if status == 400:
        assert response.json()["field"] == "Idempotency-Key"
        assert not Report.objects.exists()
    else:
        assert len(Report.objects.get().idempotency_key) == 80


def test_api_keys_never_collide_with_the_web_forms_keys(client, city, submit_report):
    key = str(uuid.uuid4())
    web = submit_report(idempotency_key=key)
    response = send(client, key=key)
    assert response.status_code == 201 and response.json()["code"] != web.code


# --- refusals -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("overrides,field", [
    ({"category": None}, "category"),
    ({"category": "khong-co"}, "category"),
    ({"description": "   "}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"lat": None, "lng": None}, "ward"),
    ({"lat": None, "lng": None, "ward": "99999", "address": "1 Lê Lợi"}, "ward"),
    ({"lat": str(OUTSIDE_POINT[0]), "lng": str(OUTSIDE_POINT[1])}, "lat"),
    ({"lat": "abc"}, "lat"),
    ({"lat": "nan"}, "lat"),
    ({"reporter_email": "not-an-email"}, "reporter_email"),
    ({"reporter_phone": "12"}, "reporter_phone"),
    ({"notify": "pigeon"}, "notify"),
    ({"notify": "sms", "reporter_phone": ""}, "reporter_phone"),
    ({"notify": "sms", "reporter_phone": "028 3829 6000"}, "reporter_phone"),
    ({"description": "Rác\x00 ở hẻm"}, "description"),
])
def test_each_mistake_is_named_with_a_message(client, city, overrides, field):
    response = send(client, fields(**overrides))
    assert response.status_code in (400, 422), response.content
    body = response.json()
    assert body["field"] == field and body["detail"]
    assert not Report.objects.exists()


def test_several_mistakes_are_all_listed(client, city):
    body = send(client, fields(category="", description="", reporter_email="x")).json()
    assert {e["field"] for e in body["errors"]} >= {"category", "description", "reporter_email"}


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_kept(client, city):
    before = incoming_files()
    upload = SimpleUploadedFile("virus.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = send(client, {**fields(), "photos": [upload]})
    assert response.status_code == 400 and response.json()["field"] == "photos"
    assert "virus.jpg" in response.json()["detail"]
    assert not Report.objects.exists() and incoming_files() == before


def test_more_photos_than_the_web_form_allows_are_refused(client, city, photo_upload, settings):
    settings.MAX_PHOTOS = 2
    response = send(client, {**fields(), "photos": [photo_upload(), photo_upload(), photo_upload()]})
    assert response.status_code == 400 and response.json()["field"] == "photos"
    assert not Report.objects.exists()


def test_a_body_larger_than_the_photo_limits_is_refused_before_it_is_read(client, city, settings):
    settings.MAX_PHOTOS, settings.MAX_UPLOAD_BYTES = 1, 1024
    upload = SimpleUploadedFile("big.jpg", b"\xff" * 200_000, content_type="image/jpeg")
    response = send(client, {**fields(), "photos": [upload]})
    assert response.status_code == 413 and response.json()["detail"]


@pytest.mark.parametrize("body,content_type,status", [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'{"category": "rac-thai", "description": "\xff\xfe"}', "application/json", 400),
    (b'{"category": {"a": 1}}', "application/json", 400),
    (b"category=rac-thai", "text/plain", 415),
])
def test_unreadable_bodies_get_a_client_error(client, city, body, content_type, status):
    response = client.post(URL, body, content_type=content_type, **EN)
    assert response.status_code == status
    assert response.json()["detail"]


def test_errors_follow_accept_language(client, city):
    vietnamese = client.post(URL, fields(category=None)).json()["detail"]
    english = client.post(URL, fields(category=None), HTTP_ACCEPT_LANGUAGE="en").json()["detail"]
    assert english == "Choose what the problem is about."
    assert vietnamese == "Hãy chọn lĩnh vực của vấn đề."


def test_anonymous_writes_are_rate_limited_per_address(client, city, monkeypatch):
    monkeypatch.setattr(intake_api, "WRITES_PER_WINDOW", 2)
    key = "retry-me"
    assert send(client, key=key).status_code == 201
    assert send(client, fields(description="Đèn đường hỏng trước nhà số 5.")).status_code == 201
    refused = send(client, fields(description="Nước ngập hẻm sau mưa."))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1 and refused.json()["retry_after"] == int(refused["Retry-After"])
    assert send(client, key=key).status_code == 201  # a retry is answered, not counted
    other = send(client, fields(description="Nước ngập hẻm sau mưa."), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 201
    assert Report.objects.count() == 3


# --- reading -------------------------------------------------------------------------------------------

def test_one_report_shows_its_public_facts_and_never_the_reporter(client, city):
    code = send(client, fields(reporter_name="Trần Thị Bích", reporter_phone="0912 345 678",
                               reporter_email="bich@example.com")).json()["code"]
    response = client.get(f"{URL}/{code.lower().replace('-', '')}", **EN)
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == code and body["status"] == "assigned" and body["status_label"] == "Sent to unit"
    assert body["category"]["code"] == "rac-thai" and body["unit"]["code"] == city.ward_a.code
    assert body["resolve_due"] and body["outcome_detail"] is None
    assert [e["type"] for e in body["timeline"]] == ["submitted", "routed"]
    assert "triage_needed" not in response.content.decode()
    text = response.content.decode()
    for secret in ("Bích", "Trần", "0912", "bich@example.com"):
        assert secret not in text


def test_a_resolved_report_shows_the_outcome_and_proof_photos(client, city, submit_report, parked_photo,
                                                             django_capture_on_commit_callbacks):
    report = submit_report()
    workflow.apply(report, "accept", city.officer_a)
    with django_capture_on_commit_callbacks(execute=True):  # the photo job runs inline
        workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Đã dọn sạch.",
                       photos=[parked_photo()])
    body = client.get(f"{URL}/{report.code}", **EN).json()
    assert body["status"] == "resolved" and body["outcome"] == "fixed"
    assert body["outcome_detail"]["kind"] == "fixed" and body["outcome_detail"]["text"] == "Đã dọn sạch."
    assert len(body["proof_photos"]) == 1 and body["proof_photos"][0]["url"].startswith("http://testserver/media/")
    assert body["ack_due"] is None  # no deadline runs any more


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "not-a-code", "%00"])
def test_unknown_codes_get_a_json_404(client, db, code):
    response = client.get(f"{URL}/{code}", **EN)
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no report with this tracking code."


# --- the list ------------------------------------------------------------------------------------------

@pytest.fixture
def many(city, submit_report):
    reports = [submit_report(description=f"Rác lần {i} ở hẻm", point=WARD_A_POINT if i % 2 else WARD_B_POINT)
               for i in range(7)]
    light = submit_report(category="den-chieu-sang", description="Đèn đường tắt cả tuần")
    return reports + [light]


def codes(response):
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.parametrize("status", ["", "open"])
def test_the_list_pages_through_everything_newest_first_without_repeats(client, city, many, status):
    for report in many[::3]:  # a mix of statuses within the "open" group
        workflow.apply(report, "accept", city.officer_a if report.unit == city.ward_a else city.officer_b)
    seen, url = [], f"{URL}?limit=3&status={status}"
    while url:
        response = client.get(url)
        seen += codes(response)
        url = response.json()["next"]
    expected = list(Report.objects.order_by("-received_at", "-id").values_list("code", flat=True))
    assert seen == expected and len(seen) == 8


@pytest.mark.parametrize("params,expected", [
    ({"category": "den-chieu-sang"}, 1),
    ({"status": "open"}, 8),
    ({"status": "assigned"}, 8),
    ({"status": "closed"}, 0),
    ({"ward": "26740"}, 4),
    ({"unit": "26743"}, 3),
    ({"unit": "chieu-sang"}, 1),
    ({"bbox": "106.690,10.765,106.703,10.780"}, 4),
    ({"q": "den duong"}, 1),
    ({"q": "hem", "ward": "26743"}, 3),
    ({"since": "2000-01-01"}, 8),
    ({"until": "2000-01-01"}, 0),
])
def test_list_filters(client, many, params, expected):
    assert len(codes(client.get(URL, params))) == expected


@pytest.mark.parametrize("params,status,field", [
    ({"bbox": "1,2,3"}, 400, "bbox"),
    ({"bbox": "200,0,201,1"}, 422, "bbox"),
    ({"status": "lost"}, 422, "status"),
    ({"category": "khong-co"}, 422, "category"),
    ({"ward": "chieu-sang"}, 422, "ward"),
    ({"since": "hôm qua"}, 400, "since"),
    ({"cursor": "garbage"}, 400, "cursor"),
    ({"limit": "101"}, 422, "limit"),
    ({"limit": "ten"}, 400, "limit"),
    ({"q": "!!!"}, 400, "q"),
    ({"q": "x" * 101}, 400, "q"),
    ({"q": "r\x00c"}, 400, "q"),
])
def test_bad_list_parameters_are_named(client, many, params, status, field):
    response = client.get(URL, params, **EN)
    assert response.status_code == status
    assert response.json()["field"] == field and response.json()["detail"]


def test_a_page_of_a_hundred_costs_a_fixed_number_of_queries(client, city, submit_report, parked_photo,
                                                             django_assert_max_num_queries):
    for i in range(30):
        report = submit_report(description=f"Rác số {i}")
        if i % 3 == 0:
            Media.objects.create(report=report, kind="evidence", image="photos/x.jpg", thumbnail="thumbs/x.jpg",
                                 width=640, height=480)
    # The category names for the search, one small query per status of the
    # "open" group (api_list._merged_statuses), the rows, their photos.
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"limit": "100", "status": "open", "q": "rac"})
    assert len(codes(response)) == 30
    assert sum(1 for row in response.json()["results"] if row["thumbnail_url"]) == 10
    for secret in ("reporter", "0903", "@example.com"):
        assert secret not in response.content.decode()


# --- the citizen's own actions -------------------------------------------------------------------------

@pytest.fixture
def resolved(client, city, parked_photo):
    body = send(client).json()
    report = Report.objects.get(code=body["code"])
    workflow.apply(report, "accept", city.officer_a)
    workflow.apply(report, "resolve", city.officer_a, outcome="fixed", result="Đã dọn.", photos=[parked_photo()])
    return body


def test_the_citizen_rates_with_the_token(client, resolved):
    response = client.post(f"{URL}/{resolved['code']}/rating", {"token": resolved["citizen_token"],
                           "rating": "satisfied"}, content_type="application/json", **EN)
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"


def test_unsatisfied_and_reopen_reopen_the_report(client, resolved):
    response = client.post(f"{URL}/{resolved['code']}/rating", {"token": resolved["citizen_token"],
                           "rating": "unsatisfied", "comment": "Vẫn còn rác"}, content_type="application/json")
    assert response.json()["status"] == "reopened"


def test_a_wrong_token_cannot_rate(client, resolved):
    response = client.post(f"{URL}/{resolved['code']}/rating", {"token": "guess", "rating": "satisfied"},
                           content_type="application/json", **EN)
    assert response.status_code == 403 and response.json()["field"] == "token"
    assert Report.objects.get(code=resolved["code"]).status == Status.RESOLVED


def test_rating_an_open_report_is_a_conflict(client, city):
    body = send(client).json()
    response = client.post(f"{URL}/{body['code']}/rating", {"token": body["citizen_token"], "rating": "satisfied"},
                           content_type="application/json", **EN)
    assert response.status_code == 409 and "cannot be done" in response.json()["detail"]


def test_a_bad_rating_value_is_named(client, resolved):
    response = client.post(f"{URL}/{resolved['code']}/rating", {"token": resolved["citizen_token"], "rating": "meh"},
                           content_type="application/json", **EN)
    assert response.status_code == 400 and response.json()["field"] == "rating"


def test_reopen_needs_a_comment(client, resolved):
    response = client.post(f"{URL}/{resolved['code']}/reopen", {"token": resolved["citizen_token"], "comment": ""},
                           content_type="application/json", **EN)
    assert response.status_code == 400 and response.json()["field"] == "comment"


# --- lists a client needs, errors outside any endpoint, the docs page ---------------------------------------

def test_categories_and_wards_give_the_codes_to_send(client, city):
    categories = client.get("/api/v1/categories", **EN).json()
    assert {"code": "rac-thai"}.items() <= next(c for c in categories if c["code"] == "rac-thai").items()
    wards = {w["code"]: w for w in client.get("/api/v1/wards").json()}
    assert set(wards) == {city.ward_a.code, city.ward_b.code}  # not the police post
    assert wards[city.ward_a.code]["parent"] == city.province.name


def test_unknown_paths_and_methods_answer_in_json(client, db):
    missing = client.get("/api/v1/khong-co", **EN)
    assert missing.status_code == 404 and missing.json()["detail"]
    wrong = client.delete(URL, **EN)
    assert wrong.status_code == 405 and "GET" in wrong.json()["detail"] and wrong["Allow"]


def test_malformed_json_on_an_existing_endpoint_gets_the_same_shape(client, db):
    response = client.post("/api/v1/classify", b"{oops", content_type="application/json", **EN)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON.", "field": ""}
    missing = client.post("/api/v1/classify", {}, content_type="application/json", **EN).json()
    assert missing == {"detail": "This field is required.", "field": "text"}


def test_the_docs_page_needs_no_cdn(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "cdn" not in html.lower()
    # Served from the app's own static files (collectstatic puts them next to the site's).
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui.css")
