"""Public pages: home with the map, the report list, report pages, tracking and unit scorecards."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from phananh.intake import citizen_session
from phananh.lib.codes import normalize_tracking_code
from phananh.reports.models import Category, Report
from phananh.stats import views as stats_views

from . import citizen, paging, queries, reportpage
from .forms import ReportFilterForm, TrackForm, error_summary
from .statuses import LEGEND, map_labels, map_texts


def _map_context(full=False):
    """Texts for map.js; the home map also needs category names for popups and the legend."""
    context = {"map_statuses": map_labels(), "map_texts": map_texts(), "map_categories": {}}
    if full:
        context["map_categories"] = {c.code: c.name for c in Category.objects.only("code", "name_vi", "name_en")}
        context["legend"] = LEGEND
    return context


@require_safe
def home(request):
    return render(request, "public/home.html", {
        "latest": queries.latest(10),
        "track_form": TrackForm(),
        **_map_context(full=True),
    })


@require_safe
def report_list(request):
    form = ReportFilterForm(request.GET)
    form.is_valid()  # invalid filters are shown as errors and left out, the rest still apply
    cursor = paging.Cursor.decode(request.GET.get("cursor"))
    if request.GET.get("cursor") and cursor is None:
        messages.warning(request, _("That page link was not valid, so the newest reports are shown."))
    page = paging.keyset_page(queries.apply_filters(queries.public_rows(), form.cleaned_data), cursor)
    filters = request.GET.copy()
    filters.pop("cursor", None)
    return render(request, "public/report_list.html", {
        "form": form,
        "errors": error_summary(form),
        "page": page,
        "filter_query": filters.urlencode(),
    })


def _canonical_code(code):
    canonical = normalize_tracking_code(code)
    if canonical is None:
        raise Http404(_("There is no report with this tracking code."))
    return canonical


@require_http_methods(["GET", "HEAD", "POST"])
def report_detail(request, code):
    canonical = _canonical_code(code)
    if canonical != code:
        return redirect("public:report", code=canonical, permanent=True)
    report = reportpage.get_report(code)
    token = citizen_session.token_for(request, code)
    if not citizen.token_valid(report, token):
        token = None
    return _report_page(request, report, token, reverse("public:report", args=[code]), private=False)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report_private(request, code, token):
    report = reportpage.get_report(_canonical_code(code))
    if not citizen.token_valid(report, token):
        raise Http404(_("This link is not valid."))
    # Opening the private link on a phone lets the same phone act later from the plain report page.
    citizen_session.remember(request, report.code, token)
    response = _report_page(
        request, report, token, reverse("public:private", args=[report.code, token]), private=True
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _report_page(request, report, token, here, private):
    panel = None
    if request.method == "POST":
        if token is None:
            messages.error(request, _("Only the person who sent this report can rate or reopen it, "
                                      "using the private link they received."))
            return redirect(here)
        done, panel = citizen.handle_post(request, report, token)
        if done:
            # Land on the thanks inside the panel: on a phone the banner at the top is a long scroll away.
            return redirect(f"{here}#{citizen.MESSAGE_ANCHOR}")
    elif token is not None:
        panel = citizen.build_panel(report)
    context = reportpage.page_context(report)
    if panel is not None:
        context["messages"], panel.messages = citizen.split_messages(request)
    context.update({"panel": panel, "private": private, "action_url": here, **_map_context()})
    return render(request, "public/report_detail.html", context)


@require_safe
def track(request):
    form = TrackForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"]
        if Report.objects.filter(code=code).exists():
            return redirect("public:report", code=code)
        form.add_error("code", _("No report has the code %(code)s. Check the code in your message or receipt.")
                       % {"code": code})
    codes = citizen_session.remembered_codes(request)
    mine = []
    if codes:
        by_code = {r.code: r for r in queries.public_rows().filter(code__in=codes)}
        mine = [by_code[c] for c in reversed(codes) if c in by_code]
    return render(request, "public/track.html", {
        "form": form, "errors": error_summary(form), "mine": mine,
    })


# The units page shows the unit scorecards, read from the statistics rollups.
units = stats_views.units
