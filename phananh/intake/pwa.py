"""The installable app: web app manifest, service worker, offline page, and
the fresh CSRF token that reports saved offline are sent with.

The manifest and the worker are served from the site root: a service worker
controls only the URLs under the folder it is served from, and the whole
site is the app. The worker's source is the static file js/sw.js; this view
puts a small configuration in front of it (the URLs to keep for offline use
and a version). The version is a hash of those files' contents, so a deploy
that changes any of them changes the worker's bytes, the browser installs
the new worker, and the old caches are dropped. docs/pwa.md has the details.
"""

import functools
import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import etag, require_safe

THEME_COLOR = "#0b5d3b"  # --green in app.css
BACKGROUND_COLOR = "#ffffff"
WORKER_SOURCE = "js/sw.js"

# Static files the report form needs without a network. Files other pages
# use are kept the first time they are loaded (cache-first, see sw.js).
SHELL_STATIC = [
    "css/app.css",
    "css/intake.css",
    "js/submit.js",
    "js/offline-queue.js",
    "pwa/register.js",
    "pwa/offline.css",
    "pwa/icon-192.png",
    "pwa/icon-512.png",
    "pwa/icon-maskable-512.png",
    "pwa/apple-touch-icon.png",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/images/marker-icon.png",
    "vendor/leaflet/images/marker-icon-2x.png",
    "vendor/leaflet/images/marker-shadow.png",
    "vendor/leaflet/images/layers.png",
    "vendor/leaflet/images/layers-2x.png",
]

ICONS = [
    ("pwa/icon-192.png", 192, "any"),
    ("pwa/icon-512.png", 512, "any"),
    ("pwa/icon-maskable-512.png", 512, "maskable"),
]


def shell_pages():
    """The only pages the worker ever stores: the report form and the
    offline page. Nothing personal is on them (no report, no private link),
    unlike the confirmation page, the private page, the APIs or the staff
    console, which the worker never keeps."""
    return [reverse("intake:submit"), reverse("intake:offline")]


@require_safe
def manifest(request):
    # Browsers fetch the manifest without cookies, so the language cookie
    # never reaches this view: the manifest is Vietnamese, like the site's default.
    with translation.override("vi"):
        data = {
            "id": "/",
            "name": "PhanAnh",
            "short_name": "PhanAnh",
            "description": _("Report a problem in your city and follow it until it is fixed."),
            "lang": "vi",
            "dir": "ltr",
            "start_url": reverse("intake:submit"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOR,
            "background_color": BACKGROUND_COLOR,
            "categories": ["government", "utilities"],
            "icons": [
                {"src": static(path), "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}
                for path, size, purpose in ICONS
            ],
            "shortcuts": [
                {"name": _("Report a problem"), "url": reverse("intake:submit")},
                {"name": _("Track a report"), "url": reverse("public:track")},
                {"name": _("Map of reports"), "url": reverse("public:home")},
            ],
        }
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1),
                            content_type="application/manifest+json; charset=utf-8")
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


def _built_worker():
    # With DEBUG the files change under a running server: rebuild each time.
    return _worker_script.__wrapped__() if settings.DEBUG else _worker_script()


@require_safe
@etag(lambda request: _built_worker()[1])
def service_worker(request):
    response = HttpResponse(_built_worker()[0], content_type="text/javascript; charset=utf-8")
    # Checked on every update check: a new deploy must reach phones the
    # next time they open the site, not a day later.
    patch_cache_control(response, no_cache=True)
    # Served from the root already; the header states the scope explicitly
    # so that moving the URL under a folder cannot silently shrink it.
    response["Service-Worker-Allowed"] = "/"
    return response


@functools.lru_cache(maxsize=1)
def _worker_script():
    """(script, version), built once per process: the files it hashes only
    change with a deploy, which restarts the processes."""
    config = {
        "staticUrl": settings.STATIC_URL,
        "queueScript": static("js/offline-queue.js"),
        "pages": shell_pages(),
        "submitUrl": reverse("intake:submit"),
        "offlineUrl": reverse("intake:offline"),
        "precache": [static(path) for path in SHELL_STATIC],
        "csrfUrl": reverse("intake:csrf_token"),
        "sentUrl": _sent_url_parts(),
        "icon": static("pwa/icon-192.png"),
    }
    source = _read_static(WORKER_SOURCE)
    digest = hashlib.sha256(source)
    digest.update(json.dumps(config, sort_keys=True).encode())
    for path in SHELL_STATIC:
        digest.update(_read_static(path))
    version = digest.hexdigest()[:16]
    config["version"] = version
    head = "self.PHANANH_SW = " + json.dumps(config, sort_keys=True) + ";\n"
    return head + source.decode("utf-8"), version


def _read_static(path):
    found = finders.find(path)
    if not found:
        raise FileNotFoundError(f"static file {path} is missing, the service worker cannot keep it")
    with open(found, "rb") as fh:
        return fh.read()


def _sent_url_parts():
    """The confirmation page's URL around the tracking code, so the offline
    queue can read the code from where a successful post lands."""
    marker = "CODE"
    prefix, suffix = reverse("intake:sent", args=[marker]).split(marker)
    return {"prefix": prefix, "suffix": suffix}


@never_cache
@require_safe
def offline(request):
    """Shown by the service worker in place of a page that needs the network."""
    return render(request, "intake/offline.html")


@never_cache
@require_safe
def csrf_token(request):
    """A current CSRF token (and cookie) for sending a report saved offline.

    A report may wait on the phone for days, and the token in the page it was
    written on may no longer match the cookie by then (a sign-in rotates it,
    cookies get cleared). The queue asks here right before sending, so the
    post carries a token that matches the cookie this same answer sets.
    Other sites cannot read this answer (same-origin policy, no CORS), so it
    gives them nothing they could forge a request with.
    """
    return JsonResponse({"csrfToken": get_token(request)})
