"""Open311 errors: the spec's format and status codes, and never a 500 on malformed input."""

import json
import uuid
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from phananh.open311 import keys
from phananh.reports.models import Report

from .conftest import WARD_A_POINT

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000
    settings.OPEN311_RATE_LIMIT = 100_000


@pytest.fixture
def key(city):
    return keys.create_key("Ứng dụng thử")[1]


def form(key):
    return (f"api_key={key}&service_code=rac-thai&lat={WARD_A_POINT[0]}&long={WARD_A_POINT[1]}"
            "&description=R%C3%A1c").encode()


def json_errors(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    errors = json.loads(response.content)
    assert isinstance(errors, list) and errors
    for error in errors:
        assert set(error) == {"code", "description"} and error["code"] == response.status_code
    return errors


def xml_errors(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    errors = root.findall("error")
    assert errors and all(e.findtext("code") == str(response.status_code) and e.findtext("description")
                          for e in errors)
    return errors


@pytest.mark.parametrize("method, url, allow", [
    ("put", "/open311/v2/requests.json", "GET, HEAD, POST"),
    ("delete", "/open311/v2/requests/ABCD-EFGH.json", "GET, HEAD"),
    ("post", "/open311/v2/services.json", "GET, HEAD"),
    ("patch", "/open311/discovery.json", "GET, HEAD"),
    ("post", "/open311/v2/tokens/abc.json", "GET, HEAD"),
])
def test_wrong_method_is_405_with_allow(client, city, method, url, allow):
    response = getattr(client, method)(url, **EN)
    assert response.status_code == 405
    assert response["Allow"] == allow
    json_errors(response)
    response = getattr(client, method)(url.replace(".json", ".xml"), **EN)
    assert response.status_code == 405
    xml_errors(response)


@pytest.mark.parametrize("url", ["/open311/v2/", "/open311/v2/nothing.json", "/open311/", "/open311/v3/services.json",
                                 "/open311/v2/services.html"])
def test_unknown_resources_are_404_in_the_spec_format(client, url):
    response = client.get(url, **EN)
    assert response.status_code == 404
    json_errors(response)
    response = client.get("/open311/v2/nothing.xml", **EN)
    assert response.status_code == 404
    xml_errors(response)


def test_head_is_answered_like_get(client, city):
    assert client.head("/open311/v2/services.xml").status_code == 200


def test_posts_need_no_csrf_token(city, key):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(URL, form(key), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200


def test_declared_body_over_the_limit_is_413_before_reading(client, key, settings):
    settings.MAX_REQUEST_BYTES = 1000
    response = client.generic("POST", URL, b"x" * 10, content_type="application/x-www-form-urlencoded",
                              HTTP_ACCEPT_LANGUAGE="en", CONTENT_LENGTH="5000000")
    assert response.status_code == 413
    assert "too large" in json_errors(response)[0]["description"]
    response = client.generic("POST", "/open311/v2/requests.xml", b"x" * 10,
                              content_type="application/x-www-form-urlencoded", CONTENT_LENGTH="5000000")
    assert response.status_code == 413
    xml_errors(response)


def test_form_fields_over_the_memory_limit_are_413(client, key, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = form(key) + b"&description=" + b"a" * 20_000
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded", **EN)
    assert response.status_code == 413
    json_errors(response)
    assert not Report.objects.exists()


def test_too_many_fields_is_400(client, key, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 50
    body = form(key) + b"".join(b"&f%d=1" % n for n in range(100))
    response = client.post("/open311/v2/requests.xml", body, content_type="application/x-www-form-urlencoded", **EN)
    assert response.status_code == 400
    xml_errors(response)


def test_too_many_query_parameters_is_400(client, city, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    response = client.get("/open311/v2/requests.json?" + "&".join(f"x{n}=1" for n in range(50)), **EN)
    assert response.status_code == 400
    json_errors(response)


@pytest.mark.parametrize("content_type, body", [
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbroken"),
    ("multipart/form-data", b"no boundary at all"),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("multipart/form-data; boundary=" + "b" * 300, b"x"),
])
def test_broken_multipart_is_400_never_500(client, key, content_type, body):
    response = client.generic("POST", URL, body, content_type=content_type, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code in (400, 403)  # unreadable, or readable but without an api_key
    json_errors(response)
    assert not Report.objects.exists()


def test_invalid_utf8_is_read_without_a_500(client, key):
    body = form(key) + b"&first_name=%FF%FE%C3&address_string=\xff\xfe"
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded", **EN)
    assert response.status_code == 200
    report = Report.objects.get()
    assert "\ufffd" in report.reporter_name  # replaced, not crashing


def test_invalid_utf8_in_multipart_fields_and_names(client, key):
    boundary = "b0undary"
    parts = [(b"api_key", key.encode()), (b"service_code", b"rac-thai"), (b"lat", str(WARD_A_POINT[0]).encode()),
             (b"long", str(WARD_A_POINT[1]).encode()), (b"description", b"R\xe1c \xff\xfe"), (b"\xff\xfe", b"x")]
    body = b"".join(b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (boundary.encode(), n, v)
                    for n, v in parts) + b"--%s--\r\n" % boundary.encode()
    response = client.generic("POST", URL, body, content_type=f"multipart/form-data; boundary={boundary}",
                              HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content
    assert Report.objects.get().description.startswith("R")


def test_control_characters_and_nul_are_dropped_from_input(client, key):
    body = form(key) + b"&address_string=S%E1%BB%91+5%00%0B+L%C3%AA+L%E1%BB%A3i"
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded", **EN)
    assert response.status_code == 200
    assert Report.objects.get().address == "Số 5 Lê Lợi"


def test_huge_path_values_are_404_not_500(client, city):
    response = client.get("/open311/v2/requests/" + "A" * 5000 + ".json", **EN)
    assert response.status_code == 404
    assert len(json_errors(response)[0]["description"]) < 300
    assert client.get("/open311/v2/tokens/" + "t" * 5000 + ".xml").status_code == 404


def test_get_is_rate_limited_per_client_ip_with_retry_after(client, city, settings):
    settings.OPEN311_READ_RATE_LIMIT = 3
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"  # a bucket of its own
    for _ in range(3):
        assert client.get("/open311/v2/services.json", REMOTE_ADDR=address).status_code == 200
    response = client.get("/open311/v2/services.xml", REMOTE_ADDR=address, **EN)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many requests" in xml_errors(response)[0].findtext("description")
    # Another client is not affected.
    assert client.get("/open311/v2/services.json", REMOTE_ADDR="10.251.0.1").status_code == 200
