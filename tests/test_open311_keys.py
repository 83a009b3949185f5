"""Open311 API keys: the create_api_key command, the admin, revoking, last use, per-key rate limits."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from phananh.open311 import keys
from phananh.open311.models import ApiKey
from phananh.reports.models import Report

from .conftest import WARD_A_POINT, make_user

URL = "/open311/v2/requests.json"


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.OPEN311_READ_RATE_LIMIT = 100_000
    settings.OPEN311_RATE_LIMIT = 100_000


def fields(key):
    return {"api_key": key, "service_code": "rac-thai", "lat": str(WARD_A_POINT[0]), "long": str(WARD_A_POINT[1]),
            "description": "Rác đổ thành đống."}


def run_command(*args):
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue()


def test_command_prints_the_key_as_its_last_line_and_stores_only_its_hash(client, city):
    output = run_command("Ứng dụng Phản ánh 311", "--rate-limit", "30")
    key = output.strip().splitlines()[-1]
    assert key.startswith("o311_") and len(key) > 40
    api_key = ApiKey.objects.get()
    assert api_key.name == "Ứng dụng Phản ánh 311" and api_key.rate_limit == 30
    assert api_key.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert api_key.prefix == key[:12] and api_key.prefix in output
    assert key not in [field.value_from_object(api_key) for field in ApiKey._meta.fields]
    assert client.post(URL, fields(key)).status_code == 200


def test_command_revokes_by_prefix(client, city):
    key = run_command("App").strip().splitlines()[-1]
    output = run_command("--revoke", key[:12])
    assert "revoked" in output
    assert ApiKey.objects.get().revoked_at is not None
    response = client.post(URL, fields(key), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert json.loads(response.content) == [{"code": 403, "description": "This api_key has been revoked."}]
    with pytest.raises(CommandError):
        run_command("--revoke", key[:12])  # no active key left with that prefix
    with pytest.raises(CommandError):
        run_command()  # neither a name nor --revoke


def test_revoked_key_is_403_in_xml_too(client, city):
    api_key, key = keys.create_key("App")
    keys.revoke(ApiKey.objects.filter(pk=api_key.pk))
    response = client.post("/open311/v2/requests.xml", fields(key))
    assert response.status_code == 403
    assert b"<errors><error><code>403</code>" in response.content
    assert not Report.objects.exists()


def test_last_used_is_written_at_most_once_a_minute(client, city, django_assert_num_queries):
    api_key, key = keys.create_key("App")
    assert keys.authenticate(key).last_used_at is not None
    first = ApiKey.objects.get().last_used_at
    with django_assert_num_queries(1):  # the lookup only, no write
        keys.authenticate(key)
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now() - timedelta(seconds=61))
    with django_assert_num_queries(2):
        keys.authenticate(key)
    assert ApiKey.objects.get().last_used_at > first


def test_posts_are_rate_limited_per_key_with_retry_after(client, city, settings):
    settings.OPEN311_RATE_LIMIT = 2
    _api_key, key = keys.create_key("Busy app")
    _other, other_key = keys.create_key("Quiet app", rate_limit=5)
    for _ in range(2):
        assert client.post(URL, fields(key)).status_code == 200
    response = client.post(URL, fields(key), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    (error,) = json.loads(response.content)
    assert error["code"] == 429 and "Too many requests" in error["description"]
    assert Report.objects.count() == 2
    # Each key has its own budget, and its own limit when one is set.
    for _ in range(3):
        assert client.post(URL, fields(other_key)).status_code == 200


@pytest.fixture
def admin_client(client, city):
    admin = make_user("quantri", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    return client


def test_admin_creates_a_key_and_shows_it_once(admin_client):
    response = admin_client.post("/admin/open311/apikey/add/", {"name": "Ứng dụng báo hỏng", "rate_limit": "20"})
    assert response.status_code == 200
    html = response.content.decode()
    api_key = ApiKey.objects.get()
    start = html.index('id="new-api-key"')
    key = html[start:].split(">", 1)[1].split("</textarea>", 1)[0].strip()
    assert key.startswith(api_key.prefix) and keys.hash_key(key) == api_key.key_hash
    assert 'for="new-api-key"' in html
    # Never again: not on the change page, not in the list.
    assert key not in admin_client.get(f"/admin/open311/apikey/{api_key.pk}/change/").content.decode()
    listing = admin_client.get("/admin/open311/apikey/").content.decode()
    assert key not in listing and api_key.prefix in listing
    assert admin_client.post(URL, fields(key)).status_code == 200


def test_admin_revoke_action(admin_client):
    first, first_key = keys.create_key("A")
    second, _second_key = keys.create_key("B")
    response = admin_client.post("/admin/open311/apikey/", {
        "action": "revoke_keys", "_selected_action": [first.pk], "index": 0,
    }, follow=True)
    assert response.status_code == 200
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert admin_client.post(URL, fields(first_key)).status_code == 403


def test_admin_pages_for_questions_and_submissions_render(admin_client):
    for url in ("/admin/open311/serviceattribute/", "/admin/open311/serviceattribute/add/",
                "/admin/open311/submission/"):
        assert admin_client.get(url).status_code == 200, url
