"""Per-unit figures for the public units page, derived from the event log.

Received and resolved are counted from public events (a `routed` event names
the unit a report was sent to; a `resolved` event carries its outcome), so
nobody can type a number in. Open and overdue are the reports a unit holds
right now. Two grouped queries compute the whole table; the result is cached
for CACHE_SECONDS so a busy page costs one cache read, not a scan of the log.
"""

from dataclasses import asdict, dataclass

from django.core.cache import cache
from django.db.models import Count, Q

from phananh.lib import clock
from phananh.reports.models import WITH_UNIT_STATUSES, Event, Outcome, Report
from phananh.units.models import Unit, UnitKind

CACHE_KEY = "public:unit-table:v1"
CACHE_SECONDS = 60


@dataclass
class UnitRow:
    unit_id: int
    name: str
    kind: str
    received: int = 0
    resolved: int = 0
    fixed: int = 0
    open: int = 0
    overdue: int = 0

    @property
    def kind_label(self):
        return UnitKind(self.kind).label if self.kind in UnitKind.values else ""

    @property
    def fixed_percent(self):
        return _percent(self.fixed, self.resolved)

    @property
    def overdue_percent(self):
        return _percent(self.overdue, self.open)


def _percent(part, whole):
    return round(100 * part / whole) if whole else None


def unit_table():
    """(rows, computed_at) from the cache, computing them when missing."""
    cached = cache.get(CACHE_KEY)
    if cached is None:
        cached = compute()
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    rows = [UnitRow(**row) for row in cached["rows"]]
    return rows, cached["computed_at"]


def compute(now=None):
    now = now or clock.now()
    rows = {}

    def row(unit_id):
        if unit_id not in rows:
            rows[unit_id] = UnitRow(unit_id=unit_id, name="", kind="")
        return rows[unit_id]

    flows = (
        Event.objects.filter(public=True, type__in=("routed", "resolved"), unit__isnull=False)
        .values("unit")
        .annotate(
            received=Count("id", filter=Q(type="routed")),
            resolved=Count("id", filter=Q(type="resolved")),
            fixed=Count("id", filter=Q(type="resolved", payload__outcome=Outcome.FIXED.value)),
        )
        .order_by()
    )
    for item in flows:
        r = row(item["unit"])
        r.received, r.resolved, r.fixed = item["received"], item["resolved"], item["fixed"]

    held = (
        Report.objects.filter(status__in=WITH_UNIT_STATUSES, unit__isnull=False)
        .values("unit")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(resolve_due__lt=now)))
        .order_by()
    )
    for item in held:
        r = row(item["unit"])
        r.open, r.overdue = item["open"], item["overdue"]

    for unit in Unit.objects.filter(pk__in=rows).only("id", "name", "kind"):
        rows[unit.pk].name, rows[unit.pk].kind = unit.name, unit.kind
    ordered = sorted(rows.values(), key=lambda r: r.name.casefold())
    return {"rows": [asdict(r) for r in ordered], "computed_at": now}


def totals(rows):
    total = UnitRow(unit_id=0, name="", kind="")
    for r in rows:
        total.received += r.received
        total.resolved += r.resolved
        total.fixed += r.fixed
        total.open += r.open
        total.overdue += r.overdue
    return total
