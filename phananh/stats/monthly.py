"""The monthly accountability report, per unit and city-wide.

It is about the reports received in the month (the same cohort as every
other figure), as they stand when the report is made: how many were
resolved on time or late, how many are still overdue and by how much
working time, what residents thought. Everything comes from the rollups
and the per-report facts, never from the report rows.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from phananh.lib import clock
from phananh.sla.deadlines import working_hours_before
from phananh.sla.service import current_calendar
from phananh.units.models import Membership, Role, Unit

from . import rollup, scorecards
from .models import Dim, MonthlyReportDelivery, ReportFact

OVERDUE_LIST_LIMIT = 50
# How late an overdue report is, in working days: (label, more than, at most).
LATENESS_BANDS = (("up_to_1_day", 0, 1), ("1_to_5_days", 1, 5), ("over_5_days", 5, None))


def parse_month(text):
    """A month from "YYYY-MM", or None."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (ValueError, AttributeError):
        return None


def previous_month(today=None):
    return scorecards.add_months(scorecards.this_month(today), -1)


@dataclass
class OverdueItem:
    code: str
    category: object
    unit: object
    received_at: object
    resolve_due: object
    late_hours: float

    @property
    def late_text(self):
        return working_duration(self.late_hours)


def working_duration(hours):
    """"2 working days 3 hours" from working hours (a working day is the calendar's office day)."""
    per_day = current_calendar().hours_per_day
    days, rest = divmod(round(hours), round(per_day))
    if days and rest:
        return ngettext("%(days)d working day %(hours)d h", "%(days)d working days %(hours)d h", days) % {
            "days": days, "hours": rest}
    if days:
        return ngettext("%(days)d working day", "%(days)d working days", days) % {"days": days}
    rest = max(rest, 1) if hours > 0 else 0  # "0 hours late" would read as on time
    return ngettext("%(hours)d working hour", "%(hours)d working hours", rest) % {"hours": rest}


@dataclass
class MonthlyReport:
    month: date
    unit: Unit | None
    figures: scorecards.Figures
    as_of: object
    bands: dict
    overdue: list
    rows: list  # city-wide: one Figures per unit (with .bands), most overdue first

    @property
    def period(self):
        return scorecards.Period(f"{self.month:%Y-%m}", self.month, self.month)

    @property
    def title(self):
        if self.unit is None:
            return _("City-wide report for %(month)s") % {"month": f"{self.month:%m/%Y}"}
        return _("%(unit)s: report for %(month)s") % {"unit": self.unit.name, "month": f"{self.month:%m/%Y}"}


def _cutoffs(as_of):
    """For each band boundary N: the earliest moment with exactly N working
    days of office time before `as_of`. A report due before it is more than
    N working days late (due exactly then: N days late, not more)."""
    calendar = current_calendar()
    per_day = calendar.hours_per_day
    cutoffs = {}
    for days in {days for _label, low, high in LATENESS_BANDS for days in (low, high) if days}:
        moment = working_hours_before(calendar, as_of, days * per_day)
        # Landing on an opening, step back over the closed hours before it.
        cutoffs[days] = working_hours_before(calendar, moment, 0)
    return cutoffs


def _band_filters(as_of):
    """Conditional counts of overdue facts by how late they are at `as_of`."""
    cut = _cutoffs(as_of)
    filters = {}
    for label, low, high in LATENESS_BANDS:
        condition = Q()
        if low:
            condition &= Q(resolve_due__lt=cut[low])   # due before as_of − low days: more than low days late
        if high:
            condition &= Q(resolve_due__gte=cut[high])
        filters[label] = Count("pk", filter=condition)
    return filters


def _no_bands():
    return {label: 0 for label, _low, _high in LATENESS_BANDS}


def _overdue_facts(month, unit):
    facts = ReportFact.objects.filter(resolve_result="overdue", day__gte=month,
                                      day__lt=scorecards.add_months(month, 1))
    return facts.filter(unit=unit) if unit is not None else facts


def build(month, unit=None):
    """The report for `month` of `unit`, or city-wide when unit is None."""
    as_of = rollup.current_watermark().ticked_until
    period = scorecards.Period(f"{month:%Y-%m}", month, month)
    dim, key = (Dim.UNIT, unit.pk) if unit is not None else (Dim.CITY, 0)
    figures = scorecards.figures(dim, key, period)
    overdue_facts = _overdue_facts(month, unit)
    bands = _bands(overdue_facts, as_of)
    overdue = _overdue_list(overdue_facts, as_of)
    rows = []
    if unit is None:
        rows = _unit_rows(month, period, as_of)
    return MonthlyReport(month=month, unit=unit, figures=figures, as_of=as_of, bands=bands,
                         overdue=overdue, rows=rows)


def _bands(facts, as_of):
    return facts.aggregate(**_band_filters(as_of)) if as_of is not None else _no_bands()


def _overdue_list(facts, as_of):
    if as_of is None:
        return []
    chosen = list(facts.select_related("report", "category", "unit").only(
        "report__code", "category__name_vi", "category__name_en", "unit__name", "unit__code", "received_at",
        "resolve_due").order_by("resolve_due", "pk")[:OVERDUE_LIST_LIMIT])
    late = WorkingTimeTo(current_calendar(), as_of, [fact.resolve_due for fact in chosen])
    return [
        OverdueItem(code=fact.report.code, category=fact.category, unit=fact.unit, received_at=fact.received_at,
                    resolve_due=fact.resolve_due, late_hours=late.hours_since(fact.resolve_due))
        for fact in chosen
    ]


class WorkingTimeTo:
    """Working time from many moments to one `end`, walking the calendar's
    days once: the most late reports can be a year overdue, and walking the
    year again for each of them would cost more than the rest of the page."""

    def __init__(self, calendar, end, starts):
        self.calendar, self.end = calendar, end
        self.end_day = calendar.local(end).date()
        first = min((calendar.local(start).date() for start in starts), default=self.end_day)
        # after[d] = working seconds from the start of day d to the start of end_day.
        self.after = {}
        total, day = 0.0, self.end_day
        while day > first:
            day -= timedelta(days=1)
            total += sum((b - a).total_seconds() for a, b in calendar.windows_on(day))
            self.after[day] = total

    def hours_since(self, start):
        day = self.calendar.local(start).date()
        if day >= self.end_day:
            return self.calendar.working_time_between(start, self.end).total_seconds() / 3600
        next_day = day + timedelta(days=1)
        midnight = datetime.combine(next_day, time(), self.calendar.tz)
        seconds = self.calendar.working_time_between(start, midnight).total_seconds()
        seconds += self.after.get(next_day, 0.0)
        seconds += self.calendar.working_time_between(
            datetime.combine(self.end_day, time(), self.calendar.tz), self.end).total_seconds()
        return seconds / 3600


def _unit_rows(month, period, as_of):
    rows = scorecards.table(Dim.UNIT, period)
    units = scorecards.units_by_id(rows)
    by_unit = {}
    if as_of is not None:
        overdue = _overdue_facts(month, None).values("unit").annotate(**_band_filters(as_of)).order_by()
        by_unit = {item.pop("unit"): item for item in overdue}
    out = []
    for key, row in rows.items():
        if not row.received:
            continue  # overdue from other months belongs to those months' reports
        row.unit = units.get(key)
        row.name = row.unit.name if row.unit else _("Waiting for a unit (coordination)")
        row.bands = by_unit.get(key or None, _no_bands())
        out.append(row)
    out.sort(key=lambda r: (-r.res_overdue, -r.received, r.name.casefold()))
    return out


# --- CSV ------------------------------------------------------------------------------

CSV_COLUMNS = (
    "month", "unit_code", "unit_name", "received", "open", "resolved", "closed", "rejected", "merged",
    "resolved_on_time", "resolved_late", "still_overdue", "overdue_up_to_1_day", "overdue_1_to_5_days",
    "overdue_over_5_days", "on_time_resolution_percent", "acknowledged_on_time", "acknowledged_late",
    "acknowledgement_overdue", "fixed", "cannot_fix", "referred", "satisfied", "unsatisfied",
    "satisfaction_percent", "ever_resolved", "reopened", "reopen_percent", "median_hours_from", "median_hours_to",
)


def _csv_row(month, code, name, f, bands):
    median = f.median_hours
    return [
        f"{month:%Y-%m}", code, name, f.received, f.open, f.resolved, f.closed, f.rejected, f.merged,
        f.res_on_time, f.res_late, f.res_overdue, bands["up_to_1_day"], bands["1_to_5_days"], bands["over_5_days"],
        _blank(f.on_time_resolution.percent), f.ack_on_time, f.ack_late, f.ack_overdue,
        f.fixed, f.cannot_fix, f.referred, f.satisfied, f.unsatisfied, _blank(f.satisfaction.percent),
        f.ever_resolved, f.reopened, _blank(f.reopen_rate.percent), _blank(median.low), _blank(median.high),
    ]


def _blank(value):
    return "" if value is None else value


def to_csv(report):
    """The report as CSV text (UTF-8 with a byte-order mark, so spreadsheet
    programs show Vietnamese names correctly). City-wide: one row per unit
    and a last row "all" for the city."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    if report.unit is not None:
        writer.writerow(_csv_row(report.month, report.unit.code, report.unit.name, report.figures, report.bands))
    else:
        for row in report.rows:
            writer.writerow(_csv_row(report.month, row.unit.code if row.unit else "", row.name, row, row.bands))
        writer.writerow(_csv_row(report.month, "all", _("All units"), report.figures, report.bands))
    return out.getvalue()


# --- e-mail at the start of the month ------------------------------------------------------

def send_all(month=None):
    """E-mail last month's report to each unit's heads, and the city-wide one
    to the coordinators. Each goes once (MonthlyReportDelivery), so running
    the job again, or after a crash half-way, sends only what is missing.
    Returns the number of e-mails sent."""
    month = month or previous_month()
    rollup.refresh()
    sent = 0
    with translation.override(settings.LANGUAGE_CODE):
        heads = _emails_by_unit(Role.HEAD)
        for unit in Unit.objects.filter(pk__in=heads).order_by("name"):
            report = build(month, unit)
            if report.figures.received or report.figures.overdue_now:
                sent += _deliver(report, heads[unit.pk])
        coordinators = sorted({email for emails in _emails_by_unit(Role.COORDINATOR).values() for email in emails})
        if coordinators:
            sent += _deliver(build(month, None), coordinators)
    return sent


def _emails_by_unit(role):
    found = {}
    memberships = Membership.objects.filter(role=role, user__is_active=True).exclude(user__email="")
    for unit_id, email in memberships.values_list("unit_id", "user__email"):
        found.setdefault(unit_id, []).append(email)
    return found


def _deliver(report, recipients):
    """Send one report unless it was already sent; the delivery row is
    claimed first, so two workers cannot both send it."""
    try:
        with transaction.atomic():
            delivery = MonthlyReportDelivery.objects.create(
                month=report.month, unit=report.unit, recipients=len(recipients), sent_at=clock.now())
            message = EmailMessage(
                subject=report.title, body=render_to_string("stats/email/monthly.txt", {
                    "report": report, "page_url": settings.SITE_URL + page_path(report),
                }),
                from_email=settings.DEFAULT_FROM_EMAIL, to=recipients,
            )
            suffix = report.unit.code if report.unit else "thanh-pho"
            message.attach(f"bao-cao-{report.month:%Y-%m}-{suffix}.csv", to_csv(report), "text/csv")
            # Sent inside the transaction: if sending fails, the claim rolls
            # back and the next run tries again.
            message.send()
    except IntegrityError:
        return 0
    return 1 if delivery.pk else 0


def page_path(report):
    if report.unit is None:
        return reverse("stats:monthly", args=[f"{report.month:%Y-%m}"])
    return reverse("stats:unit_monthly", args=[f"{report.month:%Y-%m}", report.unit.code])
