"""Citizen submission pages: the report form, its confirmation, and the
small location lookup the form's map asks while the person moves the pin."""

import math
import uuid

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from phananh.lib.codes import normalize_tracking_code
from phananh.nlp import category_routing
from phananh.reports import workflow
from phananh.reports.models import Channel, Report
from phananh.units import routing

from . import citizen_session
from .browser_text import submit_page_text
from .forms import ReportForm


def _idempotency_key(value):
    """The form's key if it is a well-formed UUID, else a fresh one: a page
    saved before keys existed, or a tampered one, still submits once."""
    try:
        return str(uuid.UUID(str(value or "")))
    except ValueError:
        return str(uuid.uuid4())


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def submit(request):
    if request.method != "POST":
        form = ReportForm(initial={"idempotency_key": str(uuid.uuid4())})
        return _form_page(request, form)

    data = request.POST.copy()
    key = data["idempotency_key"] = _idempotency_key(data.get("idempotency_key"))
    # A double click or a network retry of a form that already went through:
    # show the same confirmation without touching the uploads again.
    done = Report.objects.filter(idempotency_key=key).values_list("code", flat=True).first()
    if done:
        return redirect("intake:sent", code=done)

    form = ReportForm(data, request.FILES)
    valid = form.is_valid()
    form.park_photos()
    if valid:
        try:
            # The citizen picked the category; a catch-all "Other" may still be
            # routed by a very confident suggestion (see category_routing).
            report, token = workflow.submit(channel=Channel.WEB, idempotency_key=key,
                                            category_source=category_routing.CITIZEN, **form.submission())
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            if token:
                citizen_session.remember(request, report.code, token)
            else:
                # A concurrent retry created the report first, with its own copies.
                form.tray.discard_new()
            return redirect("intake:sent", code=report.code)
    return _form_page(request, form)


def _form_page(request, form):
    return render(request, "intake/submit.html", {
        "form": form,
        "error_links": form.error_links() if form.is_bound else [],
        "browser_text": submit_page_text(),
        "max_photos": settings.MAX_PHOTOS,
    })


@never_cache
def sent(request, code):
    normalized = normalize_tracking_code(code)
    if normalized is None:
        raise Http404
    if normalized != code:
        return redirect("intake:sent", code=normalized)
    report = get_object_or_404(Report.objects.select_related("category", "unit"), code=code)
    # The private link only where it was created: it is the credential for
    # rating and reopening, and the URL of this page may be shared.
    token = citizen_session.token_for(request, report.code)
    private_url = settings.SITE_URL + reverse("public:private", args=[report.code, token]) if token else ""
    # The citizen chose "Other" and a confident suggestion routed it
    # (category_routing): say so, since the category shown is not theirs.
    refiled = report.events.filter(type="routed", actor_role="system", payload__has_key="category").exists()
    return render(request, "intake/sent.html", {
        "report": report,
        "refiled": refiled,
        "private_url": private_url,
        "public_url": reverse("public:report", args=[report.code]),
        "browser_text": submit_page_text(),
    })


@require_GET
def locate(request):
    """{"inside": bool, "ward": name or null} for a point, so the map can say
    at once which ward a pin is in, or that it is outside the served area."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return JsonResponse({"error": _("Give lat and lng as numbers.")}, status=400)
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return JsonResponse({"error": _("Give lat and lng as numbers.")}, status=400)
    ward = routing.ward_at(lat, lng)
    return JsonResponse({"inside": ward is not None, "ward": ward.name if ward else None})
