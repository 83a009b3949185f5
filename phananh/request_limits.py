"""Refuse oversized requests with 413, in the format of the part of the site asked.

Two limits apply:

- the whole body (settings.MAX_REQUEST_BYTES, MAX_REQUEST_MB in the
  environment): checked against Content-Length before a byte of the body is
  read, so a 500 MB upload costs the server nothing;
- the text fields of a form or a JSON body (Django's
  DATA_UPLOAD_MAX_MEMORY_SIZE): Django finds out while parsing and raises
  RequestDataTooBig, which it would answer as a generic 400. Forms are
  parsed here first (CsrfViewMiddleware would parse them a moment later
  anyway) and views' own parsing is caught in process_exception, so both
  become the same 413.

The answer follows the caller: JSON {"detail": ...} under /api/ (the shape of
phananh/api_errors.py), Open311 errors under /open311/ (XML when the path
ends in .xml), the site's page otherwise; always in the language that
LanguageMiddleware chose for the request.

It must sit after LanguageMiddleware (for the language) and before
CsrfViewMiddleware (its process_view runs first).
"""

import json
import xml.etree.ElementTree as ET

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MB = 1024 * 1024
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Here rather than in __call__: the session, CSRF cookie and user are
        # in place, so the HTML page below renders like any other page.
        length = content_length(request)
        if length > settings.MAX_REQUEST_BYTES:
            return too_large(request, body_message(length))
        if (request.method == "POST" and request.content_type in FORM_TYPES
                and not getattr(view_func, "csrf_exempt", False)):
            try:
                request.POST  # noqa: B018 - parsing is the point
            except RequestDataTooBig:
                return too_large(request, fields_message())
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return too_large(request, fields_message())
        return None


def content_length(request):
    """The announced body size; like Django, a missing or broken header counts as none."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _megabytes(size):
    return number_format(size / MB, 1 if size % MB else 0)


def body_message(length):
    return _(
        "The request is too large (%(size)s MB). At most %(limit)s MB can be sent at once: "
        "send fewer or smaller photos."
    ) % {"size": _megabytes(length), "limit": _megabytes(settings.MAX_REQUEST_BYTES)}


def fields_message():
    return _(
        "The text of the request is too large. At most %(limit)s MB of text can be sent, not counting photos."
    ) % {"limit": _megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}


def too_large(request, message):
    path = request.path_info
    if path.startswith("/api/"):
        return JsonResponse({"detail": message, "field": ""}, status=413, json_dumps_params={"ensure_ascii": False})
    if path.startswith("/open311/"):
        return open311_error(413, message, xml=path.endswith(".xml"))
    return render(request, "413.html", {"message": message}, status=413)


def open311_error(status, message, *, xml):
    """GeoReport v2 errors: <errors><error><code/><description/></error></errors>,
    or its JSON mapping [{"code": ..., "description": ...}]."""
    if not xml:
        body = json.dumps([{"code": status, "description": message}], ensure_ascii=False)
        return HttpResponse(body.encode(), status=status, content_type="application/json; charset=utf-8")
    errors = ET.Element("errors")
    error = ET.SubElement(errors, "error")
    ET.SubElement(error, "code").text = str(status)
    ET.SubElement(error, "description").text = message
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(errors, encoding="unicode")
    return HttpResponse(body.encode(), status=status, content_type="text/xml; charset=utf-8")
