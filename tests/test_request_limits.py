"""Oversized requests get 413 in the caller's format, before the body is read."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.http import HttpResponse, JsonResponse
from django.test.client import FakePayload
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

MB = 1024 * 1024


# Stand-ins for views that parse bodies themselves, the way Open311 and
# webhook views do: csrf_exempt, reading request.POST or request.body.
@csrf_exempt
def open311_post(request, fmt):
    return JsonResponse({"fields": len(request.POST)})


@csrf_exempt
def raw_body(request):
    return HttpResponse(str(len(request.body)))


urlpatterns = [
    path("open311/v2/test-requests.<str:fmt>", open311_post),
    path("hook/raw", raw_body),
    path("", include("phananh.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def unread_body(declared):
    """A WSGI input that announces `declared` bytes but holds only a few: any
    attempt to read the body fails the test (FakePayload refuses to read past
    what it has)."""
    return {"wsgi.input": FakePayload(b"x" * 10), "CONTENT_LENGTH": str(declared)}


def test_default_limit_leaves_room_for_every_photo_at_its_largest(settings):
    assert settings.MAX_REQUEST_BYTES > settings.MAX_PHOTOS * settings.MAX_UPLOAD_BYTES


def test_oversized_form_post_gets_the_html_page_without_reading_the_body(english, settings):
    settings.MAX_REQUEST_BYTES = 5 * MB
    response = english.generic("POST", "/gui-phan-anh/", content_type="multipart/form-data; boundary=x",
                               **unread_body(60 * MB))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Too much to send at once" in body
    assert "The request is too large (60 MB). At most 5 MB can be sent at once" in body
    assert 'href="/gui-phan-anh/"' in body


def test_page_is_in_vietnamese_by_default(client, settings):
    from django.utils import translation

    settings.MAX_REQUEST_BYTES = 5 * MB
    response = client.generic("POST", "/gui-phan-anh/", **unread_body(6 * MB))
    assert response.status_code == 413
    assert response["Content-Language"] == "vi"
    with translation.override("vi"):
        expected = translation.gettext("Too much to send at once")
    assert expected in response.content.decode()


def test_oversized_api_call_gets_the_api_error_shape(client, settings):
    settings.MAX_REQUEST_BYTES = 5 * MB
    response = client.generic("POST", "/api/v1/classify", content_type="application/json",
                              HTTP_ACCEPT_LANGUAGE="en", **unread_body(7 * MB + MB // 2))
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request is too large (7.5 MB). At most 5 MB can be sent at once: send fewer or smaller photos.",
        "field": "",
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_oversized_open311_post_gets_open311_errors(client, settings, fmt):
    settings.MAX_REQUEST_BYTES = 5 * MB
    response = client.generic("POST", f"/open311/v2/test-requests.{fmt}", HTTP_ACCEPT_LANGUAGE="en",
                              content_type="multipart/form-data; boundary=x", **unread_body(6 * MB))
    assert response.status_code == 413
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        [error] = response.json()
        assert error["code"] == 413 and "At most 5 MB" in error["description"]
    else:
        assert response["Content-Type"].startswith("text/xml")
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        assert root.findtext("error/code") == "413"
        assert "At most 5 MB" in root.findtext("error/description")


def test_a_body_within_the_limit_goes_through(client, settings):
    settings.MAX_REQUEST_BYTES = 5 * MB
    response = client.post("/hook/raw", data=b"x" * 1000, content_type="application/octet-stream")
    assert response.status_code == 200 and response.content == b"1000"


def test_too_much_form_text_is_413_on_a_page_not_400(english, settings):
    # DATA_UPLOAD_MAX_MEMORY_SIZE counts the text fields only; Django would
    # answer its RequestDataTooBig with a bare 400.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = english.post("/gui-phan-anh/", {"description": "a" * 2000})
    assert response.status_code == 413
    assert "The text of the request is too large" in response.content.decode()


def test_too_much_text_in_a_view_parsed_form_is_413_for_open311(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/open311/v2/test-requests.json", {"description": "a" * 2000}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert json.loads(response.content)[0]["description"].startswith("The text of the request is too large")


def test_too_large_raw_body_read_by_a_view_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/hook/raw", data=b"x" * 2000, content_type="application/octet-stream")
    assert response.status_code == 413


def test_too_large_json_for_the_api_is_413_json(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post("/api/v1/classify", data=json.dumps({"text": "a" * 2000}),
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413
    assert response.json()["detail"]
