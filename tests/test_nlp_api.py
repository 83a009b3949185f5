"""POST /api/v1/classify — the contract of DESIGN §8.

Until phananh/api.py mounts the nlp router, these tests serve it through this
module as the URLconf (the `api_urls` fixture); once it is mounted, the same
tests also run against the site's own /api/v1/.
"""

import json

import pytest
from django.core.management import call_command
from django.urls import NoReverseMatch, path, reverse
from ninja import NinjaAPI

from phananh.nlp.api import MAX_TEXT_LENGTH, router
from phananh.reports.models import Category

_test_api = NinjaAPI(title="nlp test", version="test", urls_namespace="nlp-test-api")
_test_api.add_router("", router)
urlpatterns = [path("api/v1/", _test_api.urls)]


def _site_mounts_classify():
    try:
        return reverse("api:classify") == "/api/v1/classify"
    except NoReverseMatch:
        return False


@pytest.fixture(params=["test-urlconf", "site"])
def classify(request, settings, db):
    if request.param == "site":
        if not _site_mounts_classify():
            pytest.skip("phananh/api.py does not mount the nlp router yet")
    else:
        settings.ROOT_URLCONF = __name__
    call_command("load_categories", verbosity=0)
    from django.test import Client

    client = Client()

    def post(body, **headers):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return client.post("/api/v1/classify", data=data, content_type="application/json", **headers)

    return post


def test_suggestions_best_first(classify):
    response = classify({"text": "den duong truoc nha hu ko ai sua"})
    assert response.status_code == 200
    suggestions = response.json()["suggestions"]
    assert 1 <= len(suggestions) <= 3
    assert set(suggestions[0]) == {"code", "score"}
    assert suggestions[0]["code"] == "den-chieu-sang"
    scores = [s["score"] for s in suggestions]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 1 for s in scores)
    codes = set(Category.objects.values_list("code", flat=True))
    assert {s["code"] for s in suggestions} <= codes


def test_switched_off_categories_are_not_suggested(classify):
    Category.objects.filter(code="den-chieu-sang").update(is_active=False)
    suggestions = classify({"text": "đèn đường hư không ai sửa"}).json()["suggestions"]
    assert suggestions and "den-chieu-sang" not in {s["code"] for s in suggestions}


def test_text_of_symbols_only_gets_an_empty_list(classify):
    response = classify({"text": "!!! 😡😡"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": []}


@pytest.mark.parametrize("text", ["", "   ", "\n\t  "])
def test_empty_text_is_refused_with_a_message(classify, text):
    response = classify({"text": text})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "text" and body["detail"]  # in the site's language, Vietnamese by default


def test_too_long_text_is_refused_with_a_message(classify):
    response = classify({"text": "rác " * (MAX_TEXT_LENGTH // 4 + 1)})
    assert response.status_code == 422
    assert response.json()["field"] == "text"
    assert str(MAX_TEXT_LENGTH) in response.json()["detail"]


def test_text_at_the_limit_is_accepted(classify):
    text = ("rác đầy hẻm " * 500)[:MAX_TEXT_LENGTH]
    assert classify({"text": text}).status_code == 200


@pytest.mark.parametrize("body", [{}, {"text": 42}, {"text": None}, {"texte": "rác"}, [], "not json", b"\xff\xfe"])
def test_malformed_requests_get_a_client_error_not_a_500(classify, body):
    response = classify(body)
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_english_message_when_asked(classify):
    response = classify({"text": " "}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "Write a few words about the problem to get suggestions."
