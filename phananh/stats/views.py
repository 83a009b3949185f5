"""Public statistics pages. Thin: figures come from scorecards (rollups
only), reports from monthly, files from opendata; nothing here scans the
event log or the reports table."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from phananh.reports.models import Category, ChainHead
from phananh.units.models import Unit, UnitKind

from . import charts, monthly, opendata, rollup, scorecards
from .models import ChainHeadPublication, Dim

STATE_SERIES = (
    ("open", gettext_lazy("Open")), ("resolved", gettext_lazy("Resolved, waiting for the resident")),
    ("closed", gettext_lazy("Closed")), ("rejected", gettext_lazy("Rejected")), ("merged", gettext_lazy("Duplicate")),
)
PUBLICATIONS_PER_PAGE = 60


def _state_series():
    return [charts.Series(key, str(label)) for key, label in STATE_SERIES]


def _period_context(request):
    period, error = scorecards.parse_period(request.GET.get("ky"))
    if error:
        messages.warning(request, error)
    return period, {
        "period": period,
        "period_choices": scorecards.period_choices(),
        "watermark": rollup.current_watermark(),
        "min_sample": scorecards.min_sample(),
    }


def _month_charts(series, subject):
    """The two charts of a page, with the words a screen reader hears."""
    labels = [f"{month:%m/%y}" for month, _figures in series]
    if not series or not any(figures.received for _month, figures in series):
        return None
    states = _state_series()
    first, last = series[0][0], series[-1][0]
    span = {"subject": subject, "first": f"{first:%m/%Y}", "last": f"{last:%m/%Y}"}
    return {
        "states": charts.stacked_bars(
            labels, states, [[figures.states[s.key] for s in states] for _month, figures in series],
            title=_("Reports received each month by where they stand now: %(subject)s") % span,
            desc=_("Bar chart, one bar per month from %(first)s to %(last)s; each bar is split into open, "
                   "resolved, closed, rejected and duplicate reports. The table below gives the same numbers.")
            % span,
        ),
        "ontime": charts.percent_bars(
            labels, [figures.on_time_resolution for _month, figures in series],
            title=_("Share resolved on time, by month of reception: %(subject)s") % span,
            desc=_("Bar chart of the percentage of reports resolved by their deadline, one bar per month from "
                   "%(first)s to %(last)s; a dash marks a month without any measured report. The table below "
                   "gives each percentage with its count and n.") % span,
        ),
        "legend": states,
    }


@require_safe
def overview(request):
    period, context = _period_context(request)
    series = scorecards.monthly_series(Dim.CITY, 0, period)
    categories = scorecards.table(Dim.CATEGORY, period)
    names = Category.objects.in_bulk(list(categories))
    top = sorted((row for row in categories.values() if row.received), key=lambda r: -r.received)[:8]
    for row in top:
        row.name = names[row.key].name if row.key in names else "?"
        row.category = names.get(row.key)
    context.update({
        "figures": scorecards.figures(Dim.CITY, 0, period),
        "series": series,
        "charts": _month_charts(series, _("the whole city")),
        "top_categories": top,
    })
    return render(request, "stats/overview.html", context)


# Kinds of unit to rank among themselves: (kind, subtype or None for any).
UNIT_KINDS = {
    "phuong-xa": (UnitKind.WARD, ""),
    "cong-an": (UnitKind.WARD, "police"),
    "cong-ty": (UnitKind.UTILITY, None),
    "so-nganh": (UnitKind.DEPARTMENT, None),
}


def _unit_kind_choices():
    return [("", _("All units")), ("phuong-xa", _("Wards and communes")), ("cong-an", _("Ward police posts")),
            ("cong-ty", _("Public utilities")), ("so-nganh", _("Departments"))]


@require_safe
def units(request):
    """The unit scorecards and ranking (also the public "Units" page),
    optionally for one kind of unit."""
    period, context = _period_context(request)
    kind = request.GET.get("loai", "")
    if kind not in UNIT_KINDS:
        kind = ""
    rows = scorecards.table(Dim.UNIT, period)
    units = scorecards.units_by_id(rows)
    if kind:
        wanted, subtype = UNIT_KINDS[kind]
        rows = {key: row for key, row in rows.items() if key in units and units[key].kind == wanted
                and (subtype is None or units[key].subtype == subtype)}
    ranked, unranked = scorecards.rank_units(rows, units, period)
    context.update({"ranked": ranked, "unranked": unranked, "kind": kind, "kind_choices": _unit_kind_choices()})
    return render(request, "stats/units.html", context)


@require_safe
def unit(request, code):
    unit = get_object_or_404(Unit, code=code)
    return _detail(request, Dim.UNIT, unit.pk, unit.name, {"unit": unit, "kind": _("unit")})


@require_safe
def categories(request):
    period, context = _period_context(request)
    rows = scorecards.table(Dim.CATEGORY, period)
    for category in Category.objects.select_related("group"):
        row = rows.get(category.pk)
        if row is not None:
            row.name, row.category = category.name, category
    context.update({"rows": sorted((r for r in rows.values() if r.name), key=lambda r: (-r.received, r.name)),
                    "dimension": "category"})
    return render(request, "stats/dimension.html", context)


@require_safe
def category(request, code):
    category = get_object_or_404(Category, code=code)
    return _detail(request, Dim.CATEGORY, category.pk, category.name, {"category": category})


@require_safe
def wards(request):
    period, context = _period_context(request)
    rows = scorecards.table(Dim.WARD, period)
    found = scorecards.units_by_id(rows)
    for key, row in rows.items():
        row.unit = found.get(key)
        row.name = row.unit.name if row.unit else _("No ward (location outside every ward)")
    context.update({"rows": sorted(rows.values(), key=lambda r: (r.unit is None, -r.received, r.name)),
                    "dimension": "ward"})
    return render(request, "stats/dimension.html", context)


@require_safe
def ward(request, code):
    ward = get_object_or_404(Unit, code=code, kind=UnitKind.WARD)
    return _detail(request, Dim.WARD, ward.pk, ward.name, {"ward": ward})


def _detail(request, dim, key, name, extra):
    period, context = _period_context(request)
    figures = scorecards.figures(dim, key, period)
    series = scorecards.monthly_series(dim, key, period)
    context.update(extra)
    context.update({"figures": figures, "series": series, "charts": _month_charts(series, name), "name": name,
                    "last_month": f"{monthly.previous_month():%Y-%m}"})
    if dim == Dim.UNIT:
        figures.unit, figures.name = extra["unit"], name
        context["ranking_note"] = scorecards.ranking_exclusion(figures, extra["unit"], period)
    return render(request, "stats/detail.html", context)


# --- monthly accountability report -------------------------------------------------------

def _month_or_404(text):
    month = monthly.parse_month(text)
    if month is None or month > scorecards.this_month() or month < date(2000, 1, 1):
        raise Http404(_("There is no report for that month."))
    return month


@require_safe
def monthly_latest(request):
    """Last month's city report, or the month and unit chosen in the picker."""
    month = monthly.parse_month(request.GET.get("thang", ""))
    if month is None or month > scorecards.this_month():
        month = monthly.previous_month()
    code = request.GET.get("don_vi", "")
    if code and Unit.objects.filter(code=code).exists():
        return redirect("stats:unit_monthly", month=f"{month:%Y-%m}", code=code)
    return redirect("stats:monthly", month=f"{month:%Y-%m}")


@require_safe
def monthly_city(request, month):
    return _monthly(request, _month_or_404(month), None, request.resolver_match.url_name)


@require_safe
def monthly_unit(request, month, code):
    return _monthly(request, _month_or_404(month), get_object_or_404(Unit, code=code),
                    request.resolver_match.url_name)


def _monthly(request, month, unit, url_name):
    report = monthly.build(month, unit)
    if url_name.endswith("_csv"):
        suffix = unit.code if unit else "thanh-pho"
        response = HttpResponse(monthly.to_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bao-cao-{month:%Y-%m}-{suffix}.csv"'
        return response
    months = [scorecards.add_months(scorecards.this_month(), -i) for i in range(24)]
    template = "stats/monthly_print.html" if url_name.endswith("_print") else "stats/monthly.html"
    return render(request, template, {"report": report, "figures": report.figures, "months": months,
                                      "unit": unit, "bands": monthly.LATENESS_BANDS,
                                      "page_url": request.build_absolute_uri(monthly.page_path(report))})


# --- open data ---------------------------------------------------------------------------

@require_safe
def opendata_page(request):
    return render(request, "stats/opendata.html", {"watermark": rollup.current_watermark()})


EXPORTS = {
    "reports_csv": ("phan-anh.csv", "text/csv; charset=utf-8"),
    "reports_geojson": ("phan-anh.geojson", "application/geo+json"),
    "events_csv": ("su-kien.csv", "text/csv; charset=utf-8"),
    "events_geojson": ("su-kien.geojson", "application/geo+json"),
}


@require_safe
def export(request, name):
    if name not in EXPORTS:
        raise Http404(_("There is no such file."))
    filename, content_type = EXPORTS[name]
    if name.startswith("reports"):
        records, columns, point = opendata.report_records(), opendata.REPORT_COLUMNS, opendata.report_point
    else:
        records, columns, point = opendata.event_records(), opendata.EVENT_COLUMNS, opendata.event_point
    if name.endswith("csv"):
        chunks = opendata.csv_lines(records, columns)
    else:
        chunks = opendata.geojson_chunks(records, columns, point)
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- published chain heads ----------------------------------------------------------------

@require_safe
def chain_heads(request):
    publications = ChainHeadPublication.objects.order_by("-day")
    before = request.GET.get("truoc")
    if before:
        try:
            publications = publications.filter(day__lt=date.fromisoformat(before))
        except ValueError:
            messages.warning(request, _("That page link was not valid, so the latest publications are shown."))
    page = list(publications[:PUBLICATIONS_PER_PAGE + 1])
    older = page[PUBLICATIONS_PER_PAGE - 1].day.isoformat() if len(page) > PUBLICATIONS_PER_PAGE else None
    return render(request, "stats/chain_heads.html", {
        "publications": page[:PUBLICATIONS_PER_PAGE], "older": older, "head": ChainHead.objects.filter(pk=1).first(),
        "paged": bool(before),
    })
