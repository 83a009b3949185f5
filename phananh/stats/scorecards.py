"""Scorecard figures read from the rollups: a few small queries, no event or
report is ever scanned on a page view.

Every percentage travels with its count and its n, so pages and the API
can always say "67% (2 of 3)" and anyone can recompute it from the open
data (docs/open-data.md).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from phananh.lib import clock
from phananh.units.models import Unit

from . import histogram, measures
from .models import Dim, MonthRollup, TotalRollup, Watermark


def min_sample():
    return getattr(settings, "STATS_MIN_SAMPLE", 20)


# --- periods -------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Whole months of reception: `first` and `last` are first days of months
    (both None for all time)."""

    value: str
    first: date | None = None
    last: date | None = None

    @property
    def is_all(self):
        return self.first is None

    @property
    def label(self):
        if self.value == "12m":
            return _("last 12 months")
        if self.is_all:
            return _("all time")
        if self.first == self.last:
            return self.first.strftime("%m/%Y")
        if self.first.month == 1 and self.last.month == 12 and self.first.year == self.last.year:
            return _("year %(year)d") % {"year": self.first.year}
        return f"{self.first:%m/%Y}–{self.last:%m/%Y}"

    def months(self):
        if self.is_all:
            return []
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = add_months(month, 1)
        return out


DEFAULT_PERIOD = "12m"


def add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def this_month(today=None):
    today = today or timezone.localdate(clock.now())
    return today.replace(day=1)


def parse_period(value, today=None):
    """(Period, error) for a `ky` query value: "12m", "all", "2025" or "2025-06".
    Anything else gives the default period and a sentence saying so."""
    current = this_month(today)
    value = (value or DEFAULT_PERIOD).strip()
    if value == "12m":
        return Period("12m", add_months(current, -11), current), None
    if value == "all":
        return Period("all"), None
    try:
        if len(value) == 4 and value.isdigit():
            year = int(value)
            if 2000 <= year <= current.year:
                return Period(value, date(year, 1, 1), date(year, 12, 1)), None
        elif len(value) == 7 and value[4] == "-":
            month = date(int(value[:4]), int(value[5:]), 1)
            if date(2000, 1, 1) <= month <= current:
                return Period(value, month, month), None
    except ValueError:
        pass
    default, _error = parse_period(DEFAULT_PERIOD, today)
    return default, _("That period was not understood, so the last 12 months are shown.")


def period_choices(today=None):
    """(value, label) pairs for the period picker: recent months and years."""
    current = this_month(today)
    choices = [("12m", gettext_lazy("Last 12 months")), ("all", gettext_lazy("All time"))]
    choices += [(str(year), str(year)) for year in range(current.year, current.year - 3, -1)]
    choices += [(f"{m:%Y-%m}", f"{m:%m/%Y}") for m in (add_months(current, -i) for i in range(24))]
    return choices


# --- figures ---------------------------------------------------------------------------

@dataclass
class Ratio:
    count: int
    n: int

    @property
    def percent(self):
        """Whole percent, halves rounded up (documented in docs/open-data.md)."""
        return (200 * self.count + self.n) // (2 * self.n) if self.n else None

    def as_dict(self):
        return {"count": self.count, "n": self.n, "percent": self.percent}


@dataclass
class Median:
    n: int
    bucket: int | None

    @property
    def bounds(self):
        return measures.bucket_bounds(self.bucket) if self.bucket is not None else None

    @property
    def low(self):
        return _hours(self.bounds[0]) if self.bounds else None

    @property
    def high(self):
        return _hours(self.bounds[1]) if self.bounds and self.bounds[1] is not None else None

    def as_dict(self):
        return {"n": self.n, "from_hours": self.low, "to_hours": self.high}


def _hours(value):
    return int(value) if value == int(value) else value


@dataclass
class Figures:
    """Summed counters of one dimension key over a period, plus what is
    overdue right now (which belongs to no period)."""

    key: int = 0
    counts: dict = field(default_factory=dict)
    hours: dict = field(default_factory=dict)
    open_now: int = 0
    overdue_now: int = 0
    ack_overdue_now: int = 0
    name: str = ""
    unit: object = None
    hidden_reason: str = ""
    rank: int | None = None

    def __getattr__(self, name):
        # Counters read as attributes (row.received); only called for names
        # that are not real attributes, so other lookups fail as usual.
        if name in measures.COUNTERS:
            return self.__dict__["counts"].get(name, 0)
        raise AttributeError(name)

    @property
    def states(self):
        return {state: self.counts.get(state, 0) for state in measures.STATES}

    @property
    def identity_holds(self):
        return self.received == sum(self.states.values())

    @property
    def on_time_ack(self):
        return Ratio(self.ack_on_time, self.ack_on_time + self.ack_late + self.ack_overdue)

    @property
    def on_time_resolution(self):
        return Ratio(self.res_on_time, self.res_on_time + self.res_late + self.res_overdue)

    @property
    def late_resolution(self):
        return Ratio(self.res_late, self.res_on_time + self.res_late)

    @property
    def fixed_share(self):
        return Ratio(self.fixed, self.fixed + self.cannot_fix + self.referred)

    @property
    def satisfaction(self):
        return Ratio(self.satisfied, self.satisfied + self.unsatisfied)

    @property
    def reopen_rate(self):
        return Ratio(self.reopened, self.ever_resolved)

    @property
    def median_hours(self):
        return Median(sum(self.hours.values()), measures.median_bucket(self.hours))

    def as_dict(self):
        return {
            "received": self.received,
            "states": self.states,
            "on_time_acknowledgement": self.on_time_ack.as_dict(),
            "on_time_resolution": self.on_time_resolution.as_dict(),
            "resolved_on_time": self.res_on_time, "resolved_late": self.res_late,
            "overdue_from_period": self.res_overdue,
            "outcomes": {"fixed": self.fixed, "cannot_fix": self.cannot_fix, "referred": self.referred},
            "fixed_share": self.fixed_share.as_dict(),
            "satisfaction": self.satisfaction.as_dict(),
            "reopened": self.reopen_rate.as_dict(),
            "median_working_hours_to_resolve": self.median_hours.as_dict(),
            "open_now": self.open_now,
            "overdue_now": self.overdue_now,
        }


def _period_filter(period):
    return {} if period.is_all else {"month__gte": period.first, "month__lte": period.last}


def figures(dim, key, period):
    """Figures of one unit, category, ward or the city (dim CITY, key 0)."""
    result = Figures(key=key)
    if period.is_all:
        rows = TotalRollup.objects.filter(dim=dim, key=key)
    else:
        rows = MonthRollup.objects.filter(dim=dim, key=key, **_period_filter(period))
    counts, hours = dict.fromkeys(measures.COUNTERS, 0), []
    for row in rows.values_list("hours", *measures.COUNTERS):
        histogram.add(hours, row[0])
        for name, value in zip(measures.COUNTERS, row[1:], strict=True):
            counts[name] += value
    result.counts, result.hours = counts, histogram.as_dict(hours)
    now = TotalRollup.objects.filter(dim=dim, key=key).values("open", "res_overdue", "ack_overdue").first()
    if now:
        result.open_now, result.overdue_now, result.ack_overdue_now = (
            now["open"], now["res_overdue"], now["ack_overdue"])
    return result


def table(dim, period):
    """Figures for every key of a dimension (every unit, category or ward)
    with reports in the period or anything overdue now.

    Kept in the cache under the rollups' version: the job gives the rollups
    a new version whenever it changes them, so a cached table is never
    stale, and a busy page computes it once per refresh, not per visitor."""
    key = f"stats:table:v1:{int(dim)}:{period.first}:{period.last}:{_version()}"
    packed = cache.get(key)
    if packed is None:
        packed = [(row.key, row.counts, row.hours, row.open_now, row.overdue_now, row.ack_overdue_now)
                  for row in _compute_table(dim, period).values()]
        cache.set(key, packed, TABLE_CACHE_SECONDS)
    rows = {}
    for row_key, counts, hours, open_now, overdue_now, ack_overdue_now in packed:
        rows[row_key] = Figures(key=row_key, counts=dict(counts), hours=dict(hours), open_now=open_now,
                                overdue_now=overdue_now, ack_overdue_now=ack_overdue_now)
    return rows


TABLE_CACHE_SECONDS = 600


def _version():
    return Watermark.objects.filter(pk=1).values_list("version", flat=True).first() or "none"


def _compute_table(dim, period):
    """The database sums the counters per key; the histograms of the same
    rows (keys × months, a few thousand at most) are added up here, which
    keeps medians cheap."""
    rows = {}
    for key, *sums in _sums_per_key(dim, period):
        rows[key] = Figures(key=key, counts=dict(zip(measures.COUNTERS, sums, strict=True)))
    found = TotalRollup.objects.filter(dim=dim) if period.is_all else (
        MonthRollup.objects.filter(dim=dim, **_period_filter(period)))
    hours = defaultdict(list)
    for key, blob in found.exclude(hours=b"").values_list("key", "hours").order_by():
        histogram.add(hours[key], blob)
    for key, counts in hours.items():
        rows[key].hours = histogram.as_dict(counts)
    now = TotalRollup.objects.filter(dim=dim, open__gt=0).values_list("key", "open", "res_overdue", "ack_overdue")
    for key, open_now, overdue, ack_overdue in now:
        if key not in rows:
            if not overdue:
                continue
            rows[key] = Figures(key=key, counts=dict.fromkeys(measures.COUNTERS, 0))
        rows[key].open_now, rows[key].overdue_now, rows[key].ack_overdue_now = open_now, overdue, ack_overdue
    return rows


def _sums_per_key(dim, period):
    """(key, *counters) per key, summed by the database. Plain SQL: the ORM
    spends longer compiling nineteen SUM expressions than SQLite spends
    running them (bench/bench_stats.py)."""
    ops = connection.ops
    model = TotalRollup if period.is_all else MonthRollup
    sums = ", ".join(f"SUM({ops.quote_name(name)})" for name in measures.COUNTERS)
    sql = f"SELECT {ops.quote_name('key')}, {sums} FROM {ops.quote_name(model._meta.db_table)} WHERE dim = %s"
    params = [int(dim)]
    if not period.is_all:
        sql += " AND month >= %s AND month <= %s"
        params += [period.first.isoformat(), period.last.isoformat()]
    sql += f" GROUP BY {ops.quote_name('key')}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(key, *(int(value or 0) for value in values)) for key, *values in cursor.fetchall()]


def monthly_series(dim, key, period):
    """[(month, Figures)] for each month of the period, empty months included."""
    if period.is_all:
        first = first_month_with_data()
        if first is None:
            return []
        period = Period("all", first, this_month())
    found = {
        item["month"]: item
        for item in MonthRollup.objects.filter(dim=dim, key=key, **_period_filter(period))
        .values("month", *measures.COUNTERS)
    }
    series = []
    for month in period.months():
        item = found.get(month, {})
        series.append((month, Figures(key=key, counts={n: item.get(n, 0) for n in measures.COUNTERS})))
    return series


def first_month_with_data():
    return MonthRollup.objects.filter(dim=Dim.CITY).aggregate(first=Min("month"))["first"]


# --- rankings --------------------------------------------------------------------------

UNIT_FIELDS = ("id", "name", "code", "kind", "subtype", "started_on")


def units_by_id(rows):
    """The units of a table's keys, with only what the pages show."""
    return Unit.objects.only(*UNIT_FIELDS).in_bulk([key for key in rows if key])


def comparison_start(period):
    """The first month a unit must have been in service for to be compared."""
    return period.first if not period.is_all else first_month_with_data()


def ranking_exclusion(row, unit, period, start=None):
    """Why a unit is left out of the ranking for `period`, or "" when it is
    ranked: at least the minimum sample of reports received in the period,
    and in service since before the period began (a unit's first weeks are
    not compared with units that have run for years)."""
    start = start if start is not None else comparison_start(period)
    least = min_sample()
    if unit is None:
        return _("Reports not yet sent to a unit are the coordinators' queue, not a unit.")
    if row.received < least:
        return _("Fewer than %(n)d reports in this period: too few to compare.") % {"n": least}
    if unit.started_on and start and unit.started_on > start:
        return _("In service only since %(date)s, after this period began.") % {
            "date": unit.started_on.strftime("%d/%m/%Y")}
    return ""


def rank_units(rows, units, period):
    """Split unit rows into (ranked, not_ranked); ranked ones sorted by
    on-time resolution, then by n, then by name, and numbered."""
    start = comparison_start(period)
    ranked, unranked = [], []
    for key, row in rows.items():
        row.unit = units.get(key)
        row.name = row.unit.name if row.unit else _("Waiting for a unit (coordination)")
        row.hidden_reason = ranking_exclusion(row, row.unit, period, start)
        (unranked if row.hidden_reason else ranked).append(row)
    ranked.sort(key=lambda r: (-(r.on_time_resolution.percent or 0), -r.on_time_resolution.n, r.name.casefold()))
    for position, row in enumerate(ranked, start=1):
        row.rank = position
    unranked.sort(key=lambda r: (r.unit is None, r.name.casefold()))
    return ranked, unranked
