"""The installable app: manifest, service worker script, icons, offline page,
and the fresh CSRF token that reports saved offline are sent with."""

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from phananh.intake import pwa
from phananh.reports.models import Report

from .conftest import WARD_A_POINT, jpeg_bytes

MANIFEST = "/manifest.webmanifest"
WORKER = "/sw.js"


def worker_config(response):
    """The configuration pwa.py puts in front of js/sw.js."""
    head = response.content.decode().split("\n", 1)[0]
    match = re.fullmatch(r"self\.PHANANH_SW = (.*);", head)
    assert match, head
    return json.loads(match.group(1))


def static_file(url):
    path = finders.find(url.removeprefix("/static/"))
    assert path, f"{url} is not a static file"
    return path


# --- manifest ----------------------------------------------------------------


def test_manifest_is_served_at_the_root_with_its_content_type(client):
    assert reverse("intake:manifest") == MANIFEST
    response = client.get(MANIFEST)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    assert "max-age=86400" in response["Cache-Control"]


def test_manifest_makes_an_installable_vietnamese_app(client, city):
    data = json.loads(client.get(MANIFEST).content)
    assert data["name"] == "PhanAnh"
    assert data["short_name"] == "PhanAnh"
    assert data["lang"] == "vi"
    assert data["scope"] == "/"
    assert data["start_url"] == reverse("intake:submit")
    assert data["display"] == "standalone"
    assert data["theme_color"] == "#0b5d3b"
    assert data["background_color"] == "#ffffff"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= purposes
    for shortcut in data["shortcuts"]:
        assert client.get(shortcut["url"]).status_code == 200


def test_manifest_icons_are_pngs_of_the_stated_size(client):
    for icon in json.loads(client.get(MANIFEST).content)["icons"]:
        with Image.open(static_file(icon["src"])) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_maskable_and_apple_icons_fill_the_whole_square():
    """Launchers crop maskable icons and iOS rounds its own corners: a
    transparent corner would show as a black or white notch."""
    for name, size in (("pwa/icon-maskable-512.png", 512), ("pwa/apple-touch-icon.png", 180)):
        with Image.open(finders.find(name)) as image:
            assert image.size == (size, size)
            rgba = image.convert("RGBA")
            assert rgba.getpixel((0, 0)) == (11, 93, 59, 255)  # the brand green, opaque
            assert rgba.getpixel((size - 1, size - 1))[3] == 255


def test_every_page_links_the_manifest_icons_and_the_worker(client, city):
    page = client.get(reverse("public:home")).content.decode()
    assert f'<link rel="manifest" href="{MANIFEST}">' in page
    assert '<meta name="theme-color" content="#0b5d3b">' in page
    assert 'rel="apple-touch-icon" href="/static/pwa/apple-touch-icon.png"' in page
    assert f'data-service-worker="{WORKER}"' in page
    assert finders.find("pwa/register.js")


# --- service worker ------------------------------------------------------------


def test_worker_is_served_at_the_root_so_its_scope_is_the_whole_site(client):
    assert reverse("intake:service_worker") == WORKER
    response = client.get(WORKER)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    assert response.content.decode().count("importScripts(CONFIG.queueScript)") == 1


def test_worker_answers_not_modified_to_an_update_check_without_changes(client):
    first = client.get(WORKER)
    again = client.get(WORKER, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_worker_keeps_the_app_shell_and_no_private_page(client, city):
    config = worker_config(client.get(WORKER))
    assert config["pages"] == [reverse("intake:submit"), reverse("intake:offline")]
    for page in config["pages"]:
        assert client.get(page).status_code == 200
    for private in ("/can-bo/", "/admin/", "/api/", "/da-gui/", "/rieng/", "/dang-nhap/"):
        assert not any(private in url for url in config["pages"] + config["precache"])
    for url in config["precache"]:
        static_file(url)  # a missing file would make the worker's install fail
    assert config["queueScript"] in config["precache"]
    assert config["csrfUrl"] == reverse("intake:csrf_token")
    sent = config["sentUrl"]["prefix"] + "K7MW-3QDP" + config["sentUrl"]["suffix"]
    assert sent == reverse("intake:sent", args=["K7MW-3QDP"])


def test_worker_version_follows_the_static_files(client, monkeypatch):
    """A deploy that changes a kept file changes the worker's bytes, so the
    phone installs it and replaces the old caches."""
    pwa._worker_script.cache_clear()
    before = worker_config(client.get(WORKER))["version"]
    read = pwa._read_static

    def changed_css(path):
        return read(path) + b"/* new */" if path == "css/app.css" else read(path)

    monkeypatch.setattr(pwa, "_read_static", changed_css)
    pwa._worker_script.cache_clear()
    try:
        after = client.get(WORKER)
    finally:
        pwa._worker_script.cache_clear()
    assert worker_config(after)["version"] != before
    assert after["ETag"] != f'"{before}"'


def test_worker_handles_fetch_push_and_notification_clicks(client):
    source = client.get(WORKER).content.decode()
    for event in ("install", "activate", "fetch", "sync", "push", "notificationclick"):
        assert f'self.addEventListener("{event}"' in source


# --- offline page ----------------------------------------------------------------


def test_offline_page_in_vietnamese_by_default(client):
    response = client.get(reverse("intake:offline"))
    assert response.status_code == 200
    assert response["Content-Language"] == "vi"
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert f'<a class="button button-wide" href="{reverse("intake:submit")}">Gửi phản ánh</a>' in page
    assert 'name="robots" content="noindex"' in page


def test_offline_page_in_english(english):
    page = english.get(reverse("intake:offline")).content.decode()
    assert '<html lang="en">' in page
    assert "<h1>No connection</h1>" in page
    assert "The report form works without a connection." in page


# --- the report form page carries the queue ---------------------------------------


def test_report_form_has_the_offline_queue_panel(client, city):
    page = client.get(reverse("intake:submit")).content.decode()
    assert 'id="offline-queue-area"' in page
    assert f'data-csrf-url="{reverse("intake:csrf_token")}"' in page
    assert 'data-sent-url="/gui-phan-anh/da-gui/CODE/"' in page
    assert '<div aria-live="polite"' in page
    assert '<template id="offline-queue-text">' in page
    assert page.index("js/offline-queue.js") < page.index("js/submit.js")


# --- sending a saved report: fresh CSRF token, one report per key ----------------------


def offline_post(token, key, **extra):
    """The multipart post offline-queue.js makes from a saved report."""
    return {
        "csrfmiddlewaretoken": token,
        "idempotency_key": key,
        "category": "rac-thai",
        "description": "Rác đổ thành đống ở đầu hẻm, bốc mùi hôi.",
        "lat": str(WARD_A_POINT[0]),
        "lng": str(WARD_A_POINT[1]),
        "photos": _photo(),
        **extra,
    }


def _photo():
    return SimpleUploadedFile("rac.jpg", jpeg_bytes(), content_type="image/jpeg")


def test_a_report_saved_offline_goes_through_with_a_fresh_token_exactly_once(city):
    browser = Client(enforce_csrf_checks=True)
    answer = browser.get(reverse("intake:csrf_token"))
    assert answer.status_code == 200
    assert "no-cache" in answer["Cache-Control"]
    token = answer.json()["csrfToken"]
    assert browser.cookies["csrftoken"].value  # the answer sets the cookie the token belongs to
    key = str(uuid.uuid4())

    first = browser.post(reverse("intake:submit"), offline_post(token, key))
    report = Report.objects.get()
    assert first.status_code == 302
    assert first["Location"] == reverse("intake:sent", args=[report.code])
    assert report.media.count() == 1

    # The phone never saw the answer and sends again: the same report, not a second.
    token = browser.get(reverse("intake:csrf_token")).json()["csrfToken"]
    again = browser.post(reverse("intake:submit"), offline_post(token, key))
    assert again["Location"] == first["Location"]
    assert Report.objects.count() == 1


def test_a_token_from_an_old_page_is_refused_which_is_why_the_queue_asks_first(city):
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("intake:csrf_token"))
    stale = Client(enforce_csrf_checks=True).get(reverse("intake:csrf_token")).json()["csrfToken"]
    response = browser.post(reverse("intake:submit"), offline_post(stale, str(uuid.uuid4())))
    assert response.status_code == 403
    assert not Report.objects.exists()


@pytest.mark.parametrize("path", [MANIFEST, WORKER, "/ngoai-tuyen/", "/gui-phan-anh/csrf/"])
def test_pwa_urls_refuse_posts(client, path):
    assert client.post(path).status_code in (403, 405)
