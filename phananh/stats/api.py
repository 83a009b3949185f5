"""The statistics API (mounted at /api/v1/): the same figures as the pages,
from the same rollups, each percentage with its count and n."""

from datetime import date

from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from phananh.reports.models import Category, ChainHead
from phananh.units.models import Unit, UnitKind

from . import monthly, rollup, scorecards
from .models import ChainHeadPublication, Dim

router = Router(tags=["statistics"])


def _table(period, rows):
    """The envelope every per-unit / per-category / per-ward table shares."""
    return _ok({"period": _period_out(period), "freshness": _freshness(), "min_sample": scorecards.min_sample(),
                "rows": rows})


def _ok(data):
    """The JSON body as is: the schemas below document it, but validating a
    few thousand nested objects per request through them would cost more
    than the whole rest of a ranking (measured in bench/bench_stats.py)."""
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


class Ratio(Schema):
    count: int
    n: int = Field(description="What the percentage is taken of")
    percent: int | None = Field(description="Whole percent, halves rounded up; null when n is 0")


class MedianHours(Schema):
    n: int
    from_hours: float | None = Field(description="The median lies in this band of working hours…")
    to_hours: float | None = Field(description="…up to this many (null: above the last band)")


class States(Schema):
    open: int
    resolved: int
    closed: int
    rejected: int
    merged: int


class Outcomes(Schema):
    fixed: int
    cannot_fix: int
    referred: int


class FiguresOut(Schema):
    received: int = Field(description="Reports received in the period; always the sum of `states`")
    states: States
    on_time_acknowledgement: Ratio
    on_time_resolution: Ratio
    resolved_on_time: int
    resolved_late: int
    overdue_from_period: int = Field(description="Reports received in the period that are overdue now")
    outcomes: Outcomes
    fixed_share: Ratio
    satisfaction: Ratio
    reopened: Ratio
    median_working_hours_to_resolve: MedianHours
    open_now: int = Field(description="Open reports now, whatever the period")
    overdue_now: int = Field(description="Open reports past their resolution deadline now, whatever the period")


class PeriodOut(Schema):
    value: str
    first_month: str | None
    last_month: str | None


class Freshness(Schema):
    event_seq: int = Field(description="The figures include every event up to this number")
    deadlines_checked_at: str | None


class ScopeOut(Schema):
    code: str
    name: str


class FiguresPage(Schema):
    period: PeriodOut
    freshness: Freshness
    scope: ScopeOut
    figures: FiguresOut


class TableRow(Schema):
    code: str | None = Field(description="Unit, category or ward code; null for reports without one")
    name: str
    rank: int | None = None
    not_ranked_because: str = ""
    figures: FiguresOut


class TablePage(Schema):
    period: PeriodOut
    freshness: Freshness
    min_sample: int
    rows: list[TableRow]


class CurrentHeadOut(Schema):
    seq: int
    hash: str


class ChainHeadOut(CurrentHeadOut):
    day: str = Field(description="The local date it was published (YYYY-MM-DD)")


class ChainHeadsPage(Schema):
    current: CurrentHeadOut | None = Field(description="The chain head right now (not yet published)")
    published: list[ChainHeadOut] = Field(description="Newest first, at most 366; page back with `before`")


class Problem(Schema):
    detail: str
    field: str = ""


PERIOD_HELP = "12m (default), all, YYYY or YYYY-MM: reports received in that period"


class PeriodParams(Schema):
    ky: str = Field("12m", description=PERIOD_HELP)


def _period(params):
    period, error = scorecards.parse_period(params.ky)
    if error:
        return None, Status(400, {"detail": error, "field": "ky"})
    return period, None


def _period_out(period):
    first = period.first.strftime("%Y-%m") if period.first else None
    last = period.last.strftime("%Y-%m") if period.last else None
    return {"value": period.value, "first_month": first, "last_month": last}


def _freshness():
    watermark = rollup.current_watermark()
    checked = watermark.ticked_until.isoformat() if watermark.ticked_until else None
    return {"event_seq": watermark.seq, "deadlines_checked_at": checked}


def _one(dim, key, code, name, params):
    period, problem = _period(params)
    if problem:
        return problem
    return _ok({"period": _period_out(period), "freshness": _freshness(), "scope": {"code": code, "name": name},
                "figures": scorecards.figures(dim, key, period).as_dict()})


def _not_found(message):
    return Status(404, {"detail": message, "field": "code"})


RESPONSES = {200: FiguresPage, 400: Problem, 404: Problem}
TABLES = {200: TablePage, 400: Problem}


@router.get("/stats/city", response=RESPONSES, url_name="stats_city", summary="City-wide figures")
def city(request, params: Query[PeriodParams]):
    return _one(Dim.CITY, 0, "all", _("the whole city"), params)


@router.get("/stats/units", response=TABLES, url_name="stats_units", summary="Unit scorecards, ranked")
def units(request, params: Query[PeriodParams]):
    """Ranked units first (by on-time resolution), then the units not ranked,
    each with the reason (too few reports, started during the period)."""
    period, problem = _period(params)
    if problem:
        return problem
    rows = scorecards.table(Dim.UNIT, period)
    ranked, unranked = scorecards.rank_units(rows, scorecards.units_by_id(rows), period)
    out = [_row(row, row.unit.code if row.unit else None) for row in ranked + unranked]
    return _table(period, out)


@router.get("/stats/units/{code}", response=RESPONSES, url_name="stats_unit", summary="One unit's figures")
def unit(request, code: str, params: Query[PeriodParams]):
    found = Unit.objects.filter(code=code).first()
    if found is None:
        return _not_found(_("There is no unit with this code."))
    return _one(Dim.UNIT, found.pk, found.code, found.name, params)


@router.get("/stats/categories", response=TABLES, url_name="stats_categories", summary="Figures per category")
def categories(request, params: Query[PeriodParams]):
    period, problem = _period(params)
    if problem:
        return problem
    rows = scorecards.table(Dim.CATEGORY, period)
    names = Category.objects.in_bulk(list(rows))
    out = []
    for key, row in sorted(rows.items(), key=lambda item: -item[1].received):
        category = names.get(key)
        row.name = category.name if category else "?"
        out.append(_row(row, category.code if category else None))
    return _table(period, out)


@router.get("/stats/categories/{code}", response=RESPONSES, url_name="stats_category",
            summary="One category's figures")
def category(request, code: str, params: Query[PeriodParams]):
    found = Category.objects.filter(code=code).first()
    if found is None:
        return _not_found(_("There is no category with this code."))
    return _one(Dim.CATEGORY, found.pk, found.code, found.name, params)


@router.get("/stats/wards", response=TABLES, url_name="stats_wards", summary="Figures per ward (where reported)")
def wards(request, params: Query[PeriodParams]):
    period, problem = _period(params)
    if problem:
        return problem
    rows = scorecards.table(Dim.WARD, period)
    found = scorecards.units_by_id(rows)
    out = []
    for key, row in sorted(rows.items(), key=lambda item: -item[1].received):
        ward = found.get(key)
        row.name = ward.name if ward else _("No ward (location outside every ward)")
        out.append(_row(row, ward.code if ward else None))
    return _table(period, out)


@router.get("/stats/wards/{code}", response=RESPONSES, url_name="stats_ward", summary="One ward's figures")
def ward(request, code: str, params: Query[PeriodParams]):
    found = Unit.objects.filter(code=code, kind=UnitKind.WARD).first()
    if found is None:
        return _not_found(_("There is no ward with this code."))
    return _one(Dim.WARD, found.pk, found.code, found.name, params)


def _row(row, code):
    return {"code": code, "name": row.name, "rank": row.rank, "not_ranked_because": row.hidden_reason,
            "figures": row.as_dict()}


class MonthlyRow(Schema):
    unit: str | None
    name: str
    figures: FiguresOut
    overdue_by_lateness: dict[str, int]


class OverdueOut(Schema):
    code: str
    category: str
    unit: str | None
    received_at: str
    resolve_due: str
    late_working_hours: float


class MonthlyPage(Schema):
    month: str
    unit: str | None
    as_of: str | None
    figures: FiguresOut
    overdue_by_lateness: dict[str, int]
    overdue: list[OverdueOut]
    units: list[MonthlyRow]


@router.get("/stats/monthly/{month}", response={200: MonthlyPage, 404: Problem}, url_name="stats_monthly",
            summary="City-wide monthly accountability report")
def monthly_city(request, month: str):
    return _monthly(month, None)


@router.get("/stats/monthly/{month}/units/{code}", response={200: MonthlyPage, 404: Problem},
            url_name="stats_unit_monthly", summary="A unit's monthly accountability report")
def monthly_unit(request, month: str, code: str):
    found = Unit.objects.filter(code=code).first()
    if found is None:
        return _not_found(_("There is no unit with this code."))
    return _monthly(month, found)


def _monthly(text, unit):
    month = monthly.parse_month(text)
    if month is None or month > scorecards.this_month():
        return Status(404, {"detail": _("There is no report for that month."), "field": "month"})
    report = monthly.build(month, unit)
    return _ok({
        "month": f"{month:%Y-%m}", "unit": unit.code if unit else None,
        "as_of": report.as_of.isoformat() if report.as_of else None,
        "figures": report.figures.as_dict(), "overdue_by_lateness": report.bands,
        "overdue": [{"code": item.code, "category": item.category.code, "unit": item.unit.code if item.unit else None,
                     "received_at": item.received_at.isoformat(), "resolve_due": item.resolve_due.isoformat(),
                     "late_working_hours": round(item.late_hours, 2)} for item in report.overdue],
        "units": [{"unit": row.unit.code if row.unit else None, "name": row.name, "figures": row.as_dict(),
                   "overdue_by_lateness": row.bands} for row in report.rows],
    })


class ChainHeadParams(Schema):
    before: str = Field("", description="YYYY-MM-DD: only publications before this day (paging)")


@router.get("/stats/chain-heads", response={200: ChainHeadsPage, 400: Problem}, url_name="stats_chain_heads",
            summary="Published heads of the audit chain, newest first")
def chain_heads(request, params: Query[ChainHeadParams]):
    publications = ChainHeadPublication.objects.order_by("-day")
    if params.before:
        try:
            publications = publications.filter(day__lt=date.fromisoformat(params.before))
        except ValueError:
            return Status(400, {"detail": _("Give the day as YYYY-MM-DD."), "field": "before"})
    head = ChainHead.objects.filter(pk=1).first()
    return _ok({
        "current": {"seq": head.seq, "hash": head.hash} if head and head.seq else None,
        "published": [{"day": p.day.isoformat(), "seq": p.seq, "hash": p.hash} for p in publications[:366]],
    })
